"""The `jobhax` command: serve, migrate, manage clients, run workers and reports."""

import argparse
import contextlib
import functools
import json
import logging.config
import signal
import sys
from pathlib import Path

import plaster
import transaction
from sqlalchemy import NullPool, create_engine, text

from jobhax.config import ConfigurationError, load_settings
from jobhax.db import (
    database_url,
    direct_database_url,
    get_engine,
    get_session_factory,
    get_tm_session,
    migration_database_url,
)
from jobhax.progress import terminal_bar
from jobhax.server import BLOCKING_THREADS, SHUTDOWN_TIMEOUT, serve


def _raw_settings(ini):
    return plaster.get_settings(ini, "app:main")


def _settings(args):
    return load_settings(_raw_settings(args.ini))


def _resolved_raw_settings(ini):
    """The ini's settings with the embedded database resolved once, so every component of this process
    (web, in-process worker) shares it."""
    raw = _raw_settings(ini)
    settings = load_settings(raw)
    if settings["sqlalchemy.url"] is None:
        raw = dict(raw, **{"sqlalchemy.url": database_url(settings)})
    return raw


def start_background_worker(raw_settings):
    """`make run` is one process: jobs run in a daemon thread beside the web server."""
    import threading

    from jobhax.worker import Supervisor

    supervisor = Supervisor(raw_settings, concurrency=2)
    thread = threading.Thread(
        target=supervisor.run, name="jobhax-worker", daemon=True, kwargs={"install_signal_handlers": False}
    )
    thread.start()
    return supervisor


def _session_scope(settings):
    """A transaction manager and session for one unit of CLI work."""
    engine = get_engine(settings)
    manager = transaction.TransactionManager(explicit=True)
    return engine, manager, get_tm_session(get_session_factory(engine), manager)


@contextlib.contextmanager
def _transaction(args, url=None):
    """A connection in a transaction committed on success, for CLI work on plain SQL; ``url``: a function of
    the settings choosing another URL than the service's (PostgreSQL itself rather than a pooler, the
    migration role)."""
    settings = _settings(args)
    if url is not None:
        settings["sqlalchemy.url"] = url(settings)
    engine = get_engine(settings)
    try:
        with engine.begin() as connection:
            yield connection
    finally:
        engine.dispose()


def cmd_migrate(args):
    from jobhax.migrations import migrate

    migrate(_settings(args), progress=terminal_bar)
    print("database migrated to head", file=sys.stderr)


def cmd_create_client(args):
    from jobhax.accounts.services import create_client

    engine, manager, dbsession = _session_scope(_settings(args))
    with manager:
        client, secret = create_client(dbsession, args.name)
        credentials = {"client_id": client.client_id, "client_secret": secret}
    engine.dispose()
    print(json.dumps(credentials))


def ensure_development_client(settings):
    """The development client's credentials live in var/ so `make run` can print them every time."""
    from jobhax.accounts.services import authenticate_client, create_client

    path = Path(settings["jobhax.var_dir"]) / "development_client.json"
    engine, manager, dbsession = _session_scope(settings)
    with manager:
        known = json.loads(path.read_text()) if path.exists() else None
        if not known or authenticate_client(dbsession, known["client_id"], known["client_secret"]) is None:
            client, secret = create_client(dbsession, "development")
            known = {"client_id": client.client_id, "client_secret": secret}
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(known))
            path.chmod(0o600)
    engine.dispose()
    return known


def check_runtime_role(settings):
    """With a migration role of its own, the service must not run as a role that could create roles."""
    if not settings["jobhax.migration_database_url"]:
        return
    engine = create_engine(direct_database_url(settings), poolclass=NullPool)
    try:
        with engine.connect() as connection:
            privileged = connection.scalar(
                text("SELECT rolcreaterole OR rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user")
            )
    finally:
        engine.dispose()
    if privileged:
        raise ConfigurationError(
            "JOBHAX_DATABASE_URL's role has CREATEROLE (or is a superuser) although "
            "JOBHAX_MIGRATION_DATABASE_URL is set: run the service as a role without it"
        )


def serving_app(raw, run_jobs=False):
    """The WSGI app of one serve process; with ``run_jobs`` (development) a job worker runs beside it."""
    from jobhax import main

    if run_jobs:
        start_background_worker(raw)
    return main({}, **raw)


