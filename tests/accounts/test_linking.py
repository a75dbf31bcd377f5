"""Linking never hands an account over, attacked.

The planter registers a password account with the victim's address (never verified: the planter cannot
read the victim's mail) and waits for the victim to sign in with Google: the old rule linked the victim's
Google identity, and with it the victim's Gmail import, to the planter's account.
"""

from sqlalchemy import func, select

from jobhax.accounts.models import SocialAccount, User
from jobhax.accounts.passwords import verify_password
from tests.api_client import assert_error, assert_ok

LOGIN = "/api/users/login"
AUTH_SOCIAL = "/api/users/auth_social_user"
UPDATE = "/api/users/update_gmail_token"
JOBAPPS = "/api/jobapps/get_jobapps"
PLANTED_PASSWORD = "planter-knows-this-1"


def credentials(client, **extra):
    return dict(client_id=client["client_id"], client_secret=client["client_secret"], **extra)


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def social_login(testapp, client, provider="google-oauth2", token="victim-google"):
    return testapp.post_json(
        AUTH_SOCIAL, credentials(client, provider=provider, token=token), expect_errors=True
    )


def password_login(testapp, client, username, password):
    return testapp.post_json(
        LOGIN, credentials(client, username=username, password=password), expect_errors=True
    )


def verify_email(db, user):
    """What the verification mail (issue 13) will do; until then, only social login verifies."""
    db.get(User, user.id).email_verified = True
    db.commit()


def test_a_planted_account_is_taken_over_by_the_victims_google_login(
    testapp, provider, oauth_client, factories, db
):
    planted = factories.user(username="planter", email="Victim@Gmail.com", password=PLANTED_PASSWORD)
    planter = assert_ok(password_login(testapp, oauth_client, "planter", PLANTED_PASSWORD))
    assert db.get(User, planted.id).email_verified is False
    provider.add_google_user("victim-google", "1001", "victim@gmail.com")

    victim = assert_ok(social_login(testapp, oauth_client))

    # The victim is in the account; the planter's password and every token of theirs are worthless.
    assert_ok(testapp.get(JOBAPPS, headers=bearer(victim["access_token"])))
    assert_error(testapp.get(JOBAPPS, headers=bearer(planter["access_token"]), expect_errors=True), 1, 401)
    refreshed = testapp.post_json(
        "/api/users/refresh_token",
        credentials(oauth_client, refresh_token=planter["refresh_token"]),
        expect_errors=True,
    )
    assert_error(refreshed, 1, 401)
    assert_error(password_login(testapp, oauth_client, "planter", PLANTED_PASSWORD), 6, 401)
    db.expire_all()
    user = db.get(User, planted.id)
    assert user.password_hash is None and user.email_verified is True
    assert db.execute(select(SocialAccount.user_id, SocialAccount.subject)).all() == [(planted.id, "1001")]
    # Only the planter's tokens died: the victim's new pair works.
    assert_ok(testapp.get(JOBAPPS, headers=bearer(victim["access_token"])))


def test_identities_the_planter_linked_are_removed_at_the_takeover(
    testapp, provider, oauth_client, factories, db
):
    # The planter attaches their own Google account to the planted one (update_gmail_token links it)...
    planted = factories.user(username="planter", email="victim@example.com", password=PLANTED_PASSWORD)
    planter = assert_ok(password_login(testapp, oauth_client, "planter", PLANTED_PASSWORD))
    provider.add_google_user("planter-google", "6666", "planter@gmail.com")
    assert_ok(testapp.post_json(UPDATE, {"token": "planter-google"}, headers=bearer(planter["access_token"])))
    # ...then the victim signs in with LinkedIn, whose verified email is the planted address.
    provider.add_linkedin_user("victim-linkedin", "li-victim", "victim@example.com")
    assert_ok(social_login(testapp, oauth_client, "linkedin-oauth2", "victim-linkedin"))

    assert db.execute(select(SocialAccount.provider, SocialAccount.subject)).all() == [
        ("linkedin-oauth2", "li-victim")
    ]
    # The planter's Google login now makes a new, empty account: never the victim's.
    again = assert_ok(social_login(testapp, oauth_client, token="planter-google"))
    owner = db.scalar(select(SocialAccount.user_id).where(SocialAccount.subject == "6666"))
    assert owner != planted.id
    assert again["access_token"]


