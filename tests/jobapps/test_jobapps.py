"""Job application endpoints against the contract: exact bodies on success, the right code on every failure."""

import datetime
import http.client
import json
import re

import pytest
import webtest
from sqlalchemy import text

from jobhax import main
from jobhax.accounts import services as accounts
from jobhax.jobapps.models import JobPosting
from tests.api_client import assert_error, assert_ok
from tests.jobapps.conftest import BASE, ENDPOINTS, JOBAPP_ID_ENDPOINTS, NOTE_ID_ENDPOINTS, call, valid_params
from tests.servers import serve

APPLY_DATE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
MICRO_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
STATUSES = [
    {"id": 1, "value": "Applied"},
    {"id": 2, "value": "To Apply"},
    {"id": 3, "value": "Phone Screen"},
    {"id": 4, "value": "Onsite Interview"},
    {"id": 5, "value": "Offer"},
]
APPLIED = {"id": 1, "value": "Applied"}
PHONE_SCREEN = {"id": 3, "value": "Phone Screen"}


def utc(*args):
    return datetime.datetime(*args, tzinfo=datetime.UTC)


def today():
    return datetime.datetime.now(datetime.UTC).date().isoformat()


def jobapps(api, **params):
    return assert_ok(api.get(f"{BASE}/get_jobapps", params))


def history(api, jobapp_id):
    return assert_ok(api.get(f"{BASE}/get_status_history", {"jobapp_id": jobapp_id}))


# Success paths.


def test_get_statuses_lists_the_five_seeded_statuses_in_order(api):
    listed = assert_ok(api.get(f"{BASE}/get_statuses"))
    assert listed == [dict(status, position=status["id"]) for status in STATUSES]


def test_add_jobapp_applies_the_defaults_and_returns_the_created_object(api):
    before = today()
    created = assert_ok(api.post(f"{BASE}/add_jobapp", {"job_title": "Engineer", "company": "ACME"}))
    assert set(created) == {
        "id",
        "applicationStatus",
        "jobTitle",
        "company",
        "companyLogo",
        "applyDate",
        "msgId",
        "source",
        "isRejected",
        "user",
        "jobUrl",
        "location",
        "lastUpdate",
    }
    assert APPLY_DATE.match(created["applyDate"]) and created["applyDate"][:10] in {before, today()}
    # lastUpdate: the creation's history row.
    assert APPLY_DATE.match(created["lastUpdate"]) and created["lastUpdate"][:10] in {before, today()}
    assert created == {
        "id": created["id"],
        "applicationStatus": APPLIED,
        "jobTitle": "Engineer",
        "company": "ACME",
        "companyLogo": None,
        "applyDate": created["applyDate"],
        "msgId": None,
        "source": "",
        "isRejected": False,
        "user": api.user.id,
        "jobUrl": None,
        "location": None,
        "lastUpdate": created["lastUpdate"],
    }
    assert jobapps(api) == [created]


def test_add_jobapp_writes_the_initial_history_row(api):
    created = assert_ok(
        api.post(f"{BASE}/add_jobapp", {"job_title": "Engineer", "company": "ACME", "status_id": "3"})
    )
    rows = history(api, created["id"])
    assert rows == [
        {
            "applicationStatus": PHONE_SCREEN,
            "update_date": rows[0]["update_date"],
            "origin": "user",
            "msgId": None,
        }
    ]
    assert MICRO_TIME.match(rows[0]["update_date"])


@pytest.mark.parametrize(
    "application_date, apply_date",
    [
        ("2019-01-31", "2019-01-31T00:00:00Z"),
        ("2019-01-23T14:18:12", "2019-01-23T14:18:12Z"),
        ("2019-01-23T14:18:12Z", "2019-01-23T14:18:12Z"),
        ("2019-01-23T14:18:12.654321+02:00", "2019-01-23T12:18:12Z"),
    ],
)
def test_add_jobapp_accepts_a_date_or_an_iso_datetime(api, application_date, apply_date):
    body = {
        "job_title": "🤖 Lead Android Engineer",
        "company": "OpenPhone ",
        "status_id": 2,
        "application_date": application_date,
        "source": "Vettery",
    }
    created = assert_ok(api.post(f"{BASE}/add_jobapp", body))
    assert created == {
        "id": created["id"],
        "applicationStatus": {"id": 2, "value": "To Apply"},
        "jobTitle": "🤖 Lead Android Engineer",
        "company": "OpenPhone ",
        "companyLogo": None,
        "applyDate": apply_date,
        "msgId": None,
        "source": "Vettery",
        "isRejected": False,
        "user": api.user.id,
        "jobUrl": None,
        "location": None,
        "lastUpdate": created["lastUpdate"],
    }


