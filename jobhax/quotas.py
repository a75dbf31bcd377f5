"""Per-user quotas (DESIGN "Quotas"): beyond the limit, code 17."""

from sqlalchemy import text

from jobhax.envelope import ApiError, ErrorCode


def check_quota(dbsession, user_id, count_statement, limit):
    """Raise 17 when ``count_statement`` (the user's rows) is at ``limit``.

    The user's row is locked first, until commit, so two concurrent adds cannot both take the last place;
    the count then runs in a snapshot taken after the lock.
    """
    dbsession.execute(text("SELECT 1 FROM users WHERE id = :user_id FOR NO KEY UPDATE"), {"user_id": user_id})
    if dbsession.scalar(count_statement) >= limit:
        raise ApiError(ErrorCode.QUOTA_EXCEEDED)
