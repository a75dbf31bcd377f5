"""Erasing an account (DESIGN "Account deletion and export"), in the request's one transaction."""

from sqlalchemy import func, select

from jobhax.accounts.models import User
from jobhax.accounts.passwords import verify_password
from jobhax.clock import utcnow
from jobhax.envelope import ApiError, ErrorCode, invalid_parameters
from jobhax.metrics.tasks import queue_refresh

CONFIRMATION = "DELETE"


def delete_account(dbsession, user_id, *, password=None, confirm=None, now=None):
    """Erase the user and everything theirs, queued jobs included (jobhax/sql/0005_account_erasure.sql).

    An account with a password confirms with it (6 when wrong); a social-only account, which has none,
    with ``confirm: "DELETE"``.
    """
    user = dbsession.get(User, user_id)
    if user.password_hash is not None:
        if password is None:
            raise invalid_parameters("password is required to delete an account that has one")
        if not verify_password(user.password_hash, password):
            raise ApiError(ErrorCode.LOGIN_FAILED)
    elif confirm != CONFIRMATION:
        raise invalid_parameters(f'confirm must be "{CONFIRMATION}" to delete an account without a password')
    dbsession.expunge(user)
    dbsession.execute(select(func.erase_user(user_id)))
    # The reporting materialized views still count the user's applications until they are refreshed.
    queue_refresh(dbsession, now or utcnow())
