"""Every failure reaches the client as the envelope, whatever raised it."""

from jobhax.envelope import ErrorCode
from tests.api_client import assert_error


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
