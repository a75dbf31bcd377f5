"""user_id everywhere: status_history, notes and job_postings carry their owner; the tables of user data
are keyed by (user_id, id) and refer to applications by (user_id, jobapp_id) (README "Scaling out").

jobhax/sql/0009_user_id_everywhere.sql says why and backfills the owner from each row's application;
downgrade restores the keys by id and drops the three new columns.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 09:00:00.000000
"""

from jobhax.migrations import run_sql_file

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    run_sql_file("0009_user_id_everywhere.sql")


def downgrade():
    run_sql_file("0009_user_id_everywhere_down.sql")
