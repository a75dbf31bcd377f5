"""export_csv and import_csv: RFC 4180 out, ours/Huntr/Teal in, per-record skips, a lossless round trip."""

import csv
import datetime
import io
import tracemalloc
from pathlib import Path

import pytest
from sqlalchemy import text
from webob import Request

from jobhax import quotas
from jobhax.jobapps.csv_export import HEADER
from tests.api_client import assert_error, assert_ok
from tests.metrics.test_counts import assert_agree

BASE = "/api/jobapps"
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "csv"
HEADER_LINE = "id,job_title,company,status,rejected,applied_on,source,location,job_url,notes,last_update\r\n"


def export(api, **params):
    response = api.get(f"{BASE}/export_csv", params)
    assert response.status_int == 200, response.body[:500]
    assert response.content_type == "text/csv" and response.charset == "utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    return response.body.decode("utf-8")


def records(body):
    return list(csv.DictReader(io.StringIO(body, newline="")))


def import_csv(api, body, content_type="text/csv"):
    if isinstance(body, str):
        body = body.encode("utf-8")
    return api.testapp.post(
        f"{BASE}/import_csv",
        body,
        headers=dict(api.headers, **{"Content-Type": content_type}),
        expect_errors=True,
    )


def add(api, **fields):
    return assert_ok(
        api.post(f"{BASE}/add_jobapp", dict({"job_title": "Engineer", "company": "ACME"}, **fields))
    )


def jobapps(api):
    return assert_ok(api.get(f"{BASE}/get_jobapps"))


# Export.


def test_the_header_line_is_exactly_the_contracts(api):
    assert export(api) == HEADER_LINE
    assert ",".join(HEADER) + "\r\n" == HEADER_LINE


def test_export_writes_every_field_rfc_4180_quoted(api):
    status = assert_ok(api.post(f"{BASE}/add_status", {"value": "Take-home, round 2"}))
    jobapp = add(
        api,
        job_title='Senior "Rust" Engineer',
        company="Acme, Inc.",
        status_id=status["id"],
        application_date="2019-01-23T14:18:12Z",
        source="LinkedIn",
        location="Zürich",
        job_url="https://jobs.example.com/a?b=1,2",
    )
    api.post(f"{BASE}/add_jobapp_note", {"jobapp_id": jobapp["id"], "description": "first"})
    api.post(f"{BASE}/add_jobapp_note", {"jobapp_id": jobapp["id"], "description": "second"})
    api.post(f"{BASE}/update_jobapp", {"jobapp_id": jobapp["id"], "rejected": True})
    body = export(api)
    assert body.startswith(HEADER_LINE)
    lines = body.split("\r\n")
    assert lines[1].startswith(
        f'{jobapp["id"]},"Senior ""Rust"" Engineer","Acme, Inc.","Take-home, round 2",true,'
    )
    [row] = records(body)
    # get_jobapps' lastUpdate: here the rejection, which may fall a second after the first history row.
    [listed] = assert_ok(api.get(f"{BASE}/get_jobapps"))
    assert row == {
        "id": str(jobapp["id"]),
        "job_title": 'Senior "Rust" Engineer',
        "company": "Acme, Inc.",
        "status": "Take-home, round 2",
        "rejected": "true",
        "applied_on": "2019-01-23T14:18:12Z",
        "source": "LinkedIn",
        "location": "Zürich",
        "job_url": "https://jobs.example.com/a?b=1,2",
        "notes": "first\nsecond",
        "last_update": listed["lastUpdate"],
    }


