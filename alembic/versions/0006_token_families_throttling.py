"""Refresh-token families and login throttling per (username, address) and per address.

oauth_tokens gains ``family_id`` (every pair descending from one login) and ``refresh_expires_at`` (the
family's absolute end); existing pairs each become a family of their own ending 30 days after their
creation. login_failures gains ``address``; its old rows (per username only) are dropped, as they could
only lock users out. jobhax/sql/0004_privileges.sql takes CREATE and TEMP away from PUBLIC.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 07:10:00.000000
"""

import sqlalchemy as sa
from alembic import op

from jobhax.migrations import run_sql_file

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("oauth_tokens", sa.Column("family_id", sa.Uuid(), nullable=True))
    op.add_column("oauth_tokens", sa.Column("refresh_expires_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE oauth_tokens SET family_id = gen_random_uuid(), "
        "refresh_expires_at = created_at + interval '30 days'"
    )
    op.alter_column("oauth_tokens", "family_id", nullable=False)
    op.alter_column("oauth_tokens", "refresh_expires_at", nullable=False)
    op.create_index("ix_oauth_tokens_family_id", "oauth_tokens", ["family_id"])

    op.execute("DELETE FROM login_failures")
    op.drop_index("ix_login_failures_username_failed_at", table_name="login_failures")
    op.add_column("login_failures", sa.Column("address", sa.String(64), nullable=False))
    op.create_index(
        "ix_login_failures_address_username_failed_at", "login_failures", ["address", "username", "failed_at"]
    )
    op.create_index("ix_login_failures_failed_at", "login_failures", ["failed_at"])
    run_sql_file("0004_privileges.sql")


def downgrade():
    run_sql_file("0004_privileges_down.sql")
    op.drop_index("ix_login_failures_failed_at", table_name="login_failures")
    op.drop_index("ix_login_failures_address_username_failed_at", table_name="login_failures")
    op.drop_column("login_failures", "address")
    op.create_index("ix_login_failures_username_failed_at", "login_failures", ["username", "failed_at"])
    op.drop_index("ix_oauth_tokens_family_id", table_name="oauth_tokens")
    op.drop_column("oauth_tokens", "refresh_expires_at")
    op.drop_column("oauth_tokens", "family_id")
