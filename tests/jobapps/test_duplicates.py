"""get_duplicates finds the same job tracked twice; merge_jobapps folds them into one, losing nothing."""

import datetime
import threading

import pytest
from sqlalchemy import select, text

from jobhax.clock import utcnow
from jobhax.envelope import ApiError, ErrorCode
from jobhax.jobapps import duplicates, services
from jobhax.jobapps.models import JobPosting
from jobhax.mailimport.models import Mail
from tests.api_client import assert_error, assert_ok
from tests.metrics.test_counts import assert_agree
from tests.workers import wait_until

BASE = "/api/jobapps"


def add(api, job_title="Engineer", company="ACME", **fields):
    return assert_ok(api.post(f"{BASE}/add_jobapp", dict(job_title=job_title, company=company, **fields)))


def groups(api):
    return [[jobapp["id"] for jobapp in group] for group in assert_ok(api.get(f"{BASE}/get_duplicates"))]


def test_companies_match_case_punctuation_and_legal_suffix_insensitively(api):
    same = [
        add(api, "Senior Engineer", "Acme, Inc.", application_date="2019-01-01"),
        add(api, "senior  engineer", "ACME", application_date="2019-02-01"),
        add(api, " Senior Engineer ", "acme llc", application_date="2019-03-01"),
        add(api, "SENIOR ENGINEER", "Acme Co., Ltd.", application_date="2019-04-01"),
    ]
    add(api, "Senior Engineer", "Acme Labs")  # Another company.
    add(api, "Senior Engineer II", "Acme")  # Another title.
    pair = [add(api, "Designer", "Globex GmbH"), add(api, "designer", "globex")]
    answer = assert_ok(api.get(f"{BASE}/get_duplicates"))
    # Groups by company then title; each newest applyDate first, as objects of get_jobapps.
    assert [[j["id"] for j in group] for group in answer] == [
        [s["id"] for s in reversed(same)],
        [p["id"] for p in reversed(pair)],
    ]
    assert answer[0][-1] == same[0]


def test_only_own_live_applications_are_grouped(api, other_api):
    mine = add(api)
    add(other_api)
    assert groups(api) == [] and groups(other_api) == []
    twin = add(api, "engineer", "Acme Inc")
    assert groups(api) == [[twin["id"], mine["id"]]]
    api.post(f"{BASE}/delete_jobapp", {"jobapp_id": twin["id"]})
    assert groups(api) == []


def test_keys_follow_edits(api):
    first, second = add(api, "Engineer", "ACME"), add(api, "Designer", "ACME")
    assert groups(api) == []
    api.post(f"{BASE}/update_jobapp", {"jobapp_id": second["id"], "job_title": "ENGINEER"})
    assert groups(api) == [[second["id"], first["id"]]]


def _merge(api, keep_id, merge_ids):
    return api.post(f"{BASE}/merge_jobapps", {"keep_id": keep_id, "merge_ids": merge_ids})


