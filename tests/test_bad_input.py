"""Bad input on every body-taking endpoint: a clear envelope error, and not one row written anywhere.

Table-driven: BODIES holds a valid body per endpoint; each case below breaks it in one way, on every
endpoint (and, for the per-field cases, on every string field). A test fails when a new body-taking
endpoint has no entry. Id and per-endpoint field rules of /api/jobapps/* are in tests/jobapps/.
"""

import functools
import json

import pytest
from sqlalchemy import text

from jobhax.validation import body_validator
from tests.api_client import assert_error, assert_ok
from tests.factories import PASSWORD

# Service name → (path, valid body given the caller's application and note ids).
BODIES = {
    "register": (
        "/api/users/register",
        lambda ids: {
            "first_name": "Joe",
            "last_name": "Smith",
            "username": "joesmith",
            "email": "joe@example.com",
            "password": "Jobhax-2019-example",
            "password2": "Jobhax-2019-example",
        },
    ),
    "login": (
        "/api/users/login",
        lambda ids: {
            "client_id": "id",
            "client_secret": "secret",
            "username": "joesmith",
            "password": "Jobhax-2019-example",
        },
    ),
    "refresh_token": (
        "/api/users/refresh_token",
        lambda ids: {"client_id": "id", "client_secret": "secret", "refresh_token": "token"},
    ),
    "logout": (
        "/api/users/logout",
        lambda ids: {"client_id": "id", "client_secret": "secret", "token": "token"},
    ),
    "auth_social_user": (
        "/api/users/auth_social_user",
        lambda ids: {
            "client_id": "id",
            "client_secret": "secret",
            "provider": "google-oauth2",
            "token": "token",
        },
    ),
    "update_gmail_token": ("/api/users/update_gmail_token", lambda ids: {"token": "token"}),
    "add_jobapp": (
        "/api/jobapps/add_jobapp",
        lambda ids: {
            "job_title": "Engineer",
            "company": "ACME",
            "status_id": "1",
            "application_date": "2019-01-31",
            "source": "LinkedIn",
        },
    ),
    "update_jobapp": (
        "/api/jobapps/update_jobapp",
        lambda ids: {"jobapp_id": ids["jobapp"], "status_id": 2, "rejected": True},
    ),
    "delete_jobapp": ("/api/jobapps/delete_jobapp", lambda ids: {"jobapp_id": ids["jobapp"]}),
    "add_jobapp_note": (
        "/api/jobapps/add_jobapp_note",
        lambda ids: {"jobapp_id": ids["jobapp"], "description": "a note"},
    ),
    "update_jobapp_note": (
        "/api/jobapps/update_jobapp_note",
        lambda ids: {"jobapp_note_id": ids["note"], "description": "edited"},
    ),
    "delete_jobapp_note": ("/api/jobapps/delete_jobapp_note", lambda ids: {"jobapp_note_id": ids["note"]}),
    "verify_email": ("/api/users/verify_email", lambda ids: {"token": "token"}),
    "request_password_reset": ("/api/users/request_password_reset", lambda ids: {"email": "joe@example.com"}),
    "reset_password": (
        "/api/users/reset_password",
        lambda ids: {"token": "token", "password": "Jobhax-2019-new", "password2": "Jobhax-2019-new"},
    ),
    "change_password": (
        "/api/users/change_password",
        lambda ids: {"old_password": PASSWORD, "password": "Jobhax-2019-new", "password2": "Jobhax-2019-new"},
    ),
    "update_profile": ("/api/users/update_profile", lambda ids: {"first_name": "Joe", "last_name": "Smith"}),
    "delete_account": ("/api/users/delete_account", lambda ids: {"password": PASSWORD}),
    "add_reminder": (
        "/api/jobapps/add_reminder",
        lambda ids: {"jobapp_id": ids["jobapp"], "due_at": "2030-01-31T09:00:00Z", "text": "Follow up"},
    ),
    "update_reminder": (
        "/api/jobapps/update_reminder",
        lambda ids: {"reminder_id": 1, "due_at": "2030-02-01T09:00:00Z", "text": "Call", "done": True},
    ),
    "delete_reminder": ("/api/jobapps/delete_reminder", lambda ids: {"reminder_id": 1}),
    "add_webhook": (
        "/api/users/add_webhook",
        lambda ids: {"url": "https://93.184.216.34/hook", "events": ["jobapp.created"]},
    ),
    "delete_webhook": ("/api/users/delete_webhook", lambda ids: {"webhook_id": 1}),
    "add_status": ("/api/jobapps/add_status", lambda ids: {"value": "Ghosted"}),
    "update_status": ("/api/jobapps/update_status", lambda ids: {"status_id": 6, "value": "Ghosted"}),
    "delete_status": ("/api/jobapps/delete_status", lambda ids: {"status_id": 6, "replace_with": 1}),
    "merge_jobapps": (
        "/api/jobapps/merge_jobapps",
        lambda ids: {"keep_id": ids["jobapp"], "merge_ids": [ids["jobapp"] + 1]},
    ),
}

