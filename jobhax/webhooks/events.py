"""The events webhooks receive, queued in the transaction of the change they report.

Each call defers one delivery job per subscribed, enabled hook of the user, in one statement whatever
the number of hooks or applications, so a change that rolls back delivers nothing and a request's
statement count stays fixed. The statement locks the user's subscribed hook rows until commit: two
transactions queueing for the same hook commit in the order their jobs were numbered, and procrastinate
runs a hook's jobs (one ``lock`` per hook) in that order, one at a time, a failing one holding back
the rest. Payloads are built by PostgreSQL from the committed-to-be rows, exactly as get_jobapps answers
them.
"""

import functools
import json
import secrets

from sqlalchemy import ARRAY, BigInteger, bindparam, select, text

# jobapps.services calls this module: imported as a module, read when the first event is queued.
from jobhax.clock import utcnow
from jobhax.jobapps import queries as jobapp_queries
from jobhax.jobapps.serializers import utc_z

JOBAPP_CREATED = "jobapp.created"
JOBAPP_UPDATED = "jobapp.updated"
JOBAPP_DELETED = "jobapp.deleted"
JOBAPP_STATUS_CHANGED = "jobapp.status_changed"
IMPORT_FINISHED = "import.finished"
EVENTS = (JOBAPP_CREATED, JOBAPP_UPDATED, JOBAPP_DELETED, JOBAPP_STATUS_CHANGED, IMPORT_FINISHED)

QUEUE = "webhooks"
TASK_NAME = "jobhax.webhooks.deliver"

# Origins of a status change, as get_status_history names them.
USER, EMAIL, IMPORT = "user", "email", "import"

_JOB = """ROW(:queue, :task, 0, 'webhook:' || w.id, NULL,
           jsonb_build_object('user_id', w.user_id, 'webhook_id', w.id, 'message_id', {message_id},
                              'event', {event}, 'timestamp', CAST(:timestamp AS text), 'data', {data}),
           NULL)::procrastinate_job_to_defer_v1"""


# status_changed adds from_status, to_status and origin to the application object.
_JOBAPP_DATA = """CASE WHEN e.event = 'jobapp.status_changed'
                THEN CAST(o.object AS jsonb) || jsonb_build_object(
                    'from_status', (SELECT jsonb_build_object('id', s.id, 'value', s.value)
                                    FROM application_statuses s WHERE s.id = e.from_status_id),
                    'to_status', o.object -> 'applicationStatus',
                    'origin', e.origin)
                ELSE CAST(o.object AS jsonb) END"""
_JOBAPP_JOB = _JOB.format(message_id="e.message_id", event="e.event", data=_JOBAPP_DATA)


@functools.cache
def _defer_jobapp_events():
    """The statement: the objects get_jobapps would answer for the applications (a CTE built by
    jobapps.services), one job per (hook, event) around them."""
    objects = jobapp_queries.jobapp_objects_statement(
        bindparam("user_id"), bindparam("jobapp_ids", type_=ARRAY(BigInteger))
    ).cte("o")
    defer_jobs = text(
        f"""procrastinate_defer_jobs_v1(ARRAY(
    SELECT {_JOBAPP_JOB}
    FROM webhooks w
    JOIN unnest(CAST(:jobapp_ids AS bigint[]), CAST(:events AS text[]), CAST(:message_ids AS text[]),
                CAST(:from_status_ids AS integer[]), CAST(:origins AS text[]))
         WITH ORDINALITY AS e(jobapp_id, event, message_id, from_status_id, origin, n)
      ON e.event = ANY(w.events)
    JOIN o ON o.id = e.jobapp_id
    WHERE w.user_id = :user_id AND w.disabled_at IS NULL
    ORDER BY w.id, e.n
    FOR NO KEY UPDATE OF w))"""
    )
    return select(defer_jobs).add_cte(objects)


_EVENT_JOB = _JOB.format(
    message_id="CAST(:message_id AS text)", event="CAST(:event AS text)", data="CAST(:data AS jsonb)"
)
_DEFER_EVENT = text(
    f"""SELECT procrastinate_defer_jobs_v1(ARRAY(
    SELECT {_EVENT_JOB}
    FROM webhooks w
    WHERE w.user_id = :user_id AND w.disabled_at IS NULL AND CAST(:event AS text) = ANY(w.events)
    ORDER BY w.id
    FOR NO KEY UPDATE OF w))"""
)


def message_id():
    """The ``webhook-id`` of one event: the same on every try, so receivers can drop repeats."""
    return f"msg_{secrets.token_hex(16)}"


def _timestamp():
    return utc_z(utcnow())


def _queue_jobapp_events(dbsession, user_id, events):
    """``events``: ``(jobapp_id, event, from_status_id, origin)`` tuples, in the order they happened; one
    statement whatever their number, none included (a request's statement count never depends on data)."""
    dbsession.execute(
        _defer_jobapp_events(),
        {
            "queue": QUEUE,
            "task": TASK_NAME,
            "timestamp": _timestamp(),
            "user_id": user_id,
            "jobapp_ids": [event[0] for event in events],
            "events": [event[1] for event in events],
            "message_ids": [message_id() for _ in events],
            "from_status_ids": [event[2] for event in events],
            "origins": [event[3] for event in events],
        },
    )


def jobapp_created(dbsession, jobapp):
    jobapps_created(dbsession, jobapp.user_id, [jobapp.id])


def jobapps_created(dbsession, user_id, jobapp_ids):
    """Applications created together (an import batch): one statement for them all, even none."""
    _queue_jobapp_events(
        dbsession, user_id, [(jobapp_id, JOBAPP_CREATED, None, None) for jobapp_id in jobapp_ids]
    )


def jobapp_updated(dbsession, jobapp, from_status_id=None, origin=USER):
    """``jobapp.updated``, and ``jobapp.status_changed`` when ``from_status_id`` is not the status now."""
    moved = from_status_id is not None and from_status_id != jobapp.status_id
    jobapps_updated(dbsession, jobapp.user_id, [(jobapp.id, from_status_id if moved else None)], origin)


def jobapps_updated(dbsession, user_id, changes, origin=USER):
    """Applications changed together (a status deleted, a merge, mail read): ``changes`` are
    ``(jobapp_id, from_status_id)``, ``from_status_id`` None unless the status changed."""
    events = []
    for jobapp_id, from_status_id in changes:
        events.append((jobapp_id, JOBAPP_UPDATED, None, None))
        if from_status_id is not None:
            events.append((jobapp_id, JOBAPP_STATUS_CHANGED, from_status_id, origin))
    _queue_jobapp_events(dbsession, user_id, events)


def jobapp_deleted(dbsession, jobapp):
    jobapps_deleted(dbsession, jobapp.user_id, [jobapp.id])


def jobapps_deleted(dbsession, user_id, jobapp_ids):
    _queue_jobapp_events(
        dbsession, user_id, [(jobapp_id, JOBAPP_DELETED, None, None) for jobapp_id in jobapp_ids]
    )


def import_finished(dbsession, user_id, status):
    """``import.finished`` with the import's ``sync_status`` object ``status`` (done or failed)."""
    dbsession.execute(
        _DEFER_EVENT,
        {
            "queue": QUEUE,
            "task": TASK_NAME,
            "timestamp": _timestamp(),
            "user_id": user_id,
            "message_id": message_id(),
            "event": IMPORT_FINISHED,
            "data": json.dumps(status),
        },
    )
