"""The import without HTTP or a worker: run_import against the fake Gmail, then the rows it committed."""

import datetime

import pytest
from sqlalchemy import func, select

from jobhax.accounts.social import google_token, link_google_token
from jobhax.jobapps.models import JobApplication, JobPosting, StatusHistory
from jobhax.mailimport import importer
from jobhax.mailimport.models import Mail, MailImport
from jobhax.mailimport.tasks import MAX_WAIT, backoff
from jobhax.providers import ProviderUnavailable
from jobhax.tasks import JobEnvironment
from tests.mailimport import mailboxes
from tests.statements import StatementCounter

TOKEN = "google-token"
MESSAGES = "/gmail/v1/users/me/messages"


@pytest.fixture
def env(app, clean_database):
    # The app's own engine and sessions, as a worker gets them.
    return JobEnvironment(app.registry.settings, app.registry["engine"], app.registry["dbsession_factory"])


@pytest.fixture
def user(factories, db, app, provider):
    """A user whose Google account (with a Gmail mailbox on the fake) is linked."""
    user = factories.user()
    provider.add_google_user(TOKEN, "2001", f"{user.username}@gmail.com")
    link_google_token(db, app.registry.settings, user.id, TOKEN)
    db.commit()
    return user


def status(db, user_id):
    db.expire_all()
    return db.scalar(select(MailImport).where(MailImport.user_id == user_id))


def counters(row):
    return (
        row.state,
        row.messages_total,
        row.messages_processed,
        row.messages_skipped,
        row.jobapps_created,
        row.error,
    )


def count(db, model, *where):
    return db.scalar(select(func.count()).select_from(model).where(*where))


def test_the_fixture_mailbox_becomes_applications_with_history_mail_and_posting(env, user, provider, db):
    mailboxes.fill_fixture_mailbox(provider, TOKEN)
    importer.run_import(env, user.id)

    jobapps = db.scalars(select(JobApplication).where(JobApplication.user_id == user.id)).all()
    found = sorted(
        (j.source, j.job_title, j.company, j.apply_date.strftime("%Y-%m-%dT%H:%M:%SZ"), j.status_id)
        for j in jobapps
    )
    assert found == sorted(
        (e["source"], e["jobTitle"], e["company"], e["applyDate"], 1) for e in mailboxes.expected()
    )
    assert all(j.msg_id for j in jobapps)
    assert count(db, StatusHistory) == len(jobapps)
    mails = db.scalars(select(Mail)).all()
    assert sorted(m.msg_id for m in mails) == sorted(j.msg_id for j in jobapps)
    assert all(m.subject and m.body and m.jobapp_id for m in mails)

    openphone = next(j for j in jobapps if j.company == "OpenPhone")
    assert openphone.company_logo.startswith("https://media.licdn.com/")
    posting = db.get(JobPosting, (openphone.user_id, openphone.id))
    assert posting.decorated_job_posting and posting.top_card_v2
    # The other LinkedIn application links no page the fake knows: stored empty, application kept.
    att = next(j for j in jobapps if j.company == "AT&T")
    other = db.get(JobPosting, (att.user_id, att.id))
    assert other is None or other.decorated_job_posting == {}

    row = status(db, user.id)
    assert counters(row) == ("done", 6, 6, 1, 5, None)
    assert row.started_at <= row.finished_at and row.last_success_at == row.started_at


