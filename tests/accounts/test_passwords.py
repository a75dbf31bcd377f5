"""The password policy, password reset by mail, and password change."""

import datetime

import pytest
import time_machine
from sqlalchemy import select, text

from jobhax.accounts import email_tokens, mails
from jobhax.accounts.models import OAuthToken, User
from jobhax.accounts.passwords import password_problem
from tests.accounts.conftest import delivered
from tests.api_client import ApiClient, assert_error, assert_ok
from tests.factories import PASSWORD
from tests.workers import wait_until

REGISTER = "/api/users/register"
LOGIN = "/api/users/login"
REQUEST_RESET = "/api/users/request_password_reset"
RESET = "/api/users/reset_password"
CHANGE = "/api/users/change_password"
NEW_PASSWORD = "a brand new passphrase"


@pytest.mark.parametrize(
    ("password", "rule"),
    [
        ("short1!", "password must be at least 8 characters"),
        ("joesmith", "password must not be the username"),
        ("JoeSmith", "password must not be the username"),
        ("joe@example.com", "password must not be the email address"),
        ("JOE@EXAMPLE.COM", "password must not be the email address"),
        ("password", "password is too common"),
        ("Password1", "password is too common"),
        ("iloveyou", "password is too common"),
        ("qqqqqq1x", None),
        (PASSWORD, None),
    ],
)
def test_the_policy_names_the_rule_a_password_breaks(password, rule):
    assert password_problem(password, username="joesmith", email="joe@example.com") == rule


def test_the_common_list_is_the_first_10000_zxcvbn_passwords():
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    ranked = FREQUENCY_LISTS["passwords"]
    ninth_thousand = next(word for word in reversed(ranked[:10_000]) if len(word) >= 8)
    beyond = next(word for word in ranked[10_000:] if len(word) >= 8 and word not in ranked[:10_000])
    assert password_problem(ninth_thousand, username="u", email="") == "password is too common"
    assert password_problem(beyond, username="u", email="") is None


@pytest.mark.parametrize(
    ("password", "rule"),
    [
        ("short", "password must be at least 8 characters"),
        ("joesmith", "password must not be the username"),
        ("joe@example.com", "password must not be the email address"),
        ("12345678", "password is too common"),
    ],
)
def test_register_refuses_a_weak_password_with_10_naming_the_rule(testapp, db, password, rule):
    body = {"username": "joesmith", "email": "joe@example.com", "password": password, "password2": password}
    response = testapp.post_json(REGISTER, body, expect_errors=True)
    assert response.json["error_message"] == f"Invalid parameters... {rule}"
    assert_error(response, 10, 400, rule)
    assert db.scalar(select(User.id)) is None


def login(testapp, client, username, password):
    return testapp.post_json(
        LOGIN,
        {
            "client_id": client["client_id"],
            "client_secret": client["client_secret"],
            "username": username,
            "password": password,
        },
        expect_errors=True,
    )


def live_tokens(db, user):
    db.expire_all()
    return db.scalar(
        select(text("count(*)"))
        .select_from(OAuthToken)
        .where(OAuthToken.user_id == user.id, OAuthToken.revoked_at.is_(None))
    )


def reset(testapp, token, password=NEW_PASSWORD, password2=None):
    return testapp.post_json(
        RESET, {"token": token, "password": password, "password2": password2 or password}, expect_errors=True
    )


