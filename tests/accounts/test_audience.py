"""Provider token audience, attacked: a token issued to another app logs nobody in and links nothing.

The attacker runs an app of their own with "Sign in with Google/LinkedIn"; every user who signs in there
hands it a token, which it replays against JobHax to be taken for that user.
"""

import logging

import pytest
from sqlalchemy import func, select, text

from jobhax import main
from jobhax.accounts.models import SocialAccount, User
from jobhax.config import ConfigurationError
from tests.api_client import assert_error, assert_ok
from tests.fakeprovider import (
    ANOTHER_APP,
    GOOGLE_CLIENT_IDS,
    GOOGLE_TOKENINFO,
    LINKEDIN_CLIENT_ID,
    LINKEDIN_CLIENT_SECRET,
    LINKEDIN_INTROSPECT,
)

AUTH_SOCIAL = "/api/users/auth_social_user"
UPDATE = "/api/users/update_gmail_token"
STATUS = "/api/users/sync_status"
GOOGLE = "google-oauth2"
LINKEDIN = "linkedin-oauth2"


def social_login(testapp, client, provider=GOOGLE, token="google-token"):
    body = dict(
        client_id=client["client_id"], client_secret=client["client_secret"], provider=provider, token=token
    )
    return testapp.post_json(AUTH_SOCIAL, body, expect_errors=True)


def identity_calls(provider):
    return provider.calls("/oauth2/v3/userinfo") + provider.calls("/v2/")


def counts(db):
    return (
        db.scalar(select(func.count()).select_from(User)),
        db.scalar(select(func.count()).select_from(SocialAccount)),
    )


def test_a_google_token_issued_to_another_app_logs_nobody_in(testapp, provider, oauth_client, factories, db):
    # The victim has a verified account; the attacker's app got a token for the victim's Google account.
    victim = factories.user(username="victim", email="victim@gmail.com")
    db.execute(text("UPDATE users SET email_verified = true WHERE id = :id"), {"id": victim.id})
    db.commit()
    provider.add_google_user("replayed", "1001", "victim@gmail.com", client_id=ANOTHER_APP)

    assert_error(social_login(testapp, oauth_client, token="replayed"), 1, 401)

    assert counts(db) == (1, 0)
    assert identity_calls(provider) == []
    [check] = provider.calls(GOOGLE_TOKENINFO)
    assert check["query"] == {"access_token": "replayed"}


def test_an_authorized_party_of_ours_is_not_enough_when_google_says_the_audience_is_another(
    testapp, provider, oauth_client, db
):
    # azp ours, aud another: accepted (Google sets azp to the client that asked for the token).
    provider.add_google_user(
        "azp-ours", "1001", "joe@gmail.com", client_id=ANOTHER_APP, azp=GOOGLE_CLIENT_IDS[1]
    )
    assert_ok(social_login(testapp, oauth_client, token="azp-ours"))
    # Neither aud nor azp ours: refused.
    provider.add_google_user("neither", "1002", "ann@gmail.com", client_id=ANOTHER_APP, azp="third-app")
    assert_error(social_login(testapp, oauth_client, token="neither"), 1, 401)
    assert counts(db) == (1, 1)


def test_every_configured_google_client_id_is_ours(testapp, provider, oauth_client, db):
    for n, client_id in enumerate(GOOGLE_CLIENT_IDS):
        provider.add_google_user(f"token-{n}", f"10{n}", f"user{n}@gmail.com", client_id=client_id)
        assert_ok(social_login(testapp, oauth_client, token=f"token-{n}"))
    assert counts(db) == (2, 2)


def test_a_token_google_no_longer_knows_answers_1_like_a_rejected_one(testapp, provider, oauth_client, db):
    provider.add_google_user("google-token", "1001", "joe@gmail.com")
    provider.reject_token("google-token")
    assert_error(social_login(testapp, oauth_client), 1, 401)
    assert counts(db) == (0, 0) and identity_calls(provider) == []


def test_tokeninfo_unreachable_answers_14(testapp, provider, oauth_client, db):
    provider.add_google_user("google-token", "1001", "joe@gmail.com")
    provider.fail(GOOGLE_TOKENINFO, 503)
    assert_error(social_login(testapp, oauth_client), 14, 503)
    provider.drop(GOOGLE_TOKENINFO)
    assert_error(social_login(testapp, oauth_client), 14, 503)
    assert counts(db) == (0, 0) and identity_calls(provider) == []


