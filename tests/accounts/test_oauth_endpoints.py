"""The standard endpoints answer standard OAuth2 bodies, so off-the-shelf clients work unchanged."""

import base64

import pytest
from oauthlib.oauth2 import LegacyApplicationClient
from requests_oauthlib import OAuth2Session

from tests.factories import PASSWORD
from tests.servers import serve


@pytest.fixture
def served_app(app, clean_database):
    with serve(app, threads=4) as base_url:
        yield base_url


def test_requests_oauthlib_password_refresh_and_revoke_round_trip(
    served_app, factories, oauth_client, monkeypatch
):
    # The client library's own rule, for our test server on plain http (the app itself needs no such variable).
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    user = factories.user()
    session = OAuth2Session(client=LegacyApplicationClient(client_id=oauth_client["client_id"]))
    token = session.fetch_token(
        token_url=f"{served_app}/oauth/token",
        username=user.username,
        password=PASSWORD,
        client_id=oauth_client["client_id"],
        client_secret=oauth_client["client_secret"],
    )
    assert token["token_type"] == "Bearer" and token["expires_in"] == 36000
    response = session.get(f"{served_app}/api/jobapps/get_statuses")
    assert response.status_code == 200 and response.json()["data"][0] == {
        "id": 1,
        "value": "Applied",
        "position": 1,
    }

    refreshed = session.refresh_token(
        f"{served_app}/oauth/token",
        client_id=oauth_client["client_id"],
        client_secret=oauth_client["client_secret"],
    )
    assert refreshed["access_token"] != token["access_token"]
    assert session.get(f"{served_app}/api/jobapps/get_statuses").status_code == 200

    revoked = session.post(
        f"{served_app}/oauth/revoke",
        data={
            "token": refreshed["access_token"],
            "client_id": oauth_client["client_id"],
            "client_secret": oauth_client["client_secret"],
        },
    )
    assert revoked.status_code == 200
    after = session.get(f"{served_app}/api/jobapps/get_statuses")
    assert after.status_code == 401 and after.json()["error_code"] == 1


def test_token_endpoint_accepts_http_basic_client_authentication(testapp, factories, oauth_client):
    user = factories.user()
    basic = base64.b64encode(f"{oauth_client['client_id']}:{oauth_client['client_secret']}".encode()).decode()
    response = testapp.post(
        "/oauth/token",
        {"grant_type": "password", "username": user.username, "password": PASSWORD},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert response.json["token_type"] == "Bearer"


def test_token_endpoint_errors_are_standard(testapp, factories, oauth_client):
    user = factories.user()
    bad_client = testapp.post(
        "/oauth/token",
        {
            "grant_type": "password",
            "username": user.username,
            "password": PASSWORD,
            "client_id": oauth_client["client_id"],
            "client_secret": "wrong",
        },
        expect_errors=True,
    )
    assert bad_client.status_int == 401 and bad_client.json["error"] == "invalid_client"
    unsupported = testapp.post(
        "/oauth/token",
        {
            "grant_type": "client_credentials",
            "username": user.username,
            "password": PASSWORD,
            "client_id": oauth_client["client_id"],
            "client_secret": oauth_client["client_secret"],
        },
        expect_errors=True,
    )
    assert unsupported.status_int == 400 and unsupported.json["error"] == "unsupported_grant_type"
    missing = testapp.post(
        "/oauth/token",
        {
            "grant_type": "password",
            "client_id": oauth_client["client_id"],
            "client_secret": oauth_client["client_secret"],
        },
        expect_errors=True,
    )
    assert missing.status_int == 400 and missing.json["error"] == "invalid_request"


def test_revoke_with_unknown_token_is_not_an_error_but_needs_a_client(testapp, oauth_client):
    ok = testapp.post(
        "/oauth/revoke",
        {
            "token": "unknown",
            "client_id": oauth_client["client_id"],
            "client_secret": oauth_client["client_secret"],
        },
    )
    assert ok.status_int == 200
    refused = testapp.post(
        "/oauth/revoke",
        {"token": "unknown", "client_id": oauth_client["client_id"], "client_secret": "wrong"},
        expect_errors=True,
    )
    assert refused.status_int == 401 and refused.json["error"] == "invalid_client"


@pytest.mark.parametrize(
    "grant_type",
    ["client_credentials", "authorization_code", "urn:ietf:params:oauth:grant-type:jwt-bearer", "x"],
)
def test_unknown_grant_type_answers_unsupported_grant_type(testapp, oauth_client, grant_type):
    """The 2019 clients' error handling looks for unsupported_grant_type, not oauthlib's "missing username"."""
    in_body = testapp.post(
        "/oauth/token",
        {
            "grant_type": grant_type,
            "client_id": oauth_client["client_id"],
            "client_secret": oauth_client["client_secret"],
        },
        expect_errors=True,
    )
    assert in_body.status_int == 400 and in_body.json["error"] == "unsupported_grant_type", in_body.text
    basic = base64.b64encode(f"{oauth_client['client_id']}:{oauth_client['client_secret']}".encode()).decode()
    with_basic = testapp.post(
        "/oauth/token",
        {"grant_type": grant_type},
        headers={"Authorization": f"Basic {basic}"},
        expect_errors=True,
    )
    assert with_basic.status_int == 400 and with_basic.json["error"] == "unsupported_grant_type"
    assert with_basic.headers["Cache-Control"] == "no-store"


def test_missing_grant_type_answers_invalid_request(testapp, factories, oauth_client):
    user = factories.user()
    for grant_type in ({}, {"grant_type": ""}):
        response = testapp.post(
            "/oauth/token",
            {
                **grant_type,
                "username": user.username,
                "password": PASSWORD,
                "client_id": oauth_client["client_id"],
                "client_secret": oauth_client["client_secret"],
            },
            expect_errors=True,
        )
        assert response.status_int == 400 and response.json["error"] == "invalid_request", response.text