def test_merge_moves_notes_history_mails_and_posting_and_keeps_the_furthest(api, db, engine):
    keep = add(api, "Engineer", "ACME", application_date="2019-03-01", source="")
    older = add(
        api,
        "engineer",
        "Acme Inc.",
        application_date="2019-01-15T10:00:00Z",
        status_id=4,
        source="LinkedIn",
        job_url="https://acme.example/jobs/1",
        location="Berlin",
    )
    third = add(api, "Engineer", "ACME", application_date="2019-02-01", status_id=3)
    api.post(f"{BASE}/update_jobapp", {"jobapp_id": third["id"], "rejected": True})
    for jobapp, note in ((keep, "kept note"), (older, "older note"), (third, "third note")):
        api.post(f"{BASE}/add_jobapp_note", {"jobapp_id": jobapp["id"], "description": note})
    when = datetime.datetime(2019, 1, 15, tzinfo=datetime.UTC)
    db.add(Mail(user_id=api.user.id, jobapp_id=older["id"], msg_id="m1", subject="Applied", date=when))
    db.add(
        JobPosting(user_id=api.user.id, jobapp_id=third["id"], decorated_job_posting={"title": "Engineer"})
    )
    db.commit()
    assert_agree(engine)

    merged = assert_ok(_merge(api, keep["id"], [str(older["id"]), third["id"], older["id"]]))
    assert merged == dict(
        keep,
        applicationStatus={"id": 4, "value": "Onsite Interview"},
        applyDate="2019-01-15T10:00:00Z",
        isRejected=True,
        source="LinkedIn",
        jobUrl="https://acme.example/jobs/1",
        location="Berlin",
        lastUpdate=merged["lastUpdate"],
    )
    assert assert_ok(api.get(f"{BASE}/get_jobapps")) == [merged]
    notes = assert_ok(api.get(f"{BASE}/get_jobapp_notes", {"jobapp_id": keep["id"]}))
    assert sorted(note["description"] for note in notes) == ["kept note", "older note", "third note"]
    history = assert_ok(api.get(f"{BASE}/get_status_history", {"jobapp_id": keep["id"]}))
    # Every moved row, oldest first, then the change to the furthest status.
    assert [row["applicationStatus"]["id"] for row in history] == [1, 4, 3, 4]
    # The merge's change is the user's, and the kept application's last update.
    assert history[-1]["origin"] == "user" and history[-1]["msgId"] is None
    assert merged["lastUpdate"] == history[-1]["update_date"][:19] + "Z"
    assert db.scalar(select(Mail.jobapp_id).where(Mail.msg_id == "m1")) == keep["id"]
    detail = assert_ok(api.get(f"{BASE}/get_jobapp_detail", {"jobapp_id": keep["id"]}))
    assert detail["decoratedJobPosting"] == {"title": "Engineer"}
    for gone in (older, third):
        assert_error(api.get(f"{BASE}/get_jobapp_notes", {"jobapp_id": gone["id"]}), 11, 404)
    assert groups(api) == []
    assert assert_ok(api.get("/api/metrics/get_total_application_count")) == {"count": 1}
    assert_agree(engine)


def test_merge_keeps_its_own_posting_and_status_when_it_is_furthest(api, db):
    keep = add(api, status_id=5)
    other = add(api, status_id=3)
    db.add(JobPosting(user_id=api.user.id, jobapp_id=keep["id"], top_card_v2={"mine": True}))
    db.add(JobPosting(user_id=api.user.id, jobapp_id=other["id"], top_card_v2={"theirs": True}))
    db.commit()
    merged = assert_ok(_merge(api, keep["id"], [other["id"]]))
    assert merged["applicationStatus"]["id"] == 5
    assert assert_ok(api.get(f"{BASE}/get_jobapp_detail", {"jobapp_id": keep["id"]}))["topCardV2"] == {
        "mine": True
    }
    history = assert_ok(api.get(f"{BASE}/get_status_history", {"jobapp_id": keep["id"]}))
    assert [row["applicationStatus"]["id"] for row in history] == [5, 3]


def test_to_apply_is_not_past_applied_and_a_custom_status_is_past_applied(api):
    keep = add(api, status_id=2)
    applied = add(api, status_id=1)
    merged = assert_ok(_merge(api, keep["id"], [applied["id"]]))
    assert merged["applicationStatus"]["id"] == 1
    ghosted = assert_ok(api.post(f"{BASE}/add_status", {"value": "Ghosted"}))
    custom = add(api, status_id=ghosted["id"])
    assert assert_ok(_merge(api, keep["id"], [custom["id"]]))["applicationStatus"]["id"] == ghosted["id"]
    screen = add(api, status_id=3)
    assert assert_ok(_merge(api, keep["id"], [screen["id"]]))["applicationStatus"]["id"] == 3


