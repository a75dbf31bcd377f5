"""BI logins held to their limits, attacked from a BI session: what PostgreSQL lets the session do, and what
JobHax enforces anyway.

PostgreSQL enforces CONNECTION LIMIT and privileges, but statement_timeout is a user-settable parameter: a
BI session may SET it to 0 (or ALTER ROLE itself). The watchdog (cancel_overlong_bi_queries, run by every
worker) cancels such a statement at the limit anyway.
"""

import concurrent.futures
import datetime
import secrets
import time

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError

from jobhax.metrics.refresh import (
    BI_CONNECTION_LIMIT,
    BI_STATEMENT_TIMEOUT,
    cancel_overlong_bi_queries,
    create_bi_user,
)
from jobhax.metrics.tasks import BI_WATCHDOG_CRON

WAIT = 30


@pytest.fixture
def bi_user(engine):
    name = f"bi_limits_{secrets.token_hex(4)}"
    with engine.begin() as connection:
        url = create_bi_user(connection, name)
    bi_engine = create_engine(url, pool_size=BI_CONNECTION_LIMIT + 2, max_overflow=0)
    yield name, bi_engine
    bi_engine.dispose()
    with engine.begin() as connection:
        connection.execute(text(f"DROP ROLE {name}"))


def test_a_bi_login_lifting_its_statement_timeout_is_still_cancelled_at_the_limit(bi_user, engine):
    name, bi_engine = bi_user
    with bi_engine.connect() as connection:
        assert connection.scalar(text("SHOW statement_timeout")) == "1min"
        # What PostgreSQL allows any session: lift read-only, then the timeout, for the session and as the
        # role's default.
        connection.exec_driver_sql("SET default_transaction_read_only = off")
        connection.commit()
        connection.exec_driver_sql("SET statement_timeout = 0")
        connection.exec_driver_sql(f"ALTER ROLE {name} SET statement_timeout = 0")
        assert connection.scalar(text("SHOW statement_timeout")) == "0"
        connection.commit()

        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            long_query = pool.submit(connection.execute, text("SELECT pg_sleep(120)"))
            # The watchdog at a one-second limit (60 s in service), until it catches the statement.
            cancelled, deadline = [], time.monotonic() + WAIT
            while not cancelled and time.monotonic() < deadline and not long_query.done():
                time.sleep(0.2)
                with engine.begin() as admin:
                    cancelled = cancel_overlong_bi_queries(admin, limit=datetime.timedelta(seconds=1))
            with pytest.raises(OperationalError, match="canceling statement due to user request"):
                long_query.result(timeout=WAIT)
        assert len(cancelled) == 1


def test_the_watchdog_spares_statements_within_the_limit_and_other_roles(bi_user, engine):
    _, bi_engine = bi_user
    with bi_engine.connect() as connection, concurrent.futures.ThreadPoolExecutor(1) as pool:
        short = pool.submit(connection.execute, text("SELECT pg_sleep(2)"))
        with engine.begin() as admin:
            assert cancel_overlong_bi_queries(admin) == []  # 60 s: a 2 s statement runs on
        short.result(timeout=WAIT)
    with (
        engine.begin() as admin,
        concurrent.futures.ThreadPoolExecutor(1) as pool,
        engine.connect() as service,
    ):
        own = pool.submit(service.execute, text("SELECT pg_sleep(2)"))
        time.sleep(1.2)
        assert cancel_overlong_bi_queries(admin, limit=datetime.timedelta(seconds=1)) == []
        own.result(timeout=WAIT)
    assert datetime.timedelta(seconds=60) == BI_STATEMENT_TIMEOUT
    assert BI_WATCHDOG_CRON == "* * * * * */10"


def test_a_bi_login_cannot_open_more_than_ten_connections_nor_raise_the_limit(bi_user):
    name, bi_engine = bi_user
    held = [bi_engine.connect() for _ in range(BI_CONNECTION_LIMIT)]
    try:
        held[0].exec_driver_sql("SET default_transaction_read_only = off")
        held[0].commit()
        with pytest.raises(OperationalError, match="too many connections for role"):
            bi_engine.connect()
        with pytest.raises(ProgrammingError, match="permission denied"):
            held[0].exec_driver_sql(f"ALTER ROLE {name} CONNECTION LIMIT -1")
    finally:
        for connection in held:
            connection.close()


@pytest.mark.parametrize(
    "statement",
    [
        "CREATE TABLE public.stash (x int)",
        "CREATE TEMP TABLE stash (x int)",
        "CREATE TABLE reporting.stash (x int)",
    ],
)
def test_a_bi_login_cannot_create_a_table_anywhere(bi_user, statement):
    _, bi_engine = bi_user
    with bi_engine.connect() as connection:
        # Read-only is only the session's default; lift it, as an attacker would.
        connection.exec_driver_sql("SET default_transaction_read_only = off")
        connection.commit()
        with pytest.raises(DBAPIError, match="permission denied"):
            connection.exec_driver_sql(statement)


def test_public_has_no_create_or_temp_on_our_database_and_schemas(engine):
    with engine.connect() as connection:
        assert not connection.scalar(
            text("SELECT has_database_privilege('public', current_database(), 'CREATE, TEMPORARY')")
        )
        for schema in ("public", "reporting", "metrics"):
            assert not connection.scalar(
                text("SELECT has_schema_privilege('public', :schema, 'CREATE')"), {"schema": schema}
            ), schema
