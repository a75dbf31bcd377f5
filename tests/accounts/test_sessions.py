"""Refresh-token families, logout_all and uncacheable token answers, attacked.

The attacker holds a copy of a refresh token (a stolen backup, a leaked log, a shared machine). Whoever of
the two refreshes second presents a spent token: the whole login is revoked, the attacker's copy included.
"""

import base64
import datetime

import pytest
import time_machine
import webtest
from sqlalchemy import func, select

from jobhax import main
from jobhax.accounts.models import OAuthToken
from tests.api_client import assert_error, assert_ok
from tests.factories import PASSWORD

LOGIN = "/api/users/login"
REFRESH = "/api/users/refresh_token"
LOGOUT_ALL = "/api/users/logout_all"
AUTH_SOCIAL = "/api/users/auth_social_user"
JOBAPPS = "/api/jobapps/get_jobapps"
START = datetime.datetime(2026, 3, 1, 9, 0, tzinfo=datetime.UTC)


def credentials(client, **extra):
    return dict(client_id=client["client_id"], client_secret=client["client_secret"], **extra)


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def basic(client):
    pair = f"{client['client_id']}:{client['client_secret']}".encode()
    return {"Authorization": "Basic " + base64.b64encode(pair).decode()}


def login(testapp, client, username):
    return assert_ok(testapp.post_json(LOGIN, credentials(client, username=username, password=PASSWORD)))


def refresh(testapp, client, refresh_token):
    return testapp.post_json(REFRESH, credentials(client, refresh_token=refresh_token), expect_errors=True)


def works(testapp, access_token):
    return testapp.get(JOBAPPS, headers=bearer(access_token), expect_errors=True).status_int == 200


def live_pairs(db, user):
    return db.scalar(
        select(func.count())
        .select_from(OAuthToken)
        .where(OAuthToken.user_id == user.id, OAuthToken.revoked_at.is_(None))
    )


def test_replaying_a_rotated_refresh_token_kills_the_live_descendant(testapp, factories, oauth_client, db):
    user = factories.user()
    stolen = login(testapp, oauth_client, user.username)
    # The user goes on refreshing: two generations later they hold a live pair.
    child = assert_ok(refresh(testapp, oauth_client, stolen["refresh_token"]))
    grandchild = assert_ok(refresh(testapp, oauth_client, child["refresh_token"]))
    assert works(testapp, grandchild["access_token"])
    # Another login of the same user (another device) is another family.
    other_device = login(testapp, oauth_client, user.username)

    # The attacker replays the stolen, already rotated, refresh token.
    assert_error(refresh(testapp, oauth_client, stolen["refresh_token"]), 1, 401)

    assert not works(testapp, grandchild["access_token"])
    assert_error(refresh(testapp, oauth_client, grandchild["refresh_token"]), 1, 401)
    assert works(testapp, other_device["access_token"])
    assert live_pairs(db, user) == 1


def test_the_attacker_refreshing_first_loses_the_family_when_the_user_refreshes(
    testapp, factories, oauth_client
):
    user = factories.user()
    tokens = login(testapp, oauth_client, user.username)
    attackers = assert_ok(refresh(testapp, oauth_client, tokens["refresh_token"]))
    assert works(testapp, attackers["access_token"])
    # The user's own refresh now presents a spent token: both lose the session; the user logs in again.
    assert_error(refresh(testapp, oauth_client, tokens["refresh_token"]), 1, 401)
    assert not works(testapp, attackers["access_token"])
    assert_error(refresh(testapp, oauth_client, attackers["refresh_token"]), 1, 401)


