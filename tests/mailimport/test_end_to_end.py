"""The Gmail import end to end: Google login, sync_user_emails, a real `jobhax worker` process, the fake Gmail."""

import pytest
from sqlalchemy import text

from jobhax.mailimport.tasks import TASK_NAME
from tests import api_client
from tests.api_client import assert_error, assert_ok, import_outcome
from tests.mailimport import mailboxes
from tests.workers import wait_until

LOGIN = "/api/users/auth_social_user"
UPDATE = "/api/users/update_gmail_token"
SYNC = "/api/users/sync_user_emails"
STATUS = "/api/users/sync_status"
MAILS = "/api/users/get_user_google_mails"
JOBAPPS = "/api/jobapps/get_jobapps"
HISTORY = "/api/jobapps/get_status_history"
DETAIL = "/api/jobapps/get_jobapp_detail"
MESSAGES = "/gmail/v1/users/me/messages"
TOKEN = "google-token"
# Retries at once: the backoff itself is tested in test_importer.py.
WORKER_ENV = {"JOBHAX_IMPORT_RETRY_SECONDS": "0"}


@pytest.fixture
def worker(start_worker):
    return start_worker(concurrency=2, extra_env=WORKER_ENV)


def google_login(testapp, oauth_client, provider, token=TOKEN, sub="4001", email="joe@gmail.com"):
    return api_client.google_login(testapp, oauth_client, provider, token, sub, email)


def finished(client, timeout=30):
    return api_client.finished_import(client, timeout)


def test_a_google_user_syncs_and_sees_each_application_once_with_history_mail_and_posting(
    testapp, oauth_client, provider, worker
):
    client = google_login(testapp, oauth_client, provider)
    mailboxes.fill_fixture_mailbox(provider, TOKEN)
    other = google_login(
        testapp, oauth_client, provider, token="other-token", sub="4002", email="ann@gmail.com"
    )
    provider.add_message("other-token", mailboxes.application(4))

    assert assert_ok(client.get(SYNC))["state"] in ("queued", "running", "done")
    assert_ok(other.get(SYNC))
    status = finished(client)
    assert import_outcome(status) == {
        "state": "done",
        "messages_total": 6,
        "messages_processed": 6,
        "messages_skipped": 1,
        "jobapps_created": 5,
        "error": None,
    }
    assert status["started_at"] <= status["finished_at"]

    jobapps = assert_ok(client.get(JOBAPPS))
    expected = mailboxes.expected()
    assert sorted((j["source"], j["jobTitle"], j["company"], j["applyDate"]) for j in jobapps) == sorted(
        (e["source"], e["jobTitle"], e["company"], e["applyDate"]) for e in expected
    )
    assert all(j["applicationStatus"] == {"id": 1, "value": "Applied"} and j["msgId"] for j in jobapps)
    for jobapp in jobapps:
        [change] = assert_ok(client.get(HISTORY, {"jobapp_id": jobapp["id"]}))
        assert change["applicationStatus"] == {"id": 1, "value": "Applied"}
    openphone = next(j for j in jobapps if j["company"] == "OpenPhone")
    assert openphone["companyLogo"] == next(e for e in expected if e["company"] == "OpenPhone")["companyLogo"]
    posting = assert_ok(client.get(DETAIL, {"jobapp_id": openphone["id"]}))
    assert (
        posting["decoratedJobPosting"]
        and posting["topCardV2"]
        and set(posting) == {"posterInformation", "decoratedJobPosting", "topCardV2"}
    )

    mails = assert_ok(client.get(MAILS))
    assert "You applied for 🤖 Lead Android Engineer at OpenPhone" in [mail["subject"] for mail in mails]
    assert [mail["date"] for mail in mails] == sorted((mail["date"] for mail in mails), reverse=True)
    assert len(mails) == 5 and all(mail["body"] for mail in mails)

    # Each user sees only their own.
    assert finished(other)["jobapps_created"] == 1
    assert [mail["subject"] for mail in assert_ok(other.get(MAILS))] == [
        "You applied for Engineer 4 at Acme 4"
    ]
    assert [j["company"] for j in assert_ok(other.get(JOBAPPS))] == ["Acme 4"]

    # A second import creates nothing.
    assert_ok(client.get(SYNC))
    again = finished(client)
    assert (again["state"], again["jobapps_created"]) == ("done", 0)
    assert len(assert_ok(client.get(JOBAPPS))) == 5 and len(assert_ok(client.get(MAILS))) == 5


def test_gmail_refusing_the_token_fails_the_import_then_a_new_token_recovers(
    testapp, oauth_client, provider, worker
):
    client = google_login(testapp, oauth_client, provider)
    mailboxes.fill_generated_mailbox(provider, TOKEN, 4)
    provider.fail(MESSAGES, 401)
    assert_ok(client.get(SYNC))
    status = finished(client)
    assert (status["state"], status["error"]) == ("failed", "google_token_invalid")
    assert_error(client.get(SYNC), 4, 409)
    assert assert_ok(client.get(JOBAPPS)) == []

    provider.add_google_user("fresh-token", "4001", "joe@gmail.com")
    assert assert_ok(client.post(UPDATE, {"token": "fresh-token"})) is None
    status = finished(client)
    assert (status["state"], status["error"], status["jobapps_created"]) == ("done", None, 4)
    assert len(assert_ok(client.get(JOBAPPS))) == 4


def test_busy_gmail_is_retried_until_the_import_completes(testapp, oauth_client, provider, worker, engine):
    client = google_login(testapp, oauth_client, provider)
    mailboxes.fill_generated_mailbox(provider, TOKEN, 150)
    provider.fail(MESSAGES, 500)  # the listing
    provider.fail(f"{MESSAGES}/gen000010", 429, retry_after=0)  # a read in the second batch
    assert_ok(client.get(SYNC))
    status = finished(client)
    assert (
        status["state"],
        status["messages_total"],
        status["messages_processed"],
        status["messages_skipped"],
        status["jobapps_created"],
        status["error"],
    ) == ("done", 150, 150, 0, 150, None)
    assert len(assert_ok(client.get(JOBAPPS))) == 150
    # procrastinate counts runs: two failed, then the one that succeeded.
    with engine.connect() as connection:
        assert connection.execute(
            text("SELECT status, attempts FROM procrastinate_jobs WHERE task_name = :name"),
            {"name": TASK_NAME},
        ).one() == ("succeeded", 3)


def test_a_mailbox_of_1000_messages_imports_completely_with_progress_shown(
    testapp, oauth_client, provider, worker
):
    client = google_login(testapp, oauth_client, provider)
    mailboxes.fill_generated_mailbox(provider, TOKEN, 1000)
    provider.latency = 0.005
    assert_ok(client.get(SYNC))
    seen = []

    def done():
        status = assert_ok(client.get(STATUS))
        seen.append((status["state"], status["messages_processed"]))
        return status if status["state"] in ("done", "failed") else None

    status = wait_until(done, timeout=60, interval=0.05, message="import finished")
    assert (
        status["state"],
        status["messages_total"],
        status["messages_processed"],
        status["jobapps_created"],
    ) == ("done", 1000, 1000, 1000)
    assert any(state == "running" and 0 < processed < 1000 for state, processed in seen), seen
    jobapps = assert_ok(client.get(JOBAPPS))
    assert len(jobapps) == 1000 and len({j["msgId"] for j in jobapps}) == 1000
    assert {j["source"] for j in jobapps} == {"LinkedIn", "Hired.com", "Indeed", "Vettery"}
