"""The Gmail import of one user: list, read (a bounded thread pool), parse, store in committed batches.

Every batch is its own transaction and moves the ``mail_imports`` counters, so ``sync_status`` shows
progress and a worker that dies mid-import loses nothing it committed. Nothing is created twice: message
ids already stored for the user are not even read again, and the inserts skip (user, message id)
conflicts. Each attempt recomputes its counters from what is stored, so a retried attempt never counts a
message twice.

Failures: Gmail refusing the token (401/403) marks it unusable and ends the import as failed with
``google_token_invalid``; ``ProviderUnavailable`` (429, 5xx, timeouts) propagates, for the job engine to
retry with backoff; anything else ends the import as failed with an error code, logged without mail
content or tokens.
"""

import collections
import datetime
import functools
import itertools
import logging
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

from sqlalchemy import ARRAY, String, any_, bindparam, func, select, union, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import DataError, IntegrityError

from jobhax.accounts.social import google_token, mark_google_token_unusable
from jobhax.jobapps.models import ORIGIN_IMPORT, JobApplication, JobPosting
from jobhax.jobapps.services import APPLIED, record_first_status
from jobhax.mailimport.hostile import sanitize_html
from jobhax.mailimport.jobpage import parse_job_page
from jobhax.mailimport.models import Mail, MailImport
from jobhax.mailimport.parsers import (
    LINKEDIN,
    MAX_QUERY_COMPANIES,
    ParsedApplication,
    ParsedUpdate,
    UnparseableMessage,
    gmail_query,
    parse_message,
)
from jobhax.mailimport.status import sync_status
from jobhax.mailimport.updates import store_updates, tracked_companies, updated_since
from jobhax.providers import ProviderError, ProviderNotFound, ProviderRejected, ProviderUnavailable, linkedin
from jobhax.providers.gmail import GmailClient
from jobhax.webhooks import events as webhook_events

log = logging.getLogger(__name__)

# Gmail's after: compares its own receive time; a day's overlap covers late delivery and clock skew,
# and the overlap costs nothing twice: already stored ids are not read again.
OVERLAP = datetime.timedelta(days=1)
READERS = 16  # messages read at once: a thread each, one pooled connection each
BATCH_SIZE = 100  # messages per committed transaction

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
ACTIVE_STATES = (QUEUED, RUNNING)
GOOGLE_TOKEN_INVALID = "google_token_invalid"  # noqa: S105 (an error name, not a secret)
GOOGLE_UNAVAILABLE = "google_unavailable"
GOOGLE_ERROR = "google_error"
INTERNAL_ERROR = "internal_error"

EMPTY_POSTING = {"poster_information": {}, "decorated_job_posting": {}, "top_card_v2": {}}


@dataclass(frozen=True)
class Attempt:
    token: str
    since: datetime.datetime | None
    started_at: datetime.datetime


@dataclass(frozen=True)
class ReadMessage:
    """One listed message after reading: its application, or its update about one (both None: skipped)
    and, for LinkedIn, its posting."""

    msg_id: str
    application: ParsedApplication | None
    posting: dict | None = None
    update: ParsedUpdate | None = None


def run_import(env, user_id, readers=READERS):
    """Run (or resume) the user's import. Raises ProviderUnavailable for the job engine to retry."""
    with env.transaction() as dbsession:
        attempt = begin_attempt(dbsession, env.settings, user_id)
    if attempt is None:
        return
    try:
        _import_messages(env, user_id, attempt, readers)
    except ProviderRejected:
        with env.transaction() as dbsession:
            mark_google_token_unusable(dbsession, user_id)
            finish(dbsession, user_id, FAILED, GOOGLE_TOKEN_INVALID)
    except ProviderUnavailable:
        raise
    except ProviderError as error:
        log.warning("gmail import of user %s failed: Google answered %s", user_id, error.status)
        fail(env, user_id, GOOGLE_ERROR)
    except Exception as error:
        # The type and frames only: messages of database errors quote the values, mail bodies included.
        log.error(
            "gmail import of user %s failed: %s\n%s",
            user_id,
            type(error).__name__,
            "".join(traceback.format_tb(error.__traceback__)),
        )
        fail(env, user_id, INTERNAL_ERROR)
    else:
        with env.transaction() as dbsession:
            finish(dbsession, user_id, DONE, last_success_at=attempt.started_at)


def fail(env, user_id, error):
    with env.transaction() as dbsession:
        finish(dbsession, user_id, FAILED, error)


