"""get_funnel, get_response_stats, get_weekly_activity and their reporting views, against a plain Python
recomputation from the tables (applications, status history, rejection times) over randomized histories
written by every kind of write: add, status change, rejection, edit, delete, merge, CSV import."""

import datetime
import itertools
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text, update

from jobhax.clock import utc_today
from jobhax.envelope import ErrorCode
from jobhax.jobapps import csv_import, duplicates, services, statuses
from jobhax.jobapps.models import StatusHistory
from jobhax.metrics.insights import SOURCES, STAGES, iso_week_name, median, week_window
from tests.api_client import ApiClient, assert_error, assert_ok

FUNNEL = "/api/metrics/get_funnel"
RESPONSES = "/api/metrics/get_response_stats"
WEEKLY = "/api/metrics/get_weekly_activity"
SOURCE_NAMES = ("LinkedIn", "indeed", "Hired.com", "Vettery", "", "Greenhouse")
UTC = datetime.UTC


# ---- the recomputation: the rules as README states them, over the raw tables ----


def stage_of(status_id):
    return status_id if status_id in (3, 4, 5) else 1


def bucket_of(source):
    names = {"hired.com": "Hired.com", "linkedin": "LinkedIn", "indeed": "Indeed", "vettery": "Vettery"}
    return names.get(source.strip(" \t\r\n").lower(), "Others")


def facts(db, user_id):
    """One dict per live application of the user, from job_applications and status_history only."""
    apps = db.execute(
        text("""SELECT id, status_id, apply_date, source, is_rejected, rejection_changed_at
                FROM job_applications WHERE user_id = :u AND deleted_at IS NULL"""),
        {"u": user_id},
    ).all()
    history = {}
    for jobapp_id, status_id, changed_at in db.execute(
        text("""SELECT h.jobapp_id, h.status_id, h.changed_at FROM status_history h
                JOIN job_applications j ON j.id = h.jobapp_id WHERE j.user_id = :u"""),
        {"u": user_id},
    ):
        history.setdefault(jobapp_id, []).append((status_id, changed_at))
    result = []
    for jobapp_id, status_id, apply_date, source, rejected, rejected_at in apps:
        rows = history.get(jobapp_id, [])
        furthest = max([stage_of(status_id)] + [stage_of(s) for s, _ in rows])
        candidates = [at for s, at in rows if s not in (1, 2)]
        if rejected:
            candidates.append(rejected_at)
        response = min(candidates) if candidates else None
        days = None
        if response is not None:
            days = max(0, (response.astimezone(UTC).date() - apply_date.astimezone(UTC).date()).days)
        result.append(
            {
                "id": jobapp_id,
                "applied": apply_date,
                "bucket": bucket_of(source),
                "furthest": furthest,
                "rejected": rejected,
                "response": response,
                "days": days,
            }
        )
    return result


def in_range(fact, first, last):
    day = fact["applied"].astimezone(UTC).date()
    return (first is None or day >= first) and (last is None or day <= last)


def expected_funnel(apps):
    stages = [
        {
            "status_id": stage,
            "status": name,
            "reached": sum(a["furthest"] >= stage for a in apps),
            "rejected_here": sum(a["rejected"] and a["furthest"] == stage for a in apps),
        }
        for stage, name in STAGES
    ]
    reached = [s["reached"] for s in stages]
    conversion = [round(reached[i + 1] / reached[i], 4) if reached[i] else 0 for i in range(3)]
    return {"stages": stages, "conversion": conversion}


def plain_median(values):
    values = sorted(values)
    if not values:
        return None
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2


def summary(apps):
    responded = [a["days"] for a in apps if a["response"] is not None]
    return {
        "total": len(apps),
        "responded": len(responded),
        "response_rate": round(len(responded) / len(apps), 4) if apps else 0,
        "median_days_to_response": plain_median(responded),
    }


def expected_responses(apps):
    overall = summary(apps)
    return {
        "responded": overall["responded"],
        "total": overall["total"],
        "response_rate": overall["response_rate"],
        "median_days_to_response": overall["median_days_to_response"],
        "by_source": [
            {"source_bucket": source, **summary([a for a in apps if a["bucket"] == source])}
            for source in SOURCES
        ],
    }


