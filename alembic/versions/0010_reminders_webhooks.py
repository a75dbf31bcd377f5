"""Reminders, the calendar feed's key, and webhooks (DESIGN "Reminders, calendar, webhooks").

Every table carries user_id. Webhook deliveries are procrastinate jobs (revision 0003), not a table here.

Revision ID: 0010
Revises: 0008
Create Date: 2026-11-29 07:10:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "reminders",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column(
            "jobapp_id",
            sa.Integer(),
            sa.ForeignKey("job_applications.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("done", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_index("ix_reminders_jobapp_id", "reminders", ["jobapp_id"])
    op.create_index(
        "ix_reminders_user_open_due",
        "reminders",
        ["user_id", "due_at", "id"],
        postgresql_where=sa.text("NOT done"),
    )
    op.create_table(
        "calendar_feeds",
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("key_digest", sa.String(64), nullable=False),
        sa.Column("key_encrypted", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_table(
        "webhooks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column("events", sa.ARRAY(sa.String(32)), nullable=False),
        sa.Column("secret_encrypted", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_webhooks_user_id", "webhooks", ["user_id"])


def downgrade():
    op.drop_table("webhooks")
    op.drop_table("calendar_feeds")
    op.drop_table("reminders")
