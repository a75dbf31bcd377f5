"""Social login (auth_social_user), LinkedIn profile, and the provider-token rules behind them."""

import pytest
from sqlalchemy import func, select, text

from jobhax.accounts import provider_tokens, social
from jobhax.accounts.models import SocialAccount, User
from jobhax.envelope import ApiError, ErrorCode
from tests.api_client import assert_error, assert_ok

AUTH_SOCIAL = "/api/users/auth_social_user"
PROFILE = "/api/users/get_linkedin_profile"
JOBAPPS = "/api/jobapps/get_jobapps"
GOOGLE = "google-oauth2"
LINKEDIN = "linkedin-oauth2"


def social_login(testapp, client, provider="google-oauth2", token="google-token"):
    body = dict(
        client_id=client["client_id"], client_secret=client["client_secret"], provider=provider, token=token
    )
    return testapp.post_json(AUTH_SOCIAL, body, expect_errors=True)


def bearer(tokens):
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def accounts(db):
    return db.execute(
        select(
            SocialAccount.user_id,
            SocialAccount.provider,
            SocialAccount.subject,
            SocialAccount.token_encrypted,
            SocialAccount.token_usable,
        ).order_by(SocialAccount.id)
    ).all()


def user_row(db, user_id):
    return db.execute(
        select(User.username, User.email, User.first_name, User.last_name, User.password_hash).where(
            User.id == user_id
        )
    ).one()


@pytest.fixture
def settings_(app):
    return app.registry.settings


# -- auth_social_user ------------------------------------------------------------------------------


def test_google_login_creates_a_user_then_reuses_it(testapp, provider, oauth_client, db, settings_):
    provider.add_google_user(
        "google-token", "1001", "joe.smith@gmail.com", given_name="Joe", family_name="Smith"
    )
    tokens = assert_ok(social_login(testapp, oauth_client))
    assert set(tokens) == {"access_token", "expires_in", "token_type", "scope", "refresh_token"}
    assert (tokens["expires_in"], tokens["token_type"], tokens["scope"]) == (36000, "Bearer", "read write")
    assert_ok(testapp.get(JOBAPPS, headers=bearer(tokens)))

    [account] = accounts(db)
    assert (account.provider, account.subject, account.token_usable) == (GOOGLE, "1001", True)
    assert user_row(db, account.user_id) == ("joe.smith", "joe.smith@gmail.com", "Joe", "Smith", None)

    provider.add_google_user("google-token-2", "1001", "joe.smith@gmail.com")
    again = assert_ok(social_login(testapp, oauth_client, token="google-token-2"))
    assert again["access_token"] != tokens["access_token"]
    [account] = accounts(db)
    assert db.scalar(select(func.count()).select_from(User)) == 1
    assert provider_tokens.decrypt(settings_, account.token_encrypted) == "google-token-2"


def test_login_links_to_the_user_with_the_provider_verified_email(
    testapp, provider, oauth_client, factories, db
):
    user = factories.user(username="joe", email="Joe@Example.com")
    provider.add_google_user("google-token", "1001", "joe@example.com", email_verified=True)
    assert_ok(social_login(testapp, oauth_client))
    [account] = accounts(db)
    assert account.user_id == user.id
    assert db.scalar(select(func.count()).select_from(User)) == 1


def test_an_unverified_email_is_never_linked(testapp, provider, oauth_client, factories, db):
    user = factories.user(username="joe", email="joe@example.com")
    provider.add_google_user("google-token", "1001", "joe@example.com", email_verified=False)
    assert_ok(social_login(testapp, oauth_client))
    [account] = accounts(db)
    assert account.user_id != user.id
    # The new user does not claim an address the provider has not verified.
    assert user_row(db, account.user_id).email == ""
    assert user_row(db, user.id).email == "joe@example.com"


def test_a_new_user_gets_a_unique_username(testapp, provider, oauth_client, factories, db):
    factories.user(username="joe", email="joe@example.com")
    factories.user(username="joe2", email="joe2@example.com")
    provider.add_google_user("google-token", "1001", "joe@gmail.com")
    assert_ok(social_login(testapp, oauth_client))
    [account] = accounts(db)
    assert user_row(db, account.user_id).username == "joe3"


