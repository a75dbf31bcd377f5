"""Reporting schema: views, materialized views, refresh log and the jobhax_reporting role.

The SQL lives in versioned files under jobhax/sql/ (shipped as package data); this revision applies
version 1 of each and its downgrade undoes them, in reverse order.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 04:10:00.000000
"""
from importlib.resources import files

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

UPGRADE = ("0001_reporting_views.sql", "0002_reporting_roles.sql")
DOWNGRADE = ("0002_reporting_roles_down.sql", "0001_reporting_views_down.sql")


def run_sql_file(name):
    sql = files("jobhax").joinpath("sql", name).read_text(encoding="utf-8")
    # Sent as written: no bind-parameter parsing of colons or percent signs in the SQL and its comments.
    op.get_bind().exec_driver_sql(sql, execution_options={"no_parameters": True})


def upgrade():
    for name in UPGRADE:
        run_sql_file(name)


def downgrade():
    for name in DOWNGRADE:
        run_sql_file(name)
