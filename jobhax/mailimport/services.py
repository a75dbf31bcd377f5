"""Gmail import rules for the web side: queue an import, report its status, list the imported mails.

Each function issues a fixed number of statements whatever the size of the mailbox.
"""

import datetime

from sqlalchemy import func, select, text, update
from sqlalchemy.dialects.postgresql import insert

from jobhax.accounts.social import google_token
from jobhax.envelope import ApiError, ErrorCode
from jobhax.mailimport.importer import ACTIVE_STATES, QUEUED
from jobhax.mailimport.models import Mail, MailImport
from jobhax.mailimport.status import COUNTERS, IDLE, sync_status
from jobhax.mailimport.tasks import QUEUE, TASK_NAME, user_lock
from jobhax.tasks import defer


def sync_user_emails(dbsession, settings, user_id):
    """Queue an import unless one is queued or running (4 without a usable Google token); its status."""
    if google_token(dbsession, settings, user_id) is None:
        raise ApiError(ErrorCode.GOOGLE_TOKEN_EXPIRED)
    return queue_import(dbsession, user_id)


def queue_import(dbsession, user_id):
    """Queue one import for the user, in the caller's transaction, unless one is queued or running.

    The upsert locks the user's row, so concurrent callers queue one import between them. A row left
    queued or running by a job that no longer exists (it failed outside the import's own error handling,
    say the database went away) does not block the user for ever: a new import is queued.
    """
    row = dbsession.execute(
        insert(MailImport)
        .values(user_id=user_id, state=IDLE)
        .on_conflict_do_update(index_elements=[MailImport.user_id], set_={"user_id": user_id})
        .returning(MailImport.state)
    ).one()
    if row.state not in ACTIVE_STATES or not import_job_pending(dbsession, user_id):
        dbsession.execute(
            update(MailImport)
            .where(MailImport.user_id == user_id)
            .values(
                state=QUEUED,
                queued_at=func.now(),
                started_at=None,
                finished_at=None,
                error=None,
                updated_at=func.now(),
                **dict.fromkeys(COUNTERS, 0),
            )
        )
        # The queueing lock stays as a second guard: at most one waiting job per user whatever the row says.
        defer(
            dbsession,
            TASK_NAME,
            queue=QUEUE,
            lock=user_lock(user_id),
            queueing_lock=user_lock(user_id),
            user_id=user_id,
        )
    return sync_status(dbsession, user_id)


def import_job_pending(dbsession, user_id):
    """Whether an import job of the user waits or runs (procrastinate's table, by the user's lock)."""
    return dbsession.scalar(
        text(
            "SELECT EXISTS (SELECT 1 FROM procrastinate_jobs WHERE lock = :lock AND status IN ('todo', 'doing'))"
        ),
        {"lock": user_lock(user_id)},
    )


def list_mails(dbsession, user_id):
    """The user's imported mails, newest first."""
    rows = dbsession.execute(
        select(Mail.subject, Mail.body, Mail.date)
        .where(Mail.user_id == user_id)
        .order_by(Mail.date.desc(), Mail.id.desc())
    ).all()
    return [{"subject": row.subject, "body": row.body, "date": mail_date(row.date)} for row in rows]


def mail_date(value):
    """``YYYY-MM-DD HH:MM:SS+00:00``, the contract's mail date format."""
    return value.astimezone(datetime.UTC).isoformat(sep=" ", timespec="seconds")
