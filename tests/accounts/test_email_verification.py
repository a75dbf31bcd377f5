"""Email verification and the mail job: a real worker, a real SMTP server, the token read from the mail."""

import datetime

import time_machine
import webtest
from sqlalchemy import select, text

from jobhax import configure
from jobhax.accounts import mails, services
from jobhax.accounts.models import EmailToken, User
from jobhax.accounts.secrets import digest
from jobhax.api import PUBLIC
from jobhax.envelope import ApiError, ErrorCode
from tests.accounts.conftest import WEB_BASE_URL, delivered, wait_stored
from tests.api_client import ApiClient, assert_error, assert_ok
from tests.workers import wait_until

REGISTER = "/api/users/register"
VERIFY = "/api/users/verify_email"
RESEND = "/api/users/resend_verification"
PROFILE = "/api/users/get_profile"
PASSWORD = "Jobhax-2019-example"


def register(testapp, username="joe", email="joe@example.com"):
    assert_ok(
        testapp.post_json(
            REGISTER,
            {"username": username, "email": email, "password": PASSWORD, "password2": PASSWORD},
        )
    )


def verified(db, username):
    db.expire_all()
    return db.scalar(select(User.email_verified).where(User.username == username))


def mail_jobs(db):
    return db.execute(
        text("SELECT status::text, attempts FROM procrastinate_jobs WHERE task_name = :name ORDER BY id"),
        {"name": mails.TASK_NAME},
    ).all()


def test_register_mails_a_link_whose_token_verifies_the_email_once(testapp, db, smtp, mail_worker):
    register(testapp)
    assert verified(db, "joe") is False
    (mail,) = delivered(smtp, db, "joe@example.com")
    assert mail.message["Subject"] == "Confirm your email address for JobHax"
    assert mail.message["From"] == "JobHax <no-reply@jobhax.test>"
    assert f"{WEB_BASE_URL}/verify-email?token={mail.token}" in mail.text
    assert len(mail.token) >= 30
    # Only the token's digest is stored.
    assert db.scalar(select(EmailToken.token_hash)) == digest(mail.token)
    assert mail.token not in str(db.execute(text("SELECT * FROM email_tokens")).all())

    assert assert_ok(testapp.post_json(VERIFY, {"token": mail.token})) is None
    assert verified(db, "joe") is True
    # Single use.
    assert_error(testapp.post_json(VERIFY, {"token": mail.token}, expect_errors=True), 16, 400)


def test_unknown_or_malformed_tokens_answer_16_or_10(testapp, db, factories):
    user = factories.user(username="ann")
    for token in ("nope", "x" * 40, digest("anything")):
        assert_error(testapp.post_json(VERIFY, {"token": token}, expect_errors=True), 16, 400)
    for body in ({}, {"token": ""}, {"token": 5}, {"token": "x" * 257}):
        assert_error(testapp.post_json(VERIFY, body, expect_errors=True), 10, 400)
    assert verified(db, user.username) is False


def test_a_verification_token_older_than_48_hours_answers_16(testapp, db, smtp, mail_worker):
    register(testapp)
    (mail,) = delivered(smtp, db, "joe@example.com")
    now = datetime.datetime.now(datetime.UTC)
    with time_machine.travel(now + datetime.timedelta(hours=48, seconds=5), tick=False):
        assert_error(testapp.post_json(VERIFY, {"token": mail.token}, expect_errors=True), 16, 400)
    with time_machine.travel(now + datetime.timedelta(hours=47), tick=False):
        assert_ok(testapp.post_json(VERIFY, {"token": mail.token}))
    assert verified(db, "joe") is True


def test_a_password_reset_token_does_not_verify_an_email(testapp, db, factories):
    from jobhax.accounts import email_tokens

    user = factories.user(username="ann")
    token = email_tokens.issue(db, user.id, email_tokens.RESET_PASSWORD, datetime.datetime.now(datetime.UTC))
    db.commit()
    assert_error(testapp.post_json(VERIFY, {"token": token}, expect_errors=True), 16, 400)
    assert verified(db, "ann") is False


