"""Accounts you can trust: mailed single-use tokens, the registration counter, erase_user().

email_tokens keeps only SHA-256 digests of the tokens mailed for email verification and password reset;
registration_counters counts registrations per client address and hour; jobhax/sql/0005_account_erasure.sql
defines erase_user(), which delete_account calls.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 07:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

from jobhax.migrations import run_sql_file

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "email_tokens",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_email_tokens_user_id_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_email_tokens"),
        sa.UniqueConstraint("token_hash", name="uq_email_tokens_token_hash"),
    )
    op.create_index("ix_email_tokens_user_id_purpose", "email_tokens", ["user_id", "purpose"])
    op.create_table(
        "registration_counters",
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("address", name="pk_registration_counters"),
    )
    run_sql_file("0005_account_erasure.sql")


def downgrade():
    run_sql_file("0005_account_erasure_down.sql")
    op.drop_table("registration_counters")
    op.drop_index("ix_email_tokens_user_id_purpose", table_name="email_tokens")
    op.drop_table("email_tokens")
