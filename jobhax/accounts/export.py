"""Everything stored about a user as one JSON document, streamed (DESIGN "Account deletion and export").

The document is written while it is sent: each section is read through a server-side cursor in batches of
:data:`BATCH` rows, so memory stays flat whatever the user holds, and the number of statements is fixed.
It is read in one REPEATABLE READ transaction of its own (the request's has committed by the time the body
is sent), so the sections agree with each other. Password hashes, token digests and provider tokens are
never selected, nor webhook secrets or the calendar feed's key.
"""

import datetime
import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from jobhax.accounts.models import EmailToken, OAuthClient, OAuthToken, SocialAccount
from jobhax.accounts.profile import get_profile
from jobhax.jobapps.models import ApplicationStatus, JobApplication, JobPosting, Note, StatusHistory
from jobhax.mailimport.models import Mail, MailImport
from jobhax.reminders.models import Reminder
from jobhax.webhooks.models import Webhook

BATCH = 500


def _sections(user_id):
    """(name, statement) in document order; every column selected is labelled as the document names it."""

    def own(model, *columns):
        """The user's rows of ``model`` (it has user_id), oldest first."""
        return select(*columns).where(model.user_id == user_id).order_by(model.id)

    return [
        (
            "providers",
            own(
                SocialAccount,
                SocialAccount.provider,
                SocialAccount.subject,
                SocialAccount.email,
                SocialAccount.token_usable,
                SocialAccount.created_at,
                SocialAccount.updated_at,
            ),
        ),
        (
            "sessions",
            select(
                OAuthClient.name.label("client"),
                OAuthToken.scope,
                OAuthToken.created_at,
                OAuthToken.expires_at,
                OAuthToken.revoked_at,
            )
            .join(OAuthClient, OAuthClient.id == OAuthToken.client_pk)
            .where(OAuthToken.user_id == user_id)
            .order_by(OAuthToken.id),
        ),
        (
            "mailed_tokens",
            own(
                EmailToken,
                EmailToken.purpose,
                EmailToken.created_at,
                EmailToken.expires_at,
                EmailToken.used_at,
            ),
        ),
        (
            "statuses",
            own(
                ApplicationStatus,
                ApplicationStatus.id,
                ApplicationStatus.value,
                ApplicationStatus.position,
                ApplicationStatus.deleted_at,
            ),
        ),
        (
            "applications",
            select(
                JobApplication.id,
                JobApplication.job_title,
                JobApplication.company,
                JobApplication.company_logo,
                JobApplication.source,
                JobApplication.status_id,
                ApplicationStatus.value.label("status"),
                JobApplication.is_rejected,
                JobApplication.rejection_changed_at,
                JobApplication.rejection_msg_id,
                JobApplication.apply_date,
                JobApplication.job_url,
                JobApplication.location,
                JobApplication.msg_id,
                JobApplication.created_at,
                JobApplication.deleted_at,
            )
            .outerjoin(ApplicationStatus, ApplicationStatus.id == JobApplication.status_id)
            .where(JobApplication.user_id == user_id)
            .order_by(JobApplication.id),
        ),
        (
            "status_history",
            select(
                StatusHistory.jobapp_id,
                StatusHistory.status_id,
                ApplicationStatus.value.label("status"),
                StatusHistory.changed_at,
                StatusHistory.origin,
                StatusHistory.msg_id,
            )
            .join(ApplicationStatus, ApplicationStatus.id == StatusHistory.status_id)
            .where(StatusHistory.user_id == user_id)
            .order_by(StatusHistory.id),
        ),
        (
            "notes",
            select(Note.id, Note.jobapp_id, Note.description, Note.created_at, Note.updated_at)
            .where(Note.user_id == user_id)
            .order_by(Note.id),
        ),
        (
            "job_postings",
            select(
                JobPosting.jobapp_id,
                JobPosting.poster_information,
                JobPosting.decorated_job_posting,
                JobPosting.top_card_v2,
                JobPosting.fetched_at,
            )
            .where(JobPosting.user_id == user_id)
            .order_by(JobPosting.jobapp_id),
        ),
        (
            "reminders",
            own(
                Reminder,
                Reminder.id,
                Reminder.jobapp_id,
                Reminder.due_at,
                Reminder.text,
                Reminder.done,
                Reminder.created_at,
            ),
        ),
        (
            "webhooks",
            own(Webhook, Webhook.id, Webhook.url, Webhook.events, Webhook.created_at, Webhook.disabled_at),
        ),
        (
            "mails",
            own(Mail, Mail.id, Mail.jobapp_id, Mail.msg_id, Mail.subject, Mail.body, Mail.date),
        ),
        (
            "mail_imports",
            select(
                MailImport.state,
                MailImport.queued_at,
                MailImport.started_at,
                MailImport.finished_at,
                MailImport.messages_total,
                MailImport.messages_processed,
                MailImport.messages_skipped,
                MailImport.jobapps_created,
                MailImport.error,
                MailImport.last_success_at,
            ).where(MailImport.user_id == user_id),
        ),
    ]


def _default(value):
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _dumps(value):
    return json.dumps(value, default=_default, ensure_ascii=False)


def export_document(engine, user_id, now):
    """The success envelope around the document, as chunks of UTF-8 bytes."""
    with engine.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            yield from _document(connection, user_id, now)


def _document(connection, user_id, now):
    with Session(bind=connection) as session:
        profile = get_profile(session, user_id)
    head = {"exported_at": _default(now), "profile": profile}
    yield ('{"success": true, "error_code": 0, "error_message": "", "data": ' + _dumps(head)[:-1]).encode(
        "utf-8"
    )
    streaming = connection.execution_options(stream_results=True, yield_per=BATCH)
    for name, statement in _sections(user_id):
        yield f', "{name}": ['.encode()
        separator = ""
        for rows in streaming.execute(statement).mappings().partitions():
            yield (separator + ", ".join(_dumps(dict(row)) for row in rows)).encode("utf-8")
            separator = ", "
        yield b"]"
    yield b"}}"