def expected_weekly(apps, today):
    def week(at):
        return iso_week_name(at.astimezone(UTC).date())

    return [
        {
            "week": iso_week_name(monday),
            "applied": sum(week(a["applied"]) == iso_week_name(monday) for a in apps),
            "responses": sum(
                a["response"] is not None and week(a["response"]) == iso_week_name(monday) for a in apps
            ),
        }
        for monday in week_window(today)
    ]


def check_everything(api, db, first=None, last=None):
    """Every endpoint (with and without the range) and every view agree with the recomputation."""
    db.expire_all()
    apps = [a for a in facts(db, api.user.id) if in_range(a, first, last)]
    params = {}
    if first:
        params["from"] = first.isoformat()
    if last:
        params["to"] = last.isoformat()
    assert assert_ok(api.get(FUNNEL, params)) == expected_funnel(apps)
    assert assert_ok(api.get(RESPONSES, params)) == expected_responses(apps)
    assert assert_ok(api.get(WEEKLY, params)) == expected_weekly(apps, utc_today())
    if params:
        return
    funnel_rows = db.execute(
        text(
            "SELECT status_id, status, reached, rejected_here FROM reporting.funnel WHERE user_id = :u ORDER BY 1"
        ),
        {"u": api.user.id},
    ).all()
    stages = expected_funnel(apps)["stages"] if apps else []
    assert [tuple(row) for row in funnel_rows] == [
        (s["status_id"], s["status"], s["reached"], s["rejected_here"]) for s in stages
    ]
    times = db.execute(
        text("""SELECT jobapp_id, source_bucket, applied_at, first_response_at FROM reporting.response_times
                WHERE user_id = :u ORDER BY jobapp_id"""),
        {"u": api.user.id},
    ).all()
    assert [tuple(row) for row in times] == [
        (a["id"], a["bucket"], a["applied"], a["response"]) for a in sorted(apps, key=lambda a: a["id"])
    ]


# ---- randomized histories through every kind of write ----

NOW = datetime.datetime.now(UTC).replace(microsecond=0)

offsets = st.integers(min_value=-120, max_value=2)
operation = st.one_of(
    st.tuples(
        st.just("add"), st.sampled_from((1, 2, 3, 4, 5, "custom")), st.sampled_from(SOURCE_NAMES), offsets
    ),
    st.tuples(st.just("status"), st.integers(0, 50), st.sampled_from((1, 2, 3, 4, 5, "custom")), offsets),
    st.tuples(st.just("reject"), st.integers(0, 50), st.booleans(), offsets),
    st.tuples(st.just("edit"), st.integers(0, 50), st.sampled_from(SOURCE_NAMES), offsets),
    st.tuples(st.just("delete"), st.integers(0, 50)),
    st.tuples(st.just("merge"), st.integers(0, 50), st.integers(0, 50), offsets),
    st.tuples(
        st.just("import"), st.sampled_from(("Applied", "Phone Screen", "Offer", "Ghosted")), st.booleans()
    ),
)


def at(offset_days):
    return NOW + datetime.timedelta(days=offset_days, hours=offset_days % 7)


def apply_operation(db, user_id, custom_id, op):
    """One write, committed, as the endpoints make it (the service functions they call)."""
    live = (
        db.execute(
            text("SELECT id FROM job_applications WHERE user_id = :u AND deleted_at IS NULL ORDER BY id"),
            {"u": user_id},
        )
        .scalars()
        .all()
    )
    kind = op[0]

    def status(value):
        return custom_id if value == "custom" else value

    def jobapp(index):
        return services.require_jobapp(db, user_id, live[index % len(live)], for_update=True)

    if kind == "add":
        _, status_id, source, offset = op
        services.add_jobapp(
            db,
            user_id,
            job_title="Engineer",
            company="Acme",
            status_id=status(status_id),
            source=source,
            application_date=at(offset),
            now=at(offset),
        )
    elif kind == "import":
        _, status_value, rejected = op
        body = f"job_title,company,status,rejected,applied_on\nEngineer,Acme,{status_value},{rejected},2026-10-01\n"
        csv_import.import_csv(db, user_id, body.encode(), NOW)
    elif not live:
        return
    elif kind == "status":
        services.update_jobapp(db, jobapp(op[1]), status_id=status(op[2]), now=at(op[3]))
    elif kind == "reject":
        services.update_jobapp(db, jobapp(op[1]), rejected=op[2], now=at(op[3]))
    elif kind == "edit":
        services.update_jobapp(db, jobapp(op[1]), source=op[2], application_date=at(op[3]), now=NOW)
    elif kind == "delete":
        services.delete_jobapp(db, jobapp(op[1]), now=NOW)
    elif kind == "merge":
        keep, other = live[op[1] % len(live)], live[op[2] % len(live)]
        if keep != other:
            duplicates.merge_jobapps(db, user_id, keep, [other], at(op[3]))
    db.commit()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=st.lists(operation, min_size=1, max_size=14))