def test_a_mailed_reset_token_sets_the_password_once_and_revokes_every_token(
    testapp, db, factories, oauth_client, smtp, mail_worker
):
    user = factories.user(username="joe", email="Joe@Example.com")
    bystander = factories.user(username="ann")
    session = ApiClient(testapp, user, factories.access_token(user))
    factories.access_token(user)
    factories.access_token(bystander)

    assert assert_ok(testapp.post_json(REQUEST_RESET, {"email": "joe@EXAMPLE.com"})) is None
    (mail,) = delivered(smtp, db, "Joe@Example.com")
    assert mail.message["Subject"] == "Reset your JobHax password"
    assert "/reset-password?token=" in mail.text and PASSWORD not in mail.text

    assert_error(reset(testapp, mail.token, password2="something else entirely"), 7, 400)
    assert_error(
        reset(testapp, mail.token, password="joe"), 10, 400, "password must be at least 8 characters"
    )
    assert_error(
        reset(testapp, mail.token, password="Joe@Example.com"),
        10,
        400,
        "password must not be the email address",
    )
    assert assert_ok(reset(testapp, mail.token)) is None

    assert_error(login(testapp, oauth_client, "joe", PASSWORD), 6, 401)
    assert assert_ok(login(testapp, oauth_client, "joe", NEW_PASSWORD))["token_type"] == "Bearer"
    assert_error(session.get("/api/users/get_profile"), 1, 401)
    assert live_tokens(db, user) == 1  # the login just made
    assert live_tokens(db, bystander) == 1
    # Single use; and the mailbox is proven.
    assert_error(reset(testapp, mail.token, password="yet another passphrase"), 16, 400)
    assert db.scalar(select(User.email_verified).where(User.id == user.id)) is True


def test_request_password_reset_answers_the_same_and_does_the_same_work_for_unknown_addresses(
    testapp, factories, count_statements, db, smtp, mail_worker
):
    factories.user(username="joe", email="joe@example.com")
    answers, statements, jobs = [], [], []
    for email in ("joe@example.com", "nobody@example.com"):
        testapp.post_json(REQUEST_RESET, {"email": "warm@example.com"})
        queued = mail_jobs(db)
        with count_statements() as counter:
            response = testapp.post_json(REQUEST_RESET, {"email": email}, expect_errors=True)
        answers.append((response.status_int, response.json))
        statements.append(counter.statements)
        jobs.append(mail_jobs(db) - queued)
    assert jobs == [1, 1]  # one mail job either way: the worker, not the request, looks the address up
    assert (
        answers[0]
        == answers[1]
        == (200, {"success": True, "error_code": 0, "error_message": "", "data": None})
    )
    assert statements[0] == statements[1]
    # Only the real account is mailed.
    smtp.wait_for("joe@example.com")
    factories.user(username="barrier", email="barrier@example.com")
    testapp.post_json(REQUEST_RESET, {"email": "barrier@example.com"})
    smtp.wait_for("barrier@example.com")
    assert {address for mail in smtp.messages for address in mail.recipients} == {
        "joe@example.com",
        "barrier@example.com",
    }


def mail_jobs(db):
    db.rollback()
    return db.scalar(
        text("SELECT count(*) FROM procrastinate_jobs WHERE task_name = :t"), {"t": mails.TASK_NAME}
    )


def test_a_stranger_cannot_flood_a_mailbox_with_reset_mails(testapp, db, factories, smtp, mail_worker):
    factories.user(username="victim", email="victim@example.com")
    for _ in range(email_tokens.MAILS_PER_HOUR + 3):
        assert_ok(testapp.post_json(REQUEST_RESET, {"email": "victim@example.com"}))
    done = text("SELECT count(*) FROM procrastinate_jobs WHERE task_name = :t AND status = 'succeeded'")
    wait_until(
        lambda: db.scalar(done, {"t": mails.TASK_NAME}) == email_tokens.MAILS_PER_HOUR + 3,
        message="every reset job done",
    )
    assert len(smtp.to("victim@example.com")) == email_tokens.MAILS_PER_HOUR


def test_request_password_reset_validates_the_address(testapp):
    for body in ({}, {"email": "not an address"}, {"email": 5}):
        assert_error(testapp.post_json(REQUEST_RESET, body, expect_errors=True), 10, 400)


def issue(db, user, purpose, now=None):
    token = email_tokens.issue(db, user.id, purpose, now or datetime.datetime.now(datetime.UTC))
    db.commit()
    return token