def test_a_second_identity_with_a_linked_email_gets_its_own_user(
    testapp, provider, oauth_client, factories, db
):
    """The email's user already has another Google identity: one account per provider, so a new user."""
    provider.add_google_user("token-a", "1001", "joe@example.com")
    provider.add_google_user("token-b", "2002", "joe@example.com")
    assert_ok(social_login(testapp, oauth_client, token="token-a"))
    assert_ok(social_login(testapp, oauth_client, token="token-b"))
    first, second = accounts(db)
    assert first.user_id != second.user_id
    assert user_row(db, second.user_id).email == ""


def test_google_and_linkedin_identities_link_to_one_user(testapp, provider, oauth_client, db):
    provider.add_google_user("google-token", "1001", "joe@example.com")
    provider.add_linkedin_user("li-token", "abc", "joe@example.com")
    assert_ok(social_login(testapp, oauth_client))
    assert_ok(social_login(testapp, oauth_client, provider=LINKEDIN, token="li-token"))
    google, linkedin = accounts(db)
    assert google.user_id == linkedin.user_id
    assert (linkedin.provider, linkedin.subject) == (LINKEDIN, "abc")


def test_a_rejected_token_answers_1(testapp, provider, oauth_client, db):
    assert_error(social_login(testapp, oauth_client, token="unknown"), 1, 401)
    provider.add_google_user("google-token", "1001", "joe@example.com")
    provider.fail("/oauth2/", 403)
    assert_error(social_login(testapp, oauth_client), 1, 401)
    assert accounts(db) == []


def test_an_identity_without_a_subject_answers_1(testapp, provider, oauth_client, db):
    provider.add_google_user("google-token", "", "joe@example.com")
    assert_error(social_login(testapp, oauth_client), 1, 401)
    assert db.scalar(select(func.count()).select_from(User)) == 0


def test_an_unknown_provider_answers_10(testapp, provider, oauth_client):
    assert_error(social_login(testapp, oauth_client, provider="facebook"), 10, 400)
    assert provider.calls() == []


@pytest.mark.parametrize("missing", ["provider", "token", "client_id", "client_secret"])
def test_missing_fields_answer_10(testapp, provider, oauth_client, missing):
    body = dict(oauth_client, provider=GOOGLE, token="google-token")
    del body[missing]
    assert_error(testapp.post_json(AUTH_SOCIAL, body, expect_errors=True), 10, 400)


def test_wrong_types_answer_10(testapp, provider, oauth_client):
    body = dict(
        client_id=oauth_client["client_id"],
        client_secret=oauth_client["client_secret"],
        provider=GOOGLE,
        token=12345,
    )
    assert_error(testapp.post_json(AUTH_SOCIAL, body, expect_errors=True), 10, 400)


@pytest.mark.parametrize("token", ["tokén", "token with spaces", "tab\there", "x" * 4097])
def test_a_token_that_cannot_be_a_bearer_token_answers_10_without_calling_the_provider(
    testapp, provider, oauth_client, token
):
    assert_error(social_login(testapp, oauth_client, token=token), 10, 400)
    assert provider.calls() == []


@pytest.mark.parametrize("fault", ["drop", 500, 503, 429])
def test_an_unreachable_or_failing_provider_answers_14(testapp, provider, oauth_client, db, fault):
    provider.add_google_user("google-token", "1001", "joe@example.com")
    if fault == "drop":
        provider.drop("/oauth2/")
    else:
        provider.fail("/oauth2/", fault)
    assert_error(social_login(testapp, oauth_client), 14, 503)
    assert accounts(db) == []


def test_a_wrong_client_answers_1_without_calling_the_provider(testapp, provider, oauth_client):
    provider.add_google_user("google-token", "1001", "joe@example.com")
    assert_error(social_login(testapp, dict(oauth_client, client_secret="wrong")), 1, 401)
    assert_error(social_login(testapp, dict(oauth_client, client_id="unknown")), 1, 401)
    assert provider.calls() == []


