"""`jobhax worker` and the in-process worker of `make run`: run the declared jobs until stopped.

Workers are plain processes, as many as wanted on any machine, sharing only PostgreSQL. The tasks and
periodic jobs are the ones the domains declared (:mod:`jobhax.tasks`) in the application's configuration.

Nothing stops for good: procrastinate stops a worker whose database connection breaks (a PostgreSQL
restart ends its LISTEN connection: "Side task listener failed … stopping worker"). The supervisor below
starts it again on a fresh connection pool, waiting a little longer each time the database is still
away (at most :data:`MAX_RESTART_WAIT` seconds), until SIGINT/SIGTERM (or :meth:`Supervisor.stop`) asks
for a real stop, which lets the jobs in hand finish first.
"""

import asyncio
import contextlib
import logging
import signal

import procrastinate
from sqlalchemy.engine import make_url

from jobhax import configure
from jobhax.db import direct_database_url
from jobhax.recovery import worker_options
from jobhax.tasks import ENVIRONMENT, JobEnvironment, job_app

log = logging.getLogger(__name__)

FIRST_RESTART_WAIT = 0.5
MAX_RESTART_WAIT = 5.0


def libpq_url(settings):
    """The direct URL (LISTEN needs a session of its own: never through a transaction pooler) in the form
    psycopg, procrastinate's driver, accepts."""
    return (
        make_url(direct_database_url(settings))
        .set(drivername="postgresql")
        .render_as_string(hide_password=False)
    )


class Supervisor:
    """Runs a procrastinate worker over the configured application, again whenever it stops on its own.

    ``settings`` are the ini's, as :func:`jobhax.main` takes them."""

    def __init__(self, settings, *, concurrency=4, queues=None):
        config = configure(settings)
        config.commit()
        self.registry = config.registry
        self.settings = self.registry.settings
        # Jobs get an engine of their own, which pre-pings: a job has no request retry to fall back on.
        self.environment = JobEnvironment.for_settings(self.settings)
        self.concurrency = concurrency
        self.options = {
            "concurrency": concurrency,
            "queues": queues,
            "additional_context": {ENVIRONMENT: self.environment},
            "install_signal_handlers": False,
            **worker_options(self.settings),
        }
        # One app for the supervisor's life, its connector replaced per run (procrastinate renames its
        # built-in tasks in a module-level blueprint for every App made).
        self.app = job_app(self.registry, procrastinate.PsycopgConnector())
        self._loop = None
        self._stop = None
        self._stop_requested = False

    def run(self, install_signal_handlers=True):
        """Run until stopped; SIGINT/SIGTERM stop it when ``install_signal_handlers`` (main thread only)."""
        try:
            asyncio.run(self._supervise(install_signal_handlers))
        finally:
            self.environment.engine.dispose()

    def stop(self):
        """Ask for a stop from any thread: the jobs in hand finish first."""
        self._stop_requested = True
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)

    async def _supervise(self, install_signal_handlers):
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        if self._stop_requested:
            self._stop.set()
        if install_signal_handlers:
            for signum in (signal.SIGINT, signal.SIGTERM):
                self._loop.add_signal_handler(signum, self._stop.set)
        wait = FIRST_RESTART_WAIT
        while not self._stop.is_set():
            ran = await self._run_once()
            if self._stop.is_set():
                break
            wait = FIRST_RESTART_WAIT if ran else min(2 * wait, MAX_RESTART_WAIT)
            log.warning("worker stopped on its own; starting it again in %.1f s", wait)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), wait)

    def _database_answers(self):
        try:
            with self.environment.engine.connect() as connection:
                connection.exec_driver_sql("SELECT 1")
        except Exception as error:
            log.warning("worker: database unavailable (%s)", type(error).__name__)
            return False
        return True

    async def _run_once(self):
        """One worker's life on a fresh connection pool; whether it got as far as running."""
        # Fail fast while the database is away (opening procrastinate's pool would wait 30 s).
        if not await asyncio.to_thread(self._database_answers):
            return False
        connector = procrastinate.PsycopgConnector(
            conninfo=libpq_url(self.settings),
            min_size=1,
            max_size=self.concurrency + 2,
            kwargs={"application_name": "jobhax-worker"},
        )
        ran = False
        try:
            with self.app.replace_connector(connector) as app:
                async with app.open_async():
                    ran = True
                    worker = asyncio.create_task(app.run_worker_async(**self.options))
                    stop = asyncio.create_task(self._stop.wait())
                    await asyncio.wait({worker, stop}, return_when=asyncio.FIRST_COMPLETED)
                    if not worker.done():
                        worker.cancel()  # procrastinate's graceful stop: the jobs in hand finish
                    stop.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await worker
        except Exception as error:
            # The database went away under the worker.
            log.warning("worker: %s: %s", type(error).__name__, error)
        return ran


def run_worker(settings, *, concurrency=4, queues=None, install_signal_handlers=True):
    """Run jobs until stopped (SIGINT/SIGTERM finish the jobs in hand first)."""
    Supervisor(settings, concurrency=concurrency, queues=queues).run(install_signal_handlers)
