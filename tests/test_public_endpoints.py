"""Public endpoints ignore any Authorization header: the 2019 clients send a stale or empty one everywhere."""

import datetime
import itertools

import pytest

from jobhax.accounts import email_tokens
from jobhax.reminders.services import calendar_key
from tests.api_client import PUBLIC_ENDPOINTS, assert_ok
from tests.factories import PASSWORD

# What a client holding an old session, or a buggy one, puts in the header.
AUTHORIZATIONS = {
    "empty": "",
    "bare scheme": "Bearer",
    "bearer null": "Bearer null",
    "bearer undefined": "Bearer undefined",
    "garbage bearer": "Bearer ;;{}<>\"'\\ %00",
    "very long bearer": "Bearer " + "x" * 8000,
    "not base64 basic": "Basic !!!not-base64!!!",
    "unknown scheme": "Token abc",
    "garbage": "\u00e9\u00e8 ~~",
}
OPERATIONS = ("/__heartbeat__", "/__lbheartbeat__", "/__version__", "/__api__")
sequence = itertools.count()


def _credentials(client, **fields):
    return dict(client_id=client["client_id"], client_secret=client["client_secret"], **fields)


def _login(testapp, client, user):
    return assert_ok(
        testapp.post_json("/api/users/login", _credentials(client, username=user.username, password=PASSWORD))
    )


def _stale_authorizations(factories, user):
    """A revoked and an expired token of a real user: still no reason for a public endpoint to refuse."""
    revoked = factories.token_pair(user)
    from jobhax.accounts.services import revoke_pair

    revoke_pair(factories.db, client_pk=factories.default_client()["pk"], token=revoked["access_token"])
    factories.db.commit()
    expired = factories.access_token(user, now=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))
    return {"revoked bearer": f"Bearer {revoked['access_token']}", "expired bearer": f"Bearer {expired}"}


def _call_every_public_endpoint(testapp, provider, client, user, headers):
    """One successful call of each public /api/ endpoint; returns the paths called."""
    n = next(sequence)
    called = {}
    register = {
        "first_name": "Joe",
        "last_name": "Smith",
        "username": f"newcomer{n}",
        "email": f"newcomer{n}@example.com",
        "password": PASSWORD,
        "password2": PASSWORD,
    }
    called["/api/users/register"] = testapp.post_json("/api/users/register", register, headers=headers)
    called["/api/users/login"] = testapp.post_json(
        "/api/users/login", _credentials(client, username=user.username, password=PASSWORD), headers=headers
    )
    tokens = _login(testapp, client, user)
    called["/api/users/refresh_token"] = testapp.post_json(
        "/api/users/refresh_token",
        _credentials(client, refresh_token=tokens["refresh_token"]),
        headers=headers,
    )
    tokens = _login(testapp, client, user)
    called["/api/users/logout"] = testapp.post_json(
        "/api/users/logout", _credentials(client, token=tokens["access_token"]), headers=headers
    )
    provider.add_google_user(f"google-token-{n}", f"sub-{n}", f"social{n}@gmail.com")
    called["/api/users/auth_social_user"] = testapp.post_json(
        "/api/users/auth_social_user",
        _credentials(client, provider="google-oauth2", token=f"google-token-{n}"),
        headers=headers,
    )
    key = _calendar_key(testapp, user)
    called["/api/users/calendar.ics"] = testapp.get("/api/users/calendar.ics", {"key": key}, headers=headers)
    # The mailed token is the credential of these two; the request for a reset names only an address.
    called["/api/users/verify_email"] = testapp.post_json(
        "/api/users/verify_email",
        {"token": _mailed_token(testapp, user, email_tokens.VERIFY_EMAIL)},
        headers=headers,
    )
    called["/api/users/request_password_reset"] = testapp.post_json(
        "/api/users/request_password_reset", {"email": user.email}, headers=headers
    )
    # Last: a reset ends the user's sessions (the same password again, for the next round's login).
    reset = {"token": _mailed_token(testapp, user, email_tokens.RESET_PASSWORD), "password": PASSWORD}
    called["/api/users/reset_password"] = testapp.post_json(
        "/api/users/reset_password", dict(reset, password2=PASSWORD), headers=headers
    )
    return called


def _mailed_token(testapp, user, purpose):
    """A token as the user's mail would carry it, committed."""
    session = testapp.app.registry["dbsession_factory"]()
    try:
        token = email_tokens.issue(session, user.id, purpose, datetime.datetime.now(datetime.UTC))
        session.commit()
        return token
    finally:
        session.close()


def _calendar_key(testapp, user):
    """The user's calendar feed key, committed."""
    session = testapp.app.registry["dbsession_factory"]()
    try:
        key = calendar_key(session, testapp.app.registry.settings, user.id)
        session.commit()
        return key
    finally:
        session.close()


def succeeded(response):
    """200 and, for an envelope, success (the calendar feed answers text/calendar)."""
    if response.content_type != "application/json":
        return response.status_int == 200 and response.body.startswith(b"BEGIN:VCALENDAR")
    return response.status_int == 200 and response.json["success"] is True


@pytest.fixture
def user(factories):
    return factories.user()


def test_the_public_endpoints_are_those_the_document_says_need_no_token(testapp):
    """If an endpoint becomes public, it joins PUBLIC_ENDPOINTS (and so the tests below)."""
    document = testapp.get("/__api__").json
    public = {
        path
        for path, operations in document["paths"].items()
        if path.startswith("/api/")
        and any(not operation.get("security") for operation in operations.values())
    }
    assert public == PUBLIC_ENDPOINTS


@pytest.mark.parametrize("authorization", sorted(AUTHORIZATIONS))
def test_public_api_endpoints_ignore_the_authorization_header(
    testapp, provider, oauth_client, user, authorization
):
    called = _call_every_public_endpoint(
        testapp, provider, oauth_client, user, {"Authorization": AUTHORIZATIONS[authorization]}
    )
    assert set(called) == PUBLIC_ENDPOINTS
    for path, response in called.items():
        assert succeeded(response), (path, response.text)


def test_public_api_endpoints_ignore_a_revoked_or_expired_bearer(
    testapp, provider, oauth_client, user, factories
):
    for authorization in _stale_authorizations(factories, user).values():
        called = _call_every_public_endpoint(
            testapp, provider, oauth_client, user, {"Authorization": authorization}
        )
        for path, response in called.items():
            assert succeeded(response), (path, response.text)


@pytest.mark.parametrize("authorization", sorted(AUTHORIZATIONS))
def test_operations_and_the_revocation_endpoint_ignore_the_authorization_header(
    testapp, oauth_client, user, authorization
):
    headers = {"Authorization": AUTHORIZATIONS[authorization]}
    for path in OPERATIONS:
        assert testapp.get(path, headers=headers).status_int == 200, path
    issued = testapp.post(
        "/oauth/token",
        _credentials(oauth_client, grant_type="password", username=user.username, password=PASSWORD),
        headers=headers,
    )
    assert issued.status_int == 200 and issued.json["access_token"]
    revoked = testapp.post(
        "/oauth/revoke", _credentials(oauth_client, token=issued.json["access_token"]), headers=headers
    )
    assert revoked.status_int == 200
    after = testapp.get(
        "/api/jobapps/get_statuses",
        headers={"Authorization": f"Bearer {issued.json['access_token']}"},
        expect_errors=True,
    )
    assert after.status_int == 401
