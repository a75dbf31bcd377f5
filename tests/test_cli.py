import fcntl
import json
import os
import pty
import re
import secrets
import struct
import subprocess
import sys
import termios

import pytest
import webtest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from jobhax import main
from jobhax.accounts.models import OAuthClient, User
from jobhax.accounts.secrets import digest
from jobhax.cli import check_runtime_role
from jobhax.config import ConfigurationError, load_settings
from jobhax.metrics.refresh import refresh_reports
from jobhax.migrations import pending_revisions
from tests.conftest import ROOT


def _cli_env(settings, url=None):
    return {
        "JOBHAX_DATABASE_URL": url or settings["sqlalchemy.url"],
        "JOBHAX_SECRET_KEY": settings["jobhax.secret_key"],
        "JOBHAX_VAR_DIR": settings["jobhax.var_dir"],
        "PATH": "/usr/bin:/bin",
    }


def run_cli(settings, *args, url=None):
    return subprocess.run(
        [sys.executable, "-m", "jobhax.cli", "--ini", "development.ini", *args],
        capture_output=True,
        text=True,
        env=_cli_env(settings, url),
        timeout=120,
    )


def run_cli_on_a_terminal(settings, *args, url=None):
    """The command with stdin, stdout and stderr on a pseudo-terminal, as typed by a person; its output."""
    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))  # 40 rows, 120 columns
    process = subprocess.Popen(
        [sys.executable, "-m", "jobhax.cli", "--ini", "development.ini", *args],
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        env=dict(_cli_env(settings, url), TERM="xterm"),
    )
    os.close(terminal)
    output = b""
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # EIO: the command has exited and closed the terminal
            break
        if not chunk:
            break
        output += chunk
    os.close(controller)
    assert process.wait(timeout=120) == 0, output.decode(errors="replace")
    return output.decode(errors="replace")


# What a tqdm bar leaves in the output: carriage returns redrawing the line, rates, the bar itself.
BAR_TRACES = re.compile(r"\r|\d+/s\]|it/s|\|\s*\d+/\d+ \[")


def test_create_client_prints_credentials_once_and_stores_a_hash(settings, db, testapp):
    result = run_cli(settings, "create-client", "--name", "mobile app")
    assert result.returncode == 0, result.stderr
    credentials = json.loads(result.stdout)
    stored = db.scalar(select(OAuthClient).where(OAuthClient.client_id == credentials["client_id"]))
    assert stored.name == "mobile app"
    assert stored.secret_hash == digest(credentials["client_secret"])
    assert credentials["client_secret"] not in stored.secret_hash


def test_migrate_is_idempotent(settings):
    result = run_cli(settings, "migrate")
    assert result.returncode == 0, result.stderr


