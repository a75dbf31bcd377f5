"""Per-user quotas (DESIGN "Quotas"): beyond a limit, code 17 (409).

A domain calls :func:`ensure_room` before it creates a row: the caller's rows are counted under a
transaction-scoped advisory lock on (quota, owner), so concurrent requests of one owner take turns and
twenty parallel creations at the limit let exactly the allowed number through. A hot path calls
:func:`ensure_within` instead, as the last statement of its transaction: the turn then lasts a count and
a commit, not the whole request. Counting stops at the limit,
so a check costs at most ``limit`` index entries whatever the table holds, and always two statements.
"""

from sqlalchemy import func, select, text

from jobhax.envelope import ApiError, ErrorCode

LIVE_APPLICATIONS = 20_000
NOTES_PER_APPLICATION = 200
CUSTOM_STATUSES = 50
WEBHOOKS = 10
REMINDERS = 500


def lock(dbsession, quota, owner_id):
    """Take turns with every other writer of ``owner_id``'s ``quota`` rows until the transaction ends: for
    writers that count in a statement of their own (custom statuses, import_csv)."""
    dbsession.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": f"quota:{quota}:{owner_id}"}
    )


def ensure_room(dbsession, quota, owner_id, rows, limit):
    """Raise 17 unless fewer than ``limit`` rows of ``owner_id`` exist.

    ``quota`` names the quota (it keys the lock); ``rows`` is a SELECT of one row per counted row, already
    filtered to the owner (``select(Note.id).where(Note.jobapp_id == jobapp.id)``).
    """
    lock(dbsession, quota, owner_id)
    counted = dbsession.scalar(select(func.count()).select_from(rows.limit(limit).subquery()))
    if counted >= limit:
        raise ApiError(ErrorCode.QUOTA_EXCEEDED)


def ensure_within(dbsession, quota, owner_id, rows, limit):
    """Raise 17 (rolling the transaction's writes back) if ``owner_id`` now has more than ``limit`` rows.

    Called after the transaction's own writes, as its last statement: writers of one owner insert at the
    same time and take turns only for this count and their commit. Each counts under the lock every row
    committed before it plus its own, so no commit ever leaves more than ``limit``.
    """
    lock(dbsession, quota, owner_id)
    counted = dbsession.scalar(select(func.count()).select_from(rows.limit(limit + 1).subquery()))
    if counted > limit:
        raise ApiError(ErrorCode.QUOTA_EXCEEDED)
