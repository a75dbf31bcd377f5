"""update_gmail_token, sync_user_emails, sync_status and get_user_google_mails, without a worker: what they
answer and queue, every error code, fixed statement counts."""

import datetime

import pytest
from sqlalchemy import select, text, update

from jobhax.accounts.models import SocialAccount
from jobhax.accounts.social import google_token, link_google_token, mark_google_token_unusable
from jobhax.mailimport.models import Mail, MailImport
from jobhax.mailimport.tasks import TASK_NAME
from tests.api_client import assert_error, assert_ok

UPDATE = "/api/users/update_gmail_token"
SYNC = "/api/users/sync_user_emails"
STATUS = "/api/users/sync_status"
MAILS = "/api/users/get_user_google_mails"
TOKEN = "google-token"
IDLE = {
    "state": "idle",
    "started_at": None,
    "finished_at": None,
    "messages_total": 0,
    "messages_processed": 0,
    "messages_skipped": 0,
    "jobapps_created": 0,
    "jobapps_updated": 0,
    "error": None,
}
QUEUED = dict(IDLE, state="queued")


@pytest.fixture
def google(api, provider, db, app):
    """The api user with a linked Google account."""
    provider.add_google_user(TOKEN, "3001", "joe@gmail.com")
    link_google_token(db, app.registry.settings, api.user.id, TOKEN)
    db.commit()
    return api


def import_jobs(engine):
    with engine.connect() as connection:
        return connection.execute(
            text(
                "SELECT args ->> 'user_id', status, lock, queueing_lock FROM procrastinate_jobs WHERE task_name = :name"
                " ORDER BY id"
            ),
            {"name": TASK_NAME},
        ).all()


def set_state(db, user_id, **values):
    db.execute(update(MailImport).where(MailImport.user_id == user_id).values(**values))
    db.commit()


# -- sync_status -------------------------------------------------------------------------------------


def test_sync_status_is_idle_before_any_import(api):
    assert assert_ok(api.get(STATUS)) == IDLE


def test_sync_status_reports_the_callers_import(google, other_api, db):
    assert_ok(google.get(SYNC))
    started = datetime.datetime(2019, 1, 23, 14, 18, 12, 345000, tzinfo=datetime.UTC)
    set_state(
        db,
        google.user.id,
        state="failed",
        started_at=started,
        finished_at=started + datetime.timedelta(seconds=3),
        messages_total=7,
        messages_processed=5,
        messages_skipped=2,
        jobapps_created=3,
        jobapps_updated=2,
        error="google_token_invalid",
    )
    assert assert_ok(google.get(STATUS)) == {
        "state": "failed",
        "started_at": "2019-01-23T14:18:12Z",
        "finished_at": "2019-01-23T14:18:15Z",
        "messages_total": 7,
        "messages_processed": 5,
        "messages_skipped": 2,
        "jobapps_created": 3,
        "jobapps_updated": 2,
        "error": "google_token_invalid",
    }
    assert assert_ok(other_api.get(STATUS)) == IDLE


def test_sync_status_issues_one_statement_beyond_authentication(google, api, count_statements):
    with count_statements() as idle:
        assert_ok(google.get(STATUS))
    assert_ok(google.get(SYNC))
    with count_statements() as queued:
        assert_ok(google.get(STATUS))
    assert idle.count == queued.count


# -- sync_user_emails --------------------------------------------------------------------------------


def test_sync_user_emails_queues_one_import_and_answers_its_status(google, engine):
    assert assert_ok(google.get(SYNC)) == QUEUED
    lock = f"mailimport:{google.user.id}"
    assert import_jobs(engine) == [(str(google.user.id), "todo", lock, lock)]
    assert assert_ok(google.get(STATUS)) == QUEUED


def test_sync_user_emails_queues_nothing_more_while_one_is_queued_or_running(google, engine, db):
    assert_ok(google.get(SYNC))
    assert assert_ok(google.get(SYNC)) == QUEUED
    set_state(db, google.user.id, state="running", messages_total=10, messages_processed=4)
    running = assert_ok(google.get(SYNC))
    assert (running["state"], running["messages_total"], running["messages_processed"]) == ("running", 10, 4)
    assert len(import_jobs(engine)) == 1


