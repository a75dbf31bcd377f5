"""Status updates from mail: apply an import's updates, oldest first, to the applications they are about.

Each batch is one transaction of a fixed number of statements: read the user's live applications,
lock and read the state of those the mail is about, apply the outcomes in date order
(``jobhax.mailimport.matching``), then write the applications, their history rows (origin "email",
dated by the message, one per message and application at most), the mails, and the import's counters.
A message about no tracked application changes nothing and counts as skipped.
"""

from sqlalchemy import (
    ARRAY,
    Boolean,
    DateTime,
    Integer,
    String,
    bindparam,
    column,
    func,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import insert

from jobhax.jobapps.models import ORIGIN_EMAIL, JobApplication, StatusHistory
from jobhax.mailimport.matching import State, Tracked, change_for, match_application
from jobhax.mailimport.models import Mail, MailImport
from jobhax.webhooks import events as webhook_events


def tracked_applications(dbsession, user_id) -> list[Tracked]:
    rows = dbsession.execute(
        select(
            JobApplication.id,
            JobApplication.company,
            JobApplication.job_title,
            JobApplication.apply_date,
            JobApplication.msg_id,
        ).where(JobApplication.user_id == user_id, JobApplication.deleted_at.is_(None))
    ).all()
    return [
        Tracked(row.id, row.company, row.job_title, row.apply_date, row.msg_id is not None) for row in rows
    ]


def tracked_companies(dbsession, user_id, limit):
    """The user's most recently applied-to companies, for the Gmail query."""
    return dbsession.scalars(
        select(JobApplication.company)
        .where(JobApplication.user_id == user_id, JobApplication.deleted_at.is_(None))
        .group_by(JobApplication.company)
        .order_by(func.max(JobApplication.apply_date).desc())
        .limit(limit)
    ).all()


# The state of the applications mail is about, locked for the batch. A hand edit is a history row of
# origin "user" other than the application's first (its creation), or a rejection change without message.
_STATES = text(
    """
SELECT j.id, j.status_id, j.is_rejected,
       greatest(
           (SELECT max(h.changed_at) FROM status_history h
            WHERE h.user_id = j.user_id AND h.jobapp_id = j.id AND h.origin = 'user'
              AND h.id <> (SELECT min(f.id) FROM status_history f
                           WHERE f.user_id = j.user_id AND f.jobapp_id = j.id)),
           CASE WHEN j.rejection_msg_id IS NULL THEN j.rejection_changed_at END) AS last_hand_edit
FROM job_applications j
WHERE j.user_id = :user_id AND j.id = ANY(:ids) AND j.deleted_at IS NULL
ORDER BY j.id
FOR UPDATE OF j
"""
).bindparams(bindparam("ids", type_=ARRAY(Integer)))

_WRITE_STATES = text(
    """
UPDATE job_applications j
SET status_id = v.status_id, is_rejected = v.is_rejected,
    rejection_changed_at = v.rejection_changed_at, rejection_msg_id = v.rejection_msg_id
FROM unnest(:ids, :status_ids, :rejected, :rejection_changed_at, :rejection_msg_ids)
     AS v(id, status_id, is_rejected, rejection_changed_at, rejection_msg_id)
WHERE j.id = v.id AND j.user_id = :user_id
"""
).bindparams(
    bindparam("ids", type_=ARRAY(Integer)),
    bindparam("status_ids", type_=ARRAY(Integer)),
    bindparam("rejected", type_=ARRAY(Boolean)),
    bindparam("rejection_changed_at", type_=ARRAY(DateTime(timezone=True))),
    bindparam("rejection_msg_ids", type_=ARRAY(String)),
)

# Applications this import's mail changed (mails stored since it started): sync_status.jobapps_updated.
_UPDATED_SINCE = text(
    """
SELECT count(DISTINCT changed.id) FROM (
    SELECT h.jobapp_id AS id FROM mails m
    JOIN status_history h
      ON h.user_id = m.user_id AND h.jobapp_id = m.jobapp_id AND h.msg_id = m.msg_id AND h.origin = 'email'
    WHERE m.user_id = :user_id AND m.imported_at >= :since
    UNION ALL
    SELECT j.id FROM mails m
    JOIN job_applications j ON j.user_id = m.user_id AND j.id = m.jobapp_id AND j.rejection_msg_id = m.msg_id
    WHERE m.user_id = :user_id AND m.imported_at >= :since
) AS changed
"""
)


def updated_since(user_id, since):
    """The count of applications changed by mail stored since ``since``, as a scalar subquery."""
    return (
        _UPDATED_SINCE.bindparams(user_id=user_id, since=since)
        .columns(column("count", Integer))
        .scalar_subquery()
    )


def store_updates(dbsession, user_id, updates, started_at):
    """Apply ``updates`` (ParsedUpdate, oldest first) and move the import's counters."""
    tracked = tracked_applications(dbsession, user_id)
    matched = [(update_, match_application(update_.evidence, update_.date, tracked)) for update_ in updates]
    matched_ids = sorted({jobapp_id for _, jobapp_id in matched if jobapp_id is not None})
    states, history, rejections = {}, [], {}
    if matched_ids:
        for row in dbsession.execute(_STATES, {"user_id": user_id, "ids": matched_ids}):
            states[row.id] = State(row.status_id, row.is_rejected, row.last_hand_edit)
    statuses_before = {jobapp_id: state.status_id for jobapp_id, state in states.items()}
    for parsed, jobapp_id in matched:
        state = states.get(jobapp_id)
        if state is None:
            continue
        change = change_for(state, parsed.outcome, parsed.date)
        if change == "status":
            history.append(
                {
                    "user_id": user_id,
                    "jobapp_id": jobapp_id,
                    "status_id": state.status_id,
                    "changed_at": parsed.date,
                    "origin": ORIGIN_EMAIL,
                    "msg_id": parsed.msg_id,
                }
            )
        elif change == "rejected":
            rejections[jobapp_id] = (parsed.date, parsed.msg_id)
    changed = sorted({row["jobapp_id"] for row in history} | set(rejections))
    if changed:
        dbsession.execute(
            _WRITE_STATES,
            {
                "user_id": user_id,
                "ids": changed,
                "status_ids": [states[i].status_id for i in changed],
                "rejected": [states[i].is_rejected for i in changed],
                "rejection_changed_at": [rejections[i][0] if i in rejections else None for i in changed],
                "rejection_msg_ids": [rejections[i][1] if i in rejections else None for i in changed],
            },
        )
        moved = [
            (i, statuses_before[i] if statuses_before[i] != states[i].status_id else None) for i in changed
        ]
        webhook_events.jobapps_updated(dbsession, user_id, moved, origin=ORIGIN_EMAIL)
    if history:
        dbsession.execute(
            insert(StatusHistory)
            .values(history)
            .on_conflict_do_nothing(
                index_elements=["user_id", "jobapp_id", "msg_id"],
                index_where=StatusHistory.msg_id.is_not(None),
            )
        )
    mails = [
        {
            "user_id": user_id,
            "jobapp_id": jobapp_id,
            "msg_id": parsed.msg_id,
            "subject": parsed.subject,
            "body": parsed.body,
            "date": parsed.date,
        }
        for parsed, jobapp_id in matched
        if jobapp_id in states
    ]
    if mails:
        dbsession.execute(
            insert(Mail).values(mails).on_conflict_do_nothing(index_elements=["user_id", "msg_id"])
        )
    dbsession.execute(
        update(MailImport)
        .where(MailImport.user_id == user_id)
        .values(
            messages_processed=MailImport.messages_processed + len(updates),
            messages_skipped=MailImport.messages_skipped + (len(updates) - len(mails)),
            jobapps_updated=updated_since(user_id, started_at),
            updated_at=func.now(),
        )
    )