def test_a_second_import_creates_nothing_and_reads_only_new_messages(env, user, provider, db):
    mailboxes.fill_fixture_mailbox(provider, TOKEN)
    now_ms = int(datetime.datetime.now(datetime.UTC).timestamp() * 1000)
    for n in range(3):
        provider.add_message(TOKEN, mailboxes.application(n, internal_date_ms=now_ms))
    recent_bad = dict(mailboxes.unparseable(9), internalDate=str(now_ms))
    provider.add_message(TOKEN, recent_bad)
    importer.run_import(env, user.id)
    assert counters(status(db, user.id)) == ("done", 10, 10, 2, 8, None)
    first = status(db, user.id).last_success_at
    reads_before = len(provider.calls(MESSAGES + "/"))

    importer.run_import(env, user.id)
    assert count(db, JobApplication) == 8 and count(db, Mail) == 8 and count(db, StatusHistory) == 8
    # Listed from the last success on, with the overlap: the 2019 fixtures are not listed again.
    query = [c for c in provider.calls(MESSAGES) if c["path"] == MESSAGES][-1]["query"]["q"]
    assert f"after:{int((first - importer.OVERLAP).timestamp())}" in query
    # Of the recent ones, only the unparseable message (never stored) is read again.
    assert [c["path"] for c in provider.calls(MESSAGES + "/")[reads_before:]] == [
        f"{MESSAGES}/{recent_bad['id']}"
    ]
    assert counters(status(db, user.id)) == ("done", 4, 4, 1, 0, None)


def test_the_first_import_reads_the_whole_mailbox(env, user, provider):
    importer.run_import(env, user.id)
    [listing] = [c for c in provider.calls(MESSAGES) if c["path"] == MESSAGES]
    query = listing["query"]
    assert "after:" not in query["q"] and query["includeSpamTrash"] == "false"
    assert query["q"].endswith("-in:spam -in:trash -in:sent")


def test_unparseable_and_vanished_messages_are_skipped_and_counted(env, user, provider, db):
    mailboxes.fill_generated_mailbox(provider, TOKEN, 4)
    provider.add_message(TOKEN, mailboxes.unparseable(1))
    provider.add_message(TOKEN, mailboxes.unparseable(2))
    provider.fail(f"{MESSAGES}/gen000002", 404)
    importer.run_import(env, user.id)
    assert counters(status(db, user.id)) == ("done", 6, 6, 3, 3, None)
    assert count(db, JobApplication) == 3


def test_a_job_page_that_fails_keeps_the_application(env, user, provider, db):
    provider.add_message(TOKEN, mailboxes.application(0))  # LinkedIn, job 900000
    provider.add_job_page("900000", mailboxes.job_page_html())
    provider.fail("/jobs/view/", 500, times=1)
    importer.run_import(env, user.id)
    [jobapp] = db.scalars(select(JobApplication)).all()
    posting = db.get(JobPosting, (jobapp.user_id, jobapp.id))
    assert (posting.poster_information, posting.decorated_job_posting, posting.top_card_v2) == ({}, {}, {})
    assert counters(status(db, user.id)) == ("done", 1, 1, 0, 1, None)


def test_gmail_refusing_the_token_fails_the_import_and_marks_the_token_unusable(env, user, provider, db, app):
    mailboxes.fill_generated_mailbox(provider, TOKEN, 3)
    provider.fail(MESSAGES, 401)
    importer.run_import(env, user.id)
    assert counters(status(db, user.id))[0::5] == ("failed", "google_token_invalid")
    assert google_token(db, app.registry.settings, user.id) is None
    assert count(db, JobApplication) == 0


def test_a_refused_token_while_reading_keeps_what_was_committed(env, user, provider, db, app):
    mailboxes.fill_generated_mailbox(provider, TOKEN, 150)
    # Gmail lists newest first: the 101st message read is gen000049, in the second batch.
    provider.fail(f"{MESSAGES}/gen000049", 403)
    importer.run_import(env, user.id)
    row = status(db, user.id)
    assert (row.state, row.error) == ("failed", "google_token_invalid")
    assert count(db, JobApplication) == row.jobapps_created >= 100
    assert google_token(db, app.registry.settings, user.id) is None


def test_an_import_without_a_usable_token_fails_at_once(env, user, provider, db):
    from jobhax.accounts.social import mark_google_token_unusable

    mark_google_token_unusable(db, user.id)
    db.commit()
    importer.run_import(env, user.id)
    assert counters(status(db, user.id))[0::5] == ("failed", "google_token_invalid")
    assert provider.calls(MESSAGES) == []