@pytest.mark.parametrize("last_state", ["done", "failed"])
def test_sync_user_emails_after_a_finished_import_queues_a_new_one(google, engine, db, last_state):
    assert_ok(google.get(SYNC))
    with engine.begin() as connection:
        connection.execute(text("UPDATE procrastinate_jobs SET status = 'succeeded'"))
    set_state(db, google.user.id, state=last_state, messages_total=3, jobapps_created=3, error="x")
    assert assert_ok(google.get(SYNC)) == QUEUED
    assert [job.status for job in import_jobs(engine)] == ["succeeded", "todo"]


@pytest.mark.parametrize("stuck_state", ["queued", "running"])
def test_sync_user_emails_requeues_an_import_whose_job_is_gone(google, engine, db, stuck_state):
    assert_ok(google.get(SYNC))
    # The job failed outside the import's own handling (say the database went away mid-run).
    with engine.begin() as connection:
        connection.execute(text("UPDATE procrastinate_jobs SET status = 'failed'"))
    set_state(db, google.user.id, state=stuck_state)
    assert assert_ok(google.get(SYNC)) == QUEUED
    assert [job.status for job in import_jobs(engine)] == ["failed", "todo"]


def test_sync_user_emails_without_a_google_account_answers_4(api, engine):
    assert_error(api.get(SYNC), 4, 409)
    assert import_jobs(engine) == []
    assert assert_ok(api.get(STATUS)) == IDLE


def test_sync_user_emails_with_an_unusable_google_token_answers_4(google, db, engine):
    mark_google_token_unusable(db, google.user.id)
    db.commit()
    assert_error(google.get(SYNC), 4, 409)
    assert import_jobs(engine) == []


def test_sync_user_emails_issues_a_fixed_number_of_statements(google, db, engine, count_statements):
    with count_statements() as first:
        assert_ok(google.get(SYNC))
    with count_statements() as again:
        assert_ok(google.get(SYNC))
    with engine.begin() as connection:
        connection.execute(text("UPDATE procrastinate_jobs SET status = 'succeeded'"))
    set_state(db, google.user.id, state="done", messages_total=1000, jobapps_created=1000)
    with count_statements() as after_a_big_import:
        assert_ok(google.get(SYNC))
    assert again.count < first.count == after_a_big_import.count


# -- update_gmail_token ------------------------------------------------------------------------------


def test_update_gmail_token_stores_the_token_marks_it_usable_and_queues_an_import(
    google, provider, db, app, engine
):
    mark_google_token_unusable(db, google.user.id)
    db.commit()
    provider.add_google_user("new-token", "3001", "joe@gmail.com")
    assert assert_ok(google.post(UPDATE, {"token": "new-token"})) is None
    db.expire_all()
    assert google_token(db, app.registry.settings, google.user.id) == "new-token"
    assert [job.status for job in import_jobs(engine)] == ["todo"]
    assert assert_ok(google.get(STATUS)) == QUEUED
    assert assert_ok(google.get(SYNC)) == QUEUED
    assert len(import_jobs(engine)) == 1


def test_update_gmail_token_links_a_user_without_google(api, provider, db, app):
    provider.add_google_user("first-token", "3002", "new@gmail.com")
    assert assert_ok(api.post(UPDATE, {"token": "first-token"})) is None
    assert db.scalar(select(SocialAccount.subject).where(SocialAccount.user_id == api.user.id)) == "3002"
    assert assert_ok(api.get(STATUS))["state"] == "queued"


def test_update_gmail_token_refused_by_google_answers_3(google, db, app, engine):
    assert_error(google.post(UPDATE, {"token": "unknown-token"}), 3, 400)
    assert google_token(db, app.registry.settings, google.user.id) == TOKEN
    assert import_jobs(engine) == []


def test_update_gmail_token_of_another_google_account_answers_3(google, provider, db, app, engine):
    provider.add_google_user("someone-else", "9999", "else@gmail.com")
    assert_error(google.post(UPDATE, {"token": "someone-else"}), 3, 400)
    assert google_token(db, app.registry.settings, google.user.id) == TOKEN
    assert import_jobs(engine) == []


