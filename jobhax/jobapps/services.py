"""Job application rules. Every lookup is scoped to the caller: a foreign id is a missing id."""

from sqlalchemy import Text, case, delete, func, insert, literal_column, null, select, tuple_, update
from sqlalchemy.dialects.postgresql import aggregate_order_by

from jobhax.clock import utcnow
from jobhax.envelope import ApiError, ErrorCode
from jobhax.jobapps.models import ApplicationStatus, JobApplication, JobPosting, Note, StatusHistory

APPLIED = 1
STATUS_ID_MAX = 32_767


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
        .order_by(*_newest_first(JobApplication))
    )
    if status_id is not None:
        query = query.where(JobApplication.status_id == status_id)
    return dbsession.execute(query).all()


def _newest_first(rows):
    """get_jobapps' order; (user_id, apply_date, id) is ix_job_applications_user_live's."""
    return rows.apply_date.desc(), rows.id.desc()


def _live_jobapp_rows(user_id, status_id):
    """The caller's live applications with their status value: what one get_jobapps object needs."""
    jobapps, statuses = JobApplication.__table__, ApplicationStatus.__table__
    query = (
        select(
            jobapps.c.id,
            jobapps.c.status_id,
            statuses.c.value.label("status_value"),
            jobapps.c.job_title,
            jobapps.c.company,
            jobapps.c.company_logo,
            jobapps.c.apply_date,
            jobapps.c.msg_id,
            jobapps.c.source,
            jobapps.c.is_rejected,
            jobapps.c.user_id,
        )
        .select_from(jobapps.outerjoin(statuses, statuses.c.id == jobapps.c.status_id))
        .where(jobapps.c.user_id == user_id, jobapps.c.deleted_at.is_(None))
    )
    if status_id is not None:
        query = query.where(jobapps.c.status_id == status_id)
    return query


def _key(name):
    # Inline: a bound key would be a parameter of unknown type to json_build_object.
    return literal_column(f"'{name}'")


def _jobapp_object(row):
    """serializers.jobapp_json's object, keys in the same order, built by PostgreSQL: a 10,000-row list
    costs one aggregate instead of 10,000 ORM objects and dicts in Python."""
    status = case(
        (row.status_id.is_(None), null()),
        else_=func.json_build_object(_key("id"), row.status_id, _key("value"), row.status_value),
    )
    apply_date = func.to_char(func.timezone("UTC", row.apply_date), 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
    return func.json_build_object(
        *(_key("id"), row.id, _key("applicationStatus"), status),
        *(_key("jobTitle"), row.job_title, _key("company"), row.company),
        *(_key("companyLogo"), row.company_logo, _key("applyDate"), apply_date),
        *(_key("msgId"), row.msg_id, _key("source"), row.source),
        *(_key("isRejected"), row.is_rejected, _key("user"), row.user_id),
    )


def _json_array(row, where=None):
    """The objects of ``row`` as one JSON array text, newest first; ``[]`` when there are none."""
    aggregate = func.json_agg(aggregate_order_by(_jobapp_object(row), *_newest_first(row)))
    if where is not None:
        aggregate = aggregate.filter(where)
    return func.coalesce(aggregate, literal_column("'[]'::json")).cast(Text)


def list_jobapps_json_statement(user_id, status_id=None):
    rows = _live_jobapp_rows(user_id, status_id).subquery("p")
    return select(_json_array(rows.c))


def list_jobapps_json(dbsession, user_id, status_id=None):
    """The caller's applications as JSON text: the array get_jobapps answers, newest applyDate first."""
    return dbsession.scalar(list_jobapps_json_statement(user_id, status_id))


def page_jobapps_json(dbsession, user_id, limit, after=None, status_id=None):
    """One keyset page: ``(items JSON text, (apply_date, id) of its last row or None when no row follows)``.

    ``after`` is the (apply_date, id) the previous page ended with; (user_id, apply_date, id) is the order of
    ix_job_applications_user_live, so a page costs its own rows whatever its depth.
    """
    jobapps = JobApplication.__table__
    query = _live_jobapp_rows(user_id, status_id).add_columns(
        func.row_number().over(order_by=_newest_first(jobapps.c)).label("position")
    )
    if after is not None:
        query = query.where(tuple_(jobapps.c.apply_date, jobapps.c.id) < tuple_(*after))
    # One row more than the page: whether another page follows.
    rows = query.order_by(*_newest_first(jobapps.c)).limit(limit + 1).subquery("p").c
    last = rows.position == limit
    items, more, last_date, last_id = dbsession.execute(
        select(
            _json_array(rows, where=rows.position <= limit),
            func.count() > limit,
            func.max(rows.apply_date).filter(last),
            func.max(rows.id).filter(last),
        )
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
    record_first_status(dbsession, [jobapp.id], status_id, now)
    return jobapp


def record_first_status(dbsession, jobapp_ids, status_id, changed_at):
    """The first history row of each new application, in one statement: add_jobapp and the Gmail import
    both start an application's history here."""
    dbsession.execute(
        insert(StatusHistory).values(
            [
                {"jobapp_id": jobapp_id, "status_id": status_id, "changed_at": changed_at}
                for jobapp_id in jobapp_ids
            ]
        )
    )


def update_jobapp(dbsession, jobapp, *, status_id=None, rejected=None, now=None):
    """Apply the changes; a status change appends exactly one history row."""
    if rejected is not None:
        jobapp.is_rejected = rejected
    if status_id is not None and status_id != jobapp.status_id:
        jobapp.status_id = status_id
        dbsession.add(StatusHistory(jobapp_id=jobapp.id, status_id=status_id, changed_at=now or utcnow()))
    dbsession.flush()


def delete_jobapp(dbsession, jobapp, now=None):
    jobapp.deleted_at = now or utcnow()
    dbsession.flush()


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