def _import_messages(env, user_id, attempt, readers):
    """New applications are stored in batches as they are read; updates wait for the end and are
    applied oldest first, so a confirmation and a later update in one import both count whatever order
    Gmail lists them in (newest first)."""
    with env.transaction() as dbsession:
        companies = tracked_companies(dbsession, user_id, MAX_QUERY_COMPANIES)
    with GmailClient(env.settings, attempt.token, max_connections=readers) as client:
        # Pages can overlap while mail arrives: keep each id once, in Gmail's order.
        listed = list(dict.fromkeys(client.list_message_ids(gmail_query(attempt.since, companies))))
        with env.transaction() as dbsession:
            pending = record_listing(dbsession, user_id, listed, attempt.started_at)
        read = functools.partial(read_message, client, env.settings)
        pool = ThreadPoolExecutor(readers, thread_name_prefix="gmail-reader")
        updates = []
        try:
            results = read_in_order(pool, read, pending, window=2 * readers)
            while batch := list(itertools.islice(results, BATCH_SIZE)):
                store_safely(env, user_id, batch)
                updates.extend(item.update for item in batch if item.update is not None)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
    updates.sort(key=lambda parsed: (parsed.date, parsed.msg_id))
    for start in range(0, len(updates), BATCH_SIZE):
        with env.transaction() as dbsession:
            store_updates(dbsession, user_id, updates[start : start + BATCH_SIZE], attempt.started_at)


def store_safely(env, user_id, batch):
    """Store a batch; when the database refuses it, store its messages one by one, skipping (and
    counting) those it refuses: one bad message never fails the import."""
    try:
        with env.transaction() as dbsession:
            store_batch(dbsession, user_id, batch)
        return
    except (DataError, IntegrityError) as error:
        log.warning("gmail import of user %s: a batch was refused (%s)", user_id, type(error).__name__)
    for item in batch:
        try:
            with env.transaction() as dbsession:
                store_batch(dbsession, user_id, [item])
        except (DataError, IntegrityError) as error:
            log.warning("message %s skipped: %s", item.msg_id, type(error).__name__)
            with env.transaction() as dbsession:
                store_batch(dbsession, user_id, [ReadMessage(item.msg_id, None)])


def read_in_order(pool, read, ids, window):
    """``read(id)`` for each id, in order, with at most ``window`` reads submitted ahead: readers keep
    working while a batch is stored, and a failure stops the reading soon."""
    ids = iter(ids)
    futures = collections.deque(pool.submit(read, msg_id) for msg_id in itertools.islice(ids, window))
    while futures:
        result = futures.popleft().result()
        for msg_id in itertools.islice(ids, 1):
            futures.append(pool.submit(read, msg_id))
        yield result


def begin_attempt(dbsession, settings, user_id):
    """Mark the import running; None (and the import failed) when the user has no usable Google token.

    A first attempt starts the counters afresh; a retry keeps ``started_at`` so it resumes the same import.
    """
    now = dbsession.scalar(select(func.now()))
    row = dbsession.scalar(select(MailImport).where(MailImport.user_id == user_id).with_for_update())
    if row is None:
        row = MailImport(user_id=user_id, state=QUEUED)
        dbsession.add(row)
    token = google_token(dbsession, settings, user_id)
    if token is None:
        _set_finished(row, FAILED, GOOGLE_TOKEN_INVALID, now)
        dbsession.flush()
        webhook_events.import_finished(dbsession, user_id, sync_status(dbsession, user_id))
        return None
    if row.state != RUNNING or row.started_at is None:
        row.started_at = now
        row.messages_total = row.messages_processed = row.messages_skipped = row.jobapps_created = 0
        row.jobapps_updated = 0
    row.state, row.error, row.finished_at, row.updated_at = RUNNING, None, None, now
    dbsession.flush()
    since = row.last_success_at - OVERLAP if row.last_success_at else None
    return Attempt(token=token, since=since, started_at=row.started_at)


def record_listing(dbsession, user_id, listed, started_at):
    """Store the listing's counters and return the ids still to read (those not stored yet), in order.

    Counters are recomputed, never added to: ids already stored count as processed, and applications
    this import created in earlier attempts (since ``started_at``) stay counted.
    """
    ids = bindparam("ids", listed, type_=ARRAY(String))
    stored = set(
        dbsession.scalars(
            union(
                select(Mail.msg_id).where(Mail.user_id == user_id, Mail.msg_id == any_(ids)),
                select(JobApplication.msg_id).where(
                    JobApplication.user_id == user_id, JobApplication.msg_id == any_(ids)
                ),
            )
        )
    )
    created = (
        select(func.count())
        .select_from(JobApplication)
        .where(
            JobApplication.user_id == user_id,
            JobApplication.msg_id.is_not(None),
            JobApplication.created_at >= started_at,
        )
        .scalar_subquery()
    )
    dbsession.execute(
        update(MailImport)
        .where(MailImport.user_id == user_id)
        .values(
            messages_total=len(listed),
            messages_processed=len(stored),
            messages_skipped=0,
            jobapps_created=created,
            jobapps_updated=updated_since(user_id, started_at),
            updated_at=func.now(),
        )
    )
    return [msg_id for msg_id in listed if msg_id not in stored]


