"""Metric counters: schema metrics, its partial-count tables and the triggers on job_applications.

The SQL lives in jobhax/sql/0003_metric_counts.sql (why counters, why partial counts); the upgrade also
counts the applications that exist already. Downgrade drops the triggers and the schema.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 08:40:00.000000
"""
from importlib.resources import files

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def run_sql_file(name):
    sql = files("jobhax").joinpath("sql", name).read_text(encoding="utf-8")
    # Sent as written: no bind-parameter parsing of colons or percent signs in the SQL and its comments.
    op.get_bind().exec_driver_sql(sql, execution_options={"no_parameters": True})


def upgrade():
    run_sql_file("0003_metric_counts.sql")


def downgrade():
    run_sql_file("0003_metric_counts_down.sql")
