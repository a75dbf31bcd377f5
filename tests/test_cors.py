"""CORS per jobhax.cors_origins: preflights and actual answers, errors included, on every kind of route."""

import pytest
import webtest

from jobhax import main
from tests.api_client import assert_error

ALLOWED = "https://app.jobhax.test"  # tests/conftest.py's jobhax.cors_origins
OTHER = "https://evil.example"


def preflight(testapp, path, origin, method="POST", headers="authorization, content-type"):
    return testapp.options(
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": headers,
        },
        expect_errors=True,
    )


@pytest.mark.parametrize(
    "path", ["/api/jobapps/add_jobapp", "/api/users/login", "/oauth/token", "/__api__", "/api/nowhere"]
)
def test_a_preflight_from_an_allowed_origin_allows_authorization_and_content_type(testapp, path):
    response = preflight(testapp, path, ALLOWED)
    assert response.status_int == 204 and response.body == b""
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    allowed_headers = {h.strip().lower() for h in response.headers["Access-Control-Allow-Headers"].split(",")}
    assert allowed_headers >= {"authorization", "content-type"}
    assert {"GET", "POST"} <= {m.strip() for m in response.headers["Access-Control-Allow-Methods"].split(",")}
    assert int(response.headers["Access-Control-Max-Age"]) > 0
    assert "Origin" in response.headers["Vary"]


def test_a_preflight_from_another_origin_allows_nothing(testapp):
    response = preflight(testapp, "/api/jobapps/add_jobapp", OTHER)
    assert not any(name.startswith("Access-Control-Allow") for name in response.headers)
    assert response.status_int == 204


def _get(api, path, origin_headers):
    return api.testapp.get(path, headers=dict(api.headers, **origin_headers), expect_errors=True)


def test_an_answer_to_an_allowed_origin_carries_the_headers(api):
    response = _get(api, "/api/jobapps/get_statuses", {"Origin": ALLOWED})
    assert response.status_int == 200
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "WWW-Authenticate" in response.headers["Access-Control-Expose-Headers"]
    assert "Origin" in response.headers["Vary"]


def test_an_answer_to_another_origin_or_without_origin_carries_none(api):
    for headers in ({"Origin": OTHER}, {}):
        response = _get(api, "/api/jobapps/get_statuses", headers)
        assert response.status_int == 200
        assert "Access-Control-Allow-Origin" not in response.headers


def test_error_answers_carry_the_headers_too(testapp, api):
    origin = {"Origin": ALLOWED}
    answers = [
        (testapp.get("/api/jobapps/get_statuses", headers=origin, expect_errors=True), 1, 401),
        (testapp.get("/api/nowhere", headers=origin, expect_errors=True), 11, 404),
        (testapp.get("/api/jobapps/add_jobapp", headers=origin, expect_errors=True), 10, 405),
        (
            api.testapp.post_json(
                "/api/jobapps/add_jobapp",
                {"job_title": 5},
                headers=dict(api.headers, **origin),
                expect_errors=True,
            ),
            10,
            400,
        ),
        (
            api.testapp.post_json(
                "/api/jobapps/add_jobapp",
                {"job_title": "x" * 1_048_576},
                headers=dict(api.headers, **origin),
                expect_errors=True,
            ),
            10,
            413,
        ),
    ]
    for response, code, status in answers:
        assert_error(response, code, status)
        assert response.headers["Access-Control-Allow-Origin"] == ALLOWED, response.request.path


def test_a_500_carries_the_headers(failing_app):
    response = failing_app.get("/api/test/explode", headers={"Origin": ALLOWED}, expect_errors=True)
    assert_error(response, 13, 500)
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED


def test_oauth_and_operations_answers_carry_the_headers(testapp):
    token = testapp.post(
        "/oauth/token", {"grant_type": "password"}, headers={"Origin": ALLOWED}, expect_errors=True
    )
    assert token.status_int in (400, 401) and token.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert (
        testapp.get("/__lbheartbeat__", headers={"Origin": ALLOWED}).headers["Access-Control-Allow-Origin"]
        == ALLOWED
    )


@pytest.mark.parametrize(
    "origins, sent, expected",
    [
        ("*", OTHER, "*"),
        ("https://a.test https://b.test", "https://b.test", "https://b.test"),
        ("https://a.test,https://b.test", "https://a.test", "https://a.test"),
        ("https://a.test", "https://a.test.evil.example", None),
        ("", ALLOWED, None),
    ],
)
def test_the_allowed_origins_come_from_the_setting(settings, clean_database, origins, sent, expected):
    testapp = webtest.TestApp(main({}, **dict(settings, **{"jobhax.cors_origins": origins})))
    answers = [
        preflight(testapp, "/api/users/login", sent),
        testapp.get("/api/nowhere", headers={"Origin": sent}, expect_errors=True),
    ]
    for response in answers:
        assert response.headers.get("Access-Control-Allow-Origin") == expected
