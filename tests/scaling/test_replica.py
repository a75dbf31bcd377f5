"""BI on a streaming replica: a login made on the primary with `jobhax create-bi-user` reads every reporting
relation on the standby, sees what the primary has, and nothing else."""

import subprocess

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from jobhax.metrics.refresh import refresh_reports
from tests.conftest import ROOT
from tests.scaling.replica import Standby
from tests.servers import jobhax_command


@pytest.fixture
def standby(database_url):
    replica = Standby(database_url)
    yield replica
    replica.stop()


@pytest.fixture
def bi_user(settings, engine):
    """A BI login created by the command an operator runs on the primary; its URL, and the role dropped
    after."""
    name = "bi_replica_test"
    env = {
        "JOBHAX_DATABASE_URL": settings["sqlalchemy.url"],
        "JOBHAX_SECRET_KEY": settings["jobhax.secret_key"],
        "JOBHAX_VAR_DIR": settings["jobhax.var_dir"],
        "PATH": "/usr/bin:/bin",
    }
    with engine.begin() as connection:
        connection.execute(text(f"DROP ROLE IF EXISTS {name}"))
    result = subprocess.run(
        jobhax_command("create-bi-user", name),
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    yield result.stdout.strip()
    with engine.begin() as connection:
        connection.execute(text(f"DROP ROLE IF EXISTS {name}"))


def reporting_relations(connection):
    return (
        connection.execute(
            text(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = 'reporting' AND c.relkind IN ('v', 'm', 'r') ORDER BY c.relname"
            )
        )
        .scalars()
        .all()
    )


def snapshot(connection, relations):
    """Every row of every relation, as text, so primary and standby compare whole."""
    return {
        name: sorted(connection.execute(text(f"SELECT t::text FROM reporting.{name} t")).scalars().all())
        for name in relations
    }


def test_a_bi_login_reads_every_reporting_relation_on_the_standby(
    standby, bi_user, factories, engine, clean_database
):
    for number in range(3):
        user = factories.user()
        for title in ("Android Developer", "Data Engineer"):
            factories.jobapp(user, job_title=title, company=f"Acme {number}", status_id=number + 1)
    with engine.begin() as connection:
        refresh_reports(connection)
        relations = reporting_relations(connection)
        on_primary = snapshot(connection, relations)
    assert {"job_applications", "status_counts", "mv_status_counts", "refresh_log"} <= set(relations)
    assert len(on_primary["job_applications"]) == 6
    standby.caught_up()

    url = make_url(bi_user).set(host="127.0.0.1", port=standby.port)
    assert url.password  # a real login: the standby asks BI users for their password
    reader = create_engine(url)
    try:
        with reader.connect() as connection:
            assert connection.scalar(text("SELECT pg_is_in_recovery()")) is True
            assert connection.scalar(text("SELECT current_user")) == "bi_replica_test"
            assert connection.scalar(text("SHOW search_path")) == "reporting"
            assert reporting_relations(connection) == relations
            assert snapshot(connection, relations) == on_primary
            # Unqualified names land on the reporting views, as on the primary.
            assert connection.scalar(text("SELECT count(*) FROM job_applications")) == 6
            connection.rollback()
            with pytest.raises(DBAPIError, match="permission denied"):
                connection.execute(text("SELECT * FROM public.users"))
            connection.rollback()
        wrong = url.set(password="not-the-password")
        with pytest.raises(DBAPIError, match="password authentication failed"):
            create_engine(wrong).connect()
    finally:
        reader.dispose()