def test_insights_equal_the_recomputation_after_every_kind_of_write(testapp, factories, db, operations):
    user = factories.user()
    api = ApiClient(testapp, user, factories.access_token(user))
    custom_id = statuses.add_status(db, user.id, "Ghosted")[0]
    db.commit()
    for op in operations:
        apply_operation(db, user.id, custom_id, op)
        check_everything(api, db)
    check_everything(api, db, NOW.date() - datetime.timedelta(days=60), NOW.date())
    check_everything(api, db, None, NOW.date() - datetime.timedelta(days=30))
    # The counters, folded, still say the same.
    db.execute(text("SELECT metrics.compact_insight_counts()"))
    db.commit()
    check_everything(api, db)


# ---- the edge cases README defines, one by one ----


def day(n):
    return datetime.datetime(2026, 11, 2, 9, tzinfo=UTC) + datetime.timedelta(days=n)


def test_edge_cases_as_documented(api, db):
    user_id = api.user.id

    def add(status_id=1, source="LinkedIn", applied=0):
        jobapp = services.add_jobapp(
            db,
            user_id,
            job_title="Engineer",
            company="Acme",
            status_id=status_id,
            source=source,
            application_date=day(applied),
            now=day(0),
        )
        db.commit()
        return jobapp

    # To Apply, never applied: reaches Applied only, never a response (To Apply -> Applied is not one).
    to_apply = add(status_id=2)
    services.update_jobapp(db, to_apply, status_id=1, now=day(3))
    # Created at Onsite Interview (an import, say): reached Applied, Phone Screen and Onsite; responded when
    # created (2 days after its apply date).
    add(status_id=4, source="Indeed", applied=-2)
    # Applied -> Phone Screen on day 4, rejected on day 9: rejected at Phone Screen; response on day 4.
    screened = add()
    services.update_jobapp(db, screened, status_id=3, now=day(4))
    services.update_jobapp(db, screened, rejected=True, now=day(9))
    # Rejected without any status change: the rejection is the response (day 1); rejected at Applied.
    rejected = add(source="")
    services.update_jobapp(db, rejected, rejected=True, now=day(1))
    # A custom status is a response but not a stage.
    custom_id = statuses.add_status(db, user_id, "Take-home")[0]
    custom = add(source="Vettery")
    services.update_jobapp(db, custom, status_id=custom_id, now=day(6))
    db.commit()

    funnel = assert_ok(api.get(FUNNEL))
    assert [(s["status"], s["reached"], s["rejected_here"]) for s in funnel["stages"]] == [
        ("Applied", 5, 1),
        ("Phone Screen", 2, 1),
        ("Onsite Interview", 1, 0),
        ("Offer", 0, 0),
    ]
    assert funnel["conversion"] == [0.4, 0.5, 0]
    stats = assert_ok(api.get(RESPONSES))
    # Days: 2 (created at Onsite), 4 (screen), 1 (rejection), 6 (custom): median of 1, 2, 4, 6 is 3.
    assert (stats["responded"], stats["total"], stats["response_rate"]) == (4, 5, 0.8)
    assert stats["median_days_to_response"] == 3
    assert [s["source_bucket"] for s in stats["by_source"]] == [
        "Hired.com",
        "LinkedIn",
        "Indeed",
        "Vettery",
        "Others",
    ]
    hired, linkedin, _indeed, _vettery, others = stats["by_source"]
    assert hired == {
        "source_bucket": "Hired.com",
        "total": 0,
        "responded": 0,
        "response_rate": 0,
        "median_days_to_response": None,
    }
    assert (linkedin["total"], linkedin["responded"], linkedin["median_days_to_response"]) == (2, 1, 4)
    assert (others["total"], others["responded"], others["median_days_to_response"]) == (1, 1, 1)
    # Un-rejecting takes the rejection back: the application no longer responded.
    services.update_jobapp(db, rejected, rejected=False, now=day(12))
    db.commit()
    assert assert_ok(api.get(RESPONSES))["by_source"][4]["responded"] == 0
    check_everything(api, db)


