"""Fair login throttling, attacked: a guesser locks out only themselves, however they spread their guesses.

Per (username, address): five failures, then 12. Per address: ``jobhax.login_failures_per_address``
failures over any usernames, then 12 on login, token and register. Parallel guesses over real sockets and
the second loopback address are in tests/reliability/test_login_throttling.py.
"""

import datetime

import pytest
import time_machine
import webtest
from sqlalchemy import func, select

from jobhax import main
from jobhax.accounts.models import LoginFailure, User
from jobhax.accounts.throttling import WINDOW
from jobhax.config import ConfigurationError
from tests.api_client import assert_error, assert_ok
from tests.factories import PASSWORD

LOGIN = "/api/users/login"
REGISTER = "/api/users/register"
START = datetime.datetime(2026, 5, 4, 10, 0, tzinfo=datetime.UTC)
PER_ADDRESS = 7


def credentials(client, **extra):
    return dict(client_id=client["client_id"], client_secret=client["client_secret"], **extra)


def login(testapp, client, username, password=PASSWORD, address="127.0.0.1", headers=None):
    return testapp.post_json(
        LOGIN,
        credentials(client, username=username, password=password),
        extra_environ={"REMOTE_ADDR": address},
        headers=headers or {},
        expect_errors=True,
    )


def token_grant(testapp, client, username, password=PASSWORD, address="127.0.0.1"):
    return testapp.post(
        "/oauth/token",
        credentials(client, grant_type="password", username=username, password=password),
        extra_environ={"REMOTE_ADDR": address},
        expect_errors=True,
    )


def register(testapp, username, address="127.0.0.1"):
    body = {
        "username": username,
        "email": f"{username}@example.com",
        "password": PASSWORD,
        "password2": PASSWORD,
    }
    return testapp.post_json(REGISTER, body, extra_environ={"REMOTE_ADDR": address}, expect_errors=True)


def failures(db):
    return db.scalar(select(func.count()).select_from(LoginFailure))


def test_the_guessers_address_is_locked_out_not_the_user(testapp, factories, oauth_client):
    user = factories.user()
    with time_machine.travel(START, tick=False):
        for _ in range(5):
            assert_error(login(testapp, oauth_client, user.username, "guess", address="203.0.113.9"), 6, 401)
        assert_error(login(testapp, oauth_client, user.username, address="203.0.113.9"), 12, 429)
        # The user, from their own address, is not locked out by the guesser.
        assert_ok(login(testapp, oauth_client, user.username, address="198.51.100.7"))
        assert token_grant(testapp, oauth_client, user.username, address="198.51.100.7").status_int == 200


def test_a_locked_pair_answers_12_even_with_the_right_password_until_the_window_passes(
    testapp, factories, oauth_client, db
):
    user = factories.user()
    with time_machine.travel(START, tick=False):
        for _ in range(3):
            assert_error(login(testapp, oauth_client, user.username, "guess"), 6, 401)
        for _ in range(2):
            response = token_grant(testapp, oauth_client, user.username, "guess")
            assert response.status_int == 400 and response.json["error"] == "invalid_grant"
        assert_error(login(testapp, oauth_client, user.username), 12, 429)
        assert token_grant(testapp, oauth_client, user.username).status_int == 429
    assert failures(db) == 5  # refused attempts are not failures: nothing more was written
    with time_machine.travel(START + WINDOW - datetime.timedelta(seconds=1), tick=False):
        assert_error(login(testapp, oauth_client, user.username), 12, 429)
    with time_machine.travel(START + WINDOW + datetime.timedelta(seconds=1), tick=False):
        assert_ok(login(testapp, oauth_client, user.username))


def test_a_right_password_does_not_count_as_a_failure(testapp, factories, oauth_client, db):
    user = factories.user()
    for _ in range(10):
        assert_ok(login(testapp, oauth_client, user.username))
    assert failures(db) == 0


@pytest.fixture
def strict_app(settings, clean_database):
    """An address may fail PER_ADDRESS times, as an operator may set it."""
    app = main({}, **dict(settings, **{"jobhax.login_failures_per_address": str(PER_ADDRESS)}))
    yield webtest.TestApp(app)
    app.registry["engine"].dispose()


def test_one_address_spreading_guesses_over_usernames_is_locked_out(strict_app, factories, oauth_client, db):
    victims = [factories.user() for _ in range(3)]
    bystander = factories.user()
    with time_machine.travel(START, tick=False):
        # Never five failures for one username: the per-username lock alone would never trigger.
        for n in range(PER_ADDRESS):
            victim = victims[n % 3]
            assert_error(login(strict_app, oauth_client, victim.username, f"guess{n}", "203.0.113.9"), 6, 401)
        # Now that address gets 12 for everything: other usernames, the right password, the token endpoint,
        # registration.
        assert_error(login(strict_app, oauth_client, bystander.username, address="203.0.113.9"), 12, 429)
        assert (
            token_grant(strict_app, oauth_client, bystander.username, address="203.0.113.9").status_int == 429
        )
        assert_error(register(strict_app, "newcomer", "203.0.113.9"), 12, 429)
        assert failures(db) == PER_ADDRESS
        # Everybody else is served.
        assert_ok(login(strict_app, oauth_client, victims[0].username, address="198.51.100.7"))
        assert_ok(register(strict_app, "newcomer", "198.51.100.7"))
    with time_machine.travel(START + WINDOW + datetime.timedelta(seconds=1), tick=False):
        assert_ok(login(strict_app, oauth_client, bystander.username, address="203.0.113.9"))
        assert_ok(register(strict_app, "latecomer", "203.0.113.9"))
    assert (
        db.scalar(select(func.count()).select_from(User).where(User.username.in_(["newcomer", "latecomer"])))
        == 2
    )


