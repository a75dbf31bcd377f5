"""Job application rules. Every lookup is scoped to the caller: a foreign id is a missing id."""

from sqlalchemy import DateTime, Integer, and_, bindparam, delete, exists, func, insert, select, update
from sqlalchemy.dialects.postgresql import ARRAY

from jobhax import quotas
from jobhax.clock import utcnow
from jobhax.envelope import ApiError, ErrorCode
from jobhax.jobapps import queries
from jobhax.jobapps.models import (
    ORIGIN_USER,
    ApplicationStatus,
    JobApplication,
    JobPosting,
    Note,
    StatusHistory,
)
from jobhax.webhooks import events as webhook_events

APPLIED = 1


# Built once, with bound parameters: most application endpoints run one of them first.
_LIVE_JOBAPP = select(JobApplication).where(
    JobApplication.id == bindparam("jobapp_id"),
    JobApplication.user_id == bindparam("user_id"),
    JobApplication.deleted_at.is_(None),
)
_LIVE_JOBAPP_FOR_UPDATE = _LIVE_JOBAPP.with_for_update()


def require_jobapp(dbsession, user_id, jobapp_id, for_update=False):
    query = _LIVE_JOBAPP_FOR_UPDATE if for_update else _LIVE_JOBAPP
    jobapp = dbsession.scalar(query, {"user_id": user_id, "jobapp_id": jobapp_id})
    if jobapp is None:
        raise ApiError(ErrorCode.NOT_FOUND)
    return jobapp


def jobapp_with_status(dbsession, user_id, jobapp_id):
    """``(JobApplication, status value, last update)`` of a live application of the user's, read afresh."""
    row = dbsession.execute(
        select(JobApplication, ApplicationStatus.value, queries.last_update_column())
        .outerjoin(ApplicationStatus, ApplicationStatus.id == JobApplication.status_id)
        .where(
            JobApplication.id == jobapp_id,
            JobApplication.user_id == user_id,
            JobApplication.deleted_at.is_(None),
        )
        .execution_options(populate_existing=True)
    ).first()
    if row is None:
        raise ApiError(ErrorCode.NOT_FOUND)
    return row


def add_jobapp(
    dbsession,
    user_id,
    *,
    job_title,
    company,
    status_id=APPLIED,
    application_date=None,
    source="",
    msg_id=None,
    company_logo=None,
    job_url=None,
    location=None,
    now=None,
):
    now = now or utcnow()
    jobapp = JobApplication(
        user_id=user_id,
        job_title=job_title,
        company=company,
        status_id=status_id,
        apply_date=application_date or now,
        source=source,
        msg_id=msg_id,
        company_logo=company_logo,
        job_url=job_url or None,
        location=location or None,
        is_rejected=False,
    )
    dbsession.add(jobapp)
    dbsession.flush()
    record_first_status(dbsession, user_id, [jobapp.id], status_id, now)
    webhook_events.jobapp_created(dbsession, jobapp)
    # Last: concurrent adds of one user take turns only for this count and their commit.
    quotas.ensure_within(
        dbsession,
        "jobapps",
        user_id,
        select(JobApplication.id).where(
            JobApplication.user_id == user_id, JobApplication.deleted_at.is_(None)
        ),
        quotas.LIVE_APPLICATIONS,
    )
    return jobapp


def record_first_status(dbsession, user_id, jobapp_ids, status_ids, changed_at, origin=ORIGIN_USER):
    """The first history row of each of the user's new applications, in one statement whatever their number: add_jobapp,
    the Gmail import and import_csv all start an application's history here. ``status_ids``: one status
    for all, or one per application (import_csv); ``changed_at``: one time for all, or one per application
    (the Gmail import dates each by its confirmation); ``origin``: "user" or "import"."""
    if isinstance(status_ids, int):
        status_ids = [status_ids] * len(jobapp_ids)
    if not isinstance(changed_at, list | tuple):
        changed_at = [changed_at] * len(jobapp_ids)
    ids = ARRAY(Integer)
    dbsession.execute(
        insert(StatusHistory).from_select(
            ["user_id", "jobapp_id", "status_id", "changed_at", "origin"],
            select(
                bindparam("user_id", user_id),
                func.unnest(bindparam("jobapp_ids", list(jobapp_ids), type_=ids)),
                func.unnest(bindparam("status_ids", list(status_ids), type_=ids)),
                func.unnest(bindparam("changed_at", list(changed_at), type_=ARRAY(DateTime(timezone=True)))),
                bindparam("origin", origin),
            ),
        )
    )


