"""A WebTest client speaking for one user, and the envelope assertions every test uses."""


def assert_ok(response):
    body = response.json
    assert response.status_int == 200, body
    assert body["success"] is True and body["error_code"] == 0 and body["error_message"] == "", body
    return body["data"]


def assert_error(response, code, status):
    from jobhax.envelope import ErrorCode

    body = response.json
    assert response.status_int == status, (response.status, body)
    assert body == {
        "success": False,
        "error_code": code,
        "error_message": ErrorCode(code).message,
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
