"""Tokens end when they should, are used only as what they are, and no secret reaches a response or a log.

tests/accounts/test_tokens.py covers factory-token expiry, refresh rotation and logout on the JobHax
endpoints; these tests cover the configured lifetime through both grant endpoints, revocation and rotation
through the standard ones, token confusion, and a walk through every endpoint with logging at DEBUG.
"""

import base64
import datetime
import logging

import pytest
import time_machine
import webtest
from cornice.service import get_services
from sqlalchemy import select, text

from jobhax import main
from jobhax.accounts.models import User
from jobhax.mailimport.models import Mail
from tests.api_client import assert_error, assert_ok
from tests.factories import PASSWORD

JOBAPPS = "/api/jobapps/get_jobapps"
START = datetime.datetime(2026, 3, 1, 9, 0, tzinfo=datetime.UTC)
MAIL_BODY = "<p>Your application was sent to Mail-Body-Secret-5 Inc.</p>"


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def basic(client):
    pair = f"{client['client_id']}:{client['client_secret']}".encode()
    return {"Authorization": "Basic " + base64.b64encode(pair).decode()}


def client_fields(client, **extra):
    return dict(client_id=client["client_id"], client_secret=client["client_secret"], **extra)


def login(testapp, client, username, password=PASSWORD):
    return assert_ok(
        testapp.post_json("/api/users/login", client_fields(client, username=username, password=password))
    )


def oauth_token(testapp, client, **form):
    return testapp.post("/oauth/token", form, headers=basic(client), expect_errors=True)


@pytest.fixture
def short_lived_app(settings, clean_database):
    """The app with access tokens that live one minute, as an operator may configure."""
    app = main({}, **dict(settings, **{"jobhax.access_token_expires_in": "60"}))
    yield webtest.TestApp(app)
    app.registry["engine"].dispose()


def test_access_tokens_expire_after_the_configured_expires_in(short_lived_app, factories, oauth_client):
    user = factories.user()
    with time_machine.travel(START, tick=False):
        tokens = login(short_lived_app, oauth_client, user.username)
        standard = oauth_token(
            short_lived_app, oauth_client, grant_type="password", username=user.username, password=PASSWORD
        ).json
    assert tokens["expires_in"] == standard["expires_in"] == 60
    for token in (tokens["access_token"], standard["access_token"]):
        with time_machine.travel(START + datetime.timedelta(seconds=59), tick=False):
            assert_ok(short_lived_app.get(JOBAPPS, headers=bearer(token)))
        with time_machine.travel(START + datetime.timedelta(seconds=60), tick=False):
            assert_error(short_lived_app.get(JOBAPPS, headers=bearer(token), expect_errors=True), 1, 401)
    # An expired access token is no refresh token; its refresh token still rotates the pair.
    with time_machine.travel(START + datetime.timedelta(hours=1), tick=False):
        assert_error(
            short_lived_app.post_json(
                "/api/users/refresh_token",
                client_fields(oauth_client, refresh_token=tokens["access_token"]),
                expect_errors=True,
            ),
            1,
            401,
        )
        fresh = assert_ok(
            short_lived_app.post_json(
                "/api/users/refresh_token", client_fields(oauth_client, refresh_token=tokens["refresh_token"])
            )
        )
        assert_ok(short_lived_app.get(JOBAPPS, headers=bearer(fresh["access_token"])))


def test_a_refresh_token_is_not_an_access_token_nor_the_reverse(testapp, factories, oauth_client):
    user = factories.user()
    tokens = login(testapp, oauth_client, user.username)
    assert_error(testapp.get(JOBAPPS, headers=bearer(tokens["refresh_token"]), expect_errors=True), 1, 401)
    assert_error(
        testapp.post_json(
            "/api/users/refresh_token",
            client_fields(oauth_client, refresh_token=tokens["access_token"]),
            expect_errors=True,
        ),
        1,
        401,
    )
    response = oauth_token(
        testapp, oauth_client, grant_type="refresh_token", refresh_token=tokens["access_token"]
    )
    assert response.status_int == 400 and response.json["error"] == "invalid_grant"
    # Both refused attempts left the pair as it was.
    assert_ok(testapp.get(JOBAPPS, headers=bearer(tokens["access_token"])))


def test_revoking_the_refresh_token_through_oauth_revoke_ends_the_pair(testapp, factories, oauth_client):
    user = factories.user()
    tokens = login(testapp, oauth_client, user.username)
    revoked = testapp.post(
        "/oauth/revoke",
        {"token": tokens["refresh_token"], "token_type_hint": "refresh_token"},
        headers=basic(oauth_client),
    )
    assert revoked.status_int == 200
    assert_error(testapp.get(JOBAPPS, headers=bearer(tokens["access_token"]), expect_errors=True), 1, 401)
    response = oauth_token(
        testapp, oauth_client, grant_type="refresh_token", refresh_token=tokens["refresh_token"]
    )
    assert response.status_int == 400 and response.json["error"] == "invalid_grant"