def test_add_jobapp_ignores_unknown_keys(api):
    created = assert_ok(
        api.post(
            f"{BASE}/add_jobapp",
            {"job_title": "Engineer", "company": "ACME", "user": 999, "isRejected": True},
        )
    )
    assert created["user"] == api.user.id and created["isRejected"] is False


def test_get_jobapps_orders_newest_apply_date_first_then_id_descending(api, factories):
    older = factories.jobapp(api.user, application_date=utc(2019, 1, 1))
    first_of_march = factories.jobapp(api.user, application_date=utc(2019, 3, 1, 8))
    second_of_march = factories.jobapp(api.user, application_date=utc(2019, 3, 1, 8))
    oldest = factories.jobapp(api.user, application_date=utc(2018, 12, 31, 23, 59, 59))
    assert [row["id"] for row in jobapps(api)] == [second_of_march.id, first_of_march.id, older.id, oldest.id]


def test_get_jobapps_returns_the_full_objects(api, factories):
    jobapp = factories.jobapp(
        api.user,
        job_title="Android Intern",
        company="Mozilla",
        source="LinkedIn",
        application_date=utc(2018, 11, 14, 6, 8, 19, 999999),
        msg_id="16710d5be4d0ae7f",
        company_logo="https://example.com/logo.png",
    )
    listed = jobapps(api)
    assert listed == [
        {
            "id": jobapp.id,
            "applicationStatus": APPLIED,
            "jobTitle": "Android Intern",
            "company": "Mozilla",
            "companyLogo": "https://example.com/logo.png",
            "applyDate": "2018-11-14T06:08:19Z",
            "msgId": "16710d5be4d0ae7f",
            "source": "LinkedIn",
            "isRejected": False,
            "user": api.user.id,
            "jobUrl": None,
            "location": None,
            "lastUpdate": listed[0]["lastUpdate"],
        }
    ]
    assert APPLY_DATE.match(listed[0]["lastUpdate"])


def test_get_jobapps_is_empty_for_a_new_user(api):
    assert jobapps(api) == []


def test_get_jobapps_filters_by_status(api, factories):
    applied = factories.jobapp(api.user, status_id=1)
    screened = factories.jobapp(api.user, status_id=3)
    assert [row["id"] for row in jobapps(api, status_id=3)] == [screened.id]
    assert [row["id"] for row in jobapps(api, status_id="1")] == [applied.id]
    assert jobapps(api, status_id=5) == []


def test_get_jobapps_with_an_unknown_status_answers_11(api, factories):
    factories.jobapp(api.user)
    assert_error(api.get(f"{BASE}/get_jobapps", {"status_id": 99}), 11, 404)


@pytest.mark.parametrize("status_id", ["abc", "1.5", "0", "-1", "true", "", "99999999999"])
def test_get_jobapps_with_a_malformed_status_answers_10(api, status_id):
    assert_error(api.get(f"{BASE}/get_jobapps", {"status_id": status_id}), 10, 400)


def test_update_jobapp_changing_the_status_appends_one_history_row(api, factories):
    jobapp = factories.jobapp(api.user)
    assert (
        assert_ok(api.post(f"{BASE}/update_jobapp", {"jobapp_id": str(jobapp.id), "status_id": "3"})) is None
    )
    assert jobapps(api)[0]["applicationStatus"] == PHONE_SCREEN
    rows = history(api, jobapp.id)
    assert [row["applicationStatus"] for row in rows] == [APPLIED, PHONE_SCREEN]
    assert rows[0]["update_date"] <= rows[1]["update_date"]
    assert all(MICRO_TIME.match(row["update_date"]) for row in rows)


def test_update_jobapp_to_the_same_status_appends_nothing(api, factories):
    jobapp = factories.jobapp(api.user, status_id=3)
    assert_ok(api.post(f"{BASE}/update_jobapp", {"jobapp_id": jobapp.id, "status_id": 3}))
    assert [row["applicationStatus"] for row in history(api, jobapp.id)] == [PHONE_SCREEN]


