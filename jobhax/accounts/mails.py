"""The mails an account is sent (email verification, password reset), queued here and sent by the job of
:mod:`jobhax.accounts.tasks`.

The web side only queues a job, in the request's own transaction: a mail exists exactly when the request
that asked for it commits, and no request ever waits for SMTP. The job makes the token, stores its digest
and hands the mail to SMTP in one transaction of its own: a failed hand-over leaves no token behind and is
retried with backoff; no token ever sits in the job table.
"""

import logging
from email.message import EmailMessage
from email.utils import formataddr
from urllib.parse import urlencode

from sqlalchemy import func, select, text

from jobhax.accounts import email_tokens
from jobhax.accounts.models import User
from jobhax.clock import utcnow
from jobhax.mail import transport
from jobhax.tasks import defer

log = logging.getLogger(__name__)

TASK_NAME = "jobhax.accounts.send_account_mail"
QUEUE = "mail"
LINKS = {email_tokens.VERIFY_EMAIL: "/verify-email", email_tokens.RESET_PASSWORD: "/reset-password"}


def queue_verification_mail(dbsession, user_id):
    defer(dbsession, TASK_NAME, queue=QUEUE, purpose=email_tokens.VERIFY_EMAIL, user_id=user_id)


def queue_reset_mail(dbsession, email):
    """Queued whether or not an account has this email: the request does the same work either way."""
    defer(dbsession, TASK_NAME, queue=QUEUE, purpose=email_tokens.RESET_PASSWORD, email=email)


def recipient(dbsession, purpose, user_id=None, email=None):
    """The user to mail, or None when there is nobody to mail (unknown address, already verified)."""
    if purpose == email_tokens.VERIFY_EMAIL:
        user = dbsession.get(User, user_id)
        return user if user is not None and user.email and not user.email_verified else None
    return dbsession.scalar(select(User).where(User.email != "", func.lower(User.email) == email.lower()))


def compose(settings, purpose, user, token):
    link = f"{settings['jobhax.web_base_url']}{LINKS[purpose]}?{urlencode({'token': token})}"
    name = user.first_name or user.username
    message = EmailMessage()
    message["From"] = settings["jobhax.mail_from"]
    message["To"] = formataddr((f"{user.first_name} {user.last_name}".strip(), user.email))
    if purpose == email_tokens.VERIFY_EMAIL:
        message["Subject"] = "Confirm your email address for JobHax"
        text = (
            f"Hi {name},\n\n"
            f"Please confirm that {user.email} is your email address by opening this link "
            "within 48 hours:\n\n"
            f"{link}\n\n"
            "If you did not create a JobHax account, you can ignore this mail.\n"
        )
    else:
        message["Subject"] = "Reset your JobHax password"
        text = (
            f"Hi {name},\n\n"
            f"Someone asked to reset the password of the JobHax account {user.username}. To choose a new "
            "password, open this link within an hour:\n\n"
            f"{link}\n\n"
            "If it was not you, ignore this mail: your password stays as it is.\n"
        )
    # 8bit, not quoted-printable: the link stays whole and readable, in the .eml files of `make run` too.
    message.set_content(text, cte="8bit")
    return message


def send_account_mail_now(dbsession, settings, purpose, *, user_id=None, email=None, now=None):
    """Issue a token and send its mail, in ``dbsession``'s transaction; the recipient user, or None."""
    now = now or utcnow()
    user = recipient(dbsession, purpose, user_id, email)
    if user is None:
        return None
    # Mail jobs of one user take turns (an advisory lock: the user's requests are never held up), so
    # parallel jobs cannot all slip under the hourly cap.
    dbsession.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": f"account-mail:{user.id}"}
    )
    if email_tokens.issued_recently(dbsession, user.id, purpose, now) >= email_tokens.MAILS_PER_HOUR:
        log.warning("user %s was sent %s mails enough this hour: none sent", user.id, purpose)
        return None
    token = email_tokens.issue(dbsession, user.id, purpose, now)
    transport.send(settings, compose(settings, purpose, user, token))
    return user