def read_message(client, settings, msg_id):
    """Read and parse one message (in a reader thread); provider failures other than 404 propagate.

    Whatever else goes wrong with one message (an answer too deeply nested to decode, a parser bug)
    skips it: it must not abort the rest of the mailbox.
    """
    try:
        message = client.get_message(msg_id)
    except ProviderNotFound:
        # Deleted between listing and reading.
        return ReadMessage(msg_id, None)
    except ProviderError:
        raise
    except Exception as error:
        log.warning("message %s could not be read: %s", msg_id, type(error).__name__)
        return ReadMessage(msg_id, None)
    try:
        parsed = parse_message(message)
        if parsed is not None:
            parsed = replace(parsed, body=sanitize_html(parsed.body))
    except UnparseableMessage:
        parsed = None
    except Exception as error:
        log.warning("message %s could not be parsed: %s", msg_id, type(error).__name__)
        parsed = None
    if isinstance(parsed, ParsedUpdate):
        return ReadMessage(msg_id, None, update=parsed)
    if parsed is None:
        return ReadMessage(msg_id, None)
    posting = None
    if parsed.source == LINKEDIN and parsed.linkedin_job_id:
        posting = job_posting(settings, parsed.linkedin_job_id)
    return ReadMessage(msg_id, parsed, posting)


def job_posting(settings, job_id):
    """The posting from the LinkedIn job page; empty modules when the page cannot be read."""
    try:
        return parse_job_page(linkedin.job_page(settings, job_id))
    except ProviderError as error:
        log.info("job page %s not read: %s", job_id, error.status or "unreachable")
        return dict(EMPTY_POSTING)


def store_batch(dbsession, user_id, batch):
    """Create the batch's applications with their history row, mail and posting; move the counters.

    A fixed number of statements per batch, whatever its size.
    """
    applications = {item.msg_id: item for item in batch if item.application is not None}
    deferred = sum(1 for item in batch if item.update is not None)
    created = {}
    if applications:
        created = dict(
            dbsession.execute(
                insert(JobApplication)
                .values(
                    [
                        _jobapp_row(user_id, item.application)
                        for item in sorted(
                            applications.values(), key=lambda item: item.application.apply_date
                        )
                    ]
                )
                .on_conflict_do_nothing(
                    index_elements=["user_id", "msg_id"], index_where=JobApplication.msg_id.is_not(None)
                )
                .returning(JobApplication.msg_id, JobApplication.id)
            ).all()
        )
    if created:
        # Dated by the confirmation, like the changes later mail makes: the history reads in mail order.
        record_first_status(
            dbsession,
            user_id,
            list(created.values()),
            APPLIED,
            [applications[msg_id].application.apply_date for msg_id in created],
            origin=ORIGIN_IMPORT,
        )
        dbsession.execute(
            insert(Mail)
            .values(
                [
                    _mail_row(user_id, jobapp_id, applications[msg_id].application)
                    for msg_id, jobapp_id in created.items()
                ]
            )
            .on_conflict_do_nothing(index_elements=["user_id", "msg_id"])
        )
        postings = [
            dict(applications[msg_id].posting, user_id=user_id, jobapp_id=jobapp_id)
            for msg_id, jobapp_id in created.items()
            if applications[msg_id].posting is not None
        ]
        if postings:
            dbsession.execute(insert(JobPosting).values(postings).on_conflict_do_nothing())
        webhook_events.jobapps_created(dbsession, user_id, list(created.values()))
    dbsession.execute(
        update(MailImport)
        .where(MailImport.user_id == user_id)
        .values(
            # Updates count when they are applied, at the end of the import.
            messages_processed=MailImport.messages_processed + (len(batch) - deferred),
            messages_skipped=MailImport.messages_skipped + (len(batch) - deferred - len(applications)),
            jobapps_created=MailImport.jobapps_created + len(created),
            updated_at=func.now(),
        )
    )


def finish(dbsession, user_id, state, error=None, last_success_at=None):
    row = dbsession.scalar(select(MailImport).where(MailImport.user_id == user_id).with_for_update())
    if row is None:
        return
    _set_finished(row, state, error, dbsession.scalar(select(func.now())))
    if last_success_at is not None:
        row.last_success_at = last_success_at
    dbsession.flush()
    webhook_events.import_finished(dbsession, user_id, sync_status(dbsession, user_id))


def _set_finished(row, state, error, now):
    row.state, row.error, row.finished_at, row.updated_at = state, error, now, now


def _jobapp_row(user_id, application):
    return {
        "user_id": user_id,
        "job_title": application.job_title,
        "company": application.company,
        "company_logo": application.company_logo,
        "source": application.source,
        "status_id": APPLIED,
        "is_rejected": False,
        "apply_date": application.apply_date,
        "msg_id": application.msg_id,
    }


def _mail_row(user_id, jobapp_id, application):
    return {
        "user_id": user_id,
        "jobapp_id": jobapp_id,
        "msg_id": application.msg_id,
        "subject": application.subject,
        "body": application.body,
        "date": application.apply_date,
    }
