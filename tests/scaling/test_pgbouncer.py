"""The service and its workers, unchanged, through PgBouncer in transaction pooling mode.

In that mode a client's next transaction may run on another server connection: anything that outlives a
transaction (session settings, server-side prepared statements, LISTEN, session advisory locks) breaks or
leaks. The app's transactions go through the pooler (``sqlalchemy.url``); migrations and the job workers'
LISTEN/NOTIFY use ``jobhax.direct_database_url``. Both drivers: psycopg2 (the default) and psycopg 3,
which prepares statements on the server unless told not to.
"""

import concurrent.futures
import contextlib
import os
import subprocess

import psycopg
import psycopg2
import pytest
import requests
import webtest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from jobhax import main
from jobhax.db import get_engine
from jobhax.migrations import is_at_head
from tests.api_client import ApiClient, assert_ok, finished_import, google_login
from tests.conftest import ROOT, TEST_SECRET_KEY
from tests.mailimport import mailboxes
from tests.servers import jobhax_command, serve
from tests.workers import WorkerProcess, wait_until

GOOGLE_TOKEN = "google-token"
METRICS = (
    "get_total_application_count",
    "get_application_count_by_month",
    "get_application_count_by_month_with_total",
    "get_count_by_statuses",
    "get_word_count",
    "get_count_by_jobtitle_and_statuses",
)

# Answers stored per user (jobhax/metrics/answer_cache.py).
STORED = ("get_word_count", "get_count_by_jobtitle_and_statuses")


# What PgBouncer itself sets on a server connection for each client (its tracked startup parameters).
POOLER_PARAMETERS = {
    "application_name",
    "client_encoding",
    "DateStyle",
    "TimeZone",
    "standard_conforming_strings",
}


def pooled_settings_for(settings, pgbouncer, driver, database=None):
    return dict(
        settings,
        **{
            "sqlalchemy.url": pgbouncer.url(database, driver=driver),
            "jobhax.direct_database_url": settings["sqlalchemy.url"],
        },
    )


@pytest.fixture(params=["psycopg2", "psycopg"])
def driver(request):
    return request.param


@pytest.fixture
def pooled_settings(settings, pgbouncer, driver):
    return pooled_settings_for(settings, pgbouncer, driver)


@pytest.fixture
def pooled_app(pooled_settings, clean_database):
    app = main({}, **pooled_settings)
    yield app
    app.registry["engine"].dispose()


@pytest.fixture
def shared_app(settings, pgbouncer, driver, clean_database):
    """The app with every one of its connections on one server connection: a prepared statement clashes
    with the next client's at once, and any session state would be left for the next to meet (checked
    after the test)."""
    app = main({}, **pooled_settings_for(settings, pgbouncer, driver, f"{pgbouncer.target.database}_one"))
    yield app
    app.registry["engine"].dispose()
    assert left_on_the_shared_server_connection(pgbouncer) == {
        "prepared statements": [],
        "listened channels": 0,
        "advisory locks": 0,
        "temporary tables": 0,
        "session settings": [],
    }


def left_on_the_shared_server_connection(pgbouncer):
    connection = psycopg2.connect(
        make_url(pgbouncer.url(f"{pgbouncer.target.database}_one"))
        .set(drivername="postgresql")
        .render_as_string(hide_password=False)
    )
    connection.autocommit = True
    try:
        cursor = connection.cursor()
        found = {}
        for name, sql in (
            ("listened channels", "SELECT count(*) FROM pg_listening_channels()"),
            (
                "advisory locks",
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()",
            ),
            ("temporary tables", "SELECT count(*) FROM pg_class WHERE relpersistence = 't'"),
        ):
            cursor.execute(sql)
            found[name] = cursor.fetchone()[0]
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        found["prepared statements"] = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT name FROM pg_settings WHERE source = 'session' ORDER BY name")
        found["session settings"] = [row[0] for row in cursor.fetchall() if row[0] not in POOLER_PARAMETERS]
        return found
    finally:
        connection.close()


@contextlib.contextmanager
def admin_console(pgbouncer):
    """PgBouncer's own console (SHOW CLIENTS, SHOW STATS...)."""
    connection = psycopg2.connect(
        host="127.0.0.1",
        port=pgbouncer.port,
        dbname="pgbouncer",
        user=pgbouncer.target.username or "postgres",
    )
    connection.autocommit = True
    try:
        yield connection.cursor()
    finally:
        connection.close()