# Each whole-body case: (raw body, Content-Type).
WHOLE_BODY_CASES = {
    "empty": (b"", "application/json"),
    "whitespace": (b" \r\n\t ", "application/json"),
    "null": (b"null", "application/json"),
    "array": (b"[]", "application/json"),
    "array of the valid body": ("[{valid}]", "application/json"),
    "string": (b'"{}"', "application/json"),
    "number": (b"42", "application/json"),
    "truncated": ("{valid}"[:-1], "application/json"),
    "NUL byte in the JSON text": ("{valid}\x00", "application/json"),
    "form-encoded": ("{form}", "application/x-www-form-urlencoded"),
    "multipart": (
        '--b\r\nContent-Disposition: form-data; name="x"\r\n\r\n1\r\n--b--\r\n',
        "multipart/form-data; boundary=b",
    ),
    "XML": (b"<jobapp><job_title>Engineer</job_title></jobapp>", "application/xml"),
}

# Required fields, each left out in turn.
REQUIRED = {
    "register": ["username", "email", "password", "password2"],
    "login": ["client_id", "client_secret", "username", "password"],
    "refresh_token": ["client_id", "client_secret", "refresh_token"],
    "logout": ["client_id", "client_secret", "token"],
    "auth_social_user": ["client_id", "client_secret", "provider", "token"],
    "update_gmail_token": ["token"],
    "add_jobapp": ["job_title", "company"],
    "add_jobapp_note": ["jobapp_id", "description"],
    "update_jobapp_note": ["jobapp_note_id", "description"],
    "verify_email": ["token"],
    "request_password_reset": ["email"],
    "reset_password": ["token", "password", "password2"],
    "change_password": ["old_password", "password", "password2"],
    "add_reminder": ["jobapp_id", "due_at", "text"],
    "add_webhook": ["url", "events"],
    "add_status": ["value"],
    "update_status": ["status_id"],
    "delete_status": ["status_id", "replace_with"],
    "merge_jobapps": ["keep_id", "merge_ids"],
}

# Each per-field case replaces one string field of the valid body.
FIELD_CASES = {
    "NUL character": lambda value: value + "\x00",
    "lone surrogate": lambda value: value + "\ud800",
    "100,000 characters": lambda value: "x" * 100_000,
    "empty array": lambda value: [],
    "array of the string": lambda value: [value],
    "object": lambda value: {"value": value},
    "number": lambda value: 12345,
    "boolean": lambda value: True,
    "null": lambda value: None,
}


def body_taking_services(registry):
    return {
        service.name
        for service in registry.cornice_services.values()
        for _, _, args in service.definitions
        if body_validator in args.get("validators", ())
    }


@pytest.fixture
def row_counts(db, truncatable_tables):
    """Rows in every table the app writes (statuses and migrations aside), in one statement."""

    def count():
        counts = (
            db.execute(
                text(
                    "SELECT "
                    + ", ".join(f"(SELECT count(*) FROM {table}) AS {table}" for table in truncatable_tables)
                )
            )
            .mappings()
            .one()
        )
        db.commit()
        return dict(counts)

    return count


@pytest.fixture
def ids(api, factories):
    jobapp = factories.jobapp(api.user)
    return {"jobapp": jobapp.id, "note": factories.note(jobapp).id}


