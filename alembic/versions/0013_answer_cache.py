"""Answer cache: metrics.answer_cache holds each user's costly metric answers (word count, title matrix);
triggers on job_applications, application_statuses and users delete a user's answers in every transaction
that changes them (jobhax/sql/0010_answer_cache.sql: why, and the locks that keep a stale answer from ever
being stored). The cache starts empty. Downgrade drops the triggers, their functions and the table.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29 10:35:00.000000
"""

from jobhax.migrations import run_sql_file

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    run_sql_file("0010_answer_cache.sql")


def downgrade():
    run_sql_file("0010_answer_cache_down.sql")