def test_no_applications(api):
    funnel = assert_ok(api.get(FUNNEL))
    assert [s["reached"] for s in funnel["stages"]] == [0, 0, 0, 0] and funnel["conversion"] == [0, 0, 0]
    stats = assert_ok(api.get(RESPONSES))
    assert (stats["total"], stats["response_rate"], stats["median_days_to_response"]) == (0, 0, None)
    weeks = assert_ok(api.get(WEEKLY))
    assert len(weeks) == 12 and all(w["applied"] == w["responses"] == 0 for w in weeks)
    assert weeks[-1]["week"] == iso_week_name(utc_today())


def test_weekly_weeks_are_iso_weeks_oldest_first(api, db):
    today = utc_today()
    services.add_jobapp(db, api.user.id, job_title="E", company="A", application_date=NOW, now=NOW)
    db.commit()
    weeks = assert_ok(api.get(WEEKLY))
    year, week, _ = today.isocalendar()
    assert weeks[-1] == {"week": f"{year}-W{week:02d}", "applied": 1, "responses": 0}
    mondays = [datetime.date.fromisocalendar(int(w["week"][:4]), int(w["week"][6:]), 1) for w in weeks]
    assert all((b - a).days == 7 for a, b in itertools.pairwise(mondays))


def test_only_the_callers_live_applications_count(api, other_api, db):
    services.add_jobapp(db, other_api.user.id, job_title="E", company="A", status_id=5)
    gone = services.add_jobapp(db, api.user.id, job_title="E", company="A", status_id=5)
    services.delete_jobapp(db, gone)
    db.commit()
    assert assert_ok(api.get(FUNNEL))["stages"][0]["reached"] == 0
    assert assert_ok(api.get(RESPONSES))["total"] == 0


def test_range_selects_by_apply_day_inclusive(api, db):
    for n in (0, 1, 2):
        services.add_jobapp(db, api.user.id, job_title="E", company="A", application_date=day(n), now=day(n))
    db.commit()
    params = {"from": day(1).date().isoformat(), "to": day(2).date().isoformat()}
    assert assert_ok(api.get(FUNNEL, params))["stages"][0]["reached"] == 2
    assert assert_ok(api.get(RESPONSES, {"from": day(2).date().isoformat()}))["total"] == 1
    assert assert_ok(api.get(RESPONSES, {"to": day(0).date().isoformat()}))["total"] == 1
    # A reversed range selects nothing (as export_csv's does).
    reversed_range = {"from": day(2).date().isoformat(), "to": day(1).date().isoformat()}
    assert assert_ok(api.get(FUNNEL, reversed_range))["stages"][0]["reached"] == 0
    assert assert_ok(api.get(WEEKLY, reversed_range)) == expected_weekly([], utc_today())
    # The widest days there are.
    assert assert_ok(api.get(RESPONSES, {"from": "0001-01-01", "to": "9999-12-31"}))["total"] == 3


@pytest.mark.parametrize("path", [FUNNEL, RESPONSES, WEEKLY])
@pytest.mark.parametrize(
    "params",
    [
        {"from": "2026-13-01"},
        {"to": "yesterday"},
        {"from": "2026-11-2"},
        {"to": "2026-11-02T00:00:00Z"},
        {"from": "0000-01-01"},
    ],
)
def test_bad_range_is_10(api, path, params):
    response = api.get(path, params)
    assert response.status_int == 400, response.json
    assert response.json["error_code"] == 10 and response.json["data"] is None
    assert response.json["error_message"].startswith(ErrorCode.INVALID_PARAMETERS.message)


@pytest.mark.parametrize("path", [FUNNEL, RESPONSES, WEEKLY])
def test_needs_a_valid_bearer(testapp, path):
    assert_error(testapp.get(path, expect_errors=True), 1, 401)
    assert_error(testapp.get(path, headers={"Authorization": "Bearer forged"}, expect_errors=True), 1, 401)