def cmd_serve(args):
    from jobhax.accounts import audience, throttling
    from jobhax.migrations import migrate

    raw = _resolved_raw_settings(args.ini)
    settings = load_settings(raw)
    check_runtime_role(settings)
    development = settings["jobhax.env"] == "development"
    if development:
        migrate(settings)
        client = ensure_development_client(settings)
        print(
            f"development OAuth client: client_id={client['client_id']} "
            f"client_secret={client['client_secret']}",
            flush=True,
        )
    else:
        # Here, before any serving process starts, so a missing setting stops `serve` at once.
        audience.check_configuration(settings)
        throttling.trusted_proxies(tuple(settings["jobhax.trusted_proxy"]))
    server_options = plaster.get_settings(args.ini, "server:main")
    listen_host, listen_port = server_options.get("listen", "127.0.0.1:6543").rsplit(":", 1)
    host = args.host or listen_host
    port = args.port or int(listen_port)
    # Development runs one process, whose in-process job worker must exist once.
    workers = 1 if development else max(1, args.workers)
    backpressure = server_options.get("backpressure")
    print(f"serving on http://{host}:{port} with {workers} process(es)", flush=True)
    serve(
        functools.partial(serving_app, raw, run_jobs=development),
        host=host,
        port=port,
        workers=workers,
        blocking_threads=int(server_options.get("blocking_threads", BLOCKING_THREADS)),
        backpressure=int(backpressure) if backpressure else None,
        shutdown_timeout=args.shutdown_timeout,
    )


def cmd_worker(args):
    from jobhax.worker import run_worker

    run_worker(_resolved_raw_settings(args.ini), concurrency=args.concurrency, queues=args.queue or None)


def cmd_refresh_reports(args):
    from jobhax.metrics.refresh import refresh_reports

    with _transaction(args) as connection:
        refreshed = refresh_reports(connection, progress=terminal_bar)
    for name, duration_ms in refreshed:
        print(f"reporting.{name} refreshed in {duration_ms} ms")


def cmd_create_bi_user(args):
    from jobhax.metrics.refresh import create_bi_user

    try:
        # The migration role (CREATEROLE), directly: the URL it prints is where BI tools connect, never the
        # pooler in front of the service.
        with _transaction(args, url=migration_database_url) as connection:
            url = create_bi_user(connection, args.name)
    except ValueError as error:
        print(f"cannot create BI user: {error}", file=sys.stderr)
        return 2
    print(url)
    return None


def cmd_seed_demo(args):
    from jobhax.demo import seed_demo

    if _settings(args)["jobhax.env"] == "production":
        print("seed-demo refuses to run in production (jobhax.env = production, or unset)", file=sys.stderr)
        return 2
    with _transaction(args) as connection:
        seeded = seed_demo(
            connection, args.users, args.apps_per_user, args.seed, size_mix=args.mix, progress=terminal_bar
        )
    print(
        json.dumps(
            {
                "users": len(seeded),
                "applications": sum(user["applications"] for user in seeded),
                "first_user_id": seeded[0]["id"] if seeded else None,
            }
        )
    )
    return None


COMMANDS = {
    "serve": cmd_serve,
    "migrate": cmd_migrate,
    "create-client": cmd_create_client,
    "seed-demo": cmd_seed_demo,
    "worker": cmd_worker,
    "refresh-reports": cmd_refresh_reports,
    "create-bi-user": cmd_create_bi_user,
}


def build_parser():
    parser = argparse.ArgumentParser(prog="jobhax", description="JobHax backend")
    parser.add_argument(
        "--ini", default="development.ini", help="configuration file (default: development.ini)"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the API with granian")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="processes sharing the port (not in development, whose worker runs in-process)",
    )
    serve.add_argument(
        "--shutdown-timeout",
        type=float,
        default=SHUTDOWN_TIMEOUT,
        help=f"seconds requests in flight get to finish after SIGTERM (default {SHUTDOWN_TIMEOUT})",
    )
    commands.add_parser("migrate", help="apply database migrations")
    client = commands.add_parser("create-client", help="create an OAuth2 client and print its credentials")
    client.add_argument("--name", required=True)
    demo = commands.add_parser("seed-demo", help="add demo users with realistic applications (bulk COPY)")
    demo.add_argument("--users", type=int, required=True)
    demo.add_argument("--apps-per-user", type=int, required=True)
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--mix", action="store_true", help="long-tailed application counts with the same mean")
    worker = commands.add_parser("worker", help="run background jobs (Gmail imports, report refresh)")
    worker.add_argument("--concurrency", type=int, default=4, help="jobs run at once (default: 4)")
    worker.add_argument("--queue", action="append", help="only this queue (repeatable; default: all)")
    commands.add_parser("refresh-reports", help="refresh the reporting materialized views now")
    bi_user = commands.add_parser("create-bi-user", help="create a read-only reporting login; prints its URL")
    bi_user.add_argument("name")
    return parser


def _exit_on_sigterm(signum, frame):
    # SystemExit runs the exit handlers: the embedded PostgreSQL this process started stops with it.
    sys.exit(128 + signum)


def main(argv=None):
    args = build_parser().parse_args(argv)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        logging.config.fileConfig(args.ini, disable_existing_loggers=False)
    except (KeyError, OSError, ValueError):
        logging.basicConfig(level=logging.INFO)
    try:
        return COMMANDS[args.command](args) or 0
    except ConfigurationError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
