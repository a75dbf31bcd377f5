"""Job application rules. Every lookup is scoped to the caller: a foreign id is a missing id."""

import datetime

from sqlalchemy import delete, select, text, update

from jobhax.envelope import ApiError, ErrorCode
from jobhax.jobapps.models import ApplicationStatus, JobApplication, JobPosting, Note, StatusHistory
from jobhax.webhooks import events as webhook_events

APPLIED = 1
STATUS_ID_MAX = 32_767


def utcnow():
    return datetime.datetime.now(datetime.UTC)


def _live_jobapp(user_id):
    return select(JobApplication).where(
        JobApplication.user_id == user_id, JobApplication.deleted_at.is_(None)
    )


def get_statuses(dbsession):
    return dbsession.scalars(select(ApplicationStatus).order_by(ApplicationStatus.id)).all()


def require_status(dbsession, status_id):
    # Status ids are smallints: a larger id cannot exist, and PostgreSQL would refuse to compare it (a 500).
    if status_id > STATUS_ID_MAX:
        raise ApiError(ErrorCode.NOT_FOUND)
    status = dbsession.get(ApplicationStatus, status_id)
    if status is None:
        raise ApiError(ErrorCode.NOT_FOUND)
    return status


def require_jobapp(dbsession, user_id, jobapp_id, for_update=False):
    query = _live_jobapp(user_id).where(JobApplication.id == jobapp_id)
    if for_update:
        query = query.with_for_update()
    jobapp = dbsession.scalar(query)
    if jobapp is None:
        raise ApiError(ErrorCode.NOT_FOUND)
    return jobapp


def list_jobapps(dbsession, user_id, status_id=None):
    """Rows of (JobApplication, status value), newest applyDate first, then id descending: the ORM form of
    the list get_jobapps answers as JSON built by PostgreSQL (list_jobapps_json)."""
    query = (
        select(JobApplication, ApplicationStatus.value)
        .outerjoin(ApplicationStatus, ApplicationStatus.id == JobApplication.status_id)
        .where(JobApplication.user_id == user_id, JobApplication.deleted_at.is_(None))
        .order_by(JobApplication.apply_date.desc(), JobApplication.id.desc())
    )
    if status_id is not None:
        query = query.where(JobApplication.status_id == status_id)
    return dbsession.execute(query).all()


# The objects of serializers.jobapp_json, keys in the same order, built by PostgreSQL: a 10,000-row list
# costs one aggregate instead of 10,000 ORM objects and dicts in Python.
_JOBAPP_OBJECT = """json_build_object(
    'id', p.id,
    'applicationStatus', CASE WHEN p.status_id IS NULL THEN NULL
                              ELSE json_build_object('id', p.status_id, 'value', p.status_value) END,
    'jobTitle', p.job_title, 'company', p.company, 'companyLogo', p.company_logo,
    'applyDate', to_char(p.apply_date AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
    'msgId', p.msg_id, 'source', p.source, 'isRejected', p.is_rejected, 'user', p.user_id)"""
_JOBAPP_ROWS = """SELECT j.id, j.status_id, s.value AS status_value, j.job_title, j.company, j.company_logo,
       j.apply_date, j.msg_id, j.source, j.is_rejected, j.user_id{position}
FROM job_applications j LEFT JOIN application_statuses s ON s.id = j.status_id
WHERE j.user_id = :user_id AND j.deleted_at IS NULL{status}{after}
ORDER BY j.apply_date DESC, j.id DESC{limit}"""
_NEWEST_FIRST = "ORDER BY p.apply_date DESC, p.id DESC"


def _jobapp_rows(status_id, page):
    return _JOBAPP_ROWS.format(
        position=",\n       row_number() OVER (ORDER BY j.apply_date DESC, j.id DESC) AS position"
        if page
        else "",
        status="\n  AND j.status_id = :status_id" if status_id is not None else "",
        after="\n  AND (j.apply_date, j.id) < (:after_date, :after_id)" if page and page[1] else "",
        limit="\nLIMIT :limit + 1" if page else "",
    )


def list_jobapps_json_statement(user_id, status_id=None):
    sql = (
        f"SELECT coalesce(json_agg({_JOBAPP_OBJECT} {_NEWEST_FIRST}), '[]')::text\n"
        f"FROM ({_jobapp_rows(status_id, None)}) AS p"
    )
    statement = text(sql).bindparams(user_id=user_id)
    return statement if status_id is None else statement.bindparams(status_id=status_id)


