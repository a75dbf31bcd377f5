import socket
import threading

import pytest
import webtest

from jobhax import main
from tests.api_client import ApiClient
from tests.webhooks.receiver import running_receiver

# Delivery timing for worker processes in tests: retries after 0.2 s doubling up to 1 s; silent workers are
# dead after 3 s. (Procrastinate looks for jobs scheduled later at least every 5 s.)
FAST_RETRIES = {
    "JOBHAX_WEBHOOKS_RETRY_SECONDS": "0.2",
    "JOBHAX_WEBHOOKS_MAX_WAIT_SECONDS": "1",
    "JOBHAX_WORKER_STALLED_SECONDS": "3",
}
# Development's rule: receivers on this machine, over http.
LOCAL_RECEIVERS = {"JOBHAX_WEBHOOKS_ALLOW_PRIVATE": "true", **FAST_RETRIES}


@pytest.fixture(scope="session")
def private_app(settings):
    """The app as development.ini configures webhooks: receivers on loopback allowed, over http too."""
    return main({}, **dict(settings, **{"jobhax.webhooks_allow_private": "true"}))


@pytest.fixture
def local_api(private_app, clean_database, factories):
    """A user of the app that accepts local receivers."""
    user = factories.user()
    testapp = webtest.TestApp(private_app, extra_environ={"REMOTE_ADDR": "127.0.0.1"})
    return ApiClient(testapp, user, factories.access_token(user))


@pytest.fixture
def receiver():
    with running_receiver() as (server, base_url):
        server.base_url = base_url
        yield server


class Canary:
    """A listening socket on 127.0.0.1 that counts the connections made to it."""

    def __init__(self):
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.socket.settimeout(0.2)
        self.port = self.socket.getsockname()[1]
        self.connections = 0
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while not self.stopped.is_set():
            try:
                connection, _ = self.socket.accept()
            except OSError:
                continue
            self.connections += 1
            connection.close()

    def close(self):
        self.stopped.set()
        self.thread.join(timeout=5)
        self.socket.close()


@pytest.fixture
def canary():
    listener = Canary()
    yield listener
    listener.close()