def test_an_interrupted_import_resumes_without_duplicates_or_double_counts(env, user, provider, db):
    mailboxes.fill_generated_mailbox(provider, TOKEN, 250)
    provider.add_message(TOKEN, mailboxes.unparseable(300))
    # The 160th message read fails: one batch is committed, the second is not.
    provider.fail(f"{MESSAGES}/gen000090", 503)
    with pytest.raises(ProviderUnavailable):
        importer.run_import(env, user.id)
    row = status(db, user.id)
    assert (row.state, row.messages_total, row.messages_processed) == ("running", 251, 100)
    assert count(db, JobApplication) == row.jobapps_created == 99  # the unparseable one is newest: in batch 1
    started = row.started_at

    importer.run_import(env, user.id)
    row = status(db, user.id)
    assert counters(row) == ("done", 251, 251, 1, 250, None)
    assert row.started_at == started
    assert count(db, JobApplication) == 250 and count(db, Mail) == 250 and count(db, StatusHistory) == 250


def test_messages_are_read_concurrently_within_a_bound(env, user, provider, db):
    mailboxes.fill_generated_mailbox(provider, TOKEN, 60)
    provider.latency = 0.02
    importer.run_import(env, user.id)
    assert 1 < provider.max_in_flight <= importer.READERS
    assert counters(status(db, user.id)) == ("done", 60, 60, 0, 60, None)


def test_each_user_gets_only_their_own_mailbox(env, user, provider, db, factories, app):
    other = factories.user()
    provider.add_google_user("other-token", "2002", "other@gmail.com")
    link_google_token(db, app.registry.settings, other.id, "other-token")
    db.commit()
    mailboxes.fill_generated_mailbox(provider, TOKEN, 3)
    mailboxes.fill_generated_mailbox(provider, "other-token", 2, start=10)
    importer.run_import(env, user.id)
    importer.run_import(env, other.id)
    assert count(db, JobApplication, JobApplication.user_id == user.id) == 3
    assert count(db, Mail, Mail.user_id == other.id) == 2
    assert sorted(db.scalars(select(Mail.msg_id).where(Mail.user_id == other.id))) == [
        "gen000010",
        "gen000011",
    ]


def test_a_batch_costs_the_same_statements_whatever_its_size(env, user, db):
    importer.begin_attempt(db, env.settings, user.id)
    db.commit()

    def store(start, size):
        batch = [
            importer.read_message(
                _Client({f"gen{n:06d}": mailboxes.application(n) for n in range(start, start + size)}),
                env.settings,
                f"gen{n:06d}",
            )
            for n in range(start, start + size)
            if n % 4
        ]  # no LinkedIn: no job page to fetch
        with StatementCounter(db.get_bind()) as counter:
            importer.store_batch(db, user.id, batch)
        db.commit()
        return counter.count

    assert store(1, 2) == store(100, 100)


class _Client:
    """Messages served from memory, for the statement count only."""

    def __init__(self, messages):
        self.messages = messages

    def get_message(self, msg_id):
        return self.messages[msg_id]


@pytest.mark.parametrize(
    "attempts, retry_after, wait",
    [(0, None, 2), (1, None, 4), (3, None, 16), (0, 30, 30), (2, 1, 8), (20, None, MAX_WAIT)],
)
def test_backoff_doubles_honours_retry_after_and_is_capped(attempts, retry_after, wait):
    assert backoff(2.0, attempts, retry_after) == wait


def test_one_bad_message_is_skipped_and_counted_never_failing_the_import(env, user, provider, db, caplog):
    # A message id longer than the column holds: skipped, the rest imported.
    message = mailboxes.application(2)
    message["id"] = "x" * 300
    provider.add_message(TOKEN, message)
    provider.add_message(TOKEN, mailboxes.application(1))
    importer.run_import(env, user.id)
    assert counters(status(db, user.id)) == ("done", 2, 2, 1, 1, None)
    assert "Interview Request" not in caplog.text and TOKEN not in caplog.text
    assert datetime.datetime.now(datetime.UTC) >= status(db, user.id).finished_at
