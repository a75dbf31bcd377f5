"""The job list, built once with SQLAlchemy Core: get_jobapps (whole or by keyset pages), get_duplicates'
groups and the application objects of webhook events, each as JSON that PostgreSQL builds. Every query is
scoped to the caller."""

from sqlalchemy import Text, and_, any_, case, func, literal_column, null, select, tuple_
from sqlalchemy.dialects.postgresql import aggregate_order_by

from jobhax.jobapps.models import ApplicationStatus, JobApplication, StatusHistory


def last_update_column(jobapps=JobApplication):
    """lastUpdate: the newest history row (one probe of ix_status_history_user_id_jobapp_id) or rejection change."""
    newest_row = (
        select(func.max(StatusHistory.changed_at))
        .where(StatusHistory.user_id == jobapps.user_id, StatusHistory.jobapp_id == jobapps.id)
        .scalar_subquery()
    )
    return func.greatest(newest_row, jobapps.rejection_changed_at).label("last_update")


def list_jobapps(dbsession, user_id, status_id=None):
    """Rows of (JobApplication, status value, last update), newest applyDate first, then id descending: the
    ORM form of the list get_jobapps answers as JSON built by PostgreSQL (list_jobapps_json)."""
    query = (
        select(JobApplication, ApplicationStatus.value, last_update_column())
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
            jobapps.c.job_url,
            jobapps.c.location,
            last_update_column(jobapps.c),
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
    last_update = func.to_char(func.timezone("UTC", row.last_update), 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
    # Logos are shown by browsers: https only (serializers.https_only).
    logo = case((row.company_logo.ilike("https://_%"), row.company_logo), else_=null())
    return func.json_build_object(
        *(_key("id"), row.id, _key("applicationStatus"), status),
        *(_key("jobTitle"), row.job_title, _key("company"), row.company),
        *(_key("companyLogo"), logo, _key("applyDate"), apply_date),
        *(_key("msgId"), row.msg_id, _key("source"), row.source),
        *(_key("isRejected"), row.is_rejected, _key("user"), row.user_id),
        *(_key("jobUrl"), row.job_url, _key("location"), row.location),
        *(_key("lastUpdate"), last_update),
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


def jobapp_objects_statement(user_id, jobapp_ids):
    """``(id, object)`` of the caller's live applications among ``jobapp_ids`` (an array), each object as
    get_jobapps answers it: the payloads of webhook events."""
    rows = _live_jobapp_rows(user_id, None).where(JobApplication.id == any_(jobapp_ids)).subquery("p")
    return select(rows.c.id, _jobapp_object(rows.c).label("object"))


def duplicate_groups_json_statement(user_id):
    """get_duplicates' answer as JSON text: the caller's live applications whose company_key and title_key
    (generated columns) agree, in groups of two or more ordered by company then title (code points), each
    group newest first, as get_jobapps objects."""
    jobapps = JobApplication.__table__
    live = and_(jobapps.c.user_id == user_id, jobapps.c.deleted_at.is_(None))
    keys = (
        select(jobapps.c.company_key, jobapps.c.title_key)
        .where(live)
        .group_by(jobapps.c.company_key, jobapps.c.title_key)
        .having(func.count() > 1)
        .subquery("keys")
    )
    rows = (
        _live_jobapp_rows(user_id, None)
        .add_columns(jobapps.c.company_key, jobapps.c.title_key)
        .join(
            keys, and_(keys.c.company_key == jobapps.c.company_key, keys.c.title_key == jobapps.c.title_key)
        )
        .subquery("p")
        .c
    )
    groups = (
        select(
            rows.company_key,
            rows.title_key,
            func.json_agg(aggregate_order_by(_jobapp_object(rows), *_newest_first(rows))).label("apps"),
        )
        .group_by(rows.company_key, rows.title_key)
        .subquery("groups")
        .c
    )
    ordered = aggregate_order_by(groups.apps, groups.company_key.collate("C"), groups.title_key.collate("C"))
    return select(func.coalesce(func.json_agg(ordered), literal_column("'[]'::json")).cast(Text))


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