def list_jobapps_json(dbsession, user_id, status_id=None):
    """The caller's applications as JSON text: the array get_jobapps answers, newest applyDate first."""
    return dbsession.scalar(list_jobapps_json_statement(user_id, status_id))


def page_jobapps_json(dbsession, user_id, limit, after=None, status_id=None):
    """One keyset page: ``(items JSON text, (apply_date, id) of its last row or None when no row follows)``.

    ``after`` is the (apply_date, id) the previous page ended with; (user_id, apply_date, id) is the order of
    ix_job_applications_user_live, so a page costs its own rows whatever its depth.
    """
    sql = f"""SELECT coalesce(json_agg({_JOBAPP_OBJECT} {_NEWEST_FIRST}) FILTER (WHERE p.position <= :limit),
                '[]')::text,
       count(*) > :limit,
       max(p.apply_date) FILTER (WHERE p.position = :limit),
       max(p.id) FILTER (WHERE p.position = :limit)
FROM ({_jobapp_rows(status_id, (limit, after))}) AS p"""
    after_date, after_id = after or (None, None)
    items, more, last_date, last_id = dbsession.execute(
        text(sql),
        {
            "user_id": user_id,
            "status_id": status_id,
            "limit": limit,
            "after_date": after_date,
            "after_id": after_id,
        },
    ).one()
    return items, (last_date, last_id) if more else None


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
        is_rejected=False,
    )
    dbsession.add(jobapp)
    dbsession.flush()
    dbsession.add(StatusHistory(jobapp_id=jobapp.id, status_id=status_id, changed_at=now))
    dbsession.flush()
    webhook_events.jobapp_created(dbsession, jobapp)
    return jobapp


def update_jobapp(dbsession, jobapp, *, status_id=None, rejected=None, now=None):
    """Apply the changes; a status change appends exactly one history row."""
    from_status_id = jobapp.status_id
    if rejected is not None:
        jobapp.is_rejected = rejected
    if status_id is not None and status_id != jobapp.status_id:
        jobapp.status_id = status_id
        dbsession.add(StatusHistory(jobapp_id=jobapp.id, status_id=status_id, changed_at=now or utcnow()))
    changed = dbsession.is_modified(jobapp)
    dbsession.flush()
    if changed:
        webhook_events.jobapp_updated(dbsession, jobapp, from_status_id=from_status_id)


def delete_jobapp(dbsession, jobapp, now=None):
    jobapp.deleted_at = now or utcnow()
    dbsession.flush()
    webhook_events.jobapp_deleted(dbsession, jobapp)


def status_history(dbsession, jobapp_id):
    return dbsession.execute(
        select(StatusHistory.changed_at, ApplicationStatus.id, ApplicationStatus.value)
        .join(ApplicationStatus, ApplicationStatus.id == StatusHistory.status_id)
        .where(StatusHistory.jobapp_id == jobapp_id)
        .order_by(StatusHistory.changed_at, StatusHistory.id)
    ).all()


def jobapp_posting(dbsession, jobapp_id):
    return dbsession.get(JobPosting, jobapp_id)


def list_notes(dbsession, jobapp_id):
    return dbsession.scalars(
        select(Note).where(Note.jobapp_id == jobapp_id).order_by(Note.created_at, Note.id)
    ).all()


def add_note(dbsession, jobapp, description, now=None):
    note = Note(jobapp_id=jobapp.id, description=description, created_at=now or utcnow())
    dbsession.add(note)
    dbsession.flush()
    return note


def _own_note(user_id, note_id):
    return (
        select(Note.id)
        .join(JobApplication, JobApplication.id == Note.jobapp_id)
        .where(Note.id == note_id, JobApplication.user_id == user_id, JobApplication.deleted_at.is_(None))
    )


def update_note(dbsession, user_id, note_id, description, now=None):
    updated = dbsession.execute(
        update(Note)
        .where(Note.id.in_(_own_note(user_id, note_id).scalar_subquery()))
        .values(description=description, updated_at=now or utcnow())
        .returning(Note.id)
    ).first()
    if updated is None:
        raise ApiError(ErrorCode.NOT_FOUND)


def delete_note(dbsession, user_id, note_id):
    deleted = dbsession.execute(
        delete(Note).where(Note.id.in_(_own_note(user_id, note_id).scalar_subquery())).returning(Note.id)
    ).first()
    if deleted is None:
        raise ApiError(ErrorCode.NOT_FOUND)