def test_a_replay_on_the_standard_endpoint_revokes_the_family_too(testapp, factories, oauth_client):
    user = factories.user()
    first = testapp.post(
        "/oauth/token",
        {"grant_type": "password", "username": user.username, "password": PASSWORD},
        headers=basic(oauth_client),
    ).json
    second = testapp.post(
        "/oauth/token",
        {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
        headers=basic(oauth_client),
    ).json
    replay = testapp.post(
        "/oauth/token",
        {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
        headers=basic(oauth_client),
        expect_errors=True,
    )
    assert replay.status_int == 400 and replay.json["error"] == "invalid_grant"
    assert not works(testapp, second["access_token"])


def test_a_refresh_token_presented_by_another_client_revokes_nothing(testapp, factories, oauth_client):
    user = factories.user()
    tokens = login(testapp, oauth_client, user.username)
    intruder = factories.oauth_client("intruder")
    assert_error(refresh(testapp, intruder, tokens["refresh_token"]), 1, 401)
    assert works(testapp, tokens["access_token"])
    assert_ok(refresh(testapp, oauth_client, tokens["refresh_token"]))


@pytest.fixture
def week_long_app(settings, clean_database):
    """Refresh tokens that end a week after the login, and access tokens of one hour."""
    app = main(
        {},
        **dict(
            settings,
            **{
                "jobhax.refresh_token_expires_in": str(7 * 24 * 3600),
                "jobhax.access_token_expires_in": "3600",
            },
        ),
    )
    yield webtest.TestApp(app, extra_environ={"REMOTE_ADDR": "127.0.0.1"})
    app.registry["engine"].dispose()


def test_refreshing_never_extends_a_login_beyond_refresh_token_expires_in(
    week_long_app, factories, oauth_client
):
    user = factories.user()
    with time_machine.travel(START, tick=False):
        tokens = login(week_long_app, oauth_client, user.username)
    # Refreshed every day: still one week from the login, not from the last refresh.
    for day in range(1, 7):
        with time_machine.travel(START + datetime.timedelta(days=day), tick=False):
            tokens = assert_ok(refresh(week_long_app, oauth_client, tokens["refresh_token"]))
    with time_machine.travel(START + datetime.timedelta(days=7, seconds=-1), tick=False):
        tokens = assert_ok(refresh(week_long_app, oauth_client, tokens["refresh_token"]))
    with time_machine.travel(START + datetime.timedelta(days=7), tick=False):
        assert_error(refresh(week_long_app, oauth_client, tokens["refresh_token"]), 1, 401)
        # An ended login is no replay: its last access token lives out its own hour.
        assert works(week_long_app, tokens["access_token"])


def test_refresh_tokens_last_thirty_days_by_default(testapp, factories, oauth_client):
    user = factories.user()
    with time_machine.travel(START, tick=False):
        tokens = login(testapp, oauth_client, user.username)
    with time_machine.travel(START + datetime.timedelta(days=30, seconds=-1), tick=False):
        tokens = assert_ok(refresh(testapp, oauth_client, tokens["refresh_token"]))
    with time_machine.travel(START + datetime.timedelta(days=30), tick=False):
        assert_error(refresh(testapp, oauth_client, tokens["refresh_token"]), 1, 401)


# -- logout_all ------------------------------------------------------------------------------------


def test_logout_all_revokes_every_token_of_the_caller_and_no_one_elses(testapp, factories, oauth_client, db):
    user, other = factories.user(), factories.user()
    phone = login(testapp, oauth_client, user.username)
    laptop = login(testapp, oauth_client, user.username)
    mobile_client = factories.oauth_client("mobile")
    tablet = login(testapp, mobile_client, user.username)
    others = login(testapp, oauth_client, other.username)

    assert assert_ok(testapp.post_json(LOGOUT_ALL, {}, headers=bearer(laptop["access_token"]))) is None

    for tokens, client in ((phone, oauth_client), (laptop, oauth_client), (tablet, mobile_client)):
        assert not works(testapp, tokens["access_token"])
        assert_error(refresh(testapp, client, tokens["refresh_token"]), 1, 401)
    assert live_pairs(db, user) == 0
    assert works(testapp, others["access_token"])


def test_logout_all_without_a_valid_bearer_answers_1(testapp, factories, oauth_client):
    user = factories.user()
    tokens = login(testapp, oauth_client, user.username)
    for headers in ({}, bearer("x" * 40), bearer(tokens["refresh_token"])):
        assert_error(testapp.post_json(LOGOUT_ALL, {}, headers=headers, expect_errors=True), 1, 401)
    assert works(testapp, tokens["access_token"])


def test_logout_all_only_accepts_post(api):
    assert_error(api.get(LOGOUT_ALL), 10, 405)


def test_logout_all_statements_are_fixed(testapp, factories, oauth_client, count_statements):
    def logout_all(devices):
        user = factories.user()
        token = [login(testapp, oauth_client, user.username) for _ in range(devices)][-1]["access_token"]
        with count_statements() as counter:
            assert_ok(testapp.post_json(LOGOUT_ALL, {}, headers=bearer(token)))
        return counter.count

    assert logout_all(1) == logout_all(6) == 2  # the bearer lookup, the revocation


# -- token answers are never cached ----------------------------------------------------------------


def assert_no_store(response):
    assert response.headers["Cache-Control"] == "no-store", response.headers
    assert response.headers["Pragma"] == "no-cache", response.headers


def test_every_token_answer_forbids_caching(testapp, factories, oauth_client, provider):
    user = factories.user()
    response = testapp.post_json(LOGIN, credentials(oauth_client, username=user.username, password=PASSWORD))
    assert_no_store(response)
    assert_no_store(refresh(testapp, oauth_client, response.json["data"]["refresh_token"]))
    provider.add_google_user("google-token", "1001", "joe@gmail.com")
    assert_no_store(
        testapp.post_json(
            AUTH_SOCIAL, credentials(oauth_client, provider="google-oauth2", token="google-token")
        )
    )
    assert_no_store(
        testapp.post(
            "/oauth/token",
            {"grant_type": "password", "username": user.username, "password": PASSWORD},
            headers=basic(oauth_client),
        )
    )
    # Failures too: nothing on the way keeps any answer of these endpoints.
    assert_no_store(
        testapp.post_json(
            LOGIN, credentials(oauth_client, username=user.username, password="wrong"), expect_errors=True
        )
    )
    assert_no_store(refresh(testapp, oauth_client, "spent" * 10))
    assert_no_store(
        testapp.post_json(
            AUTH_SOCIAL,
            credentials(oauth_client, provider="google-oauth2", token="unknown"),
            expect_errors=True,
        )
    )
