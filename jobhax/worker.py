"""Background jobs on procrastinate: the Gmail import and the periodic refresh of the reporting views.

Workers are plain processes (`jobhax worker`), as many as wanted on any machine, sharing only PostgreSQL.
The web side never runs a job: it defers one by name inside the request's own transaction, so a job
exists exactly when the request that asked for it commits.
"""

import contextlib
import logging

import procrastinate
import transaction
from procrastinate.contrib.sqlalchemy import SQLAlchemyPsycopg2Connector
from sqlalchemy.engine import make_url
from zope.sqlalchemy import mark_changed

from jobhax.db import get_engine, get_session_factory, get_tm_session

log = logging.getLogger(__name__)

REFRESH_PERIODIC_ID = "refresh-reports"
BI_WATCHDOG_PERIODIC_ID = "bi-watchdog"
TASK_MODULES = ["jobhax.metrics.tasks", "jobhax.mailimport.tasks", "jobhax.recovery"]

# Runs jobs: its connector is replaced by one on the configured database when a worker starts.
app = procrastinate.App(connector=procrastinate.PsycopgConnector(), import_paths=TASK_MODULES)

# Defer jobs by task name on the caller's connection (never one of their own), per database driver.
_deferrers = {
    "psycopg": (
        procrastinate.App(connector=procrastinate.SyncPsycopgConnector()),
        lambda connection: connection.connection.dbapi_connection,
    ),
    "psycopg2": (procrastinate.App(connector=SQLAlchemyPsycopg2Connector()), lambda connection: connection),
}


def defer(dbsession, task_name, *, queue, lock=None, queueing_lock=None, **task_kwargs):
    """Queue ``task_name`` in ``dbsession``'s transaction. False when a job holding ``queueing_lock`` is
    already waiting (nothing is queued then, and the transaction goes on unharmed)."""
    with dbsession.begin_nested() as savepoint:
        connection = dbsession.connection()  # emits the SAVEPOINT, which a raw driver connection would not
        deferrer_app, driver_connection = _deferrers[connection.dialect.driver]
        deferrer = deferrer_app.configure_task(
            task_name,
            connection=driver_connection(connection),
            queue=queue,
            lock=lock,
            queueing_lock=queueing_lock,
        )
        try:
            deferrer.defer(**task_kwargs)
        except procrastinate.exceptions.AlreadyEnqueued:
            savepoint.rollback()
            return False
    mark_changed(dbsession)
    return True


class JobEnvironment:
    """What a running job needs: the settings and a database, one transaction per unit of work."""

    def __init__(self, settings):
        self.settings = settings
        self.engine = get_engine(settings)
        self._session_factory = get_session_factory(self.engine)

    @contextlib.contextmanager
    def transaction(self):
        manager = transaction.TransactionManager(explicit=True)
        with manager:
            yield get_tm_session(self._session_factory, manager)


_environment = None


def environment():
    """The environment of the worker running in this process."""
    if _environment is None:
        raise RuntimeError("no worker runs in this process: start one with `jobhax worker`")
    return _environment


def refresh_cron(minutes):
    """A cron line for 'every ``minutes`` minutes' (1-59, or whole hours up to a day)."""
    if 1 <= minutes <= 59:
        return f"*/{minutes} * * * *"
    if minutes % 60 == 0 and 60 <= minutes <= 1440:
        return "0 0 * * *" if minutes == 1440 else f"0 */{minutes // 60} * * *"
    raise ValueError("jobhax.reports_refresh_minutes must be 1-59 or a whole number of hours up to 24")


def schedule(task, cron, periodic_id):
    """Run ``task`` periodically; once per process, however many workers this process starts."""
    if (task.name, periodic_id) not in app.periodic_registry.periodic_tasks:
        app.periodic(cron=cron, periodic_id=periodic_id)(task)


def libpq_url(settings):
    """The SQLAlchemy URL in the form psycopg (procrastinate's driver) accepts."""
    return (
        make_url(settings["sqlalchemy.url"])
        .set(drivername="postgresql")
        .render_as_string(hide_password=False)
    )


def run_worker(settings, *, concurrency=4, queues=None, install_signal_handlers=True):
    """Run jobs until stopped (SIGINT/SIGTERM finish the jobs in hand first)."""
    global _environment
    from jobhax.metrics.tasks import BI_WATCHDOG_CRON, cancel_overlong_bi_queries_task, refresh_reports_task
    from jobhax.recovery import worker_options

    schedule(
        refresh_reports_task, refresh_cron(settings["jobhax.reports_refresh_minutes"]), REFRESH_PERIODIC_ID
    )
    schedule(cancel_overlong_bi_queries_task, BI_WATCHDOG_CRON, BI_WATCHDOG_PERIODIC_ID)
    _environment = JobEnvironment(settings)
    connector = procrastinate.PsycopgConnector(
        conninfo=libpq_url(settings),
        min_size=1,
        max_size=concurrency + 2,
        kwargs={"application_name": "jobhax-worker"},
    )
    try:
        with app.replace_connector(connector):
            app.run_worker(
                concurrency=concurrency,
                queues=queues,
                install_signal_handlers=install_signal_handlers,
                **worker_options(settings),
            )
    finally:
        _environment.engine.dispose()
        _environment = None
