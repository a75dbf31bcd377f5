"""PostgreSQL restarts under a running worker: it resumes on its own, and the next Gmail import runs.

Both workers: a `jobhax worker` process, and the in-process worker `make run` starts in a thread. The
database is a private one (never the machine's shared server), stopped with a fast shutdown, which ends
every connection the way a real restart does, the worker's LISTEN connection included.
"""

import logging
import threading

import pytest
import webtest
from sqlalchemy import create_engine, text

from jobhax import main
from jobhax.worker import Supervisor
from tests.api_client import assert_ok, finished_import, google_login
from tests.factories import Factories
from tests.mailimport import mailboxes
from tests.reliability.conftest import WAIT
from tests.workers import WorkerProcess, wait_until

MESSAGES = 3
RESTARTED = "starting it again"


@pytest.fixture
def private(private_postgres, settings):
    """Settings on the private database, the app on it, and an OAuth client there."""
    private_settings = dict(settings, **{"sqlalchemy.url": private_postgres.url})
    app = main({}, **private_settings)
    session = app.registry["dbsession_factory"]()
    oauth_client = Factories(session, settings).oauth_client()
    yield private_settings, webtest.TestApp(app, extra_environ={"REMOTE_ADDR": "127.0.0.1"}), oauth_client
    session.close()
    app.registry["engine"].dispose()


def newest_worker(url):
    """The id of the last worker procrastinate registered (0 before any)."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.scalar(text("SELECT coalesce(max(id), 0) FROM procrastinate_workers"))
    finally:
        engine.dispose()


def restart_then_import(private_postgres, testapp, oauth_client, provider, who, before):
    """Once the worker started after ``before`` runs, restart the database under it, then import a fresh
    user's mailbox; that import's status."""
    wait_until(lambda: newest_worker(private_postgres.url) > before, timeout=WAIT, message="worker started")
    private_postgres.stop()
    private_postgres.start()
    token = f"google-token-of-{who}"
    client = google_login(testapp, oauth_client, provider, token, f"sub-{who}", f"{who}@gmail.com")
    mailboxes.fill_generated_mailbox(provider, token, MESSAGES)
    assert_ok(client.get("/api/users/sync_user_emails"))
    return finished_import(client, timeout=2 * WAIT)


def assert_imported(status):
    assert (status["state"], status["messages_processed"], status["jobapps_created"], status["error"]) == (
        "done",
        MESSAGES,
        MESSAGES,
        None,
    )


def test_a_worker_process_resumes_after_a_database_restart(private, private_postgres, provider):
    settings, testapp, oauth_client = private
    before = newest_worker(private_postgres.url)
    worker = WorkerProcess(settings, concurrency=2, extra_env={"JOBHAX_IMPORT_RETRY_SECONDS": "0"})
    try:
        status = restart_then_import(private_postgres, testapp, oauth_client, provider, "process", before)
        alive = worker.process.poll() is None
    finally:
        output = worker.stop()
    assert_imported(status)
    assert alive, output
    assert RESTARTED in output, output
    assert worker.process.returncode == 0, output


def test_the_in_process_worker_resumes_after_a_database_restart(private, private_postgres, provider, caplog):
    settings, testapp, oauth_client = private
    supervisor = Supervisor(dict(settings, **{"jobhax.import_retry_seconds": "0"}), concurrency=2)
    thread = threading.Thread(target=supervisor.run, kwargs={"install_signal_handlers": False}, daemon=True)
    caplog.set_level(logging.WARNING, logger="jobhax.worker")
    before = newest_worker(private_postgres.url)
    thread.start()
    try:
        status = restart_then_import(private_postgres, testapp, oauth_client, provider, "thread", before)
        alive = thread.is_alive()
    finally:
        supervisor.stop()
        thread.join(WAIT)
    assert_imported(status)
    assert alive
    assert not thread.is_alive(), "the worker thread did not stop when asked"
    assert RESTARTED in caplog.text