def test_a_pair_rotated_on_the_standard_endpoint_is_rejected_everywhere(testapp, factories, oauth_client):
    user = factories.user()
    first = oauth_token(
        testapp, oauth_client, grant_type="password", username=user.username, password=PASSWORD
    ).json
    second = oauth_token(
        testapp, oauth_client, grant_type="refresh_token", refresh_token=first["refresh_token"]
    ).json
    assert_ok(testapp.get(JOBAPPS, headers=bearer(second["access_token"])))
    assert_error(testapp.get(JOBAPPS, headers=bearer(first["access_token"]), expect_errors=True), 1, 401)
    assert_error(
        testapp.post_json(
            "/api/users/refresh_token",
            client_fields(oauth_client, refresh_token=first["refresh_token"]),
            expect_errors=True,
        ),
        1,
        401,
    )
    assert (
        oauth_token(
            testapp, oauth_client, grant_type="refresh_token", refresh_token=first["refresh_token"]
        ).status_int
        == 400
    )


# -- Every endpoint, with logging at DEBUG ---------------------------------------------------------------


class Capture(logging.Handler):
    """Every record of every logger, formatted with its traceback, as an operator's log file would hold."""

    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.setFormatter(logging.Formatter("%(levelname)s [%(name)s] %(message)s"))
        self.lines = []

    def emit(self, record):
        self.lines.append(self.format(record))


@pytest.fixture
def debug_logs():
    """The root logger at DEBUG, as an operator debugging would set it, with SQL echo (INFO) on too.

    Loggers the code quiets on purpose keep their level; sqlalchemy.engine stays at INFO because its DEBUG
    prints result rows, which is reading the database, not logging by the service.
    """
    levels = {
        "": logging.DEBUG,
        "jobhax": logging.DEBUG,
        "waitress": logging.DEBUG,
        "sqlalchemy.engine": logging.INFO,
        "sqlalchemy.pool": logging.DEBUG,
    }
    saved = {name: logging.getLogger(name).level for name in levels}
    capture = Capture()
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)
    logging.getLogger().addHandler(capture)
    yield capture
    logging.getLogger().removeHandler(capture)
    for name, level in saved.items():
        logging.getLogger(name).setLevel(level)


