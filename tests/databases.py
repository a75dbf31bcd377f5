"""Databases made beside a server's own: one per test run, scratch ones for migration tests, benchmarks'."""

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def _admin(url):
    """An autocommit engine on the server of ``url``, connected to its maintenance database."""
    return create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")


def recreate_database(url):
    """Make the database ``url`` names, empty (dropping a leftover of that name first)."""
    name = make_url(url).database
    admin = _admin(url)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def drop_database(url):
    admin = _admin(url)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()
