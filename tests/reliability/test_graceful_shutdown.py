"""SIGTERM to a real `jobhax serve`: requests in flight complete, new connections are refused, it exits in time.

A request is held in flight deterministically: the test locks the application's row, so update_jobapp
waits inside the app until the test lets it go.
"""

import os
import signal
import socket
import subprocess
import threading
import time

import pytest
import requests
from sqlalchemy import select, text

from jobhax.jobapps.models import JobApplication
from tests.conftest import ROOT
from tests.reliability.conftest import WAIT, free_port, get, post
from tests.servers import PRODUCTION_PROVIDER_ENV, serve_command


class Served:
    """`jobhax --ini production.ini serve` in a subprocess, on the test database."""

    def __init__(self, settings, tmp_path, *extra):
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log = tmp_path / "serve.log"
        env = dict(
            os.environ,
            JOBHAX_DATABASE_URL=settings["sqlalchemy.url"],
            JOBHAX_SECRET_KEY=settings["jobhax.secret_key"],
            JOBHAX_VAR_DIR=settings["jobhax.var_dir"],
            **PRODUCTION_PROVIDER_ENV,
        )
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                serve_command(self.port, *extra),
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + WAIT
        while not self.accepts_connections():
            assert self.process.poll() is None and time.monotonic() < deadline, self.log.read_text()
            time.sleep(0.1)

    def accepts_connections(self):
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
            return True
        except ConnectionRefusedError:
            return False

    def stop(self):
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=WAIT)


@pytest.fixture
def served_process(settings, tmp_path, clean_database):
    started = []

    def start(*extra):
        started.append(Served(settings, tmp_path, *extra))
        return started[-1]

    yield start
    for served in started:
        served.stop()


@pytest.fixture
def row_lock(engine):
    """Lock one application's row from outside the app, until the test releases it."""
    connection = engine.connect()

    def lock(jobapp_id):
        connection.execute(
            text("SELECT 1 FROM job_applications WHERE id = :id FOR UPDATE"), {"id": jobapp_id}
        )
        return connection.rollback

    yield lock
    connection.rollback()
    connection.close()


def waiting_for_lock(engine):
    with engine.connect() as connection:
        return connection.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        )


def in_flight_update(base_url, token, jobapp_id):
    """Send update_jobapp in a thread; its answer lands in the returned list."""
    answer = []

    def send():
        try:
            answer.append(
                post(f"{base_url}/api/jobapps/update_jobapp", {"jobapp_id": jobapp_id, "status_id": 3}, token)
            )
        except requests.ConnectionError as error:
            answer.append(error)

    thread = threading.Thread(target=send, daemon=True)
    thread.start()
    return thread, answer


def wait_until(condition, timeout=WAIT):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_sigterm_finishes_requests_in_flight_refuses_new_ones_and_exits(
    served_process, factories, engine, db, row_lock
):
    served = served_process()
    user = factories.user()
    token = factories.access_token(user)
    jobapp = factories.jobapp(user, status_id=1)
    assert get(f"{served.base_url}/api/jobapps/get_statuses", token)[0] == 200

    release = row_lock(jobapp.id)
    thread, answer = in_flight_update(served.base_url, token, jobapp.id)
    assert wait_until(lambda: waiting_for_lock(engine) == 1)

    served.process.send_signal(signal.SIGTERM)
    assert wait_until(lambda: not served.accepts_connections(), timeout=5), "still accepting after SIGTERM"
    assert served.process.poll() is None and not answer, "the request in flight was cut"

    release()
    thread.join(timeout=WAIT)
    assert answer and answer[0][0] == 200 and answer[0][1]["success"], answer
    assert served.process.wait(timeout=10) == 0, served.log.read_text()
    assert db.scalar(select(JobApplication.status_id).where(JobApplication.id == jobapp.id)) == 3
    log = served.log.read_text()
    assert "Shutting down granian" in log
    assert token not in log


def test_an_idle_server_exits_at_once_on_sigterm(served_process):
    served = served_process()
    assert get(f"{served.base_url}/__lbheartbeat__") == (200, {})
    started = time.monotonic()
    served.process.send_signal(signal.SIGTERM)
    assert served.process.wait(timeout=20) == 0
    # Nothing in flight: well before the 30 s shutdown timeout, however loaded the machine.
    assert time.monotonic() - started < 10


def test_a_request_outliving_the_shutdown_timeout_does_not_hold_the_exit(
    served_process, factories, engine, db, row_lock
):
    served = served_process("--shutdown-timeout", "1")
    user = factories.user()
    token = factories.access_token(user)
    jobapp = factories.jobapp(user)
    release = row_lock(jobapp.id)
    thread, answer = in_flight_update(served.base_url, token, jobapp.id)
    assert wait_until(lambda: waiting_for_lock(engine) == 1)

    started = time.monotonic()
    served.process.send_signal(signal.SIGTERM)
    assert served.process.wait(timeout=10) == 0
    assert time.monotonic() - started < 5
    release()
    thread.join(timeout=WAIT)
    # The client saw the connection close, never half an answer, and the cut request wrote nothing.
    assert len(answer) == 1 and isinstance(answer[0], requests.ConnectionError)
    assert wait_until(lambda: waiting_for_lock(engine) == 0)
    assert db.scalar(select(JobApplication.status_id).where(JobApplication.id == jobapp.id)) == 1