def test_update_gmail_token_of_a_google_account_linked_to_another_user_answers_3(google, other_api, engine):
    assert_error(other_api.post(UPDATE, {"token": TOKEN}), 3, 400)
    assert import_jobs(engine) == []


def test_update_gmail_token_while_google_is_down_answers_14(google, provider, engine):
    provider.add_google_user("new-token", "3001", "joe@gmail.com")
    provider.fail("/oauth2/v3/userinfo", 503)
    assert_error(google.post(UPDATE, {"token": "new-token"}), 14, 503)
    assert import_jobs(engine) == []


def test_update_gmail_token_with_bad_parameters_answers_10(google, provider):
    before = len(provider.calls())
    for body in (
        {},
        {"token": ""},
        {"token": 5},
        {"token": "x" * 4097},
        {"token": "ya29.\u00e9t\U000cf44a"},
        {"token": "two words"},
        [],
        "token",
    ):
        assert_error(google.post(UPDATE, body), 10, 400)
    assert len(provider.calls()) == before


def test_update_gmail_token_while_an_import_runs_queues_nothing_more(google, provider, db, engine):
    assert_ok(google.get(SYNC))
    set_state(db, google.user.id, state="running")
    provider.add_google_user("new-token", "3001", "joe@gmail.com")
    assert assert_ok(google.post(UPDATE, {"token": "new-token"})) is None
    assert len(import_jobs(engine)) == 1


# -- get_user_google_mails ---------------------------------------------------------------------------


def add_mails(db, user_id, count, start=0):
    base = datetime.datetime(2019, 1, 1, tzinfo=datetime.UTC)
    db.add_all(
        Mail(
            user_id=user_id,
            msg_id=f"m{user_id}-{n}",
            subject=f"Subject {n}",
            body=f"<p>{n}</p>",
            date=base + datetime.timedelta(days=n, seconds=n),
        )
        for n in range(start, start + count)
    )
    db.commit()


def test_get_user_google_mails_lists_the_callers_mails_newest_first(api, other_api, db):
    add_mails(db, api.user.id, 3)
    add_mails(db, other_api.user.id, 2, start=10)
    assert assert_ok(api.get(MAILS)) == [
        {"subject": "Subject 2", "body": "<p>2</p>", "date": "2019-01-03 00:00:02+00:00"},
        {"subject": "Subject 1", "body": "<p>1</p>", "date": "2019-01-02 00:00:01+00:00"},
        {"subject": "Subject 0", "body": "<p>0</p>", "date": "2019-01-01 00:00:00+00:00"},
    ]
    assert [mail["subject"] for mail in assert_ok(other_api.get(MAILS))] == ["Subject 11", "Subject 10"]


def test_get_user_google_mails_is_empty_before_any_import(api):
    assert assert_ok(api.get(MAILS)) == []


def test_get_user_google_mails_issues_the_same_statements_for_1_and_50_mails(
    api, other_api, db, count_statements
):
    add_mails(db, api.user.id, 1)
    add_mails(db, other_api.user.id, 50)
    with count_statements() as one:
        assert len(assert_ok(api.get(MAILS))) == 1
    with count_statements() as fifty:
        assert len(assert_ok(other_api.get(MAILS))) == 50
    assert one.count == fifty.count


# -- common errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize("method, path", [("post", UPDATE), ("get", SYNC), ("get", STATUS), ("get", MAILS)])
@pytest.mark.parametrize("authorization", [None, "Bearer not-a-token"])
def test_every_endpoint_needs_a_valid_bearer_token(testapp, method, path, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    if method == "post":
        response = testapp.post_json(path, {"token": "x"}, headers=headers, expect_errors=True)
    else:
        response = testapp.get(path, headers=headers, expect_errors=True)
    assert_error(response, 1, 401)


def test_a_wrong_method_answers_10_with_405(api):
    for method, path in (("get", UPDATE), ("post", SYNC), ("post", STATUS), ("delete", MAILS)):
        response = getattr(api.testapp, method)(path, headers=api.headers, expect_errors=True)
        assert_error(response, 10, 405)
