"""PostgreSQL restarted under load: clean 503s with code 14 meanwhile, recovery without restarting the app.

The database is a private one (never the machine's shared server), stopped with a fast shutdown so every
pooled connection dies the way it does in a real restart.
"""

import threading
import time

import pytest
import requests
from sqlalchemy import select

from jobhax import main
from jobhax.jobapps.models import JobApplication
from tests.factories import Factories
from tests.reliability.conftest import WAIT, get, post, serve

UNAVAILABLE = {
    "success": False,
    "error_code": 14,
    "error_message": "Service temporarily unavailable, try again later",
    "data": None,
}


@pytest.fixture
def faulty(private_postgres, settings):
    """The app on the private database, served on 127.0.0.1, with a user and their token."""
    app = main({}, **dict(settings, **{"sqlalchemy.url": private_postgres.url}))
    session = app.registry["dbsession_factory"]()
    factories = Factories(session, settings)
    user = factories.user()
    with serve(app, threads=8) as base_url:
        yield base_url, factories.access_token(user), session
    session.close()
    app.registry["engine"].dispose()


class Traffic:
    """Clients adding and listing applications in a loop; every answer is kept."""

    def __init__(self, base_url, token, clients=4):
        self.base_url, self.token = base_url, token
        self.answers = []
        self.created = []
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(clients)]

    def _run(self, i):
        n = 0
        while not self.stopping.is_set():
            n += 1
            if n % 2:
                status, body = post(
                    f"{self.base_url}/api/jobapps/add_jobapp",
                    {"job_title": f"Engineer {i}.{n}", "company": "ACME"},
                    self.token,
                )
                if status == 200:
                    self.created.append(body["data"]["id"])
            else:
                status, body = get(f"{self.base_url}/api/jobapps/get_jobapps", self.token)
            self.answers.append((status, body))
            time.sleep(0.01)

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=WAIT)


def wait_until(condition, timeout=WAIT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def heartbeat(base_url):
    response = requests.get(f"{base_url}/__heartbeat__", timeout=WAIT)
    return response.status_code, response.json()


def test_a_database_restart_under_load_answers_14_then_recovers(faulty, private_postgres):
    base_url, token, session = faulty
    with Traffic(base_url, token) as traffic:
        assert wait_until(lambda: len(traffic.answers) >= 20)
        private_postgres.stop()
        try:
            outage_start = len(traffic.answers)
            assert wait_until(lambda: len(traffic.answers) >= outage_start + 20)
            assert heartbeat(base_url) == (503, {"database": False, "migrations": False})
            during = traffic.answers[outage_start + 5 :]
            assert during and all(answer == (503, UNAVAILABLE) for answer in during), during[:5]
        finally:
            private_postgres.start()
        assert wait_until(lambda: heartbeat(base_url)[0] == 200)
        recovered = len(traffic.answers)
        assert wait_until(lambda: len(traffic.answers) >= recovered + 20)

    # Every answer was a success or the clean 503, and the app recovered by itself.
    assert all(status in (200, 503) for status, _ in traffic.answers)
    assert all(body == UNAVAILABLE for status, body in traffic.answers if status == 503)
    assert all(status == 200 for status, _ in traffic.answers[recovered + 5 :])
    assert heartbeat(base_url) == (200, {"database": True, "migrations": True})
    # Nothing acknowledged was lost.
    stored = set(session.scalars(select(JobApplication.id)))
    assert set(traffic.created) <= stored


def test_every_kind_of_request_answers_14_while_the_database_is_down(faulty, private_postgres):
    base_url, token, _ = faulty
    private_postgres.stop()
    try:
        for path in ("/api/jobapps/get_jobapps", "/api/jobapps/get_statuses", "/api/metrics/get_word_count"):
            response = requests.get(
                f"{base_url}{path}", headers={"Authorization": f"Bearer {token}"}, timeout=WAIT
            )
            assert (response.status_code, response.json()) == (503, UNAVAILABLE)
            assert "Traceback" not in response.text
        assert post(
            f"{base_url}/api/users/register",
            {
                "username": "a",
                "email": "a@example.com",
                "password": "Jobhax-2019-example",
                "password2": "Jobhax-2019-example",
            },
        ) == (503, UNAVAILABLE)
        response = requests.post(
            f"{base_url}/oauth/token",
            data={
                "grant_type": "password",
                "username": "a",
                "password": "b",
                "client_id": "c",
                "client_secret": "d",
            },
            timeout=WAIT,
        )
        assert response.status_code == 503 and response.json() == {"error": "temporarily_unavailable"}
        assert requests.get(f"{base_url}/__lbheartbeat__", timeout=WAIT).status_code == 200
    finally:
        private_postgres.start()
    assert wait_until(lambda: get(f"{base_url}/api/jobapps/get_statuses", token)[0] == 200)


def test_the_first_requests_after_a_database_restart_succeed_on_fresh_connections(faulty, private_postgres):
    """Requests don't pre-ping pooled connections: one that meets a connection the restart dropped is run
    again on a fresh one instead of answering 503."""
    base_url, token, _ = faulty
    assert get(f"{base_url}/api/jobapps/get_jobapps", token)[0] == 200  # A pooled connection, then dropped.
    private_postgres.stop()
    private_postgres.start()
    assert get(f"{base_url}/api/jobapps/get_jobapps", token) == (
        200,
        {"success": True, "error_code": 0, "error_message": "", "data": []},
    )
    status, body = post(
        f"{base_url}/api/jobapps/add_jobapp", {"job_title": "Engineer", "company": "ACME"}, token
    )
    assert (status, body["error_code"]) == (200, 0)