def _post_raw(api, path, raw, content_type):
    return api.testapp.post(
        path, raw, headers=dict(api.headers, **{"Content-Type": content_type}), expect_errors=True
    )


def _sweep(app, row_counts, requests):
    """Send each (label, request thunk); every answer must be code 10 and no row may change."""
    served = body_taking_services(app.registry)
    before = row_counts()
    wrong = []
    for label, name, send in requests:
        if name not in served:
            continue
        response = send()
        if response.status_int != 400 or response.json != {
            "success": False,
            "error_code": 10,
            "error_message": "Invalid parameters...",
            "data": None,
        }:
            wrong.append(f"{name}, {label}: {response.status} {response.text[:200]}")
    assert not wrong, "\n".join(wrong)
    assert row_counts() == before


def test_every_body_taking_endpoint_is_in_the_sweep(app):
    assert body_taking_services(app.registry) <= set(BODIES)


def _whole_body(body, raw):
    if isinstance(raw, bytes):
        return raw
    return (
        raw.replace("{valid}", json.dumps(body))
        .replace("{form}", "&".join(f"{key}={value}" for key, value in body.items()))
        .encode()
    )


def test_a_body_that_is_not_a_json_object_answers_10_and_writes_nothing(app, api, ids, row_counts):
    _sweep(
        app,
        row_counts,
        [
            (
                case,
                name,
                functools.partial(_post_raw, api, path, _whole_body(valid(ids), raw), content_type),
            )
            for name, (path, valid) in BODIES.items()
            for case, (raw, content_type) in WHOLE_BODY_CASES.items()
        ],
    )


def test_a_bad_string_field_answers_10_and_writes_nothing(app, api, ids, row_counts):
    _sweep(
        app,
        row_counts,
        [
            (
                f"{field}: {case}",
                name,
                functools.partial(api.post, path, dict(body, **{field: make(value)})),
            )
            for name, (path, valid) in BODIES.items()
            for body in [valid(ids)]
            for field, value in body.items()
            if isinstance(value, str) and not value.isdigit()
            for case, make in FIELD_CASES.items()
        ],
    )


def test_a_body_without_its_fields_answers_10_and_writes_nothing(app, api, ids, row_counts):
    _sweep(
        app,
        row_counts,
        [
            (label, name, lambda path=path, body=body: api.post(path, body))
            for name, (path, valid) in BODIES.items()
            for label, body in [("{}", {}), ("unknown keys only", {"unknown": "field"})]
            + [
                (f"without {field}", {key: value for key, value in valid(ids).items() if key != field})
                for field in REQUIRED.get(name, ())
            ]
        ],
    )


# /api/jobapps specifics the per-endpoint tests leave out.


def test_a_ten_thousand_character_title_answers_10_not_a_database_error(api, row_counts):
    before = row_counts()
    response = api.post("/api/jobapps/add_jobapp", {"job_title": "x" * 10_000, "company": "ACME"})
    assert_error(response, 10, 400)
    assert row_counts() == before


IMPOSSIBLE_DATES = [
    "2019-02-29",
    "2019-02-30",
    "2019-13-01",
    "2019-00-10",
    "0000-01-01",
    "2019-02-30T10:00:00Z",
    "2019-01-31T24:00:01",
    "2019-01-31T10:61:00",
    "10000-01-01",
    "2019-1-31",
    "31/01/2019",
    "2019-01-31T10:00:00+25:00",
]


def test_an_impossible_application_date_answers_10_and_writes_nothing(app, api, row_counts):
    _sweep(
        app,
        row_counts,
        [
            (
                date,
                "add_jobapp",
                lambda date=date: api.post(
                    "/api/jobapps/add_jobapp",
                    {"job_title": "Engineer", "company": "ACME", "application_date": date},
                ),
            )
            for date in IMPOSSIBLE_DATES
        ],
    )


def test_a_status_id_beyond_smallint_answers_11_not_500(api, ids, row_counts):
    """Status ids are smallints; PostgreSQL refused to compare larger ones (found by schemathesis)."""
    before = row_counts()
    for status_id in [32_768, "32768", 2_147_483_647]:
        _beyond_smallint(api, ids, status_id)
    assert row_counts() == before