def show(pgbouncer, what):
    with admin_console(pgbouncer) as cursor:
        cursor.execute(f"SHOW {what}")
        names = [column.name for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def test_the_pooler_shares_server_connections_so_prepared_statements_do_not_survive(pgbouncer):
    """The fixture has teeth: two clients on one server connection meet each other's prepared statements
    (psycopg 3's default after 5 runs; at once here), which our engines never leave behind."""
    shared = pgbouncer.url(f"{pgbouncer.target.database}_one", driver="psycopg")
    conninfo = make_url(shared).set(drivername="postgresql").render_as_string(hide_password=False)
    with (
        psycopg.connect(conninfo, autocommit=True, prepare_threshold=0) as first,
        psycopg.connect(conninfo, autocommit=True, prepare_threshold=0) as second,
    ):
        first.execute("SELECT 1").fetchone()
        try:
            with pytest.raises(psycopg.errors.DuplicatePreparedStatement):
                second.execute("SELECT 2").fetchone()
        finally:
            first.execute("DEALLOCATE ALL", prepare=False)

    engine = get_engine({"sqlalchemy.url": shared})
    try:
        connections = [engine.connect() for _ in range(2)]
        for round_number in range(10):
            for connection in connections:
                assert connection.scalar(text("SELECT :n"), {"n": round_number}) == round_number
                connection.commit()
        for connection in connections:
            connection.close()
    finally:
        engine.dispose()


def test_the_api_main_flows_through_pgbouncer(shared_app, oauth_client):
    testapp = webtest.TestApp(shared_app, extra_environ={"REMOTE_ADDR": "127.0.0.1"})
    assert_ok(
        testapp.post_json(
            "/api/users/register",
            {
                "first_name": "Joe",
                "last_name": "Smith",
                "username": "joesmith",
                "email": "joesmith@joe.com",
                "password": "Jobhax-2019-example",
                "password2": "Jobhax-2019-example",
            },
            expect_errors=True,
        )
    )
    tokens = assert_ok(
        testapp.post_json(
            "/api/users/login",
            {
                "client_id": oauth_client["client_id"],
                "client_secret": oauth_client["client_secret"],
                "username": "joesmith",
                "password": "Jobhax-2019-example",
            },
            expect_errors=True,
        )
    )
    api = ApiClient(testapp, None, tokens["access_token"])

    ids = [
        assert_ok(
            api.post(
                "/api/jobapps/add_jobapp",
                {"job_title": f"Engineer {n}", "company": f"Acme {n % 3}", "source": "LinkedIn"},
            )
        )["id"]
        for n in range(6)
    ]
    assert_ok(api.post("/api/jobapps/update_jobapp", {"jobapp_id": ids[0], "status_id": 3, "rejected": True}))
    listed = assert_ok(api.get("/api/jobapps/get_jobapps"))
    assert sorted(jobapp["id"] for jobapp in listed) == sorted(ids)
    first = next(jobapp for jobapp in listed if jobapp["id"] == ids[0])
    assert first["applicationStatus"]["id"] == 3 and first["isRejected"] is True
    history = assert_ok(api.get("/api/jobapps/get_status_history", {"jobapp_id": ids[0]}))
    assert [change["applicationStatus"]["id"] for change in history] == [1, 3]

    note = assert_ok(api.post("/api/jobapps/add_jobapp_note", {"jobapp_id": ids[1], "description": "call"}))
    assert_ok(
        api.post("/api/jobapps/update_jobapp_note", {"jobapp_note_id": note["id"], "description": "met"})
    )
    assert [
        n["description"] for n in assert_ok(api.get("/api/jobapps/get_jobapp_notes", {"jobapp_id": ids[1]}))
    ] == ["met"]

    assert assert_ok(api.get("/api/metrics/get_total_application_count")) == {"count": 6}
    statuses = assert_ok(api.get("/api/metrics/get_count_by_statuses"))
    assert {row["name"]: row["value"] for row in statuses}["Phone Screen"] == 1
    for metric in METRICS:
        assert_ok(api.get(f"/api/metrics/{metric}"))
    # The reads above stored the word count; a write through the pooler forgets it.
    assert_ok(api.post("/api/jobapps/add_jobapp", {"job_title": "Engineer 6", "company": "Acme 0"}))
    assert assert_ok(api.get("/api/metrics/get_word_count")) == [
        {"word": "Acme 0", "value": 3},
        {"word": "Acme 1", "value": 2},
        {"word": "Acme 2", "value": 2},
    ]
    assert testapp.get("/__heartbeat__").json == {"database": True, "migrations": True}


def test_concurrent_clients_share_one_server_connection(shared_app, factories, pgbouncer):
    """Eight app threads and their connections, one server connection: they take turns on it."""
    users = [factories.user() for _ in range(4)]
    tokens = [factories.access_token(user) for user in users]

    def work(base_url, number):
        headers = {"Authorization": f"Bearer {tokens[number % 4]}"}
        with requests.Session() as session:
            for round_number in range(8):
                added = session.post(
                    f"{base_url}/api/jobapps/add_jobapp",
                    json={"job_title": f"T{number}-{round_number}", "company": "Acme"},
                    headers=headers,
                    timeout=60,
                )
                assert added.status_code == 200, added.text
                # The stored answers too: their locks are transaction-scoped, and writes interleave.
                for metric in ("get_total_application_count", "get_count_by_statuses", *STORED):
                    answer = session.get(f"{base_url}/api/metrics/{metric}", headers=headers, timeout=60)
                    assert answer.status_code == 200, answer.text

    with serve(shared_app, threads=8) as base_url, concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda number: work(base_url, number), range(8)))
    testapp = webtest.TestApp(shared_app)
    for token in tokens:
        api = ApiClient(testapp, None, token)
        assert len(assert_ok(api.get("/api/jobapps/get_jobapps"))) == 16
        assert assert_ok(api.get("/api/metrics/get_total_application_count")) == {"count": 16}
        assert assert_ok(api.get("/api/metrics/get_word_count")) == [{"word": "Acme", "value": 16}]
        assert len(assert_ok(api.get("/api/metrics/get_count_by_jobtitle_and_statuses"))["jobs"]) == 16
    shared = f"{pgbouncer.target.database}_one"
    assert len([row for row in show(pgbouncer, "SERVERS") if row["database"] == shared]) == 1
    assert len([row for row in show(pgbouncer, "CLIENTS") if row["database"] == shared]) > 1


