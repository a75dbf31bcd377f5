"""Single-use tokens mailed to a user: email verification (48 h) and password reset (1 h).

Only the SHA-256 digest of a token is stored (a random 40-character token needs no slow hash), so the
table is worthless to whoever reads it. A token is spent by the one UPDATE that checks it, so two requests
racing with the same token cannot both succeed.
"""

import datetime

from sqlalchemy import func, select, update

from jobhax.accounts import secrets
from jobhax.accounts.models import EmailToken
from jobhax.envelope import ApiError, ErrorCode

VERIFY_EMAIL = "verify_email"
RESET_PASSWORD = "reset_password"  # noqa: S105 (a purpose, not a password)
LIFETIMES = {VERIFY_EMAIL: datetime.timedelta(hours=48), RESET_PASSWORD: datetime.timedelta(hours=1)}
# Mails of one purpose a user can be sent per hour: a stranger cannot flood a mailbox with reset mails.
MAILS_PER_HOUR = 5


def issue(dbsession, user_id, purpose, now):
    """A new token for ``user_id``; the plain token exists only in this return value (and the mail)."""
    token = secrets.generate_token()
    dbsession.add(
        EmailToken(
            user_id=user_id,
            purpose=purpose,
            token_hash=secrets.digest(token),
            created_at=now,
            expires_at=now + LIFETIMES[purpose],
        )
    )
    dbsession.flush()
    return token


def issued_recently(dbsession, user_id, purpose, now):
    """How many tokens of ``purpose`` the user was sent within the last hour."""
    return dbsession.scalar(
        select(func.count()).where(
            EmailToken.user_id == user_id,
            EmailToken.purpose == purpose,
            EmailToken.created_at > now - datetime.timedelta(hours=1),
        )
    )


def spend(dbsession, token, purpose, now):
    """The user id ``token`` was issued to, the token now spent; 16 when unknown, spent or expired."""
    user_id = dbsession.scalar(
        update(EmailToken)
        .where(
            EmailToken.token_hash == secrets.digest(token),
            EmailToken.purpose == purpose,
            EmailToken.used_at.is_(None),
            EmailToken.expires_at > now,
        )
        .values(used_at=now)
        .returning(EmailToken.user_id)
    )
    if user_id is None:
        raise ApiError(ErrorCode.TOKEN_INVALID)
    return user_id


def spend_all(dbsession, user_id, purpose, now):
    """Spend the user's other live tokens of ``purpose``: once the email is verified or the password reset,
    they are moot."""
    dbsession.execute(
        update(EmailToken)
        .where(EmailToken.user_id == user_id, EmailToken.purpose == purpose, EmailToken.used_at.is_(None))
        .values(used_at=now)
    )
