"""The job engine: jobs deferred inside a transaction, run by real `jobhax worker` processes."""

import contextlib

import pytest
import transaction
from sqlalchemy import text
from transaction.interfaces import NoTransaction

from jobhax.config import ConfigurationError
from jobhax.metrics.tasks import refresh_cron
from jobhax.tasks import defer
from tests.workers import wait_until

REFRESH = "jobhax.metrics.refresh_reports"


def jobs(engine, task_name=REFRESH):
    with engine.connect() as connection:
        return (
            connection.execute(
                text("SELECT status FROM procrastinate_jobs WHERE task_name = :name"), {"name": task_name}
            )
            .scalars()
            .all()
        )


def refresh_log_count(engine):
    with engine.connect() as connection:
        return connection.scalar(text("SELECT count(*) FROM reporting.refresh_log"))


@pytest.fixture
def tm_session(app, clean_database):
    """A session joined to a transaction manager, as in a request."""
    from jobhax.db import get_tm_session

    manager = transaction.TransactionManager(explicit=True)
    manager.begin()
    yield manager, get_tm_session(app.registry["dbsession_factory"], manager)
    with contextlib.suppress(NoTransaction):
        manager.abort()


def test_a_deferred_job_exists_once_the_transaction_commits(tm_session, engine):
    manager, dbsession = tm_session
    assert defer(dbsession, REFRESH, queue="reports", queueing_lock="refresh-reports", timestamp=0) is True
    assert jobs(engine) == []
    manager.commit()
    assert jobs(engine) == ["todo"]


def test_a_rolled_back_transaction_leaves_no_job(tm_session, engine):
    manager, dbsession = tm_session
    defer(dbsession, REFRESH, queue="reports", timestamp=0)
    manager.abort()
    assert jobs(engine) == []


def test_a_queueing_lock_keeps_one_waiting_job_and_the_transaction_usable(tm_session, engine):
    manager, dbsession = tm_session
    assert defer(dbsession, REFRESH, queue="reports", queueing_lock="refresh-reports", timestamp=0) is True
    assert defer(dbsession, REFRESH, queue="reports", queueing_lock="refresh-reports", timestamp=1) is False
    assert dbsession.scalar(text("SELECT 1")) == 1
    manager.commit()
    assert jobs(engine) == ["todo"]


def test_a_worker_runs_the_report_refresh(tm_session, engine, start_worker, settings):
    manager, dbsession = tm_session
    before = refresh_log_count(engine)
    defer(dbsession, REFRESH, queue="reports", timestamp=0)
    manager.commit()
    worker = start_worker()
    # The periodic refresh may be deferred beside ours as the worker starts: every job must succeed.
    wait_until(lambda: set(jobs(engine)) == {"succeeded"}, message="refresh jobs succeeded")
    assert refresh_log_count(engine) > before
    output = worker.stop()
    assert worker.process.returncode == 0, output


@pytest.mark.parametrize(
    "minutes, cron",
    [
        (1, "*/1 * * * *"),
        (5, "*/5 * * * *"),
        (59, "*/59 * * * *"),
        (60, "0 */1 * * *"),
        (180, "0 */3 * * *"),
        (1440, "0 0 * * *"),
    ],
)
def test_refresh_cron(minutes, cron):
    assert refresh_cron(minutes) == cron


@pytest.mark.parametrize("minutes", [0, -5, 61, 90, 1500])
def test_refresh_cron_refuses_what_cron_cannot_say(minutes):
    with pytest.raises(ConfigurationError, match="reports_refresh_minutes"):
        refresh_cron(minutes)


def test_a_worker_schedules_the_periodic_refresh(engine, start_worker):
    start_worker()
    # procrastinate defers the tick that fell due in the last max_delay (10 min): with the default
    # 5-minute period there always is one, so the schedule shows at once.
    wait_until(lambda: "succeeded" in jobs(engine), message="periodic refresh ran")
    with engine.connect() as connection:
        periodic = connection.scalars(text("SELECT periodic_id FROM procrastinate_periodic_defers")).all()
    assert "refresh-reports" in periodic
