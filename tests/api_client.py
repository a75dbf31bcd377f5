"""A WebTest client speaking for one user, and the envelope assertions every test uses.

Every test that asserts an error envelope runs twice (tests/conftest.py): with the contract's HTTP statuses
and with ``jobhax.legacy_http_status``, where :func:`assert_error` expects what the 2019 backend answered.
"""

import types
from urllib.parse import urlsplit

import webtest

STANDARD = "standard"
LEGACY = "legacy"
HTTP_STATUS_MODES = (STANDARD, LEGACY)
# The spec's endpoints that need no bearer token; every other /api/ endpoint needs one
# (tests/test_public_endpoints.py holds this list to the API document).
PUBLIC_ENDPOINTS = frozenset(
    {
        "/api/users/register",
        "/api/users/login",
        "/api/users/refresh_token",
        "/api/users/logout",
        "/api/users/auth_social_user",
        "/api/users/calendar.ics",  # its key is the credential
        "/api/users/verify_email",  # the mailed token is the credential
        "/api/users/request_password_reset",
        "/api/users/reset_password",  # the mailed token is the credential
    }
)


def test_app(wsgi_app, mode, **kw):
    """A WebTest app that remembers its HTTP status mode, for :func:`assert_error`."""
    app = webtest.TestApp(wsgi_app, **kw)
    app.http_status_mode = mode
    return app


test_app.__test__ = False  # a factory, not a test


def asserts_error_codes(function, depth=2):
    """Whether a test calls :func:`assert_error`, itself or through a helper of its module."""
    return _calls_assert_error(function.__code__, function.__globals__, depth)


def _calls_assert_error(code, namespace, depth):
    if "assert_error" in code.co_names:
        return True
    nested = [const for const in code.co_consts if isinstance(const, types.CodeType)]
    helpers = [
        namespace[name].__code__
        for name in code.co_names
        if isinstance(namespace.get(name), types.FunctionType)
    ]
    return any(_calls_assert_error(inner, namespace, depth) for inner in nested) or (
        depth > 0 and any(_calls_assert_error(helper, namespace, depth - 1) for helper in helpers)
    )


def expected_status(response, code, status):
    """``status`` under the contract; under ``jobhax.legacy_http_status`` 200, except 401 for code 1 on a
    protected endpoint (a missing or invalid bearer)."""
    if getattr(response.test_app, "http_status_mode", STANDARD) == STANDARD:
        return status
    path = urlsplit(response.request.url).path
    protected = path.startswith("/api/") and path not in PUBLIC_ENDPOINTS
    return 401 if code == 1 and protected else 200


def assert_ok(response):
    body = response.json
    assert response.status_int == 200, body
    assert body["success"] is True and body["error_code"] == 0 and body["error_message"] == "", body
    return body["data"]


def assert_error(response, code, status, rule=None):
    """The error envelope; ``rule``: the broken rule a code-10 message names after the table's message."""
    from jobhax.envelope import ErrorCode, error_message

    body = response.json
    status = expected_status(response, code, status)
    assert response.status_int == status, (response.status, body)
    assert body == {
        "success": False,
        "error_code": code,
        "error_message": error_message(ErrorCode(code), rule),
        "data": None,
    }, body
    if status == 401:
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


class ApiClient:
    def __init__(self, testapp, user, token):
        self.testapp = testapp
        self.user = user
        self.token = token

    @property
    def headers(self):
        return {"Authorization": f"Bearer {self.token}"}

    def get(self, path, params=None, **kw):
        return self.testapp.get(path, params=params or {}, headers=self.headers, expect_errors=True, **kw)

    def post(self, path, body=None, **kw):
        return self.testapp.post_json(
            path, body if body is not None else {}, headers=self.headers, expect_errors=True, **kw
        )


def google_login(testapp, oauth_client, provider, token, sub, email):
    """A user signed in with Google (the fake provider knows the token), as a client speaking for them."""
    provider.add_google_user(token, sub, email)
    tokens = assert_ok(
        testapp.post_json(
            "/api/users/auth_social_user",
            {
                "client_id": oauth_client["client_id"],
                "client_secret": oauth_client["client_secret"],
                "provider": "google-oauth2",
                "token": token,
            },
            expect_errors=True,
        )
    )
    return ApiClient(testapp, None, tokens["access_token"])


def finished_import(client, timeout=30):
    """Poll sync_status until the import is done or failed; that last status."""
    from tests.workers import wait_until

    def finished():
        status = assert_ok(client.get("/api/users/sync_status"))
        return status if status["state"] in ("done", "failed") else None

    return wait_until(finished, timeout=timeout, interval=0.1, message="import finished")


def import_outcome(status):
    """What a finished import did, from its sync_status (its times left out)."""
    keys = ("state", "messages_total", "messages_processed", "messages_skipped", "jobapps_created", "error")
    return {key: status[key] for key in keys}