def _beyond_smallint(api, ids, status_id):
    assert_error(
        api.post(
            "/api/jobapps/add_jobapp", {"job_title": "Engineer", "company": "ACME", "status_id": status_id}
        ),
        11,
        404,
    )
    assert_error(
        api.post("/api/jobapps/update_jobapp", {"jobapp_id": ids["jobapp"], "status_id": status_id}), 11, 404
    )
    assert_error(api.get("/api/jobapps/get_jobapps", {"status_id": status_id}), 11, 404)


TEXTS = [
    "🤖 Lead Android Engineer",
    "Ingénieur·e logiciel",
    "ソフトウェアエンジニア",
    "مهندس برمجيات",
    "e\u0301\u0301 combining",
    "👩🏽‍💻 ZWJ",
    "\u202eRTL override",
    "tab\tand\nnewline",
]


def test_unicode_and_emoji_are_stored_and_answered_intact(api):
    for value in TEXTS:
        _round_trip(api, value)


def _round_trip(api, value):
    created = assert_ok(
        api.post("/api/jobapps/add_jobapp", {"job_title": value, "company": value, "source": value})
    )
    assert (created["jobTitle"], created["company"], created["source"]) == (value, value, value)
    listed = assert_ok(api.get("/api/jobapps/get_jobapps"))
    assert listed[0]["jobTitle"] == value
    note = assert_ok(
        api.post("/api/jobapps/add_jobapp_note", {"jobapp_id": created["id"], "description": value})
    )
    assert note["description"] == value
    assert (
        assert_ok(api.get("/api/jobapps/get_jobapp_notes", {"jobapp_id": created["id"]}))[0]["description"]
        == value
    )


def test_a_unicode_username_registers_and_logs_in(testapp, oauth_client):
    username = "jöe_🤖"
    assert_ok(
        testapp.post_json(
            "/api/users/register",
            {
                "username": username,
                "email": "joe@example.com",
                "password": "pässwörd",
                "password2": "pässwörd",
            },
        )
    )
    token = assert_ok(
        testapp.post_json(
            "/api/users/login",
            {
                "client_id": oauth_client["client_id"],
                "client_secret": oauth_client["client_secret"],
                "username": username,
                "password": "pässwörd",
            },
        )
    )
    assert token["token_type"] == "Bearer"


def test_years_before_1000_are_answered_with_four_digits(api):
    """strftime wrote "49-02-08T00:00:00Z" for year 49 (found by schemathesis)."""
    created = assert_ok(
        api.post(
            "/api/jobapps/add_jobapp",
            {"job_title": "Scribe", "company": "Rome", "application_date": "0049-02-08"},
        )
    )
    assert created["applyDate"] == "0049-02-08T00:00:00Z"
    assert assert_ok(api.get("/api/jobapps/get_jobapps"))[0]["applyDate"] == "0049-02-08T00:00:00Z"


# /oauth/*: standard invalid_request bodies, not 500s (found by schemathesis).

UNUSABLE_FORMS = [
    b"grant_type=password&username=joe%00&password=x&client_id=a&client_secret=b",
    b"grant_type=password&username=joe&password=x&client_id=a%00&client_secret=b",
    b"token=t&client_id=a\x00&client_secret=b",
    b"grant_type=password&username=%ff&password=x&client_id=a&client_secret=b",
    b"grant_type=password&username=\xff&password=x",
]


@pytest.mark.parametrize("path", ["/oauth/token", "/oauth/revoke"])
def test_an_oauth_form_with_nul_or_not_utf8_answers_invalid_request(testapp, row_counts, path):
    before = row_counts()
    for form in UNUSABLE_FORMS:
        response = testapp.post(
            path, form, headers={"Content-Type": "application/x-www-form-urlencoded"}, expect_errors=True
        )
        assert response.status_int == 400 and response.json["error"] == "invalid_request", form
    assert row_counts() == before


def test_an_oauth_basic_client_with_nul_is_an_unknown_client(testapp, row_counts):
    before = row_counts()
    response = testapp.post(
        "/oauth/token",
        b"grant_type=password&username=joe&password=x",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Authorization": "Basic YSUwMDpi",
        },  # a%00:b
        expect_errors=True,
    )
    assert response.status_int == 401 and response.json["error"] == "invalid_client"
    assert row_counts() == before