@pytest.mark.parametrize("path", [FUNNEL, RESPONSES, WEEKLY])
@pytest.mark.parametrize("params", [{}, {"from": "2026-01-01", "to": "2026-12-31"}])
def test_statement_count_does_not_grow_with_rows(api, db, count_statements, path, params):
    services.add_jobapp(db, api.user.id, job_title="E", company="A")
    db.commit()
    with count_statements() as few:
        assert_ok(api.get(path, params))
    for n in range(30):
        jobapp = services.add_jobapp(
            db, api.user.id, job_title="E", company=f"A{n}", application_date=day(-n)
        )
        services.update_jobapp(db, jobapp, status_id=3 + n % 3, rejected=n % 2 == 0, now=day(n % 5))
    db.commit()
    with count_statements() as many:
        assert_ok(api.get(path, params))
    assert many.count == few.count
    # One statement computes the answer (from the counters, or the stored facts for a range).
    assert sum("metrics." in s for s in many.statements) == 1


def test_status_transitions_view(api, db):
    jobapp = services.add_jobapp(db, api.user.id, job_title="E", company="A", now=day(0))
    services.update_jobapp(db, jobapp, status_id=3, now=day(2))
    services.update_jobapp(db, jobapp, status_id=5, now=day(5))
    # A change read from mail, and an application an import created: their origins as history says.
    db.add(
        StatusHistory(
            user_id=api.user.id,
            jobapp_id=jobapp.id,
            status_id=4,
            changed_at=day(6),
            origin="email",
            msg_id="m-1",
        )
    )
    imported = services.add_jobapp(db, api.user.id, job_title="E", company="C", now=day(7))
    db.execute(update(StatusHistory).where(StatusHistory.jobapp_id == imported.id).values(origin="import"))
    gone = services.add_jobapp(db, api.user.id, job_title="E", company="B", now=day(0))
    services.delete_jobapp(db, gone)
    db.commit()
    rows = db.execute(
        text("""SELECT jobapp_id, from_status, to_status, changed_at, origin FROM reporting.status_transitions
                WHERE user_id = :u ORDER BY changed_at"""),
        {"u": api.user.id},
    ).all()
    assert [tuple(r) for r in rows] == [
        (jobapp.id, None, "Applied", day(0), "user"),
        (jobapp.id, "Applied", "Phone Screen", day(2), "user"),
        (jobapp.id, "Phone Screen", "Offer", day(5), "user"),
        (jobapp.id, "Offer", "Onsite Interview", day(6), "email"),
        (imported.id, None, "Applied", day(7), "import"),
    ]


def test_median_of_a_histogram():
    assert median({}) is None
    assert median({3: 1}) == 3
    assert median({1: 1, 4: 1}) == 2.5
    assert median({0: 3, 10: 1}) == 0
    assert median({1: 2, 2: 2}) == 1.5


def test_concurrent_history_writes_of_one_application_are_counted_once(api, db, engine):
    """Two transactions add history to one application at once (no application row lock between them):
    the second waits for the first's stored facts and counts from them, never twice, never an error."""
    jobapp = services.add_jobapp(db, api.user.id, job_title="E", company="A", now=day(0))
    db.commit()
    insert = text(
        "INSERT INTO status_history (user_id, jobapp_id, status_id, changed_at) VALUES (:u, :j, :s, :at)"
    ).bindparams(u=api.user.id)
    first, second = engine.connect(), engine.connect()
    try:
        first.begin()
        first.execute(insert, {"j": jobapp.id, "s": 3, "at": day(2)})
        finished = threading.Event()

        def write_second():
            with second.begin():
                second.execute(insert, {"j": jobapp.id, "s": 4, "at": day(5)})
            finished.set()

        thread = threading.Thread(target=write_second)
        thread.start()
        # The second transaction waits on the first one's stored facts.
        assert not finished.wait(1)
        first.commit()
        thread.join(30)
        assert finished.is_set()
    finally:
        first.close()
        second.close()
    funnel = assert_ok(api.get(FUNNEL))
    assert [s["reached"] for s in funnel["stages"]] == [1, 1, 1, 0]
    check_everything(api, db)
