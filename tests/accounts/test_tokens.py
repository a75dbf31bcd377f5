import datetime

import time_machine
from sqlalchemy import func, select

from jobhax.accounts.models import LoginFailure, OAuthToken
from jobhax.accounts.secrets import digest
from tests.api_client import assert_error, assert_ok
from tests.factories import PASSWORD

LOGIN = "/api/users/login"
REFRESH = "/api/users/refresh_token"
LOGOUT = "/api/users/logout"
JOBAPPS = "/api/jobapps/get_jobapps"


def credentials(client, **extra):
    return dict(client_id=client["client_id"], client_secret=client["client_secret"], **extra)


def login(testapp, client, username, password=PASSWORD):
    return testapp.post_json(
        LOGIN, credentials(client, username=username, password=password), expect_errors=True
    )


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def assert_revoked(testapp, client, tokens):
    """Neither token of the pair works any more."""
    assert_error(testapp.get(JOBAPPS, headers=bearer(tokens["access_token"]), expect_errors=True), 1, 401)
    refreshed = testapp.post_json(
        REFRESH, credentials(client, refresh_token=tokens["refresh_token"]), expect_errors=True
    )
    assert_error(refreshed, 1, 401)


def test_login_returns_a_token_pair_that_authenticates(testapp, factories, oauth_client, db):
    user = factories.user()
    tokens = assert_ok(login(testapp, oauth_client, user.username))
    assert set(tokens) == {"access_token", "expires_in", "token_type", "scope", "refresh_token"}
    assert (
        tokens["expires_in"] == 36000 and tokens["scope"] == "read write" and tokens["token_type"] == "Bearer"
    )
    assert len(tokens["access_token"]) >= 30 and len(tokens["refresh_token"]) >= 30
    assert_ok(testapp.get(JOBAPPS, headers=bearer(tokens["access_token"])))
    stored = db.scalar(select(OAuthToken))
    assert stored.access_token_hash == digest(tokens["access_token"])
    assert tokens["access_token"] not in (stored.access_token_hash, stored.refresh_token_hash)


def test_login_with_wrong_password_or_unknown_user_answers_6(testapp, factories, oauth_client):
    user = factories.user()
    assert_error(login(testapp, oauth_client, user.username, "wrong"), 6, 401)
    assert_error(login(testapp, oauth_client, "nobody"), 6, 401)


def test_login_with_wrong_client_answers_1(testapp, factories, oauth_client):
    user = factories.user()
    bad = dict(oauth_client, client_secret="wrong")
    assert_error(login(testapp, bad, user.username), 1, 401)
    assert_error(login(testapp, dict(oauth_client, client_id="unknown"), user.username), 1, 401)


def test_login_with_missing_fields_answers_10(testapp, oauth_client):
    assert_error(
        testapp.post_json(LOGIN, credentials(oauth_client, username="joe"), expect_errors=True), 10, 400
    )
    assert_error(testapp.post_json(LOGIN, {"username": "joe", "password": "x"}, expect_errors=True), 10, 400)


