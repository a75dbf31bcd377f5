"""Fixtures that attack the service the way clients and operators do: over real sockets, bounded in time.

``served`` puts the session's app behind waitress on 127.0.0.1; ``PrivatePostgres`` is a PostgreSQL of this
test's own (the machine's shared one is never stopped), so a test can take the database away and bring it
back while requests flow.
"""

import concurrent.futures
import json
import shutil
import socket
import tempfile
import threading
from pathlib import Path

import pgserver
import pytest
import requests
from sqlalchemy.engine import make_url

from jobhax.migrations import upgrade
from tests.servers import serve

# Every wait in these tests is bounded by this many seconds.
WAIT = 30


@pytest.fixture
def served(app, clean_database):
    """The session's app served by waitress on 127.0.0.1, with enough threads for 20 clients at once."""
    with serve(app, threads=24) as base_url:
        yield base_url


def concurrently(count, call):
    """Run ``call(i)`` for i in range(count) in ``count`` threads released together; their results in order."""
    barrier = threading.Barrier(count, timeout=WAIT)

    def released(i):
        barrier.wait()
        return call(i)

    with concurrent.futures.ThreadPoolExecutor(max_workers=count) as pool:
        futures = [pool.submit(released, i) for i in range(count)]
        return [future.result(timeout=2 * WAIT) for future in futures]


def post(url, body, token=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = requests.post(url, data=json.dumps(body), headers=headers, timeout=WAIT)
    return response.status_code, response.json()


def get(url, token=None, **params):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = requests.get(url, params=params, headers=headers, timeout=WAIT)
    return response.status_code, response.json()


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrivatePostgres:
    """An embedded PostgreSQL (pgserver) in a temporary directory, which a test may stop and start."""

    def __init__(self):
        # Unix socket paths are short: keep the data directory near the root.
        self.data_dir = Path(tempfile.mkdtemp(prefix="jobhax-pg-"))
        self.server = pgserver.get_server(self.data_dir, cleanup_mode="delete")
        self.url = (
            make_url(self.server.get_uri())
            .set(drivername="postgresql+psycopg2")
            .render_as_string(hide_password=False)
        )

    def stop(self):
        """A fast shutdown: PostgreSQL ends every open connection, as in a real restart."""
        pgserver.pg_ctl(
            ["-w", "-m", "fast", "stop"], pgdata=self.data_dir, user=self.server.system_user, timeout=WAIT
        )

    def start(self):
        self.server.ensure_postgres_running()

    def close(self):
        self.server.cleanup()
        shutil.rmtree(self.data_dir, ignore_errors=True)


@pytest.fixture(scope="module")
def private_postgres():
    database = PrivatePostgres()
    upgrade(database.url)
    yield database
    database.close()
