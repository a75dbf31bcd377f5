"""Metric counters: schema metrics, its partial-count tables and the triggers on job_applications.

The SQL lives in jobhax/sql/0003_metric_counts.sql (why counters, why partial counts); the upgrade also
counts the applications that exist already. Downgrade drops the triggers and the schema.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 08:40:00.000000
"""

from jobhax.migrations import run_sql_file

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    run_sql_file("0003_metric_counts.sql")


def downgrade():
    run_sql_file("0003_metric_counts_down.sql")
