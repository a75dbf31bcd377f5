"""`jobhax serve --workers N`: several processes answer on one port, stop together, never outlive the parent."""

import os
import signal
import socket
import subprocess
import time

import pytest
import requests

from tests.conftest import ROOT
from tests.servers import PRODUCTION_PROVIDER_ENV, serve_command

WAIT = 30


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


def test_workers_die_with_their_parent(served):
    process, port = served
    workers = children(process.pid)
    process.kill()
    process.wait(timeout=WAIT)
    wait_for(lambda: not any(alive(pid) for pid in workers))
    wait_for(lambda: not accepts(port))