def test_production_requires_a_secret_key(settings):
    env_settings = dict(settings, **{"jobhax.secret_key": ""})
    result = subprocess.run(
        [sys.executable, "-m", "jobhax.cli", "--ini", "production.ini", "migrate"],
        capture_output=True,
        text=True,
        timeout=60,
        env={"JOBHAX_DATABASE_URL": env_settings["sqlalchemy.url"], "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 2
    assert "JOBHAX_SECRET_KEY" in result.stderr


def test_refresh_reports_refreshes_every_materialized_view_and_logs_it(settings, engine):
    with engine.connect() as connection:
        views = (
            connection.execute(text("SELECT matviewname FROM pg_matviews WHERE schemaname = 'reporting'"))
            .scalars()
            .all()
        )
        logged = connection.scalar(text("SELECT count(*) FROM reporting.refresh_log"))
    result = run_cli(settings, "refresh-reports")
    assert result.returncode == 0, result.stderr
    assert sorted(line.split()[0] for line in result.stdout.splitlines()) == sorted(
        f"reporting.{name}" for name in views
    )
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM reporting.refresh_log")) == logged + len(views)


def test_create_bi_user_prints_a_url_that_logs_in_to_reporting(settings, engine):
    name = f"bi_cli_{secrets.token_hex(4)}"
    result = run_cli(settings, "create-bi-user", name)
    try:
        assert result.returncode == 0, result.stderr
        url = result.stdout.strip()
        assert make_url(url).username == name
        bi_engine = create_engine(url)
        with bi_engine.connect() as connection:
            assert connection.scalar(text("SHOW search_path")) == "reporting"
        bi_engine.dispose()
        again = run_cli(settings, "create-bi-user", name)
        assert again.returncode == 2 and "already exists" in again.stderr
    finally:
        with engine.begin() as connection:
            connection.execute(text(f"DROP ROLE IF EXISTS {name}"))


def test_create_bi_user_refuses_a_bad_name(settings):
    result = run_cli(settings, "create-bi-user", "Robert; DROP")
    assert result.returncode == 2
    assert "cannot create BI user" in result.stderr


def test_seed_demo_refuses_production_and_an_ini_without_jobhax_env(settings, db, tmp_path):
    forgetful = tmp_path / "forgetful.ini"
    forgetful.write_text(
        "\n".join(
            line for line in (ROOT / "development.ini").read_text().splitlines() if "jobhax.env" not in line
        )
    )
    for ini in ("production.ini", str(forgetful)):
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "jobhax.cli",
                "--ini",
                ini,
                "seed-demo",
                "--users",
                "1",
                "--apps-per-user",
                "1",
            ],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=ROOT,
            env={
                "JOBHAX_DATABASE_URL": settings["sqlalchemy.url"],
                "JOBHAX_SECRET_KEY": settings["jobhax.secret_key"],
                "PATH": "/usr/bin:/bin",
            },
        )
        assert result.returncode == 2 and "refuses to run in production" in result.stderr, result.stderr
    assert db.scalar(select(func.count()).select_from(User)) == 0


def test_a_missing_jobhax_env_is_production():
    assert load_settings({"jobhax.secret_key": "x" * 32})["jobhax.env"] == "production"
    with pytest.raises(ConfigurationError, match="JOBHAX_SECRET_KEY"):
        load_settings({})
    with pytest.raises(ConfigurationError, match="JOBHAX_ENV"):
        load_settings({"jobhax.env": "prod", "jobhax.secret_key": "x" * 32})


@pytest.fixture
def runtime_role(scratch_database_url):
    """A login role without CREATEROLE, as an operator makes for the service; gone after the test."""
    name = f"jobhax_svc_{secrets.token_hex(4)}"
    admin = create_engine(scratch_database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE ROLE {name} LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB"))
    yield name, make_url(scratch_database_url).set(username=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f"DROP OWNED BY {name}"))
        connection.execute(text(f"DROP ROLE {name}"))
    admin.dispose()


