"""`jobhax serve` under granian: `--workers N` processes answer on one port, stop together, never outlive the
parent; development (`make run`) serves from one process that also runs the background jobs."""

import http.client
import os
import signal
import socket
import subprocess
import time

import pytest
import requests
from sqlalchemy import text

from tests.conftest import ROOT
from tests.servers import PRODUCTION_PROVIDER_ENV, jobhax_command, serve_command

WAIT = 30
DEVELOPMENT_SERVE = jobhax_command("serve", ini=ROOT / "development.ini")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def accepts(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def children(pid):
    return [int(child) for child in open(f"/proc/{pid}/task/{pid}/children").read().split()]


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A killed child stays a zombie until reaped by init: it no longer runs.
    return open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] != "Z"


def wait_for(condition):
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline
        time.sleep(0.1)


@pytest.fixture
def served(settings, tmp_path):
    port = free_port()
    env = dict(
        os.environ,
        JOBHAX_DATABASE_URL=settings["sqlalchemy.url"],
        JOBHAX_SECRET_KEY=settings["jobhax.secret_key"],
        **PRODUCTION_PROVIDER_ENV,
    )
    with (tmp_path / "serve.log").open("wb") as log:
        process = subprocess.Popen(
            serve_command(port, "--workers", "2"),
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    wait_for(lambda: accepts(port) and len(children(process.pid)) == 2)
    yield process, port
    if process.poll() is None:
        process.kill()
    process.wait(timeout=WAIT)


def test_two_processes_answer_on_one_port_and_stop_together_on_sigterm(served):
    process, port = served
    workers = children(process.pid)
    answers = {
        requests.get(f"http://127.0.0.1:{port}/api/jobapps/get_statuses", timeout=WAIT).status_code
        for _ in range(20)
    }
    assert answers == {401}
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=WAIT) == 0
    assert not any(alive(pid) for pid in workers)
    assert not accepts(port)


def test_more_keep_alive_connections_than_threads_are_all_answered(served):
    """Idle keep-alive connections (a load balancer's, wrk's) hold no thread: 16 of them on 2 processes of 3
    threads each are all answered, first and second request alike."""
    _process, port = served
    connections = [http.client.HTTPConnection("127.0.0.1", port, timeout=WAIT) for _ in range(16)]
    try:
        for round_number in range(2):
            for connection in connections:
                connection.request("GET", "/__lbheartbeat__")
                response = connection.getresponse()
                assert (response.status, response.read(), round_number) == (200, b"{}", round_number)
    finally:
        for connection in connections:
            connection.close()


def test_a_worker_that_dies_is_replaced(served, tmp_path):
    process, port = served

    def started():
        return (tmp_path / "serve.log").read_text().count("Started worker-")

    wait_for(lambda: started() == 2)
    first, second = children(process.pid)
    os.kill(first, signal.SIGKILL)
    wait_for(lambda: len(children(process.pid)) == 2 and first not in children(process.pid))
    assert second in children(process.pid)
    # The new process is listening once granian says it started.
    wait_for(lambda: started() == 3)
    assert {
        requests.get(f"http://127.0.0.1:{port}/api/jobapps/get_statuses", timeout=WAIT).status_code
        for _ in range(10)
    } == {401}
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=WAIT) == 0


def test_workers_die_with_their_parent(served):
    process, port = served
    workers = children(process.pid)
    process.kill()
    process.wait(timeout=WAIT)
    wait_for(lambda: not any(alive(pid) for pid in workers))
    wait_for(lambda: not accepts(port))


def test_development_serve_migrates_prints_its_client_and_runs_jobs_in_its_one_process(
    settings, engine, clean_database, tmp_path
):
    port = free_port()
    env = dict(
        os.environ,
        JOBHAX_DATABASE_URL=settings["sqlalchemy.url"],
        JOBHAX_VAR_DIR=str(tmp_path),
    )
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [*DEVELOPMENT_SERVE, "--port", str(port), "--workers", "2"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for(lambda: accepts(port))
        assert "development OAuth client: client_id=" in log_path.read_text()
        # --workers is ignored in development: one serving process, whose in-process job worker runs the
        # report refresh that falls due as it starts.
        assert len(children(process.pid)) == 1
        assert requests.get(f"http://127.0.0.1:{port}/__heartbeat__", timeout=WAIT).json() == {
            "database": True,
            "migrations": True,
        }

        def refreshed():
            with engine.connect() as connection:
                return connection.scalar(
                    text(
                        "SELECT count(*) FROM procrastinate_jobs"
                        " WHERE task_name = 'jobhax.metrics.refresh_reports' AND status = 'succeeded'"
                    )
                )

        wait_for(refreshed)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=WAIT) == 0, log_path.read_text()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=WAIT)
