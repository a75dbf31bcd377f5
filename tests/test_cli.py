import json
import secrets
import subprocess
import sys

from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from jobhax.accounts.models import OAuthClient
from jobhax.accounts.secrets import digest


def run_cli(settings, *args):
    env = {
        "JOBHAX_DATABASE_URL": settings["sqlalchemy.url"],
        "JOBHAX_SECRET_KEY": settings["jobhax.secret_key"],
        "JOBHAX_VAR_DIR": settings["jobhax.var_dir"],
        "PATH": "/usr/bin:/bin",
    }
    return subprocess.run(
        [sys.executable, "-m", "jobhax.cli", "--ini", "development.ini", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


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
