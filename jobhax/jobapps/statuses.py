"""Statuses: the five shared ones and each user's own custom statuses (DESIGN "Custom statuses").

A user sees, uses and counts the shared statuses and their own live ones; another user's status is
answered exactly like a missing one (11). Custom statuses live in application_statuses beside the shared
ones, so every join on a status id (history, metrics, reporting views) treats them alike, and an
application can only ever point at a status its owner may see.

Writes of one user's statuses take turns under a transaction-scoped advisory lock, so the quota and the
case-insensitive uniqueness hold under concurrent requests.
"""

from sqlalchemy import Text, and_, bindparam, func, insert, or_, select, text
from sqlalchemy.dialects.postgresql import aggregate_order_by
from zope.sqlalchemy import mark_changed

from jobhax import quotas
from jobhax.envelope import ApiError, ErrorCode
from jobhax.jobapps.models import ORIGIN_USER, ApplicationStatus
from jobhax.webhooks import events as webhook_events

# Seeded by revision 0001 with ids 1 to 5, in this order; ids and positions are the same for them.
SHARED_STATUSES = ("Applied", "To Apply", "Phone Screen", "Onsite Interview", "Offer")
# Status ids are integers: a larger id cannot exist, and PostgreSQL would refuse to compare it (a 500).
STATUS_ID_MAX = 2_147_483_647


def visible_to(user_id):
    """The statuses ``user_id`` may see and use: shared, or their own and not deleted."""
    return or_(
        ApplicationStatus.user_id.is_(None),
        and_(ApplicationStatus.user_id == user_id, ApplicationStatus.deleted_at.is_(None)),
    )


def _in_list_order(query):
    # Shared first where positions tie: a custom status placed at 3 comes after the shared Phone Screen.
    return query.order_by(
        ApplicationStatus.position, ApplicationStatus.user_id.asc().nulls_first(), ApplicationStatus.id
    )


_statuses = ApplicationStatus.__table__
# Built once: get_statuses runs it on every call, and building it cost more Python than running it. The
# list is JSON text made by PostgreSQL (jobhax.envelope.json_text_response), as get_jobapps' is.
_LISTED_JSON = select(
    func.coalesce(
        func.json_agg(
            aggregate_order_by(
                func.json_build_object(
                    "id", _statuses.c.id, "value", _statuses.c.value, "position", _statuses.c.position
                ),
                _statuses.c.position,
                _statuses.c.user_id.asc().nulls_first(),
                _statuses.c.id,
            )
        ),
        text("'[]'"),
    ).cast(Text)
).where(
    or_(
        _statuses.c.user_id.is_(None),
        and_(_statuses.c.user_id == bindparam("user_id"), _statuses.c.deleted_at.is_(None)),
    )
)


def list_statuses(dbsession, user_id):
    """The shared five and the caller's own, in position order."""
    return dbsession.execute(
        _in_list_order(
            select(ApplicationStatus.id, ApplicationStatus.value, ApplicationStatus.position).where(
                visible_to(user_id)
            )
        )
    ).all()


def list_statuses_json(dbsession, user_id):
    """``list_statuses`` as get_statuses answers it, as JSON text: ``[{id, value, position}, ...]``."""
    return dbsession.connection().scalar(_LISTED_JSON, {"user_id": user_id})


_VISIBLE = select(_statuses.c.id, _statuses.c.value).where(
    _statuses.c.id == bindparam("status_id"),
    or_(
        _statuses.c.user_id.is_(None),
        and_(_statuses.c.user_id == bindparam("user_id"), _statuses.c.deleted_at.is_(None)),
    ),
)


def require_status(dbsession, user_id, status_id):
    """``(id, value)`` of a status the user may put an application in (shared or own); anything else is
    11."""
    if status_id > STATUS_ID_MAX:
        raise ApiError(ErrorCode.NOT_FOUND)
    status = dbsession.connection().execute(_VISIBLE, {"status_id": status_id, "user_id": user_id}).first()
    if status is None:
        raise ApiError(ErrorCode.NOT_FOUND)
    return status


def require_own_status(dbsession, user_id, status_id):
    """One of the user's own live custom statuses; a shared, foreign or deleted one is 11."""
    if status_id > STATUS_ID_MAX:
        raise ApiError(ErrorCode.NOT_FOUND)
    status = dbsession.scalar(
        select(ApplicationStatus).where(
            ApplicationStatus.id == status_id,
            ApplicationStatus.user_id == user_id,
            ApplicationStatus.deleted_at.is_(None),
        )
    )
    if status is None:
        raise ApiError(ErrorCode.NOT_FOUND)
    return status


def lock_statuses(dbsession, user_id):
    """Serialize writes of one user's statuses until the transaction ends."""
    quotas.lock(dbsession, "statuses", user_id)


