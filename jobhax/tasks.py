"""Background jobs on procrastinate: deferral, the job app, and where domains declare their tasks.

A leaf: it imports no domain. Each domain declares its own tasks and periodic jobs from its ``includeme``
(Warehouse's ``config.add_periodic_task``)::

    config.add_task(import_gmail, name="jobhax.mailimport.import_gmail", queue="mailimport")
    config.add_periodic_task("jobhax.metrics.refresh_reports", cron="*/5 * * * *", periodic_id="refresh")

and :func:`job_app` builds the procrastinate app of a worker from what the configuration declared
(:mod:`jobhax.worker` runs it). Every task is called with its job context first; the worker's
:class:`JobEnvironment` (settings, database) is :func:`job_environment` of that context.

The web side never runs a job: :func:`defer` queues one by name inside the request's own transaction, so
a job exists exactly when the request that asked for it commits.
"""

import contextlib
from dataclasses import dataclass, field

import procrastinate
import transaction
from procrastinate.contrib.sqlalchemy import SQLAlchemyPsycopg2Connector
from zope.sqlalchemy import mark_changed

from jobhax.db import get_engine, get_session_factory, get_tm_session

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

    def __init__(self, settings, engine, session_factory):
        self.settings = settings
        self.engine = engine
        self._session_factory = session_factory

    @classmethod
    def for_settings(cls, settings):
        """An environment with an engine of its own (scripts and tests that run an import directly)."""
        engine = get_engine(settings)
        return cls(settings, engine, get_session_factory(engine))

    @contextlib.contextmanager
    def transaction(self):
        manager = transaction.TransactionManager(explicit=True)
        with manager:
            yield get_tm_session(self._session_factory, manager)


ENVIRONMENT = "jobhax.environment"


def job_environment(context):
    """The environment of the worker running the job of ``context`` (a procrastinate ``JobContext``)."""
    return context.additional_context[ENVIRONMENT]


@dataclass
class JobDeclarations:
    """What the domains declared: ``tasks`` ``{name: (function, options)}``, ``periodic`` jobs
    ``{periodic_id: (task name, cron)}``."""

    tasks: dict = field(default_factory=dict)
    periodic: dict = field(default_factory=dict)


def declarations(registry):
    return registry.setdefault("jobhax.jobs", JobDeclarations())


def add_task(config, function, *, name, **options):
    """Declare ``function`` as task ``name`` (procrastinate's task options: queue, lock, retry…)."""

    def register():
        declarations(config.registry).tasks[name] = (function, options)

    config.action(("jobhax.task", name), register)


def add_periodic_task(config, task_name, *, cron, periodic_id):
    """Defer task ``task_name`` on the ``cron`` schedule (one job per tick across every worker)."""

    def register():
        declarations(config.registry).periodic[periodic_id] = (task_name, cron)

    # After every task: the periodic job names one declared anywhere.
    config.action(("jobhax.periodic_task", periodic_id), register, order=1)


def job_app(registry, connector):
    """A procrastinate app on ``connector`` running every declared task and periodic job."""
    app = procrastinate.App(connector=connector)
    declared = declarations(registry)
    for name, (function, options) in declared.tasks.items():
        app.task(name=name, pass_context=True, **options)(function)
    for periodic_id, (task_name, cron) in declared.periodic.items():
        if task_name not in app.tasks:
            raise LookupError(f"periodic job {periodic_id} runs {task_name}, which no domain declared")
        app.periodic(cron=cron, periodic_id=periodic_id)(app.tasks[task_name])
    return app


def includeme(config):
    config.add_directive("add_task", add_task)
    config.add_directive("add_periodic_task", add_periodic_task)
    config.include("jobhax.recovery")
