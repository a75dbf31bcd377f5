"""Operator tasks on the reporting schema: refreshing its materialized views, making BI logins and
holding them to their limits.

All run on a SQLAlchemy ``Connection`` inside the caller's transaction; the caller commits.

BI limits: each login gets ``CONNECTION LIMIT`` 10, which PostgreSQL enforces and only a role with
CREATEROLE can change, and ``statement_timeout`` 60 s as its default. PostgreSQL lets every session change
``statement_timeout`` (``SET statement_timeout = 0``, even ``ALTER ROLE me SET ...``: it is a user-settable
parameter), so the default alone limits nothing. :func:`cancel_overlong_bi_queries`, run by every worker
every few seconds, cancels any statement of a BI login running longer than the limit, whatever the
session set.
"""

import datetime
import logging
import re
import secrets
import time

from sqlalchemy import Integer, String, column, insert, table, text

from jobhax.progress import silent

refresh_log = table(
    "refresh_log", column("view_name", String), column("duration_ms", Integer), schema="reporting"
)

# Lower-case unquoted-identifier names only: what psql users type without quotes, and nothing to escape.
ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
REPORTING_ROLE = "jobhax_reporting"
BI_STATEMENT_TIMEOUT = datetime.timedelta(seconds=60)
BI_CONNECTION_LIMIT = 10

log = logging.getLogger(__name__)


def materialized_views(connection):
    """Every materialized view of schema reporting, read from the catalog so a new one in a later SQL
    version is refreshed without touching this code."""
    return (
        connection.execute(
            text(
                "SELECT matviewname FROM pg_catalog.pg_matviews WHERE schemaname = 'reporting' ORDER BY matviewname"
            )
        )
        .scalars()
        .all()
    )


def refresh_reports(connection, progress=silent):
    """Compact the metric counters, then refresh each reporting materialized view CONCURRENTLY (readers never
    wait) and log it; ``progress`` (:mod:`jobhax.progress`) advances per view.

    Returns ``[(view_name, duration_ms), ...]``.
    """
    # Not a view, but as periodic: fold the metric counters' partial rows (jobhax/sql/0003_metric_counts.sql).
    connection.execute(text("SELECT metrics.compact_counts()"))
    connection.execute(text("SELECT metrics.compact_insight_counts()"))
    done = []
    views = materialized_views(connection)
    with progress(total=len(views), desc="refresh-reports", unit="view") as bar:
        for name in views:
            bar.set_postfix_str(name)
            started = time.monotonic()
            # With the owner's rights (jobhax/sql/0004_privileges.sql): the service's role owns no view.
            connection.execute(text("SELECT reporting.refresh_materialized_view(:name)"), {"name": name})
            duration_ms = round((time.monotonic() - started) * 1000)
            connection.execute(insert(refresh_log).values(view_name=name, duration_ms=duration_ms))
            done.append((name, duration_ms))
            bar.update(1)
    return done


def _password_verifier(connection, name, password):
    """The SCRAM verifier computed by libpq on our side, so the clear password never reaches the server
    (nor its statement log)."""
    dbapi_connection = connection.connection.dbapi_connection
    if connection.dialect.driver == "psycopg2":
        from psycopg2.extensions import encrypt_password

        return encrypt_password(password, name, dbapi_connection)
    return dbapi_connection.pgconn.encrypt_password(password.encode(), name.encode()).decode()


def create_bi_user(connection, name):
    """Create login role ``name``, member of jobhax_reporting, and return its connection URL (password
    included, shown once: only its verifier is stored). Raises ValueError for a bad or taken name.

    Needs CREATEROLE (the migration role). The role is cluster-wide: it can read schema reporting of every
    JobHax database on the server, and nothing else in any of them.
    """
    if not ROLE_NAME.fullmatch(name):
        raise ValueError(
            "a BI user name is 1-63 lower-case letters, digits or underscores, not starting with a digit"
        )
    if connection.scalar(text("SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = :name"), {"name": name}):
        raise ValueError(f"role {name} already exists")
    password = secrets.token_urlsafe(32)
    verifier = _password_verifier(connection, name, password).replace("'", "''")
    # Utility statements take no bind parameters; the name is checked above and the verifier is libpq's.
    connection.exec_driver_sql(
        f"CREATE ROLE {name} LOGIN PASSWORD '{verifier}' CONNECTION LIMIT {BI_CONNECTION_LIMIT} "
        f"IN ROLE {REPORTING_ROLE}",
        execution_options={"no_parameters": True},
    )
    # A BI tool lands on the reporting views by default and cannot write even where a grant slipped.
    connection.exec_driver_sql(f"ALTER ROLE {name} SET search_path = reporting")
    connection.exec_driver_sql(f"ALTER ROLE {name} SET default_transaction_read_only = on")
    # The server cancels statements at the limit itself; if the session lifts it, the watchdog does.
    timeout_ms = int(BI_STATEMENT_TIMEOUT.total_seconds() * 1000)
    connection.exec_driver_sql(f"ALTER ROLE {name} SET statement_timeout = {timeout_ms}")
    url = connection.engine.url.set(drivername="postgresql", username=name, password=password)
    return url.render_as_string(hide_password=False)


def cancel_overlong_bi_queries(connection, limit=BI_STATEMENT_TIMEOUT):
    """Cancel every statement of a BI login (a direct member of jobhax_reporting, as create_bi_user makes
    them; never a superuser, for whom every membership test is true) running longer than ``limit``;
    returns their backend pids. Needs superuser or membership in pg_signal_backend."""
    cancelled = (
        connection.execute(
            text(
                # Candidates first (MATERIALIZED): in one WHERE clause, PostgreSQL may call pg_cancel_backend
                # before the other conditions, on any backend.
                """
                WITH overlong AS MATERIALIZED (
                    SELECT pid FROM pg_catalog.pg_stat_activity
                    WHERE state = 'active'
                      AND backend_type = 'client backend'
                      AND usesysid IN (
                          SELECT member FROM pg_catalog.pg_auth_members
                          WHERE roleid = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = :role)
                      )
                      AND clock_timestamp() - query_start > :limit
                )
                SELECT pid FROM overlong WHERE pg_catalog.pg_cancel_backend(pid)
                """
            ),
            {"role": REPORTING_ROLE, "limit": limit},
        )
        .scalars()
        .all()
    )
    for pid in cancelled:
        log.warning("BI statement of backend %s cancelled after %s", pid, limit)
    return cancelled