_CENSUS = text("""SELECT count(*) FILTER (WHERE user_id IS NOT NULL), coalesce(max(position), 0),
       coalesce(bool_or(lower(value) = lower(:value) AND id <> :status_id), false)
FROM application_statuses
WHERE user_id IS NULL OR (user_id = :user_id AND deleted_at IS NULL)""")


def status_census(dbsession, user_id, value="", status_id=0):
    """``(custom statuses, last position, whether another visible status is named value)``.

    Case is folded by PostgreSQL, as the unique index folds it, never by Python.
    """
    return dbsession.execute(_CENSUS, {"user_id": user_id, "value": value, "status_id": status_id}).one()


def value_taken(value):
    return ApiError(ErrorCode.INVALID_PARAMETERS, detail=f'status value "{value}" is taken')


def add_status(dbsession, user_id, value):
    lock_statuses(dbsession, user_id)
    count, last_position, taken = status_census(dbsession, user_id, value)
    if taken:
        raise value_taken(value)
    if count >= quotas.CUSTOM_STATUSES:
        raise ApiError(ErrorCode.QUOTA_EXCEEDED)
    return dbsession.execute(
        insert(ApplicationStatus)
        .values(user_id=user_id, value=value, position=last_position + 1)
        .returning(ApplicationStatus.id, ApplicationStatus.value, ApplicationStatus.position)
    ).one()


# Every name in :values, each with the visible status of that name (case-insensitively), creating the
# missing ones as custom statuses, first-named first, as long as the quota has room (the rest get null).
_ENSURE = text("""WITH visible AS (
    SELECT id, lower(value) AS key, user_id, position FROM application_statuses
    WHERE user_id IS NULL OR (user_id = :user_id AND deleted_at IS NULL)),
census AS (
    SELECT count(*) FILTER (WHERE user_id IS NOT NULL) AS custom, coalesce(max(position), 0) AS last
    FROM visible),
named AS (
    SELECT DISTINCT ON (lower(v)) v AS value, lower(v) AS key, n
    FROM unnest(CAST(:values AS text[])) WITH ORDINALITY AS w(v, n) ORDER BY lower(v), n),
fresh AS (
    SELECT value, key, row_number() OVER (ORDER BY n) AS rank FROM named
    WHERE key NOT IN (SELECT key FROM visible)),
created AS (
    INSERT INTO application_statuses (user_id, value, position)
    SELECT :user_id, f.value, c.last + f.rank FROM fresh f, census c WHERE f.rank <= :quota - c.custom
    RETURNING id, lower(value) AS key)
SELECT w.v, coalesce(v.id, c.id)
FROM unnest(CAST(:values AS text[])) AS w(v)
LEFT JOIN visible v ON v.key = lower(w.v)
LEFT JOIN created c ON c.key = lower(w.v)""")


def ensure_statuses(dbsession, user_id, values):
    """``{value: status id or None}`` for each name: the visible status of that name, else a new custom one.

    One statement whatever the number of names; a name the quota leaves no room for maps to None.
    """
    lock_statuses(dbsession, user_id)
    rows = dbsession.execute(
        _ENSURE, {"user_id": user_id, "values": list(values), "quota": quotas.CUSTOM_STATUSES}
    ).all()
    mark_changed(dbsession)
    return dict(rows)


def update_status(dbsession, user_id, status_id, value=None, position=None):
    lock_statuses(dbsession, user_id)
    status = require_own_status(dbsession, user_id, status_id)
    if value is not None:
        _, _, taken = status_census(dbsession, user_id, value, status_id)
        if taken:
            raise value_taken(value)
    if value is not None:
        status.value = value
    if position is not None:
        status.position = position
    dbsession.flush()
    return status


_MOVE = text("""WITH moved AS (
    UPDATE job_applications SET status_id = :replacement
    WHERE user_id = :user_id AND status_id = :status_id RETURNING id)
INSERT INTO status_history (user_id, jobapp_id, status_id, changed_at, origin)
SELECT :user_id, id, :replacement, :now, :origin FROM moved
RETURNING jobapp_id""")


def delete_status(dbsession, user_id, status_id, replace_with, now):
    """Move the status's applications to ``replace_with`` (one history row each), then retire it.

    Its older history rows stay and keep naming it, so the row is kept, marked deleted: it is no longer
    listed, usable or counted against the quota, and its value is free again.
    """
    lock_statuses(dbsession, user_id)
    status = require_own_status(dbsession, user_id, status_id)
    if replace_with == status_id:
        raise ApiError(ErrorCode.INVALID_PARAMETERS, detail="replace_with must be another status")
    require_status(dbsession, user_id, replace_with)
    moved = dbsession.scalars(
        _MOVE,
        {
            "user_id": user_id,
            "status_id": status_id,
            "replacement": replace_with,
            "now": now,
            "origin": ORIGIN_USER,
        },
    ).all()
    webhook_events.jobapps_updated(dbsession, user_id, [(jobapp_id, status_id) for jobapp_id in moved])
    status.deleted_at = now
    dbsession.flush()