@pytest.mark.parametrize(
    "title, cell",
    [
        ('=HYPERLINK("http://evil","x")', '\'=HYPERLINK("http://evil","x")'),
        ("+1 555 0100", "'+1 555 0100"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("Engineer = good", "Engineer = good"),
    ],
)
def test_formula_cells_are_neutralised(api, title, cell):
    jobapp = add(api, job_title=title, company=title, source="=cmd|' /C calc'!A0", location="@here")
    assert_ok(api.post(f"{BASE}/add_jobapp_note", {"jobapp_id": jobapp["id"], "description": "-note"}))
    [row] = records(export(api))
    assert row["job_title"] == cell and row["company"] == cell
    assert row["source"] == "'=cmd|' /C calc'!A0" and row["location"] == "'@here"
    assert row["notes"] == "'-note"


def test_export_filters_by_status_and_days_and_shows_only_own_live_applications(api, other_api, factories):
    jan = add(api, application_date="2019-01-31T23:59:59Z")
    feb = add(api, application_date="2019-02-01T00:00:00Z", status_id=3)
    mar = add(api, application_date="2019-03-15")
    add(other_api, application_date="2019-02-10")
    gone = add(api, application_date="2019-02-10")
    api.post(f"{BASE}/delete_jobapp", {"jobapp_id": gone["id"]})

    def ids(**params):
        return [int(r["id"]) for r in records(export(api, **params))]

    assert ids() == [mar["id"], feb["id"], jan["id"]]
    assert ids(status_id=3) == [feb["id"]]
    assert ids(**{"from": "2019-02-01"}) == [mar["id"], feb["id"]]
    assert ids(to="2019-01-31") == [jan["id"]]
    assert ids(**{"from": "2019-02-01", "to": "2019-02-28"}) == [feb["id"]]
    assert ids(status_id=2) == []


@pytest.mark.parametrize(
    "params",
    [{"status_id": "abc"}, {"from": "2019-13-01"}, {"to": "yesterday"}, {"from": "2019-01-01T00:00:00Z"}],
)
def test_export_refuses_bad_filters(api, params):
    assert_error(api.get(f"{BASE}/export_csv", params), 10, 400)


def test_export_of_a_missing_status_is_11_and_no_bearer_is_401(api, testapp):
    assert_error(api.get(f"{BASE}/export_csv", {"status_id": 999}), 11, 404)
    assert_error(testapp.get(f"{BASE}/export_csv", expect_errors=True), 1, 401)
    assert_error(
        testapp.get(f"{BASE}/export_csv", headers={"Authorization": "Bearer nope"}, expect_errors=True),
        1,
        401,
    )


def _bulk_jobapps(engine, user_id, count):
    with engine.begin() as connection:
        connection.execute(
            text("""INSERT INTO job_applications (user_id, job_title, company, source, status_id, apply_date)
                    SELECT :u, 'Engineer ' || g, 'Company ' || (g % 97), 'LinkedIn', 1 + g % 5,
                           timestamptz '2019-01-01' + g * interval '1 minute'
                    FROM generate_series(1, :n) g"""),
            {"u": user_id, "n": count},
        )


def _streamed(app, headers):
    """``(bytes, chunks, rows, peak bytes allocated while the body was produced)`` of one export."""
    # A client accepting gzip still gets the stream: only answers of known length are compressed.
    headers = dict(headers, **{"Accept-Encoding": "gzip"})
    status, _, app_iter = Request.blank(f"{BASE}/export_csv", headers=headers).call_application(app)
    assert status.startswith("200")
    tracemalloc.start()
    try:
        size = chunks = rows = 0
        for chunk in app_iter:
            size += len(chunk)
            chunks += 1
            rows += chunk.count(b"\r\n")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        app_iter.close()
    return size, chunks, rows, peak


def test_export_of_20000_rows_streams_in_constant_memory(app, api, other_api, engine):
    _bulk_jobapps(engine, other_api.user.id, 2_000)
    _bulk_jobapps(engine, api.user.id, 20_000)
    _streamed(app, other_api.headers)  # Warm-up: compiled statements, pool, imports.
    small = _streamed(app, other_api.headers)
    size, chunks, rows, peak = _streamed(app, api.headers)
    assert rows == 20_001 and chunks > 40
    # Ten times the rows, not ten times the memory: one batch is held at a time, never the ~1.6 MB file.
    assert peak < 2 * small[3], (peak, small)
    assert peak < size / 2, (peak, size)


def test_export_issues_the_same_statements_for_few_and_many_rows(
    app, testapp, factories, engine, count_statements
):
    counts = []
    for size in (1, 500):
        user = factories.user()
        token = factories.access_token(user)
        _bulk_jobapps(engine, user.id, size)
        headers = {"Authorization": f"Bearer {token}"}
        testapp.get(f"{BASE}/get_statuses", headers=headers)
        with count_statements() as counter:
            body = testapp.get(f"{BASE}/export_csv", {"status_id": 2}, headers=headers).body
        assert body.count(b"\r\n") > 1
        counts.append(counter.count)
    assert counts[0] == counts[1]


# Import.


def test_round_trip_export_delete_all_import_recreates_the_same_applications(api, engine):
    ghosted = assert_ok(api.post(f"{BASE}/add_status", {"value": "Ghosted"}))
    first = add(
        api,
        job_title="=SUM(A1:A9)",
        company='Acme, "the" Inc.',
        source="LinkedIn",
        application_date="2019-01-23T14:18:12Z",
        job_url="https://jobs.example.com/1",
        location="Berlin, DE",
    )
    second = add(api, job_title="-Lead-", company="@Globex", status_id=ghosted["id"], source="")
    third = add(api, job_title="Designer", company="Initech", status_id=4, application_date="2018-12-31")
    api.post(f"{BASE}/update_jobapp", {"jobapp_id": third["id"], "rejected": True})
    for note in ("Called back", "Second round\ton Friday"):
        api.post(f"{BASE}/add_jobapp_note", {"jobapp_id": first["id"], "description": note})

    def comparable():
        result = []
        for jobapp in jobapps(api):
            notes = assert_ok(api.get(f"{BASE}/get_jobapp_notes", {"jobapp_id": jobapp["id"]}))
            jobapp = {key: value for key, value in jobapp.items() if key != "id"}
            result.append((jobapp, [note["description"] for note in notes]))
        return result

    before = comparable()
    exported = export(api)
    for jobapp in (first, second, third):
        assert_ok(api.post(f"{BASE}/delete_jobapp", {"jobapp_id": jobapp["id"]}))
    assert jobapps(api) == []
    answer = assert_ok(import_csv(api, exported))
    assert answer == {"created": 3, "skipped": []}
    assert comparable() == before
    assert [s["value"] for s in assert_ok(api.get(f"{BASE}/get_statuses"))].count("Ghosted") == 1
    assert_agree(engine)


def test_huntr_export_imports_with_its_lists_as_statuses(api, engine):
    answer = assert_ok(import_csv(api, (FIXTURES / "huntr_export.csv").read_bytes()))
    assert answer == {"created": 5, "skipped": []}
    by_company = {jobapp["company"]: jobapp for jobapp in jobapps(api)}
    stripe = by_company["Stripe"]
    assert stripe["jobTitle"] == "Backend Engineer" and stripe["applicationStatus"]["value"] == "Applied"
    assert stripe["applicationStatus"]["id"] == 1
    assert stripe["applyDate"] == "2024-03-05T14:22:10Z"
    assert stripe["location"] == "San Francisco, CA"
    assert stripe["jobUrl"] == "https://stripe.com/jobs/listing/backend-engineer/5421"
    acme = by_company["Acme, Inc."]
    notes = assert_ok(api.get(f"{BASE}/get_jobapp_notes", {"jobapp_id": acme["id"]}))
    assert [note["description"] for note in notes] == ["Recruiter screen done", "Onsite next week"]
    statuses = [s["value"] for s in assert_ok(api.get(f"{BASE}/get_statuses"))]
    # Huntr's lists other than the shared names become the caller's custom statuses, in file order.
    assert statuses[5:] == ["Wishlist", "Interview", "Rejected"]
    assert by_company["Globex"]["applicationStatus"] == {"id": 5, "value": "Offer"}
    assert by_company["Figma"]["applyDate"][:10] == datetime.datetime.now(datetime.UTC).date().isoformat()
    assert_agree(engine)


def test_teal_export_imports_with_us_dates(api):
    answer = assert_ok(import_csv(api, (FIXTURES / "teal_export.csv").read_bytes()))
    assert answer == {"created": 5, "skipped": []}
    by_company = {jobapp["company"]: jobapp for jobapp in jobapps(api)}
    vercel = by_company["Vercel"]
    assert vercel["jobTitle"] == "Senior Frontend Engineer"
    assert vercel["applyDate"] == "2024-03-04T00:00:00Z"
    assert vercel["jobUrl"] == "https://vercel.com/careers/senior-frontend-engineer-5003"
    assert by_company["Shopify"]["applicationStatus"]["value"] == "Interviewing"
    assert by_company["Atlassian"]["applicationStatus"]["value"] == "Not Selected"
    statuses = [s["value"] for s in assert_ok(api.get(f"{BASE}/get_statuses"))]
    assert statuses[5:] == ["Interviewing", "Bookmarked", "Not Selected", "I Withdrew"]


def test_known_statuses_match_whatever_their_case(api):
    mine = assert_ok(api.post(f"{BASE}/add_status", {"value": "Ghosted"}))
    body = "title,company,stage\r\nA,B,GHOSTED\r\nC,D,phone screen\r\nE,F,\r\n"
    assert assert_ok(import_csv(api, body))["created"] == 3
    assert sorted(j["applicationStatus"]["id"] for j in jobapps(api)) == [1, 3, mine["id"]]
    assert len(assert_ok(api.get(f"{BASE}/get_statuses"))) == 6


def test_bad_records_are_skipped_with_the_line_they_start_on(api):
    body = (
        "job_title,company,status,rejected,applied_on,job_url,notes\r\n"  # line 1
        'Engineer,ACME,,false,2019-01-01,,"two\r\nlines"\r\n'  # lines 2-3
        ",ACME,,,,,\r\n"  # 4: no title
        "Engineer,   ,,,,,\r\n"  # 5: blank company
        "Engineer,ACME,,maybe,,,\r\n"  # 6: bad flag
        "Engineer,ACME,,,31/31/2019,,\r\n"  # 7: bad date
        "Engineer,ACME,,,,javascript:alert(1),\r\n"  # 8: bad URL
        f"{'x' * 501},ACME,,,,,\r\n"  # 9: title too long
        f"Engineer,ACME,{'s' * 65},,,,\r\n"  # 10: status too long
        "\r\n"  # 11: empty, ignored
        "Engineer,ACME\x00,,,,,\r\n"  # 12: NUL
        "Designer,Globex,Offer,TRUE,01/02/2019,https://globex.example/1,\r\n"  # 13: fine
    )
    answer = assert_ok(import_csv(api, body))
    assert answer["created"] == 2
    assert [entry["line"] for entry in answer["skipped"]] == [4, 5, 6, 7, 8, 9, 10, 12]
    reasons = [entry["reason"] for entry in answer["skipped"]]
    assert reasons[0].startswith("job_title") and reasons[1].startswith("company")
    assert reasons[2].startswith("rejected") and reasons[3].startswith("applied_on")
    assert reasons[4].startswith("job_url") and reasons[5].startswith("job_title")
    assert reasons[6].startswith("status") and "NUL" in reasons[7]
    globex = next(j for j in jobapps(api) if j["company"] == "Globex")
    assert globex["isRejected"] is True and globex["applyDate"] == "2019-01-02T00:00:00Z"


def test_rows_beyond_the_custom_status_quota_are_skipped_whole(api):
    for n in range(quotas.CUSTOM_STATUSES - 1):
        api.post(f"{BASE}/add_status", {"value": f"Stage {n}"})
    body = "title,company,status\r\nA,B,New one\r\nC,D,Another\r\nE,F,new ONE\r\nG,H,Applied\r\n"
    answer = assert_ok(import_csv(api, body))
    assert answer["created"] == 3
    assert answer["skipped"] == [
        {"line": 3, "reason": "status: no room for another custom status (quota 50)"}
    ]
    assert len(assert_ok(api.get(f"{BASE}/get_statuses"))) == 5 + quotas.CUSTOM_STATUSES


def test_rows_beyond_the_application_quota_are_skipped(api, engine):
    _bulk_jobapps(engine, api.user.id, quotas.LIVE_APPLICATIONS - 2)
    answer = assert_ok(import_csv(api, "title,company\r\nA,B\r\nC,D\r\nE,F\r\n"))
    reason = f"quota exceeded: {quotas.LIVE_APPLICATIONS} live applications"
    assert answer == {"created": 2, "skipped": [{"line": 4, "reason": reason}]}


@pytest.mark.parametrize(
    "body, detail",
    [
        (b"", "header"),
        (b"\xff\xfeb\x00a\x00d\x00", "UTF-8"),
        ("job_title,status\r\nA,B\r\n", "company"),
        ("just some text without columns", "title"),
        ('"unterminated', "header"),
    ],
)
def test_a_file_that_is_no_usable_csv_is_10(api, body, detail):
    response = import_csv(api, body)
    assert response.status_int == 400 and response.json["error_code"] == 10, response.json
    assert detail in response.json["error_message"]
    assert jobapps(api) == []


@pytest.mark.parametrize(
    "body",
    [
        'title,company\r\n"a"b,c\r\n"x\r\n',
        "title,company\r\n" + "a" * 200_000 + ",b\r\nok,fine\r\n",
        "title,company\rA,B\rC,D\r",
        "\ufefftitle,company\nA,B\n",
        "title;company\r\nA;B\r\n",
    ],
)
def test_hostile_files_never_answer_500(api, body):
    response = import_csv(api, body)
    assert response.status_int in (200, 400), response.body[:300]
    if response.status_int == 200:
        assert_agree_created(api, response.json["data"])


def assert_agree_created(api, answer):
    assert answer["created"] == len(jobapps(api))


def test_import_limits_the_body_to_1_mib_and_needs_a_bearer(api, testapp):
    big = b"title,company\r\n" + b"Engineer,ACME\r\n" * 80_000
    assert_error(import_csv(api, big), 10, 413)
    response = testapp.post(f"{BASE}/import_csv", b"title,company\r\nA,B\r\n", expect_errors=True)
    assert_error(response, 1, 401)
    assert jobapps(api) == []


def test_import_issues_the_same_statements_for_few_and_many_rows(api, count_statements):
    api.get(f"{BASE}/get_statuses")
    counts = []
    for rows in (1, 300):
        body = "title,company,status,notes\r\n" + "".join(
            f'T{n},C{n},Stage {n % 7},"a\nb"\r\n' for n in range(rows)
        )
        with count_statements() as counter:
            assert assert_ok(import_csv(api, body))["created"] == rows
        counts.append(counter.count)
    assert counts[0] == counts[1]