def test_fifty_failures_per_address_by_default(testapp, app, factories, oauth_client):
    assert app.registry.settings["jobhax.login_failures_per_address"] == 50
    bystander = factories.user()
    with time_machine.travel(START, tick=False):
        for n in range(50):
            assert_error(login(testapp, oauth_client, f"nobody{n // 5}", "guess"), 6, 401)
        assert_error(login(testapp, oauth_client, bystander.username), 12, 429)
        assert_error(register(testapp, "newcomer"), 12, 429)


def test_forged_forwarded_for_headers_are_ignored_without_a_trusted_proxy(testapp, factories, oauth_client):
    user = factories.user()
    for n in range(5):
        assert_error(
            login(testapp, oauth_client, user.username, "guess", headers={"X-Forwarded-For": f"10.0.0.{n}"}),
            6,
            401,
        )
    # A new made-up address per attempt changes nothing: the socket's peer is what counts.
    assert_error(
        login(testapp, oauth_client, user.username, headers={"X-Forwarded-For": "10.9.9.9"}), 12, 429
    )


@pytest.fixture
def proxied_app(settings, clean_database):
    """Behind a load balancer at 10.1.2.3, the only one whose X-Forwarded-For is believed."""
    app = main({}, **dict(settings, **{"jobhax.trusted_proxy": "10.1.2.3"}))
    yield webtest.TestApp(app)
    app.registry["engine"].dispose()


def test_behind_the_trusted_proxy_the_forwarded_address_counts(proxied_app, factories, oauth_client):
    user = factories.user()
    # The attacker writes their own X-Forwarded-For; the proxy appends the address it saw (rightmost).
    for n in range(5):
        forged = {"X-Forwarded-For": f"198.51.100.{n}, 203.0.113.9"}
        assert_error(login(proxied_app, oauth_client, user.username, "guess", "10.1.2.3", forged), 6, 401)
    forged = {"X-Forwarded-For": "198.51.100.200, 203.0.113.9"}
    assert_error(login(proxied_app, oauth_client, user.username, address="10.1.2.3", headers=forged), 12, 429)
    # The user behind the same proxy, from their own address, logs in.
    assert_ok(
        login(
            proxied_app,
            oauth_client,
            user.username,
            address="10.1.2.3",
            headers={"X-Forwarded-For": "192.0.2.1"},
        )
    )
    # A client that is not the proxy cannot claim an address.
    for _ in range(5):
        spoofed = {"X-Forwarded-For": "192.0.2.1"}
        assert_error(
            login(proxied_app, oauth_client, user.username, "guess", "203.0.113.50", spoofed), 6, 401
        )
    assert_ok(
        login(
            proxied_app,
            oauth_client,
            user.username,
            address="10.1.2.3",
            headers={"X-Forwarded-For": "192.0.2.1"},
        )
    )


def test_a_bad_trusted_proxy_stops_the_service_at_start(settings):
    with pytest.raises(ConfigurationError, match="JOBHAX_TRUSTED_PROXY"):
        main({}, **dict(settings, **{"jobhax.trusted_proxy": "not-an-address"}))


def test_old_failures_are_pruned(testapp, factories, oauth_client, db):
    with time_machine.travel(START, tick=False):
        for n in range(40):
            login(testapp, oauth_client, f"nobody{n // 5}", "guess", address=f"203.0.113.{n}")
    assert failures(db) == 40
    # Addresses that never come back leave nothing behind: any later attempt prunes expired rows.
    with time_machine.travel(START + WINDOW + datetime.timedelta(minutes=1), tick=False):
        assert_error(login(testapp, oauth_client, "someone", "guess", address="192.0.2.1"), 6, 401)
    assert db.execute(select(LoginFailure.address)).scalars().all() == ["192.0.2.1"]


def test_attempts_that_never_check_a_password_are_not_failures(testapp, factories, oauth_client, db):
    user = factories.user()
    wrong_client = dict(oauth_client, client_secret="not-the-secret")
    for _ in range(6):
        assert_error(login(testapp, wrong_client, user.username, "guess"), 1, 401)
        assert token_grant(testapp, wrong_client, user.username, "guess").status_int == 401
    assert failures(db) == 0
    assert_ok(login(testapp, oauth_client, user.username))