def test_update_jobapp_rejection_alone_leaves_status_and_history(api, factories):
    jobapp = factories.jobapp(api.user)
    assert_ok(api.post(f"{BASE}/update_jobapp", {"jobapp_id": jobapp.id, "rejected": True}))
    row = jobapps(api)[0]
    assert row["isRejected"] is True and row["applicationStatus"] == APPLIED
    assert len(history(api, jobapp.id)) == 1


@pytest.mark.parametrize(
    "rejected, expected",
    [
        (True, True),
        (False, False),
        ("true", True),
        ("false", False),
        ("1", True),
        ("0", False),
    ],
)
def test_update_jobapp_accepts_rejected_as_bool_or_string(api, factories, rejected, expected):
    jobapp = factories.jobapp(api.user)
    assert_ok(api.post(f"{BASE}/update_jobapp", {"jobapp_id": jobapp.id, "rejected": not expected}))
    assert_ok(api.post(f"{BASE}/update_jobapp", {"jobapp_id": jobapp.id, "rejected": rejected}))
    assert jobapps(api)[0]["isRejected"] is expected


def test_update_jobapp_status_and_rejection_together(api, factories):
    jobapp = factories.jobapp(api.user)
    assert_ok(api.post(f"{BASE}/update_jobapp", {"jobapp_id": jobapp.id, "status_id": 5, "rejected": "1"}))
    row = jobapps(api)[0]
    assert row["applicationStatus"] == {"id": 5, "value": "Offer"} and row["isRejected"] is True
    assert len(history(api, jobapp.id)) == 2


def test_delete_jobapp_hides_the_application_everywhere(api, factories, db):
    kept = factories.jobapp(api.user)
    jobapp = factories.jobapp(api.user)
    note = factories.note(jobapp)
    assert assert_ok(api.post(f"{BASE}/delete_jobapp", {"jobapp_id": jobapp.id})) is None
    assert [row["id"] for row in jobapps(api)] == [kept.id]
    assert jobapps(api, status_id=1) == [jobapps(api)[0]]
    for name in ["get_status_history", "get_jobapp_detail", "get_jobapp_notes"]:
        assert_error(api.get(f"{BASE}/{name}", {"jobapp_id": jobapp.id}), 11, 404)
    for name in ["update_jobapp", "delete_jobapp", "add_jobapp_note"]:
        assert_error(call(api, name, valid_params(name, jobapp.id, note.id)), 11, 404)
    for name in NOTE_ID_ENDPOINTS:
        assert_error(call(api, name, valid_params(name, jobapp.id, note.id)), 11, 404)
    # Soft: the row and its dependents stay, only marked deleted.
    deleted_at, notes = db.execute(
        text(
            "SELECT deleted_at, (SELECT count(*) FROM notes WHERE jobapp_id = :id) FROM job_applications "
            "WHERE id = :id"
        ),
        {"id": jobapp.id},
    ).one()
    db.commit()
    assert deleted_at is not None and notes == 1


def test_get_jobapp_detail_without_a_posting_returns_three_empty_objects(api, factories):
    jobapp = factories.jobapp(api.user)
    assert assert_ok(api.get(f"{BASE}/get_jobapp_detail", {"jobapp_id": jobapp.id})) == {
        "posterInformation": {},
        "decoratedJobPosting": {},
        "topCardV2": {},
    }


def test_get_jobapp_detail_returns_the_stored_posting(api, factories, db):
    jobapp = factories.jobapp(api.user)
    db.add(
        JobPosting(
            user_id=jobapp.user_id,
            jobapp_id=jobapp.id,
            poster_information={"name": "Ada"},
            decorated_job_posting={"jobPosting": {"title": "Engineer"}},
            top_card_v2={},
        )
    )
    db.commit()
    assert assert_ok(api.get(f"{BASE}/get_jobapp_detail", {"jobapp_id": str(jobapp.id)})) == {
        "posterInformation": {"name": "Ada"},
        "decoratedJobPosting": {"jobPosting": {"title": "Engineer"}},
        "topCardV2": {},
    }


@pytest.mark.parametrize("name", ["get_status_history", "get_jobapp_detail", "get_jobapp_notes"])
def test_the_legacy_jopapp_id_spelling_is_accepted(api, factories, name):
    jobapp = factories.jobapp(api.user)
    factories.note(jobapp)
    legacy = api.get(f"{BASE}/{name}", {"jopapp_id": jobapp.id})
    assert assert_ok(legacy) == assert_ok(api.get(f"{BASE}/{name}", {"jobapp_id": jobapp.id}))
    assert_error(api.get(f"{BASE}/{name}", {"jopapp_id": "abc"}), 10, 400)
    assert_error(api.get(f"{BASE}/{name}", {"jopapp_id": jobapp.id + 100}), 11, 404)