class Walk:
    """A client session through every endpoint, keeping every secret it used and every response it got."""

    def __init__(self, testapp, client, provider, db):
        self.testapp = testapp
        self.client = client
        self.provider = provider
        self.db = db
        self.secrets = {
            PASSWORD,
            client["client_secret"],
            "walker-password-1",
            "wrong-password-2",
            "google-token-secret-3",
            "linkedin-token-secret-4",
            MAIL_BODY,
        }
        self.responses = []

    def keep(self, response):
        self.responses.append(response)
        for key in ("access_token", "refresh_token"):
            for body in (
                response.json if response.content_type == "application/json" else None,
                (response.json or {}).get("data") if response.content_type == "application/json" else None,
            ):
                if isinstance(body, dict) and isinstance(body.get(key), str):
                    self.secrets.add(body[key])
        return response

    def get(self, path, token=None, params=None):
        return self.keep(
            self.testapp.get(path, params or {}, headers=bearer(token) if token else {}, expect_errors=True)
        )

    def post(self, path, body, token=None):
        return self.keep(
            self.testapp.post_json(path, body, headers=bearer(token) if token else {}, expect_errors=True)
        )

    def form(self, path, form):
        return self.keep(self.testapp.post(path, form, headers=basic(self.client), expect_errors=True))

    def run(self):
        password = "walker-password-1"
        self.post(
            "/api/users/register",
            {
                "username": "walker",
                "email": "walker@example.com",
                "password": password,
                "password2": password,
            },
        )
        self.post(
            "/api/users/register",
            {
                "username": "walker2",
                "email": "w2@example.com",
                "password": password,
                "password2": "wrong-password-2",
            },
        )
        self.post(
            "/api/users/login", client_fields(self.client, username="walker", password="wrong-password-2")
        )
        first = self.post(
            "/api/users/login", client_fields(self.client, username="walker", password=password)
        ).json["data"]
        standard = self.form(
            "/oauth/token", {"grant_type": "password", "username": "walker", "password": password}
        ).json
        self.form(
            "/oauth/token", {"grant_type": "password", "username": "walker", "password": "wrong-password-2"}
        )
        tokens = self.post(
            "/api/users/refresh_token", client_fields(self.client, refresh_token=first["refresh_token"])
        ).json["data"]
        standard = self.form(
            "/oauth/token", {"grant_type": "refresh_token", "refresh_token": standard["refresh_token"]}
        ).json
        access = tokens["access_token"]
        self.jobapps(access)
        for service in get_services():
            if service.path.startswith("/api/metrics/"):
                self.get(service.path, access)
        self.social()
        self.every_service_with_secrets(access)
        self.get(JOBAPPS, first["access_token"])
        # A replayed refresh token: the family, `access` included, is revoked.
        self.post(
            "/api/users/refresh_token", client_fields(self.client, refresh_token=first["refresh_token"])
        )
        self.post("/api/users/logout", client_fields(self.client, token=access))
        self.post("/api/users/logout_all", {}, standard["access_token"])
        self.post("/api/users/logout", client_fields(self.client, token=access))
        self.form("/oauth/revoke", {"token": standard["refresh_token"]})
        for path in ("/__heartbeat__", "/__lbheartbeat__", "/__version__", "/__api__", "/nowhere"):
            self.get(path)

    def jobapps(self, access):
        base = "/api/jobapps"
        jobapp = self.post(f"{base}/add_jobapp", {"job_title": "Engineer", "company": "ACME"}, access).json[
            "data"
        ]
        self.get(f"{base}/get_jobapps", access)
        self.get(f"{base}/get_statuses", access)
        self.post(f"{base}/update_jobapp", {"jobapp_id": jobapp["id"], "status_id": 3}, access)
        self.get(f"{base}/get_status_history", access, {"jobapp_id": jobapp["id"]})
        self.get(f"{base}/get_jobapp_detail", access, {"jobapp_id": jobapp["id"]})
        note = self.post(
            f"{base}/add_jobapp_note", {"jobapp_id": jobapp["id"], "description": "n"}, access
        ).json
        self.get(f"{base}/get_jobapp_notes", access, {"jobapp_id": jobapp["id"]})
        self.post(
            f"{base}/update_jobapp_note", {"jobapp_note_id": note["data"]["id"], "description": "m"}, access
        )
        self.post(f"{base}/delete_jobapp_note", {"jobapp_note_id": note["data"]["id"]}, access)
        self.post(f"{base}/delete_jobapp", {"jobapp_id": jobapp["id"]}, access)
        self.get(f"{base}/get_status_history", access, {"jobapp_id": jobapp["id"]})

    def social(self):
        google, linkedin = "google-token-secret-3", "linkedin-token-secret-4"
        self.provider.add_google_user(google, "9001", "walker.g@example.com")
        self.provider.add_linkedin_user(linkedin, "9002", "walker.l@example.com")
        googler = self.post(
            "/api/users/auth_social_user", client_fields(self.client, provider="google-oauth2", token=google)
        ).json["data"]
        self.mails(googler["access_token"])
        self.post(
            "/api/users/auth_social_user",
            client_fields(self.client, provider="google-oauth2", token="wrong-password-2"),
        )
        linked = self.post(
            "/api/users/auth_social_user",
            client_fields(self.client, provider="linkedin-oauth2", token=linkedin),
        ).json["data"]
        self.get("/api/users/get_linkedin_profile", linked["access_token"])
        self.provider.reject_token(linkedin)
        self.get("/api/users/get_linkedin_profile", linked["access_token"])

    def mails(self, access):
        """A stored mail, listed through the API: its body must reach the client, never the log."""
        user_id = self.db.scalar(select(User.id).where(User.email == "walker.g@example.com"))
        self.db.add(Mail(user_id=user_id, msg_id="walk-1", subject="You applied", body=MAIL_BODY, date=START))
        self.db.commit()
        listed = self.get("/api/users/get_user_google_mails", access).json["data"]
        assert [mail["body"] for mail in listed] == [MAIL_BODY]
        self.get("/api/users/sync_status", access)
        self.get("/api/users/sync_user_emails", access)

    def every_service_with_secrets(self, access):
        """Each endpoint, including those added later, fed secrets in every usual field (mostly refused)."""
        stuffed = dict(
            zip(
                (
                    "password",
                    "password2",
                    "token",
                    "refresh_token",
                    "client_secret",
                    "username",
                    "description",
                ),
                sorted(self.secrets) * 7,
                strict=False,
            )
        )
        stuffed["client_id"] = self.client["client_id"]
        for service in get_services():
            # logout_all would end the walk's session here; run() calls it last.
            if not service.path.startswith("/api/") or service.name == "logout_all":
                continue
            self.post(service.path, stuffed, access)
            self.get(service.path, access, stuffed)
            self.post(service.path, stuffed, "not-a-token-but-long-enough-to-look-like-one")


def test_no_response_holds_a_hash_and_no_log_line_holds_a_secret(
    testapp, oauth_client, provider, db, debug_logs
):
    walk = Walk(testapp, oauth_client, provider, db)
    walk.run()

    assert len(walk.secrets) > 10 and len(debug_logs.lines) > 50
    logged = "\n".join(debug_logs.lines)
    leaked = sorted(secret for secret in walk.secrets if secret in logged)
    assert not leaked, [line for line in debug_logs.lines if any(secret in line for secret in leaked)][:5]

    hashes = set(
        db.execute(
            text(
                "SELECT password_hash FROM users WHERE password_hash IS NOT NULL UNION ALL "
                "SELECT secret_hash FROM oauth_clients UNION ALL "
                "SELECT access_token_hash FROM oauth_tokens UNION ALL "
                "SELECT refresh_token_hash FROM oauth_tokens WHERE refresh_token_hash IS NOT NULL UNION ALL "
                "SELECT token_encrypted FROM social_accounts WHERE token_encrypted IS NOT NULL"
            )
        ).scalars()
    )
    assert len(hashes) > 10
    for response in walk.responses:
        seen = response.text + str(response.headerlist)
        assert "$argon2" not in seen
        assert not [value for value in hashes if value in seen], response.request.path
