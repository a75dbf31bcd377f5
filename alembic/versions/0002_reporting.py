"""Reporting schema: views, materialized views, refresh log and the jobhax_reporting role.

The SQL lives in versioned files under jobhax/sql/ (shipped as package data); this revision applies
version 1 of each and its downgrade undoes them, in reverse order.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 04:10:00.000000
"""

from jobhax.migrations import run_sql_file

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

UPGRADE = ("0001_reporting_views.sql", "0002_reporting_roles.sql")
DOWNGRADE = ("0002_reporting_roles_down.sql", "0001_reporting_views_down.sql")


def upgrade():
    for name in UPGRADE:
        run_sql_file(name)


def downgrade():
    for name in DOWNGRADE:
        run_sql_file(name)