def test_a_google_token_of_another_app_is_not_stored_by_update_gmail_token(api, provider, db, engine):
    provider.add_google_user("replayed", "1001", "victim@gmail.com", client_id=ANOTHER_APP)
    assert_error(api.post(UPDATE, {"token": "replayed"}), 3, 400)
    assert counts(db) == (1, 0)
    assert identity_calls(provider) == []
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM procrastinate_jobs")) == 0
    assert assert_ok(api.get(STATUS))["state"] == "idle"


def test_a_linkedin_token_issued_to_another_app_logs_nobody_in(testapp, provider, oauth_client, db):
    provider.add_linkedin_user("replayed", "abc", "victim@example.com", client_id="another-linkedin-app")
    assert_error(social_login(testapp, oauth_client, LINKEDIN, "replayed"), 1, 401)
    assert counts(db) == (0, 0) and identity_calls(provider) == []
    [check] = provider.calls(LINKEDIN_INTROSPECT)
    assert check["method"] == "POST"
    assert check["form"] == {
        "client_id": LINKEDIN_CLIENT_ID,
        "client_secret": LINKEDIN_CLIENT_SECRET,
        "token": "replayed",
    }


def test_an_inactive_linkedin_token_answers_1(testapp, provider, oauth_client, db):
    provider.add_linkedin_user("li-token", "abc", "bob@example.com")
    provider.reject_token("li-token")  # introspection: {"active": false}
    assert_error(social_login(testapp, oauth_client, LINKEDIN, "li-token"), 1, 401)
    assert_error(social_login(testapp, oauth_client, LINKEDIN, "never-issued"), 1, 401)
    assert counts(db) == (0, 0) and identity_calls(provider) == []


def test_linkedin_introspection_failing_answers_14(testapp, provider, oauth_client, db):
    provider.add_linkedin_user("li-token", "abc", "bob@example.com")
    provider.fail(LINKEDIN_INTROSPECT, 500)
    assert_error(social_login(testapp, oauth_client, LINKEDIN, "li-token"), 14, 503)
    assert counts(db) == (0, 0)


# -- configuration ---------------------------------------------------------------------------------


def without(settings, *names, **overrides):
    return {name: value for name, value in settings.items() if name not in names} | overrides


def test_production_refuses_to_start_without_the_google_client_ids(settings):
    production = without(settings, "jobhax.google_client_ids", **{"jobhax.env": "production"})
    with pytest.raises(ConfigurationError, match="JOBHAX_GOOGLE_CLIENT_IDS"):
        main({}, **production)


def test_production_refuses_to_start_without_the_linkedin_pair_while_linkedin_login_is_on(settings):
    production = without(settings, "jobhax.linkedin_client_secret", **{"jobhax.env": "production"})
    with pytest.raises(ConfigurationError, match="JOBHAX_LINKEDIN_CLIENT_SECRET"):
        main({}, **production)
    # Turned off, LinkedIn needs no pair.
    app = main({}, **dict(production, **{"jobhax.linkedin_login": "false"}))
    app.registry["engine"].dispose()


def test_with_linkedin_login_off_no_linkedin_token_is_accepted(settings, provider, factories, clean_database):
    import webtest

    app = main({}, **dict(settings, **{"jobhax.linkedin_login": "false"}))
    testapp = webtest.TestApp(app)
    client = factories.oauth_client()
    provider.add_linkedin_user("li-token", "abc", "bob@example.com")
    assert_error(social_login(testapp, client, LINKEDIN, "li-token"), 1, 401)
    assert provider.calls() == []
    app.registry["engine"].dispose()


def test_development_without_client_ids_warns_and_skips_the_check(
    settings, provider, factories, clean_database, caplog
):
    import webtest

    bare = without(
        settings,
        "jobhax.google_client_ids",
        "jobhax.linkedin_client_id",
        "jobhax.linkedin_client_secret",
        **{"jobhax.env": "development"},
    )
    with caplog.at_level(logging.WARNING, logger="jobhax.accounts.audience"):
        app = main({}, **bare)
    assert "audience NOT checked" in caplog.text and "JOBHAX_GOOGLE_CLIENT_IDS" in caplog.text
    provider.add_google_user("any-app", "1001", "joe@gmail.com", client_id=ANOTHER_APP)
    assert_ok(social_login(webtest.TestApp(app), factories.oauth_client(), token="any-app"))
    assert provider.calls(GOOGLE_TOKENINFO) == []
    app.registry["engine"].dispose()