def test_a_planted_account_with_its_own_google_identity_is_still_taken_over(
    testapp, provider, oauth_client, factories, db
):
    planted = factories.user(username="planter", email="victim@gmail.com", password=PLANTED_PASSWORD)
    planter = assert_ok(password_login(testapp, oauth_client, "planter", PLANTED_PASSWORD))
    provider.add_google_user("planter-google", "6666", "planter@gmail.com")
    assert_ok(testapp.post_json(UPDATE, {"token": "planter-google"}, headers=bearer(planter["access_token"])))
    provider.add_google_user("victim-google", "1001", "victim@gmail.com")

    assert_ok(social_login(testapp, oauth_client))

    assert db.execute(select(SocialAccount.user_id, SocialAccount.subject)).all() == [(planted.id, "1001")]
    assert db.scalar(select(func.count()).select_from(User)) == 1


def test_a_verified_account_is_linked_and_keeps_its_password_and_tokens(
    testapp, provider, oauth_client, factories, db
):
    user = factories.user(username="joe", email="joe@gmail.com", password=PLANTED_PASSWORD)
    verify_email(db, user)
    tokens = assert_ok(password_login(testapp, oauth_client, "joe", PLANTED_PASSWORD))
    provider.add_google_user("victim-google", "1001", "JOE@gmail.com")

    assert_ok(social_login(testapp, oauth_client))

    assert db.execute(select(SocialAccount.user_id)).scalars().all() == [user.id]
    assert_ok(testapp.get(JOBAPPS, headers=bearer(tokens["access_token"])))
    assert_ok(password_login(testapp, oauth_client, "joe", PLANTED_PASSWORD))


def test_an_address_the_provider_has_not_verified_takes_nothing_over(
    testapp, provider, oauth_client, factories, db
):
    user = factories.user(username="joe", email="joe@gmail.com", password=PLANTED_PASSWORD)
    provider.add_google_user("victim-google", "1001", "joe@gmail.com", email_verified=False)
    assert_ok(social_login(testapp, oauth_client))
    db.expire_all()
    kept = db.get(User, user.id)
    assert verify_password(kept.password_hash, PLANTED_PASSWORD) and kept.email_verified is False
    assert db.scalar(select(SocialAccount.user_id)) != user.id


def test_social_login_with_a_provider_verified_email_marks_it_verified(testapp, provider, oauth_client, db):
    provider.add_google_user("verified", "1001", "ann@gmail.com")
    provider.add_google_user("unverified", "1002", "bob@gmail.com", email_verified=False)
    assert_ok(social_login(testapp, oauth_client, token="verified"))
    assert_ok(social_login(testapp, oauth_client, token="unverified"))
    rows = db.execute(select(User.email, User.email_verified).order_by(User.id)).all()
    assert rows == [("ann@gmail.com", True), ("", False)]


def test_takeover_statements_are_fixed(testapp, provider, oauth_client, factories, count_statements):
    def take_over(n, devices):
        planted = factories.user(
            username=f"planter{n}", email=f"victim{n}@gmail.com", password=PLANTED_PASSWORD
        )
        for _ in range(devices):
            factories.token_pair(planted, client=oauth_client)
        provider.add_google_user(f"victim-{n}", f"10{n}", f"victim{n}@gmail.com")
        with count_statements() as counter:
            assert_ok(social_login(testapp, oauth_client, token=f"victim-{n}"))
        return counter.count

    # The client, the identity lookup, the user by email, the token revocation, the identities' removal,
    # the user update, the new identity, the new pair: however many tokens the planter holds.
    assert take_over(1, 1) == take_over(2, 5) == 8
