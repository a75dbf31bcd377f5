"""Registrations per client address and hour (jobhax.register_per_hour; 12 beyond, 0 = unlimited)."""

import datetime
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import time_machine
import webtest
from sqlalchemy import func, select

from jobhax import main
from jobhax.accounts.models import User
from tests.api_client import assert_error, assert_ok
from tests.servers import serve

PASSWORD = "Jobhax-2019-example"


@pytest.fixture
def limited_app(settings, clean_database):
    app = main({}, **dict(settings, **{"jobhax.register_per_hour": "3"}))
    yield app
    app.registry["engine"].dispose()


def register(app, username, address):
    body = {
        "username": username,
        "email": f"{username}@example.com",
        "password": PASSWORD,
        "password2": PASSWORD,
    }
    return app.post_json(
        "/api/users/register", body, extra_environ={"REMOTE_ADDR": address}, expect_errors=True
    )


def test_an_address_registers_the_limit_per_hour_then_answers_12(limited_app, db):
    client = webtest.TestApp(limited_app)
    now = datetime.datetime.now(datetime.UTC)
    with time_machine.travel(now, tick=False):
        for n in range(3):
            assert_ok(register(client, f"user{n}", "203.0.113.7"))
        # A registration that fails for its own reasons does not count.
        assert_error(register(client, "user0", "203.0.113.8"), 8, 409)
        assert_error(register(client, "user9", "203.0.113.7"), 12, 429)
        assert_ok(register(client, "user3", "203.0.113.8"))  # another address
    with time_machine.travel(now + datetime.timedelta(minutes=59), tick=False):
        assert_error(register(client, "user9", "203.0.113.7"), 12, 429)
    with time_machine.travel(now + datetime.timedelta(minutes=61), tick=False):
        assert_ok(register(client, "user9", "203.0.113.7"))
    assert db.scalar(select(func.count()).select_from(User)) == 5


def test_parallel_registrations_from_one_address_never_exceed_the_limit(limited_app, db):
    with serve(limited_app, threads=8) as base_url, ThreadPoolExecutor(8) as pool:
        answers = list(
            pool.map(
                lambda n: requests.post(
                    f"{base_url}/api/users/register",
                    json={
                        "username": f"racer{n}",
                        "email": f"racer{n}@example.com",
                        "password": PASSWORD,
                        "password2": PASSWORD,
                    },
                    timeout=60,
                ).json()["error_code"],
                range(10),
            )
        )
    assert sorted(answers) == [0, 0, 0] + [12] * 7
    assert db.scalar(select(func.count()).select_from(User)) == 3


def test_zero_means_unlimited(settings, clean_database, db):
    app = main({}, **dict(settings, **{"jobhax.register_per_hour": "0"}))
    try:
        client = webtest.TestApp(app)
        for n in range(22):
            assert_ok(register(client, f"many{n}", "198.51.100.1"))
    finally:
        app.registry["engine"].dispose()


def test_a_negative_limit_stops_the_service_at_start(monkeypatch):
    from jobhax.config import ConfigurationError, load_settings

    monkeypatch.setenv("JOBHAX_REGISTER_PER_HOUR", "-1")
    with pytest.raises(ConfigurationError, match="register_per_hour"):
        load_settings({"jobhax.secret_key": "x" * 32})
    monkeypatch.setenv("JOBHAX_REGISTER_PER_HOUR", "5")
    assert load_settings({"jobhax.secret_key": "x" * 32})["jobhax.register_per_hour"] == 5
