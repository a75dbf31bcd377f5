"""Alembic environment: the URL comes from the app's settings (or the caller), never a second config."""

from alembic import context
from sqlalchemy import create_engine, pool

from jobhax import models

config = context.config
target_metadata = models.Base.metadata

# Migrations must never wait forever on a lock held by a running service.
STATEMENT_TIMEOUT = "60s"
LOCK_TIMEOUT = "10s"


def database_url():
    url = config.attributes.get("database_url")
    if url:
        return url
    from plaster import get_settings

    from jobhax.config import load_settings
    from jobhax.db import direct_database_url

    ini = config.get_main_option("jobhax_ini")
    # Migrations hold session settings and DDL locks: never through a transaction pooler.
    return direct_database_url(load_settings(get_settings(ini, "app:main")))


def include_object(obj, name, type_, reflected, compare_to):
    # Reporting views and procrastinate's tables are managed by SQL files, not models.
    schema = getattr(obj, "schema", None) or (getattr(obj, "table", None) is not None and obj.table.schema)
    if schema == "reporting":
        return False
    return not (
        type_ == "table"
        and reflected
        and compare_to is None
        and (name.startswith("procrastinate") or name == "alembic_version")
    )


def run_migrations_offline():
    context.configure(url=database_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(database_url(), poolclass=pool.NullPool)
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


def _run(connection):
    connection.exec_driver_sql(f"SET statement_timeout = '{STATEMENT_TIMEOUT}'")
    connection.exec_driver_sql(f"SET lock_timeout = '{LOCK_TIMEOUT}'")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_object=include_object,
        compare_type=True,
        on_version_apply=config.attributes.get("on_version_apply", ()),
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