def test_with_a_migration_role_the_service_runs_as_a_role_that_owns_and_creates_nothing(
    scratch_database_url, runtime_role, settings, tmp_path
):
    name, service_url = runtime_role
    result = subprocess.run(
        [sys.executable, "-m", "jobhax.cli", "--ini", "development.ini", "migrate"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={
            "JOBHAX_DATABASE_URL": service_url,
            "JOBHAX_MIGRATION_DATABASE_URL": scratch_database_url,
            "JOBHAX_SECRET_KEY": settings["jobhax.secret_key"],
            "JOBHAX_VAR_DIR": str(tmp_path),
            "PATH": "/usr/bin:/bin",
        },
    )
    assert result.returncode == 0, result.stderr
    service_settings = dict(settings, **{"sqlalchemy.url": service_url, "jobhax.var_dir": str(tmp_path)})
    app = main({}, **service_settings)
    engine = app.registry["engine"]
    try:
        with engine.connect() as connection:
            assert connection.scalar(text("SELECT current_user")) == name
            assert (
                connection.scalar(text("SELECT tableowner FROM pg_tables WHERE tablename = 'users'")) != name
            )
        # A whole session of the service works as that role: register, log in, write, read the metrics.
        testapp = webtest.TestApp(app, extra_environ={"REMOTE_ADDR": "127.0.0.1"})
        with engine.begin() as connection:
            client, secret = _client(connection)
        register = {
            "username": "joe",
            "email": "joe@example.com",
            "password": "pw-123456",
            "password2": "pw-123456",
        }
        assert testapp.post_json("/api/users/register", register).json["success"]
        login = {"client_id": client, "client_secret": secret, "username": "joe", "password": "pw-123456"}
        token = testapp.post_json("/api/users/login", login).json["data"]["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        testapp.post_json("/api/jobapps/add_jobapp", {"job_title": "Dev", "company": "Acme"}, headers=headers)
        assert testapp.get("/api/metrics/get_total_application_count", headers=headers).json["data"] == {
            "count": 1
        }
        with engine.begin() as connection:
            assert len(refresh_reports(connection)) == 3
        # And nothing beyond the data.
        for statement in (
            "CREATE ROLE intruder",
            "CREATE TABLE public.stash (x int)",
            "CREATE TEMP TABLE stash (x int)",
            "DROP TABLE users",
            "ALTER TABLE users ADD COLUMN x int",
        ):
            with (
                engine.connect() as connection,
                pytest.raises(DBAPIError, match=r"permission denied|must be owner"),
            ):
                connection.exec_driver_sql(statement)
        # The migration role as the service's is refused at start.
        with pytest.raises(ConfigurationError, match="CREATEROLE"):
            check_runtime_role(
                dict(
                    service_settings,
                    **{
                        "sqlalchemy.url": scratch_database_url,
                        "jobhax.migration_database_url": scratch_database_url,
                    },
                )
            )
        check_runtime_role(dict(service_settings, **{"jobhax.migration_database_url": scratch_database_url}))
    finally:
        engine.dispose()


def _client(connection):
    from sqlalchemy.orm import Session

    from jobhax.accounts.services import create_client

    session = Session(bind=connection)
    client, secret = create_client(session, "runtime role test")
    session.flush()
    return client.client_id, secret


@pytest.mark.parametrize("workers", ["1", "2"])
def test_production_serve_refuses_to_start_without_our_google_client_ids(settings, workers):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "jobhax.cli",
            "--ini",
            "production.ini",
            "serve",
            "--port",
            "9",
            "--workers",
            workers,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env={
            "JOBHAX_DATABASE_URL": settings["sqlalchemy.url"],
            "JOBHAX_SECRET_KEY": settings["jobhax.secret_key"],
            "PATH": "/usr/bin:/bin",
        },
    )
    assert result.returncode == 2, result.stderr
    assert "JOBHAX_GOOGLE_CLIENT_IDS" in result.stderr and "JOBHAX_LINKEDIN_CLIENT_ID" in result.stderr


def test_long_commands_are_quiet_when_output_is_not_a_terminal(settings, scratch_database_url, db):
    results = [
        run_cli(settings, "migrate", url=scratch_database_url),
        run_cli(settings, "seed-demo", "--users", "3", "--apps-per-user", "20"),
        run_cli(settings, "refresh-reports"),
    ]
    for result in results:
        assert result.returncode == 0, result.stderr
        assert not BAR_TRACES.search(result.stdout + result.stderr), result.stdout + result.stderr
    assert json.loads(results[1].stdout)["applications"] == 60


def test_long_commands_show_progress_on_a_terminal(settings, scratch_database_url, db):
    revisions = len(pending_revisions(scratch_database_url))
    migrate = run_cli_on_a_terminal(settings, "migrate", url=scratch_database_url)
    assert re.search(rf"migrate: 100%.*{revisions}/{revisions}", migrate), migrate
    assert pending_revisions(scratch_database_url) == []
    seed = run_cli_on_a_terminal(settings, "seed-demo", "--users", "3", "--apps-per-user", "20")
    assert re.search(r"seed-demo: 100%.*60/60", seed) and "\r" in seed, seed
    views = len(db.execute(text("SELECT 1 FROM pg_matviews WHERE schemaname = 'reporting'")).all())
    refresh = run_cli_on_a_terminal(settings, "refresh-reports")
    assert re.search(rf"refresh-reports: 100%.*{views}/{views}", refresh), refresh
    assert refresh.count("refreshed in") == views
