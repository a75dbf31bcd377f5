"""Nothing is left running: `make run` and `make test` stop the embedded PostgreSQL they started.

Real processes: make, the server or pytest under it, pgserver's postgres, each in a data directory of
its own (never the developer's var/). Ctrl-C is SIGINT to the whole foreground process group; SIGTERM
goes to make alone, which passes it on to its child.
"""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psutil
import pytest

from tests.conftest import ROOT

WAIT = 180
STAMP = ".venv/.installed"  # never reinstalled by these runs (make -o)


@pytest.fixture(scope="module")
def var_dir():
    # Unix socket paths are short: keep the data directories near the root.
    path = Path(tempfile.mkdtemp(prefix="jobhax-life-"))
    yield path
    for process in postgres_processes(path):
        process.kill()
    shutil.rmtree(path, ignore_errors=True)


def postgres_processes(var_dir):
    found = []
    for process in psutil.process_iter(["name", "cmdline"]):
        cmdline = " ".join(process.info["cmdline"] or [])
        if process.info["name"] == "postgres" and str(var_dir) in cmdline:
            found.append(process)
    return found


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_make(target, var_dir, *variables, **env):
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in ("JOBHAX_TEST_DATABASE_URL", "JOBHAX_DATABASE_URL", "MAKEFLAGS", "MAKELEVEL")
    }
    environment.update(JOBHAX_VAR_DIR=str(var_dir), **env)
    return subprocess.Popen(
        ["make", "--no-print-directory", "-o", STAMP, target, *variables],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, as a terminal gives it
        text=True,
    )


def wait_until(predicate, process, what):
    deadline = time.monotonic() + WAIT
    while not predicate():
        if process.poll() is not None:
            pytest.fail(f"make ended before {what}: {process.stdout.read()[-3000:]}")
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"no {what} within {WAIT} s")
        time.sleep(0.2)


def stop(process, signum):
    if signum == signal.SIGINT:
        os.killpg(process.pid, signal.SIGINT)  # Ctrl-C
    else:
        process.send_signal(signal.SIGTERM)  # kill <make>
    try:
        output, _ = process.communicate(timeout=WAIT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        raise
    return output


def assert_stopped(data_dir, output):
    deadline = time.monotonic() + 30
    while postgres_processes(data_dir) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert postgres_processes(data_dir) == [], output[-3000:]
    assert not (data_dir / "postmaster.pid").exists(), output[-3000:]


def _accepts(port):
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_make_run_stops_its_embedded_postgres(var_dir, signum):
    port = free_port()
    make = start_make("run", var_dir, f"RUN_ARGS=--port {port}")
    wait_until(lambda: _accepts(port), make, "server listening")
    assert postgres_processes(var_dir / "pg"), "make run did not use the embedded PostgreSQL"
    output = stop(make, signum)
    assert "development OAuth client" in output
    assert_stopped(var_dir / "pg", output)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_make_test_stops_its_embedded_postgres(var_dir, signum, tmp_path):
    ready = tmp_path / "ready"
    make = start_make("test", var_dir, "TESTS=tests/hold_embedded_database.py", JOBHAX_HOLD_READY=str(ready))
    wait_until(ready.exists, make, "the held test running")
    assert postgres_processes(var_dir / "pgtest")
    output = stop(make, signum)
    assert make.returncode != 0 and "KeyboardInterrupt" in output, output[-3000:]
    assert_stopped(var_dir / "pgtest", output)
