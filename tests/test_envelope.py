"""Every failure reaches the client as the envelope, whatever raised it."""

import webtest

from jobhax.envelope import ErrorCode
from tests.api_client import LEGACY, assert_error


def test_unexpected_exception_answers_13_without_traceback(failing_app, caplog):
    response = failing_app.get("/api/test/explode", expect_errors=True)
    assert_error(response, 13, 500)
    assert "secret detail" not in response.text and "Traceback" not in response.text
    assert "GET /api/test/explode" in caplog.text


def test_unknown_route_answers_11(testapp):
    assert_error(testapp.get("/api/nowhere", expect_errors=True), 11, 404)
    assert_error(testapp.post("/nowhere/at/all", expect_errors=True), 11, 404)


def test_wrong_method_answers_405_with_code_10(testapp):
    assert_error(testapp.get("/api/jobapps/add_jobapp", expect_errors=True), 10, 405)
    assert_error(testapp.post("/api/jobapps/get_jobapps", expect_errors=True), 10, 405)


def test_body_over_one_mebibyte_answers_413_with_code_10(api):
    response = api.post("/api/jobapps/add_jobapp", {"job_title": "x" * 1_048_576, "company": "ACME"})
    assert_error(response, 10, 413)


def test_codes_map_to_the_contract_statuses():
    expected = {
        0: 200,
        1: 401,
        2: 404,
        3: 400,
        4: 409,
        5: 400,
        6: 401,
        7: 400,
        8: 409,
        9: 409,
        10: 400,
        11: 404,
        12: 429,
        13: 500,
        14: 503,
        15: 403,
        16: 400,
        17: 409,
    }
    assert {int(code): code.status for code in ErrorCode} == expected


def test_legacy_http_status_answers_200_with_the_code_but_401_for_a_missing_bearer(
    apps, factories, oauth_client
):
    """The 2019 web client reads error messages only from 200s, yet must still learn it has to log in."""
    legacy = webtest.TestApp(apps[LEGACY])
    for path in (
        "/api/jobapps/get_jobapps",
        "/api/metrics/get_word_count",
        "/api/users/get_linkedin_profile",
    ):
        response = legacy.get(path, headers={"Authorization": "Bearer stale-token"}, expect_errors=True)
        assert response.status_int == 401 and response.json["error_code"] == 1
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    wrong_client = legacy.post_json(
        "/api/users/login",
        {
            "client_id": oauth_client["client_id"],
            "client_secret": "wrong",
            "username": "joe",
            "password": "x",
        },
        expect_errors=True,
    )
    assert wrong_client.status_int == 200 and wrong_client.json["error_code"] == 1
    assert "WWW-Authenticate" not in wrong_client.headers
    unknown = legacy.get("/api/nowhere", expect_errors=True)
    assert unknown.status_int == 200 and unknown.json == {
        "success": False,
        "error_code": 11,
        "error_message": ErrorCode(11).message,
        "data": None,
    }


def test_legacy_http_status_leaves_oauth_and_operations_answers_alone(apps, oauth_client):
    """Only the envelope is the 2019 backend's: /oauth/* stays RFC 6749, /__*__ stays plain HTTP."""
    legacy = webtest.TestApp(apps[LEGACY])
    refused = legacy.post(
        "/oauth/token",
        {
            "grant_type": "password",
            "username": "joe",
            "password": "x",
            "client_id": "nobody",
            "client_secret": "x",
        },
        expect_errors=True,
    )
    assert refused.status_int == 401 and refused.json["error"] == "invalid_client"
    assert legacy.get("/__lbheartbeat__").status_int == 200
