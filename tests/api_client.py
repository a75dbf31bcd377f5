"""A WebTest client speaking for one user, and the envelope assertions every test uses."""


def assert_ok(response):
    body = response.json
    assert response.status_int == 200, body
    assert body["success"] is True and body["error_code"] == 0 and body["error_message"] == "", body
    return body["data"]


def assert_error(response, code, status, rule=None):
    """The error envelope; ``rule``: the broken rule a code-10 message names after the table's message."""
    from jobhax.envelope import ErrorCode, error_message

    body = response.json
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
