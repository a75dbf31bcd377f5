"""Proving an email address and changing or recovering a password (DESIGN "Email verification",
"Passwords"). Each function issues a fixed number of statements."""

from sqlalchemy import update

from jobhax.accounts import email_tokens, mails
from jobhax.accounts.models import User
from jobhax.accounts.passwords import hash_password, password_problem, verify_password
from jobhax.accounts.services import revoke_user_tokens
from jobhax.clock import utcnow
from jobhax.envelope import ApiError, ErrorCode, invalid_parameters


def verify_email(dbsession, token, now=None):
    """Mark the email of the token's user verified (16 when the token is unknown, spent or expired)."""
    now = now or utcnow()
    user_id = email_tokens.spend(dbsession, token, email_tokens.VERIFY_EMAIL, now)
    email_tokens.spend_all(dbsession, user_id, email_tokens.VERIFY_EMAIL, now)
    dbsession.execute(update(User).where(User.id == user_id).values(email_verified=True))
    return user_id


def resend_verification(dbsession, user_id):
    """Queue another verification mail; the job sends nothing once the email is verified."""
    mails.queue_verification_mail(dbsession, user_id)


def request_password_reset(dbsession, email):
    """Queue the reset mail. The same single statement runs whether an account has ``email`` or not: the
    job finds the account, so neither the answer nor its timing tells who is registered."""
    mails.queue_reset_mail(dbsession, email)


def reset_password(dbsession, *, token, password, password2, now=None):
    """Set the password of the token's user (16 / 7 / 10) and revoke every token of theirs."""
    now = now or utcnow()
    user_id = email_tokens.spend(dbsession, token, email_tokens.RESET_PASSWORD, now)
    user = dbsession.get(User, user_id)
    _set_password(user, password, password2)
    # The reset link reached the mailbox: the address is proven.
    user.email_verified = True
    email_tokens.spend_all(dbsession, user_id, email_tokens.RESET_PASSWORD, now)
    revoke_user_tokens(dbsession, user_id, now)
    dbsession.flush()


def change_password(dbsession, user_id, *, old_password, password, password2, access_token, now=None):
    """Replace the password (6 if ``old_password`` is wrong, then 7 / 10); every other session ends."""
    user = dbsession.get(User, user_id)
    if not verify_password(user.password_hash, old_password):
        raise ApiError(ErrorCode.LOGIN_FAILED)
    _set_password(user, password, password2)
    now = now or utcnow()
    # Reset links still in a mailbox are for the old password: they stop working.
    email_tokens.spend_all(dbsession, user_id, email_tokens.RESET_PASSWORD, now)
    revoke_user_tokens(dbsession, user_id, now, keep_access_token=access_token)
    dbsession.flush()


def _set_password(user, password, password2):
    if password != password2:
        raise ApiError(ErrorCode.PASSWORDS_DO_NOT_MATCH)
    problem = password_problem(password, username=user.username, email=user.email)
    if problem:
        raise invalid_parameters(problem)
    user.password_hash = hash_password(password)