def test_a_reset_token_expires_after_an_hour(testapp, db, factories, oauth_client):
    user = factories.user(username="joe")
    now = datetime.datetime.now(datetime.UTC)
    token = issue(db, user, email_tokens.RESET_PASSWORD, now)
    with time_machine.travel(now + datetime.timedelta(minutes=61), tick=False):
        assert_error(reset(testapp, token), 16, 400)
    assert assert_ok(login(testapp, oauth_client, "joe", PASSWORD))


def test_a_reset_token_changes_only_its_own_users_password(testapp, db, factories, oauth_client):
    joe = factories.user(username="joe")
    ann = factories.user(username="ann")
    joes_token = issue(db, joe, email_tokens.RESET_PASSWORD)
    # Ann, logged in, uses Joe's token: it still resets Joe's password, never Ann's.
    ann_client = ApiClient(testapp, ann, factories.access_token(ann))
    assert_ok(
        ann_client.post(RESET, {"token": joes_token, "password": NEW_PASSWORD, "password2": NEW_PASSWORD})
    )
    assert_ok(login(testapp, oauth_client, "ann", PASSWORD))
    assert_ok(login(testapp, oauth_client, "joe", NEW_PASSWORD))
    # A verification token is not a reset token.
    verification = issue(db, ann, email_tokens.VERIFY_EMAIL)
    assert_error(reset(testapp, verification), 16, 400)
    assert_error(reset(testapp, "not-a-token"), 16, 400)
    assert_ok(login(testapp, oauth_client, "ann", PASSWORD))


def test_one_reset_spends_the_users_other_reset_tokens(testapp, db, factories):
    user = factories.user(username="joe")
    first, second = issue(db, user, email_tokens.RESET_PASSWORD), issue(db, user, email_tokens.RESET_PASSWORD)
    assert_ok(reset(testapp, second))
    assert_error(reset(testapp, first, password="yet another passphrase"), 16, 400)


def test_change_password_keeps_only_the_callers_pair(testapp, db, factories, oauth_client):
    user = factories.user(username="joe")
    caller = ApiClient(testapp, user, factories.access_token(user))
    elsewhere = ApiClient(testapp, user, factories.access_token(user))
    pending_reset = issue(db, user, email_tokens.RESET_PASSWORD)
    body = {"old_password": PASSWORD, "password": NEW_PASSWORD, "password2": NEW_PASSWORD}

    assert_error(caller.post(CHANGE, dict(body, old_password="wrong password")), 6, 401)
    assert_error(caller.post(CHANGE, dict(body, password2="not the same at all")), 7, 400)
    assert_error(
        caller.post(CHANGE, dict(body, password="password", password2="password")),
        10,
        400,
        "password is too common",
    )
    assert_ok(elsewhere.get("/api/users/get_profile"))

    assert assert_ok(caller.post(CHANGE, body)) is None
    assert_ok(caller.get("/api/users/get_profile"))
    assert_error(elsewhere.get("/api/users/get_profile"), 1, 401)
    assert live_tokens(db, user) == 1
    assert_error(login(testapp, oauth_client, "joe", PASSWORD), 6, 401)
    assert_ok(login(testapp, oauth_client, "joe", NEW_PASSWORD))
    assert_error(reset(testapp, pending_reset, password="yet another passphrase"), 16, 400)


def test_change_password_needs_a_bearer_and_a_social_only_account_has_no_old_password(testapp, db, factories):
    body = {"old_password": PASSWORD, "password": NEW_PASSWORD, "password2": NEW_PASSWORD}
    assert_error(testapp.post_json(CHANGE, body, expect_errors=True), 1, 401)
    user = factories.user(username="social")
    db.execute(text("UPDATE users SET password_hash = NULL WHERE id = :id"), {"id": user.id})
    db.commit()
    client = ApiClient(testapp, user, factories.access_token(user))
    assert_error(client.post(CHANGE, body), 6, 401)