def test_five_failures_lock_the_username_from_that_address_for_fifteen_minutes(
    testapp, factories, oauth_client, db
):
    user = factories.user()
    start = datetime.datetime(2026, 1, 1, 12, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        for _ in range(3):
            assert_error(login(testapp, oauth_client, user.username, "wrong"), 6, 401)
        # /oauth/token failures count toward the same limit.
        for _ in range(2):
            response = testapp.post(
                "/oauth/token",
                credentials(oauth_client, grant_type="password", username=user.username, password="wrong"),
                expect_errors=True,
            )
            assert response.status_int == 400 and response.json["error"] == "invalid_grant"
        assert_error(login(testapp, oauth_client, user.username), 12, 429)
        response = testapp.post(
            "/oauth/token",
            credentials(oauth_client, grant_type="password", username=user.username, password=PASSWORD),
            expect_errors=True,
        )
        assert response.status_int == 429
    with time_machine.travel(start + datetime.timedelta(minutes=14), tick=False):
        assert_error(login(testapp, oauth_client, user.username), 12, 429)
    with time_machine.travel(start + datetime.timedelta(minutes=15, seconds=1), tick=False):
        assert_ok(login(testapp, oauth_client, user.username))
    # The five failures are older than the window now: that attempt pruned them.
    assert db.scalar(select(func.count()).select_from(LoginFailure)) == 0


def test_refresh_rotates_the_pair_and_revokes_the_old_one(testapp, factories, oauth_client):
    user = factories.user()
    first = assert_ok(login(testapp, oauth_client, user.username))
    second = assert_ok(
        testapp.post_json(REFRESH, credentials(oauth_client, refresh_token=first["refresh_token"]))
    )
    assert (
        second["access_token"] != first["access_token"] and second["refresh_token"] != first["refresh_token"]
    )
    assert_ok(testapp.get(JOBAPPS, headers=bearer(second["access_token"])))
    assert_revoked(testapp, oauth_client, first)


def test_refresh_with_bad_token_client_or_fields(testapp, factories, oauth_client):
    user = factories.user()
    tokens = assert_ok(login(testapp, oauth_client, user.username))
    assert_error(
        testapp.post_json(REFRESH, credentials(oauth_client, refresh_token="nope" * 10), expect_errors=True),
        1,
        401,
    )
    other_client = factories.oauth_client("other")
    assert_error(
        testapp.post_json(
            REFRESH, credentials(other_client, refresh_token=tokens["refresh_token"]), expect_errors=True
        ),
        1,
        401,
    )
    assert_error(
        testapp.post_json(
            REFRESH,
            credentials(dict(oauth_client, client_secret="x"), refresh_token=tokens["refresh_token"]),
            expect_errors=True,
        ),
        1,
        401,
    )
    assert_error(testapp.post_json(REFRESH, credentials(oauth_client), expect_errors=True), 10, 400)


def test_logout_revokes_access_and_refresh_token(testapp, factories, oauth_client):
    user = factories.user()
    tokens = assert_ok(login(testapp, oauth_client, user.username))
    assert (
        assert_ok(testapp.post_json(LOGOUT, credentials(oauth_client, token=tokens["access_token"]))) is None
    )
    assert_revoked(testapp, oauth_client, tokens)
    assert_error(
        testapp.post_json(
            LOGOUT, credentials(oauth_client, token=tokens["access_token"]), expect_errors=True
        ),
        5,
        400,
    )


def test_logout_with_wrong_client_or_fields(testapp, factories, oauth_client):
    user = factories.user()
    tokens = assert_ok(login(testapp, oauth_client, user.username))
    assert_error(
        testapp.post_json(
            LOGOUT,
            credentials(dict(oauth_client, client_secret="x"), token=tokens["access_token"]),
            expect_errors=True,
        ),
        1,
        401,
    )
    assert_error(testapp.post_json(LOGOUT, credentials(oauth_client), expect_errors=True), 10, 400)
    assert_ok(testapp.get(JOBAPPS, headers=bearer(tokens["access_token"])))


def test_logout_accepts_the_token_with_a_bearer_prefix(testapp, factories, oauth_client):
    """One 2019 client sends `token: "Bearer <access_token>"`, as in its Authorization header."""
    user = factories.user()
    for prefix in ("Bearer ", "bearer ", "BEARER  "):
        tokens = assert_ok(login(testapp, oauth_client, user.username))
        assert_ok(testapp.post_json(LOGOUT, credentials(oauth_client, token=prefix + tokens["access_token"])))
        assert_revoked(testapp, oauth_client, tokens)


def test_logout_with_a_bearer_prefix_and_no_live_token(testapp, factories, oauth_client):
    user = factories.user()
    tokens = assert_ok(login(testapp, oauth_client, user.username))
    for token in ("Bearer ", "Bearer", "Bearer  "):
        assert_error(
            testapp.post_json(LOGOUT, credentials(oauth_client, token=token), expect_errors=True), 10, 400
        )
    for token in (
        "Bearer " + "x" * 40,
        "Bearer Bearer " + tokens["access_token"],
        "Basic " + tokens["access_token"],
    ):
        assert_error(
            testapp.post_json(LOGOUT, credentials(oauth_client, token=token), expect_errors=True), 5, 400
        )
    assert_ok(testapp.get(JOBAPPS, headers=bearer(tokens["access_token"])))


def test_missing_malformed_expired_or_unknown_bearer_answers_1(testapp, factories):
    user = factories.user()
    expired = factories.access_token(user, now=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))
    for headers in (
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Basic abc"},
        bearer("x" * 40),
        bearer(expired),
    ):
        assert_error(testapp.get(JOBAPPS, headers=headers, expect_errors=True), 1, 401)


def test_token_expires_after_expires_in(testapp, factories):
    user = factories.user()
    start = datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        token = factories.access_token(user, expires_in=36000)
    with time_machine.travel(start + datetime.timedelta(seconds=35999), tick=False):
        assert_ok(testapp.get(JOBAPPS, headers=bearer(token)))
    with time_machine.travel(start + datetime.timedelta(seconds=36000), tick=False):
        assert_error(testapp.get(JOBAPPS, headers=bearer(token), expect_errors=True), 1, 401)