def test_resend_mails_a_new_link_and_either_link_verifies(testapp, db, smtp, mail_worker, factories):
    register(testapp)
    smtp.wait_for("joe@example.com")
    client = ApiClient(testapp, None, factories.access_token(db.scalar(select(User))))
    assert assert_ok(client.post(RESEND)) is None
    first, second = delivered(smtp, db, "joe@example.com", count=2)
    assert first.token != second.token
    assert_ok(testapp.post_json(VERIFY, {"token": second.token}))
    assert assert_ok(client.get(PROFILE))["email_verified"] is True
    # Verified now: the other link is spent, and a resend sends nothing more.
    assert_error(testapp.post_json(VERIFY, {"token": first.token}, expect_errors=True), 16, 400)
    assert_ok(client.post(RESEND))
    register(testapp, "barrier", "barrier@example.com")  # mailed after the resend's job has run
    smtp.wait_for("barrier@example.com")
    wait_until(lambda: all(status == "succeeded" for status, _ in mail_jobs(db)), message="jobs done")
    assert len(smtp.to("joe@example.com")) == 2


def test_resend_needs_a_bearer_token(testapp):
    assert_error(testapp.post_json(RESEND, {}, expect_errors=True), 1, 401)


def test_the_request_never_waits_for_smtp_and_the_mail_goes_out_once_smtp_is_back(
    testapp, db, smtp, start_worker
):
    from tests.accounts.conftest import mail_worker_env

    smtp.stop()
    start_worker(concurrency=2, extra_env=mail_worker_env(smtp))
    register(testapp)  # answers at once: SMTP is down
    wait_until(lambda: mail_jobs(db) and mail_jobs(db)[0][1] >= 2, message="two failed attempts")
    assert smtp.to("joe@example.com") == []
    smtp.start()
    (mail,) = delivered(smtp, db, "joe@example.com")
    wait_until(lambda: mail_jobs(db)[0][0] == "succeeded", message="the job succeeded")
    register(testapp, "barrier", "barrier@example.com")
    smtp.wait_for("barrier@example.com")
    assert len(smtp.to("joe@example.com")) == 1  # never twice
    # The token of the failed attempts was never stored: only the delivered one exists, and it works.
    assert db.scalar(select(EmailToken.token_hash).join(User).where(User.username == "joe")) == digest(
        mail.token
    )
    assert_ok(testapp.post_json(VERIFY, {"token": mail.token}))


def test_a_rolled_back_request_sends_nothing(settings, db, smtp, mail_worker):
    """A view that registers, queues the mail, then fails: its transaction and the mail job vanish
    together."""
    config = configure(settings)

    def register_then_fail(request):
        user = services.register_user(
            request.dbsession,
            username="ghost",
            email="ghost@example.com",
            password=PASSWORD,
            password2=PASSWORD,
        )
        mails.queue_verification_mail(request.dbsession, user.id)
        raise ApiError(ErrorCode.INTERNAL_ERROR)

    config.add_route("register_then_fail", "/api/test/register_then_fail")
    config.add_view(register_then_fail, route_name="register_then_fail", permission=PUBLIC)
    app = webtest.TestApp(config.make_wsgi_app())
    assert_error(app.post_json("/api/test/register_then_fail", {}, expect_errors=True), 13, 500)
    register(app, "barrier", "barrier@example.com")
    smtp.wait_for("barrier@example.com")
    assert smtp.to("ghost@example.com") == []
    assert len(mail_jobs(db)) == 1
    assert db.scalar(select(User.id).where(User.username == "ghost")) is None


def test_without_an_smtp_url_the_mail_is_an_eml_file_under_var_mail(testapp, settings, start_worker, db):
    """What `make run` does: no SMTP server configured, the link is read from var/mail/*.eml."""
    import email
    import email.policy
    from pathlib import Path

    from tests.smtpserver import TOKEN_IN_LINK

    outbox = Path(settings["jobhax.var_dir"]) / "mail"
    before = set(outbox.glob("*.eml")) if outbox.exists() else set()
    start_worker(concurrency=1)
    register(testapp, "eml", "eml@example.com")
    (path,) = wait_until(
        lambda: set(outbox.glob("*.eml")) - before if outbox.exists() else None, message="an .eml"
    )
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert message["To"] == "eml@example.com"
    token = TOKEN_IN_LINK.search(message.get_body(("plain",)).get_content()).group(1)
    assert f"/verify-email?token={token}\n".encode() in path.read_bytes()  # whole, readable with cat
    wait_stored(db, [token])
    assert_ok(testapp.post_json(VERIFY, {"token": token}))
    assert verified(db, "eml") is True