def test_the_stored_token_is_encrypted(testapp, provider, oauth_client, db, app):
    token = "ya29.a0AfH6SMBx-very-secret-google-token"
    provider.add_google_user(token, "1001", "joe@example.com")
    assert_ok(social_login(testapp, oauth_client, token=token))
    [account] = accounts(db)
    assert token not in account.token_encrypted
    assert provider_tokens.decrypt(app.registry.settings, account.token_encrypted) == token
    assert token not in db.execute(text("SELECT social_accounts::text FROM social_accounts")).scalar()


def test_login_statements_do_not_depend_on_the_number_of_users(
    testapp, provider, oauth_client, count_statements
):
    def login_counts(n_others):
        for i in range(n_others):
            provider.add_google_user(
                f"other-{n_others}-{i}", f"other-{n_others}-{i}", f"joe@host-{n_others}-{i}.com"
            )
            assert_ok(social_login(testapp, oauth_client, token=f"other-{n_others}-{i}"))
        provider.add_google_user(f"joe-{n_others}", f"joe-{n_others}", "joe@gmail.com", email_verified=False)
        with count_statements() as creating:
            assert_ok(social_login(testapp, oauth_client, token=f"joe-{n_others}"))
        with count_statements() as reusing:
            assert_ok(social_login(testapp, oauth_client, token=f"joe-{n_others}"))
        return creating.count, reusing.count

    few = login_counts(1)
    many = login_counts(12)  # a dozen more users, and joe, joe2 … joe14 taken by now
    assert few == many
    # Reusing: the client, the identity, the token update, the new pair. Creating: the client, the
    # identity, the taken usernames, the user, the identity, the pair.
    assert many == (6, 4)


# -- get_linkedin_profile --------------------------------------------------------------------------


@pytest.fixture
def linkedin_user(testapp, provider, oauth_client):
    provider.add_linkedin_user(
        "li-token", "yrZCpj2Z12", "bob@example.com", given_name="Bob", family_name="Smith"
    )
    tokens = assert_ok(social_login(testapp, oauth_client, provider=LINKEDIN, token="li-token"))
    return bearer(tokens)


def test_linkedin_login_then_profile(testapp, provider, linkedin_user, db):
    profile = assert_ok(testapp.get(PROFILE, headers=linkedin_user))
    assert profile["localizedFirstName"] == "Bob" and profile["id"] == "yrZCpj2Z12"
    assert profile["firstName"]["localized"] == {"en_US": "Bob"}
    assert provider.calls("/v2/me")[0]["token"] == "li-token"
    [account] = accounts(db)
    assert user_row(db, account.user_id)[:4] == ("bob", "bob@example.com", "Bob", "Smith")


def test_profile_without_a_linkedin_token_answers_2(api, provider):
    assert_error(api.get(PROFILE), 2, 404)
    assert provider.calls() == []


def test_profile_with_a_google_login_only_answers_2(testapp, provider, oauth_client):
    provider.add_google_user("google-token", "1001", "joe@example.com")
    tokens = assert_ok(social_login(testapp, oauth_client))
    assert_error(testapp.get(PROFILE, headers=bearer(tokens), expect_errors=True), 2, 404)


def test_profile_rejected_by_linkedin_answers_2(testapp, provider, linkedin_user):
    provider.reject_token("li-token")
    assert_error(testapp.get(PROFILE, headers=linkedin_user, expect_errors=True), 2, 404)


def test_profile_when_linkedin_fails_answers_14(testapp, provider, linkedin_user):
    provider.fail("/v2/me", 500)
    assert_error(testapp.get(PROFILE, headers=linkedin_user, expect_errors=True), 14, 503)
    provider.drop("/v2/me")
    assert_error(testapp.get(PROFILE, headers=linkedin_user, expect_errors=True), 14, 503)


def test_profile_without_a_bearer_answers_1(testapp, provider):
    assert_error(testapp.get(PROFILE, expect_errors=True), 1, 401)


def test_profile_statements_are_fixed(testapp, provider, linkedin_user, count_statements):
    testapp.get(PROFILE, headers=linkedin_user)
    with count_statements() as counter:
        assert_ok(testapp.get(PROFILE, headers=linkedin_user))
    assert counter.count == 2  # the bearer lookup, the LinkedIn token


