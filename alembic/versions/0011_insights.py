"""Insights: per-application facts and counters kept by triggers, reporting views for the funnel, status
transitions and response times (jobhax/sql/0008_insights.sql says why and holds the rules).

job_applications.rejection_changed_at, which the response times read, comes from mail understanding
(revision 0007). erase_user() also deletes the insight counters.

Revision ID: 0011
Revises: 0009
Create Date: 2026-11-29 07:55:00.000000
"""

from jobhax.migrations import run_sql_file

revision = "0011"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    run_sql_file("0008_insights.sql")


def downgrade():
    run_sql_file("0008_insights_down.sql")