# Authentication: code 1 on every endpoint, nothing written.


def _expired_token(factories, user):
    return factories.access_token(
        user, expires_in=60, now=datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=1)
    )


def _revoked_token(factories, user):
    token = factories.access_token(user)
    accounts.revoke_pair(factories.db, client_pk=factories.default_client()["pk"], token=token)
    factories.db.commit()
    return token


@pytest.mark.parametrize("name", sorted(ENDPOINTS))
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer not-a-token"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        "expired",
        "revoked",
    ],
)
def test_a_missing_invalid_expired_or_revoked_token_answers_1(
    testapp, api, seeded, factories, snapshot, name, headers
):
    if headers == "expired":
        headers = {"Authorization": f"Bearer {_expired_token(factories, api.user)}"}
    elif headers == "revoked":
        headers = {"Authorization": f"Bearer {_revoked_token(factories, api.user)}"}
    before = snapshot()
    params = valid_params(name, seeded["jobapp_id"], seeded["note_id"])
    if ENDPOINTS[name][0] == "GET":
        response = testapp.get(f"{BASE}/{name}", params, headers=headers, expect_errors=True)
    else:
        response = testapp.post_json(f"{BASE}/{name}", params, headers=headers, expect_errors=True)
    assert_error(response, 1, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert snapshot() == before


# Invalid parameters: code 10, nothing written.

BAD_BODY_IDS = [
    True,
    False,
    1.5,
    1.0,
    "abc",
    "1.5",
    "",
    " 1",
    "-1",
    0,
    -1,
    2_147_483_648,
    10**30,
    None,
    [1],
    {"id": 1},
    "١٢",
]
BAD_QUERY_IDS = [
    "true",
    "1.5",
    "abc",
    "",
    " 1",
    "0",
    "-1",
    "2147483648",
    "100000000000000000000000000000",
    "١٢",
]


@pytest.mark.parametrize("name", JOBAPP_ID_ENDPOINTS + NOTE_ID_ENDPOINTS)
def test_bad_ids_answer_10(api, seeded, snapshot, name):
    before = snapshot()
    key = "jobapp_note_id" if name in NOTE_ID_ENDPOINTS else "jobapp_id"
    valid = valid_params(name, seeded["jobapp_id"], seeded["note_id"])
    bad_ids = BAD_QUERY_IDS if ENDPOINTS[name][0] == "GET" else BAD_BODY_IDS
    for bad_id in bad_ids:
        assert_error(call(api, name, dict(valid, **{key: bad_id})), 10, 400)
    missing = {k: v for k, v in valid.items() if k != key}
    assert_error(call(api, name, missing), 10, 400)
    assert snapshot() == before


@pytest.mark.parametrize(
    "body",
    [
        {"company": "ACME"},
        {"job_title": "Engineer"},
        {"job_title": "", "company": "ACME"},
        {"job_title": "Engineer", "company": ""},
        {"job_title": 5, "company": "ACME"},
        {"job_title": "Engineer", "company": None},
        {"job_title": ["Engineer"], "company": "ACME"},
        {"job_title": "x" * 501, "company": "ACME"},
        {"job_title": "Engineer", "company": "x" * 256},
        {"job_title": "Engi\x00neer", "company": "ACME"},
        {"job_title": "Engi\ud800neer", "company": "ACME"},
        {"job_title": "Engineer", "company": "ACME", "source": "\udfff"},
        {"job_title": "Engineer", "company": "ACME", "source": 5},
        {"job_title": "Engineer", "company": "ACME", "source": "x" * 101},
        {"job_title": "Engineer", "company": "ACME", "status_id": "abc"},
        {"job_title": "Engineer", "company": "ACME", "status_id": True},
        {"job_title": "Engineer", "company": "ACME", "status_id": 0},
        {"job_title": "Engineer", "company": "ACME", "application_date": "yesterday"},
        {"job_title": "Engineer", "company": "ACME", "application_date": "2019-02-30"},
        {"job_title": "Engineer", "company": "ACME", "application_date": "2019-01-31T25:00:00"},
        {"job_title": "Engineer", "company": "ACME", "application_date": 20190131},
        {"job_title": "Engineer", "company": "ACME", "application_date": None},
        {"job_title": "Engineer", "company": "ACME", "application_date": "0001-01-01T00:00:00+01:00"},
        {"job_title": "Engineer", "company": "ACME", "application_date": "9999-12-31T23:59:59-01:00"},
    ],
)
def test_add_jobapp_with_missing_or_invalid_fields_answers_10(api, snapshot, body):
    before = snapshot()
    assert_error(api.post(f"{BASE}/add_jobapp", body), 10, 400)
    assert snapshot() == before


def test_add_jobapp_with_an_unknown_status_answers_11(api, snapshot):
    before = snapshot()
    assert_error(
        api.post(f"{BASE}/add_jobapp", {"job_title": "Engineer", "company": "ACME", "status_id": 99}), 11, 404
    )
    assert snapshot() == before


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"status_id": 2},
        {"rejected": True},
        {"jobapp_id": "{jobapp_id}"},
        {"jobapp_id": "{jobapp_id}", "status_id": None},
        {"jobapp_id": "{jobapp_id}", "status_id": "abc"},
        {"jobapp_id": "{jobapp_id}", "status_id": 1.5},
        {"jobapp_id": "{jobapp_id}", "rejected": "yes"},
        {"jobapp_id": "{jobapp_id}", "rejected": 1},
        {"jobapp_id": "{jobapp_id}", "rejected": None},
        {"jobapp_id": "{jobapp_id}", "rejected": "TRUE!"},
        {"jobapp_id": "{jobapp_id}", "status_id": 2, "rejected": "maybe"},
    ],
)
def test_update_jobapp_with_missing_or_invalid_fields_answers_10(api, seeded, snapshot, body):
    body = {key: seeded["jobapp_id"] if value == "{jobapp_id}" else value for key, value in body.items()}
    before = snapshot()
    assert_error(api.post(f"{BASE}/update_jobapp", body), 10, 400)
    assert snapshot() == before


