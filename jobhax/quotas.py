"""Per-user quotas (DESIGN "Quotas"): beyond a limit, code 17 (409).

A domain calls :func:`ensure_room` before it creates a row: the caller's rows are counted under a
transaction-scoped advisory lock on (quota, owner), so concurrent requests of one owner take turns and
twenty parallel creations at the limit let exactly the allowed number through. A hot path (add_jobapp)
calls :func:`ensure_within` instead, after its writes: far from the limit its writers never take turns.
Counting stops at the limit, so a check costs at most ``limit`` index entries whatever the table holds,
and always two statements (three for ``ensure_within``).
"""

from pyramid_retry import mark_error_retryable
from sqlalchemy import Integer, func, select, text

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


def _share(dbsession, quota, owner_id):
    dbsession.execute(
        text("SELECT pg_advisory_xact_lock_shared(hashtextextended(:key, 0))"),
        {"key": f"quota:{quota}:{owner_id}"},
    )


def ensure_room(dbsession, quota, owner_id, rows, limit):
    """Raise 17 unless fewer than ``limit`` rows of ``owner_id`` exist.

    ``quota`` names the quota (it keys the lock); ``rows`` is a SELECT of one row per counted row, already
    filtered to the owner (``select(Note.id).where(Note.user_id == user_id, Note.jobapp_id == jobapp.id)``).
    """
    lock(dbsession, quota, owner_id)
    counted = dbsession.scalar(select(func.count()).select_from(rows.limit(limit).subquery()))
    if counted >= limit:
        raise ApiError(ErrorCode.QUOTA_EXCEEDED)


def _count(rows, limit):
    """How many ``rows``, counting no further than just past ``limit``."""
    return select(func.count()).select_from(rows.limit(limit + 1).subquery()).scalar_subquery()


def ensure_within(dbsession, quota, owner_id, rows, limit):
    """Raise 17 (rolling the transaction's writes back) if ``owner_id`` now has more than ``limit`` rows.

    Called after the transaction's own writes, as its last statements, so each count includes the writer's
    own rows. Far from the limit (room for more rows than the server has connections, hence than there can
    be writers in flight), writers share the (quota, owner) lock and never wait for each other, not even
    for a commit; near it they hold it exclusively, which waits for every writer that decided under the
    shared lock to commit, and count exactly. Between the first count and the shared lock the count may
    cross into the near zone (a CSV import committed): the request is then answered 17 only if
    pyramid_retry has no attempt left, else run again, and takes its exclusive turn.
    """
    counted, connections = dbsession.execute(
        select(_count(rows, limit), func.current_setting("max_connections").cast(Integer))
    ).one()
    if counted + connections <= limit:
        _share(dbsession, quota, owner_id)
        if dbsession.scalar(select(_count(rows, limit))) + connections <= limit:
            return
        crowded = ApiError(ErrorCode.QUOTA_EXCEEDED)
        mark_error_retryable(crowded)
        raise crowded
    lock(dbsession, quota, owner_id)
    if dbsession.scalar(select(_count(rows, limit))) > limit:
        raise ApiError(ErrorCode.QUOTA_EXCEEDED)
