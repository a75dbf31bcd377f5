"""Alembic, driven from the app's own settings: `jobhax migrate`, the heartbeat, the tests."""

from importlib.resources import files
from pathlib import Path

from alembic import command, op
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from jobhax.progress import silent

SCRIPT_LOCATION = str(Path(__file__).resolve().parent.parent / "alembic")


def alembic_config(url):
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    config.attributes["database_url"] = url
    return config


def upgrade(url, revision="head", progress=silent):
    """Apply the revisions up to ``revision``; ``progress`` (:mod:`jobhax.progress`) advances per revision."""
    config = alembic_config(url)
    with progress(total=len(pending_revisions(url, revision)), desc="migrate", unit="revision") as bar:

        def applied(step, **kwargs):
            bar.set_postfix_str(step.up_revision_id or "")
            bar.update(1)

        config.attributes["on_version_apply"] = applied
        command.upgrade(config, revision)


def pending_revisions(url, revision="head"):
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_heads()
    finally:
        engine.dispose()
    script = ScriptDirectory(SCRIPT_LOCATION)
    return list(script.iterate_revisions(revision, current[0] if len(current) == 1 else current or None))


def downgrade(url, revision):
    command.downgrade(alembic_config(url), revision)


def head_revisions():
    return set(ScriptDirectory(SCRIPT_LOCATION).get_heads())


def is_at_head(connection):
    current = set(MigrationContext.configure(connection).get_current_heads())
    return current == head_revisions()


def migrate(settings, progress=silent):
    """Upgrade to head as the migration role (``jobhax.migration_database_url``, else the service's own URL);
    with a separate migration role, grant the service's role what it needs at run time, and no more."""
    from jobhax.db import database_url, migration_database_url

    migration_url = migration_database_url(settings)
    upgrade(migration_url, progress=progress)
    runtime_role = make_url(database_url(settings)).username
    if settings.get("jobhax.migration_database_url") and runtime_role != make_url(migration_url).username:
        grant_runtime_role(migration_url, runtime_role)


def grant_runtime_role(url, role):
    """Apply jobhax/sql/runtime_role.sql for ``role`` (idempotent)."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.begin() as connection:
            connection.execute(text("SELECT set_config('jobhax.runtime_role', :role, true)"), {"role": role})
            connection.exec_driver_sql(_sql("runtime_role.sql"), execution_options={"no_parameters": True})
    finally:
        engine.dispose()


def _sql(name):
    return files("jobhax").joinpath("sql", name).read_text(encoding="utf-8")


def run_sql_file(name):
    """Apply one versioned file of jobhax/sql/ inside the running Alembic revision."""
    # Sent as written: no bind-parameter parsing of colons or percent signs in the SQL and its comments.
    op.get_bind().exec_driver_sql(_sql(name), execution_options={"no_parameters": True})