def test_update_jobapp_with_an_unknown_status_answers_11_and_changes_nothing(api, seeded, snapshot):
    before = snapshot()
    response = api.post(
        f"{BASE}/update_jobapp", {"jobapp_id": seeded["jobapp_id"], "status_id": 99, "rejected": True}
    )
    assert_error(response, 11, 404)
    assert snapshot() == before


@pytest.mark.parametrize("name", JOBAPP_ID_ENDPOINTS + NOTE_ID_ENDPOINTS)
def test_unknown_ids_answer_11(api, seeded, snapshot, name):
    before = snapshot()
    key = "jobapp_note_id" if name in NOTE_ID_ENDPOINTS else "jobapp_id"
    params = valid_params(name, seeded["jobapp_id"], seeded["note_id"])
    for unknown in [seeded[key.replace("jobapp_note_id", "note_id")] + 1000, 2_147_483_647]:
        assert_error(call(api, name, dict(params, **{key: unknown})), 11, 404)
    assert snapshot() == before


POST_ENDPOINTS = [name for name, (method, _) in ENDPOINTS.items() if method == "POST"]


@pytest.mark.parametrize("name", POST_ENDPOINTS)
@pytest.mark.parametrize(
    "raw",
    [
        b"{not json",
        b'{"jobapp_id": 1',
        b"\xff\xfe",
        b"[]",
        b"[1]",
        b'"text"',
        b"5",
        b"null",
        b"true",
        b"[" * 100_000,
        b'{"a": ' * 50_000,
    ],
)
def test_malformed_or_non_object_json_answers_10(api, seeded, snapshot, name, raw):
    before = snapshot()
    response = api.testapp.post(
        f"{BASE}/{name}",
        raw,
        headers=dict(api.headers, **{"Content-Type": "application/json"}),
        expect_errors=True,
    )
    assert_error(response, 10, 400)
    assert snapshot() == before


@pytest.mark.parametrize("name", sorted(ENDPOINTS))
def test_the_wrong_method_answers_405_with_code_10(api, seeded, snapshot, name):
    before = snapshot()
    path = f"{BASE}/{name}"
    params = valid_params(name, seeded["jobapp_id"], seeded["note_id"])
    if ENDPOINTS[name][0] == "GET":
        responses = [api.post(path, params), api.testapp.put(path, headers=api.headers, expect_errors=True)]
    else:
        responses = [
            api.get(path, {key: str(value) for key, value in params.items()}),
            api.testapp.delete(path, headers=api.headers, expect_errors=True),
        ]
    for response in responses:
        assert_error(response, 10, 405)
    assert snapshot() == before


