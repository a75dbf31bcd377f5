"""A worker SIGKILLed in the middle of a Gmail import: another worker completes it, nothing twice, nothing lost."""

from sqlalchemy import text

from jobhax.mailimport.tasks import TASK_NAME
from tests.api_client import assert_ok, google_login, import_outcome
from tests.mailimport import mailboxes
from tests.workers import wait_until

TOKEN = "google-token-of-a-big-mailbox"
MESSAGES = 400  # four committed batches
# A silent worker counts as dead after 3 s (heartbeats every 0.5 s); imports retry at once.
WORKER_ENV = {"JOBHAX_WORKER_STALLED_SECONDS": "3", "JOBHAX_IMPORT_RETRY_SECONDS": "0"}


def google_user(testapp, oauth_client, provider):
    return google_login(testapp, oauth_client, provider, TOKEN, "7001", "big.mailbox@gmail.com")


def sync_status(client):
    return assert_ok(client.get("/api/users/sync_status"))


def test_an_import_whose_worker_is_killed_is_completed_by_another(
    testapp, oauth_client, provider, start_worker, engine
):
    client = google_user(testapp, oauth_client, provider)
    mailboxes.fill_generated_mailbox(provider, TOKEN, MESSAGES)
    provider.latency = 0.05  # each Gmail call: the import takes seconds, long enough to be cut
    doomed = start_worker(concurrency=2, extra_env=WORKER_ENV)
    assert_ok(client.get("/api/users/sync_user_emails"))

    # Killed once a batch is committed and before the last one is.
    wait_until(
        lambda: 0 < sync_status(client)["messages_processed"] < MESSAGES,
        timeout=60,
        message="the import half done",
    )
    outputs = [doomed.kill()]
    cut = sync_status(client)
    assert cut["state"] == "running" and cut["messages_processed"] < MESSAGES

    provider.latency = 0.0
    rescuer = start_worker(concurrency=2, extra_env=WORKER_ENV)
    done = wait_until(
        lambda: (lambda status: status if status["state"] in ("done", "failed") else None)(
            sync_status(client)
        ),
        timeout=60,
        message="the import finished by the second worker",
    )
    assert import_outcome(done) == {
        "state": "done",
        "messages_total": MESSAGES,
        "messages_processed": MESSAGES,
        "messages_skipped": 0,
        "jobapps_created": MESSAGES,
        "error": None,
    }

    with engine.connect() as connection:
        counts = connection.execute(
            text(
                "SELECT (SELECT count(*) FROM job_applications), (SELECT count(DISTINCT msg_id) FROM job_applications),"
                " (SELECT count(*) FROM status_history), (SELECT count(*) FROM mails),"
                " (SELECT count(DISTINCT msg_id) FROM mails)"
            )
        ).one()
        job = connection.execute(
            text("SELECT status, attempts FROM procrastinate_jobs WHERE task_name = :name"),
            {"name": TASK_NAME},
        ).one()
    assert tuple(counts) == (MESSAGES,) * 5
    assert job.status == "succeeded" and job.attempts >= 1
    assert len(assert_ok(client.get("/api/jobapps/get_jobapps"))) == MESSAGES
    # The user can sync again: no lock or 'running' state was left behind.
    assert assert_ok(client.get("/api/users/sync_user_emails"))["state"] in ("queued", "running", "done")
    # Neither worker logged the Google token or a mail body.
    outputs.append(rescuer.stop())
    assert "queued again" in outputs[1]
    assert not [output for output in outputs if TOKEN in output or "Your application was sent" in output]