def test_a_worker_through_pgbouncer_imports_mail_and_refreshes_reports(
    pooled_app, pooled_settings, provider, oauth_client, pgbouncer, engine
):
    worker = WorkerProcess(
        pooled_settings,
        concurrency=2,
        extra_env={
            "JOBHAX_IMPORT_RETRY_SECONDS": "0",
            "JOBHAX_DIRECT_DATABASE_URL": pooled_settings["jobhax.direct_database_url"],
        },
    )
    try:
        testapp = webtest.TestApp(pooled_app, extra_environ={"REMOTE_ADDR": "127.0.0.1"})
        client = google_login(testapp, oauth_client, provider, GOOGLE_TOKEN, "4001", "joe@gmail.com")
        mailboxes.fill_fixture_mailbox(provider, GOOGLE_TOKEN)
        assert_ok(client.get("/api/users/sync_user_emails"))
        status = finished_import(client)
        assert (status["state"], status["jobapps_created"], status["error"]) == ("done", 5, None)
        assert len(assert_ok(client.get("/api/jobapps/get_jobapps"))) == 5

        # The periodic refresh, due as the worker starts, ran through the pooler too.
        with engine.connect() as connection:
            wait_until(
                lambda: connection.scalar(
                    text(
                        "SELECT count(*) FROM procrastinate_jobs"
                        " WHERE task_name = 'jobhax.metrics.refresh_reports' AND status = 'succeeded'"
                    )
                ),
                message="report refresh succeeded",
            )
            connection.rollback()
            assert connection.scalar(text("SELECT count(*) FROM reporting.refresh_log")) > 0
            # LISTEN runs on a direct connection: no job-queue connection of the worker is the pooler's.
            listening = connection.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE application_name = 'jobhax-worker' AND query LIKE 'LISTEN%'"
                )
            )
        assert listening >= 1
        assert "jobhax-worker" not in {row["application_name"] for row in show(pgbouncer, "CLIENTS")}
    finally:
        output = worker.stop()
    assert "Traceback" not in output, output


def test_migrations_use_the_direct_connection_never_the_pooler(scratch_database_url, pgbouncer, tmp_path):
    """`jobhax migrate` with the pooler as sqlalchemy.url: the schema is built, and the pooler never saw
    the database (migrations set session timeouts and hold DDL locks)."""
    scratch = make_url(scratch_database_url).database
    env = dict(
        os.environ,
        JOBHAX_DATABASE_URL=pgbouncer.url(scratch),
        JOBHAX_DIRECT_DATABASE_URL=scratch_database_url,
        JOBHAX_SECRET_KEY=TEST_SECRET_KEY,
        JOBHAX_VAR_DIR=str(tmp_path),
    )
    result = subprocess.run(
        jobhax_command("migrate"),
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    direct = create_engine(scratch_database_url)
    try:
        with direct.connect() as connection:
            assert is_at_head(connection)
    finally:
        direct.dispose()
    assert scratch not in {row["database"] for row in show(pgbouncer, "STATS")}


def test_create_bi_user_behind_a_pooler_prints_the_direct_url(settings, pgbouncer, engine, tmp_path):
    """A BI tool connects to PostgreSQL itself (a replica, or the primary), never to the service's pooler."""
    name = "bi_pooler_test"
    env = dict(
        os.environ,
        JOBHAX_DATABASE_URL=pgbouncer.url(),
        JOBHAX_DIRECT_DATABASE_URL=settings["sqlalchemy.url"],
        JOBHAX_SECRET_KEY=TEST_SECRET_KEY,
        JOBHAX_VAR_DIR=str(tmp_path),
    )
    try:
        result = subprocess.run(
            jobhax_command("create-bi-user", name),
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        printed = make_url(result.stdout.strip())
        direct = make_url(settings["sqlalchemy.url"])
        assert (
            (printed.host, printed.port or 5432)
            == (direct.host, direct.port or 5432)
            != (
                "127.0.0.1",
                pgbouncer.port,
            )
        )
        reader = create_engine(printed)
        try:
            with reader.connect() as connection:
                assert connection.scalar(text("SELECT current_user")) == name
        finally:
            reader.dispose()
    finally:
        with engine.begin() as connection:
            connection.execute(text(f"DROP ROLE IF EXISTS {name}"))