# update_jobapp's fields beside status and rejection, by the name the API gives them.
EDITABLE_FIELDS = {
    "job_title": "job_title",
    "company": "company",
    "source": "source",
    "application_date": "apply_date",
    "job_url": "job_url",
    "location": "location",
}


def update_jobapp(dbsession, jobapp, *, status_id=None, rejected=None, now=None, **fields):
    """Apply the changes by hand in one UPDATE; a status change appends exactly one history row, a
    rejection change records when it happened (both then win over older mail).

    Counters follow by trigger whatever changed; empty ``job_url`` or ``location`` clear them.
    """
    now = now or utcnow()
    from_status_id = jobapp.status_id
    for name, value in fields.items():
        if name in ("job_url", "location"):
            value = value or None
        setattr(jobapp, EDITABLE_FIELDS[name], value)
    if rejected is not None and rejected != jobapp.is_rejected:
        jobapp.is_rejected = rejected
        jobapp.rejection_changed_at, jobapp.rejection_msg_id = now, None
    if status_id is not None and status_id != jobapp.status_id:
        jobapp.status_id = status_id
        dbsession.add(
            StatusHistory(
                user_id=jobapp.user_id,
                jobapp_id=jobapp.id,
                status_id=status_id,
                changed_at=now,
                origin=ORIGIN_USER,
            )
        )
    changed = dbsession.is_modified(jobapp)
    dbsession.flush()
    if changed:
        webhook_events.jobapp_updated(dbsession, jobapp, from_status_id=from_status_id)


def delete_jobapp(dbsession, jobapp, now=None):
    webhook_events.jobapp_deleted(dbsession, jobapp)  # the application as it was: before it is gone
    jobapp.deleted_at = now or utcnow()
    dbsession.flush()


def status_history(dbsession, jobapp):
    """Rows of (changed_at, status id, status value, origin, msg_id), oldest first."""
    return dbsession.execute(
        select(
            StatusHistory.changed_at,
            ApplicationStatus.id,
            ApplicationStatus.value,
            StatusHistory.origin,
            StatusHistory.msg_id,
        )
        .join(ApplicationStatus, ApplicationStatus.id == StatusHistory.status_id)
        .where(StatusHistory.user_id == jobapp.user_id, StatusHistory.jobapp_id == jobapp.id)
        .order_by(StatusHistory.changed_at, StatusHistory.id)
    ).all()


def jobapp_posting(dbsession, jobapp):
    return dbsession.get(JobPosting, (jobapp.user_id, jobapp.id))


def list_notes(dbsession, jobapp):
    return dbsession.scalars(
        select(Note)
        .where(Note.user_id == jobapp.user_id, Note.jobapp_id == jobapp.id)
        .order_by(Note.created_at, Note.id)
    ).all()


def add_note(dbsession, jobapp, description, now=None):
    quotas.ensure_room(
        dbsession,
        "notes",
        jobapp.id,
        select(Note.id).where(Note.user_id == jobapp.user_id, Note.jobapp_id == jobapp.id),
        quotas.NOTES_PER_APPLICATION,
    )
    note = Note(
        user_id=jobapp.user_id, jobapp_id=jobapp.id, description=description, created_at=now or utcnow()
    )
    dbsession.add(note)
    dbsession.flush()
    return note


def _own_note(user_id, note_id):
    """The user's note ``note_id``, while its application is live."""
    live = exists().where(
        JobApplication.user_id == user_id,
        JobApplication.id == Note.jobapp_id,
        JobApplication.deleted_at.is_(None),
    )
    return and_(Note.user_id == user_id, Note.id == note_id, live)


def update_note(dbsession, user_id, note_id, description, now=None):
    updated = dbsession.execute(
        update(Note)
        .where(_own_note(user_id, note_id))
        .values(description=description, updated_at=now or utcnow())
        .returning(Note.id)
    ).first()
    if updated is None:
        raise ApiError(ErrorCode.NOT_FOUND)


def delete_note(dbsession, user_id, note_id):
    deleted = dbsession.execute(delete(Note).where(_own_note(user_id, note_id)).returning(Note.id)).first()
    if deleted is None:
        raise ApiError(ErrorCode.NOT_FOUND)
