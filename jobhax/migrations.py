"""Alembic, driven from the app's own settings: `jobhax migrate`, the heartbeat, the tests."""
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

SCRIPT_LOCATION = str(Path(__file__).resolve().parent.parent / "alembic")


def alembic_config(url):
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    config.attributes["database_url"] = url
    return config


def upgrade(url, revision="head"):
    command.upgrade(alembic_config(url), revision)


def downgrade(url, revision):
    command.downgrade(alembic_config(url), revision)


def head_revisions():
    return set(ScriptDirectory(SCRIPT_LOCATION).get_heads())


def is_at_head(connection):
    current = set(MigrationContext.configure(connection).get_current_heads())
    return current == head_revisions()