def test_a_foreign_deleted_or_missing_id_is_11_and_nothing_changes(api, other_api, engine):
    keep, mine = add(api), add(api)
    theirs = add(other_api)
    gone = add(api)
    api.post(f"{BASE}/delete_jobapp", {"jobapp_id": gone["id"]})
    before = assert_ok(api.get(f"{BASE}/get_jobapps"))
    for merge_ids in ([theirs["id"]], [mine["id"], theirs["id"]], [gone["id"]], [10**6]):
        assert_error(_merge(api, keep["id"], merge_ids), 11, 404)
    assert_error(_merge(api, theirs["id"], [mine["id"]]), 11, 404)
    assert assert_ok(api.get(f"{BASE}/get_jobapps")) == before
    assert len(assert_ok(other_api.get(f"{BASE}/get_jobapps"))) == 1


@pytest.mark.parametrize(
    "body",
    [
        {"keep_id": 1},
        {"keep_id": 1, "merge_ids": []},
        {"keep_id": 1, "merge_ids": "2"},
        {"keep_id": 1, "merge_ids": [True]},
        {"keep_id": 1, "merge_ids": list(range(2, 200))},
        {"merge_ids": [2]},
    ],
)
def test_merge_refuses_bad_parameters(api, body):
    assert_error(api.post(f"{BASE}/merge_jobapps", body), 10, 400)


def test_merge_refuses_keeping_an_application_it_merges(api):
    keep, other = add(api), add(api)
    response = _merge(api, keep["id"], [other["id"], keep["id"]])
    assert response.status_int == 400 and "keep_id" in response.json["error_message"]
    assert len(assert_ok(api.get(f"{BASE}/get_jobapps"))) == 2


def test_merge_beyond_200_notes_on_one_application_is_17(api, engine):
    keep, other = add(api), add(api)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO notes (user_id, jobapp_id, description, created_at) "
                "SELECT :u, :j, 'n', now() FROM generate_series(1, 150)"
            ),
            [{"u": api.user.id, "j": keep["id"]}, {"u": api.user.id, "j": other["id"]}],
        )
    assert_error(_merge(api, keep["id"], [other["id"]]), 17, 409)
    assert len(assert_ok(api.get(f"{BASE}/get_jobapps"))) == 2


def test_a_note_added_during_a_merge_waits_and_finds_no_room(api, app, engine):
    """Merging counts the notes of all; a note added to the kept application meanwhile takes its turn on the
    same quota, so the two together never pass 200."""
    keep, other = add(api), add(api)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO notes (user_id, jobapp_id, description, created_at) "
                "SELECT :u, :j, 'n', now() FROM generate_series(1, :n)"
            ),
            [{"u": api.user.id, "j": keep["id"], "n": 150}, {"u": api.user.id, "j": other["id"], "n": 50}],
        )
    merging = app.registry["dbsession_factory"]()
    noting = app.registry["dbsession_factory"]()
    outcome = {}

    def add_note():
        jobapp = services.require_jobapp(noting, api.user.id, keep["id"])
        try:
            services.add_note(noting, jobapp, "one more")
            noting.commit()
            outcome["note"] = "added"
        except ApiError as error:
            noting.rollback()
            outcome["note"] = error.code

    try:
        duplicates.merge_jobapps(merging, api.user.id, keep["id"], [other["id"]], utcnow())
        noting_pid = noting.scalar(text("SELECT pg_backend_pid()"))
        thread = threading.Thread(target=add_note)
        thread.start()
        wait_until(lambda: waits_for_a_lock(engine, noting_pid), message="the note waiting for the merge")
        merging.commit()
        thread.join(timeout=30)
        assert not thread.is_alive()
    finally:
        merging.close()
        noting.close()
    assert outcome == {"note": ErrorCode.QUOTA_EXCEEDED}
    notes = assert_ok(api.get(f"{BASE}/get_jobapp_notes", {"jobapp_id": keep["id"]}))
    assert len(notes) == 200


def waits_for_a_lock(engine, pid):
    with engine.connect() as connection:
        return connection.scalar(
            text("SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}
        )


def test_the_duplicate_endpoints_need_a_bearer(testapp):
    assert_error(testapp.get(f"{BASE}/get_duplicates", expect_errors=True), 1, 401)
    response = testapp.post_json(
        f"{BASE}/merge_jobapps", {"keep_id": 1, "merge_ids": [2]}, expect_errors=True
    )
    assert_error(response, 1, 401)