@pytest.mark.parametrize(
    "name, query",
    [("get_jobapps", "status_id=%ff")]
    + [
        (name, query)
        for name in ["get_status_history", "get_jobapp_detail", "get_jobapp_notes"]
        for query in ["jobapp_id=%ff", "jopapp_id=%C3%28"]
    ],
)
def test_a_query_string_that_is_not_utf8_answers_10(api, name, query):
    assert_error(api.testapp.get(f"{BASE}/{name}?{query}", headers=api.headers, expect_errors=True), 10, 400)


def test_an_unknown_route_answers_404_with_code_11(api):
    assert_error(api.get(f"{BASE}/get_jobapp"), 11, 404)
    assert_error(api.post(f"{BASE}/add_jobapps", {"job_title": "Engineer", "company": "ACME"}), 11, 404)
    assert_error(api.testapp.get("/api/jobapps/", expect_errors=True), 11, 404)


OVERSIZED_TITLE = "x" * 1_048_576


@pytest.mark.parametrize("name", POST_ENDPOINTS)
def test_a_body_over_one_mebibyte_answers_413_with_code_10(api, seeded, snapshot, name):
    before = snapshot()
    params = dict(valid_params(name, seeded["jobapp_id"], seeded["note_id"]), padding=OVERSIZED_TITLE)
    assert_error(call(api, name, params), 10, 413)
    assert snapshot() == before


def test_a_body_of_exactly_one_mebibyte_is_read(api):
    body = json.dumps({"job_title": "Engineer", "company": "ACME", "padding": ""}).encode()
    body = body.replace(b'""', b'"' + b"x" * (1_048_576 - len(body)) + b'"')
    assert len(body) == 1_048_576
    response = api.testapp.post(
        f"{BASE}/add_jobapp",
        body,
        headers=dict(api.headers, **{"Content-Type": "application/json"}),
        expect_errors=True,
    )
    assert assert_ok(response)["jobTitle"] == "Engineer"


@pytest.fixture
def unreachable_database_app(settings):
    return webtest.TestApp(
        main({}, **dict(settings, **{"sqlalchemy.url": "postgresql://postgres@127.0.0.1:9/none"}))
    )


@pytest.mark.parametrize("name", sorted(ENDPOINTS))
def test_an_unreachable_database_answers_14(unreachable_database_app, name):
    params = valid_params(name, 1, 1)
    headers = {"Authorization": "Bearer some-token-long-enough-to-look-real"}
    if ENDPOINTS[name][0] == "GET":
        response = unreachable_database_app.get(f"{BASE}/{name}", params, headers=headers, expect_errors=True)
    else:
        response = unreachable_database_app.post_json(
            f"{BASE}/{name}", params, headers=headers, expect_errors=True
        )
    assert_error(response, 14, 503)


# Chunked bodies carry no Content-Length: only a real server and a raw client exercise them.


@pytest.fixture
def served_app(app, clean_database):
    server = serve(app, threads=2)
    with server:
        yield server.port


def _post_chunked(port, path, token, payload):
    def chunks():
        for start in range(0, len(payload), 65536):
            yield payload[start : start + 65536]

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(
            "POST",
            path,
            body=chunks(),
            encode_chunked=True,
            headers={
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/json",
                "Transfer-Encoding": "chunked",
            },
        )
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def test_a_chunked_body_within_the_limit_is_accepted(served_app, api):
    payload = json.dumps({"job_title": "Engineer", "company": "ACME", "source": "x" * 100}).encode()
    status, body = _post_chunked(served_app, f"{BASE}/add_jobapp", api.token, payload)
    assert status == 200 and body["data"]["jobTitle"] == "Engineer"


def test_a_chunked_body_over_one_mebibyte_answers_413_with_code_10(served_app, api, snapshot):
    before = snapshot()
    payload = json.dumps({"job_title": OVERSIZED_TITLE, "company": "ACME"}).encode()
    status, body = _post_chunked(served_app, f"{BASE}/add_jobapp", api.token, payload)
    assert status == 413
    assert body == {
        "success": False,
        "error_code": 10,
        "error_message": "Invalid parameters...",
        "data": None,
    }
    assert snapshot() == before


def test_another_users_token_sees_only_its_own_applications(api, other_api, factories):
    factories.jobapp(api.user)
    theirs = factories.jobapp(other_api.user)
    assert [row["id"] for row in jobapps(other_api)] == [theirs.id]
