"""Database wiring: engine (configured or embedded), sessions bound to pyramid_tm."""

import logging
from pathlib import Path

from sqlalchemy import MetaData, PrimaryKeyConstraint, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, sessionmaker
from zope.sqlalchemy import mark_changed
from zope.sqlalchemy.datamanager import join_transaction

log = logging.getLogger(__name__)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def user_primary_key(key="id"):
    """The primary key of a table of user data: (user_id, ``key``), as a table distributed by user_id needs
    (README "Scaling out"). The mapper's identity is then (user_id, id) too, so every UPDATE and DELETE the
    ORM flushes names the owner."""
    return PrimaryKeyConstraint("user_id", key)


def embedded_database_url(var_dir, name="pg"):
    """Start (or reuse) an embedded PostgreSQL under ``var_dir`` and return its URL.

    It stops when the last process using it exits (pgserver counts them in the data directory), so
    nothing is left running after `make run` or `make test`; a process that exits on a signal must exit
    through Python (SystemExit, KeyboardInterrupt) for that to happen.
    """
    import pgserver

    data_dir = (Path(var_dir) / name).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    _forget_dead_users(data_dir)
    server = pgserver.get_server(str(data_dir), cleanup_mode="stop")
    return server.get_uri()


def _forget_dead_users(data_dir):
    """pgserver stops the server when the last process on its list exits; one killed outright (SIGKILL)
    stays on the list forever, and the server would then never stop."""
    import psutil
    from pgserver.postgres_server import PostgresServer
    from pgserver.utils import DiskList

    users = DiskList(data_dir / ".handle_pids.json")
    with PostgresServer._lock:
        for pid in users.get():
            if not psutil.pid_exists(pid):
                users.get_and_remove(pid)


def database_url(settings):
    """Where requests and jobs run their transactions: PostgreSQL itself or a transaction pooler
    (PgBouncer), so nothing on it may outlive a transaction."""
    return settings.get("sqlalchemy.url") or embedded_database_url(settings["jobhax.var_dir"])


def direct_database_url(settings):
    """A connection to PostgreSQL itself, for what needs a session: migrations (session settings, DDL
    locks) and the job workers' LISTEN/NOTIFY. The same as ``database_url`` unless a pooler sits there."""
    return settings.get("jobhax.direct_database_url") or database_url(settings)


def migration_database_url(settings):
    """Where migrations (and create-bi-user) run: the migration role's URL when one is given (it has
    CREATEROLE, the service's role has not), else PostgreSQL itself as the service's role."""
    return settings.get("jobhax.migration_database_url") or direct_database_url(settings)


def get_engine(settings, **kwargs):
    # pre-ping: a pooled connection is tested before each use, so a job or a script never fails on one the
    # database dropped while it sat idle (a restart). Requests do without it (``includeme``).
    # hide_parameters: a logged SQL error must never show a password hash or token digest.
    options = dict(pool_pre_ping=True, pool_size=10, max_overflow=10, pool_recycle=3600, hide_parameters=True)
    options.update(kwargs)
    url = make_url(database_url(settings))
    if url.get_dialect().driver == "psycopg":
        # psycopg 3 prepares a statement on the server after 5 runs; behind a transaction pooler the next
        # transaction may land on another server connection, where it does not exist. (psycopg2 never
        # prepares.)
        options["connect_args"] = {"prepare_threshold": None, **options.get("connect_args", {})}
    return create_engine(url, **options)


TRANSACTION_MANAGER = "transaction_manager"


class JoinTransactionManager:
    """zope.sqlalchemy's session listeners, registered once on the session factory rather than on every
    session (registering cost a fifth of a small request's Python): a session joins the transaction manager
    it was made for (``get_tm_session``, kept in its ``info``); one made without is a plain session."""

    def after_begin(self, session, transaction, connection):
        self._join(session)

    def after_attach(self, session, instance):
        self._join(session)

    def after_flush(self, session, flush_context):
        self._changed(session)

    def after_bulk_update(self, update_context):
        self._changed(update_context.session)

    def after_bulk_delete(self, delete_context):
        self._changed(delete_context.session)

    def before_commit(self, session):
        manager = session.info.get(TRANSACTION_MANAGER)
        committing = (
            manager is None or session.in_nested_transaction() or manager.get().status == "Committing"
        )
        if not committing:
            raise RuntimeError("a joined session commits through its transaction manager")

    def do_orm_execute(self, execute_state):
        if execute_state.is_orm_statement and (
            execute_state.is_update or execute_state.is_insert or execute_state.is_delete
        ):
            self._changed(execute_state.session)

    @staticmethod
    def _join(session):
        manager = session.info.get(TRANSACTION_MANAGER)
        if manager is not None:
            join_transaction(session, transaction_manager=manager)

    @staticmethod
    def _changed(session):
        manager = session.info.get(TRANSACTION_MANAGER)
        if manager is not None:
            mark_changed(session, transaction_manager=manager)


def get_session_factory(engine):
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    listeners = JoinTransactionManager()
    for name in ("after_begin", "after_attach", "after_flush", "after_bulk_update", "after_bulk_delete"):
        event.listen(factory, name, getattr(listeners, name))
    event.listen(factory, "before_commit", listeners.before_commit)
    event.listen(factory, "do_orm_execute", listeners.do_orm_execute)
    return factory


def get_tm_session(session_factory, transaction_manager, request=None):
    """A session joined to ``transaction_manager``: commit/abort follow the request."""
    return session_factory(info={"request": request, TRANSACTION_MANAGER: transaction_manager})


def includeme(config):
    settings = config.get_settings()
    settings["tm.manager_hook"] = "pyramid_tm.explicit_manager"
    # pyramid_tm would look the bearer token up outside the exception view: a database outage there
    # escapes the envelope (no 503, no CORS headers), and every request pays one more query.
    settings["tm.annotate_user"] = False
    config.include("pyramid_tm")
    config.include("pyramid_retry")

    # A request skips the pre-ping's round trip (a tenth of a small request's CPU): the first one to meet a
    # connection the database dropped fails, which invalidates the whole pool, and is retried on a fresh
    # connection (jobhax.errors), so a database restart costs no request an error.
    engine = settings.get("jobhax.engine") or get_engine(settings, pool_pre_ping=False)
    session_factory = get_session_factory(engine)
    config.registry["dbsession_factory"] = session_factory
    config.registry["engine"] = engine

    def dbsession(request):
        # Tests and workers may hand in their own session.
        session = request.environ.get("app.dbsession")
        if session is None:
            session = get_tm_session(session_factory, request.tm, request=request)
        return session

    config.add_request_method(dbsession, reify=True)