# -- the rules, without HTTP -----------------------------------------------------------------------


def test_link_google_token_links_a_user_without_google(db, factories, provider, settings_):
    user = factories.user()
    provider.add_google_user("google-token", "1001", "joe@example.com")
    account = social.link_google_token(db, settings_, user.id, "google-token")
    db.commit()
    assert (account.user_id, account.subject, account.token_usable) == (user.id, "1001", True)
    assert social.google_token(db, settings_, user.id) == "google-token"


def test_link_google_token_replaces_the_token_and_makes_it_usable(db, factories, provider, settings_):
    user = factories.user()
    provider.add_google_user("old-token", "1001", "joe@example.com")
    provider.add_google_user("new-token", "1001", "joe@example.com")
    social.link_google_token(db, settings_, user.id, "old-token")
    social.mark_google_token_unusable(db, user.id)
    db.commit()
    assert social.google_token(db, settings_, user.id) is None
    social.link_google_token(db, settings_, user.id, "new-token")
    db.commit()
    assert social.google_token(db, settings_, user.id) == "new-token"
    assert len(accounts(db)) == 1


def test_link_google_token_refuses_another_google_account(db, factories, provider, settings_):
    user = factories.user()
    provider.add_google_user("mine", "1001", "joe@example.com")
    provider.add_google_user("someone-else", "2002", "ann@example.com")
    social.link_google_token(db, settings_, user.id, "mine")
    with pytest.raises(ApiError) as caught:
        social.link_google_token(db, settings_, user.id, "someone-else")
    assert caught.value.code == ErrorCode.GOOGLE_TOKEN_UPDATE_FAILED


def test_link_google_token_refuses_an_account_linked_to_another_user(db, factories, provider, settings_):
    ann, joe = factories.user(), factories.user()
    provider.add_google_user("google-token", "1001", "ann@example.com")
    social.link_google_token(db, settings_, ann.id, "google-token")
    with pytest.raises(ApiError) as caught:
        social.link_google_token(db, settings_, joe.id, "google-token")
    assert caught.value.code == ErrorCode.GOOGLE_TOKEN_UPDATE_FAILED


def test_link_google_token_rejected_is_3_and_unreachable_is_14(db, factories, provider, settings_):
    user = factories.user()
    with pytest.raises(ApiError) as caught:
        social.link_google_token(db, settings_, user.id, "unknown")
    assert caught.value.code == ErrorCode.GOOGLE_TOKEN_UPDATE_FAILED
    provider.add_google_user("google-token", "1001", "joe@example.com")
    provider.fail("/oauth2/", 503)
    with pytest.raises(ApiError) as caught:
        social.link_google_token(db, settings_, user.id, "google-token")
    assert caught.value.code == ErrorCode.UNAVAILABLE


def test_google_token_is_none_without_a_link(db, factories, settings_):
    assert social.google_token(db, settings_, factories.user().id) is None


def test_a_token_encrypted_under_another_secret_key_counts_as_none(db, factories, provider, settings_):
    user = factories.user()
    provider.add_google_user("google-token", "1001", "joe@example.com")
    social.link_google_token(db, settings_, user.id, "google-token")
    db.commit()
    other = dict(settings_, **{"jobhax.secret_key": "another-secret-key-that-is-long-enough-0000"})
    assert social.google_token(db, other, user.id) is None


def test_login_with_an_unknown_provider_is_10(db, settings_, provider):
    with pytest.raises(ApiError) as caught:
        social.login_with_provider(db, settings_, "facebook", "token")
    assert caught.value.code == ErrorCode.INVALID_PARAMETERS


def test_relogin_makes_an_unusable_token_usable_again(db, provider, settings_):
    provider.add_google_user("google-token", "1001", "joe@example.com")
    user = social.login_with_provider(db, settings_, GOOGLE, "google-token")
    social.mark_google_token_unusable(db, user.id)
    db.commit()
    assert social.google_token(db, settings_, user.id) is None
    assert social.login_with_provider(db, settings_, GOOGLE, "google-token").id == user.id
    db.commit()
    assert social.google_token(db, settings_, user.id) == "google-token"
