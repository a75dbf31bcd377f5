"""Core schema: accounts, OAuth2, job applications, history, notes, postings, mails; seed statuses.

Revision ID: 0001
Revises:
Create Date: 2026-11-25 03:34:11.405623
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# The contract's order: ids are stable and clients rely on them.
STATUSES = ("Applied", "To Apply", "Phone Screen", "Onsite Interview", "Offer")


def upgrade():
    op.create_table(
        "application_statuses",
        sa.Column("id", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("value", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application_statuses")),
        sa.UniqueConstraint("value", name=op.f("uq_application_statuses_value")),
    )
    op.create_table(
        "login_failures",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("username", sa.String(length=150), nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failures")),
    )
    op.create_index(
        "ix_login_failures_username_failed_at", "login_failures", ["username", "failed_at"], unique=False
    )
    op.create_table(
        "oauth_clients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oauth_clients")),
        sa.UniqueConstraint("client_id", name=op.f("uq_oauth_clients_client_id")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=150), nullable=False),
        sa.Column("email", sa.String(length=254), server_default="", nullable=False),
        sa.Column("first_name", sa.String(length=150), server_default="", nullable=False),
        sa.Column("last_name", sa.String(length=150), server_default="", nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_index(
        "uq_users_email_lower",
        "users",
        [sa.literal_column("lower(email)")],
        unique=True,
        postgresql_where=sa.text("email <> ''"),
    )
    op.create_table(
        "job_applications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("job_title", sa.String(length=500), nullable=False),
        sa.Column("company", sa.String(length=255), nullable=False),
        sa.Column("company_logo", sa.String(length=2000), nullable=True),
        sa.Column("source", sa.String(length=100), server_default="", nullable=False),
        sa.Column("status_id", sa.SmallInteger(), nullable=True),
        sa.Column("is_rejected", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("apply_date", sa.DateTime(timezone=True), nullable=False),
        sa.Column("msg_id", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["status_id"],
            ["application_statuses.id"],
            name=op.f("fk_job_applications_status_id_application_statuses"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_job_applications_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_applications")),
    )
    op.create_index(
        "ix_job_applications_user_live",
        "job_applications",
        ["user_id", sa.literal_column("apply_date DESC"), sa.literal_column("id DESC")],
        unique=False,
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.create_index(
        "uq_job_applications_user_msg",
        "job_applications",
        ["user_id", "msg_id"],
        unique=True,
        postgresql_where=sa.text("msg_id IS NOT NULL"),
    )
    op.create_table(
        "mail_imports",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), server_default="idle", nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("messages_total", sa.Integer(), server_default="0", nullable=False),
        sa.Column("messages_processed", sa.Integer(), server_default="0", nullable=False),
        sa.Column("messages_skipped", sa.Integer(), server_default="0", nullable=False),
        sa.Column("jobapps_created", sa.Integer(), server_default="0", nullable=False),
        sa.Column("error", sa.String(length=64), nullable=True),
        sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_mail_imports_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_mail_imports")),
    )
    op.create_table(
        "oauth_tokens",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("client_pk", sa.Integer(), nullable=False),
        sa.Column("access_token_hash", sa.String(length=64), nullable=False),
        sa.Column("refresh_token_hash", sa.String(length=64), nullable=True),
        sa.Column("scope", sa.String(length=200), server_default="", nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_pk"],
            ["oauth_clients.id"],
            name=op.f("fk_oauth_tokens_client_pk_oauth_clients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_oauth_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oauth_tokens")),
        sa.UniqueConstraint("access_token_hash", name=op.f("uq_oauth_tokens_access_token_hash")),
        sa.UniqueConstraint("refresh_token_hash", name=op.f("uq_oauth_tokens_refresh_token_hash")),
    )
    op.create_index(op.f("ix_oauth_tokens_client_pk"), "oauth_tokens", ["client_pk"], unique=False)
    op.create_index(op.f("ix_oauth_tokens_user_id"), "oauth_tokens", ["user_id"], unique=False)
    op.create_table(
        "social_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("email", sa.String(length=254), server_default="", nullable=False),
        sa.Column("token_encrypted", sa.Text(), nullable=True),
        sa.Column("token_usable", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_social_accounts_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_social_accounts")),
        sa.UniqueConstraint("provider", "subject", name="uq_social_accounts_provider_subject"),
        sa.UniqueConstraint("user_id", "provider", name="uq_social_accounts_user_id_provider"),
    )
    op.create_table(
        "job_postings",
        sa.Column("jobapp_id", sa.Integer(), nullable=False),
        sa.Column(
            "poster_information",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "decorated_job_posting",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "top_card_v2",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("fetched_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["jobapp_id"],
            ["job_applications.id"],
            name=op.f("fk_job_postings_jobapp_id_job_applications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("jobapp_id", name=op.f("pk_job_postings")),
    )
    op.create_table(
        "mails",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("jobapp_id", sa.Integer(), nullable=True),
        sa.Column("msg_id", sa.String(length=255), nullable=False),
        sa.Column("subject", sa.Text(), server_default="", nullable=False),
        sa.Column("body", sa.Text(), server_default="", nullable=False),
        sa.Column("date", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["jobapp_id"],
            ["job_applications.id"],
            name=op.f("fk_mails_jobapp_id_job_applications"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_mails_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mails")),
        sa.UniqueConstraint("user_id", "msg_id", name="uq_mails_user_id_msg_id"),
    )
    op.create_index(op.f("ix_mails_jobapp_id"), "mails", ["jobapp_id"], unique=False)
    op.create_index(
        "ix_mails_user_date",
        "mails",
        ["user_id", sa.literal_column("date DESC"), sa.literal_column("id DESC")],
        unique=False,
    )
    op.create_table(
        "notes",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("jobapp_id", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["jobapp_id"],
            ["job_applications.id"],
            name=op.f("fk_notes_jobapp_id_job_applications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notes")),
    )
    op.create_index(op.f("ix_notes_jobapp_id"), "notes", ["jobapp_id"], unique=False)
    op.create_table(
        "status_history",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("jobapp_id", sa.Integer(), nullable=False),
        sa.Column("status_id", sa.SmallInteger(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["jobapp_id"],
            ["job_applications.id"],
            name=op.f("fk_status_history_jobapp_id_job_applications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["status_id"],
            ["application_statuses.id"],
            name=op.f("fk_status_history_status_id_application_statuses"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_history")),
    )
    op.create_index(op.f("ix_status_history_jobapp_id"), "status_history", ["jobapp_id"], unique=False)
    statuses = sa.table(
        "application_statuses", sa.column("id", sa.SmallInteger), sa.column("value", sa.String)
    )
    op.bulk_insert(statuses, [{"id": i, "value": v} for i, v in enumerate(STATUSES, start=1)])


def downgrade():
    op.drop_index(op.f("ix_status_history_jobapp_id"), table_name="status_history")
    op.drop_table("status_history")
    op.drop_index(op.f("ix_notes_jobapp_id"), table_name="notes")
    op.drop_table("notes")
    op.drop_index("ix_mails_user_date", table_name="mails")
    op.drop_index(op.f("ix_mails_jobapp_id"), table_name="mails")
    op.drop_table("mails")
    op.drop_table("job_postings")
    op.drop_table("social_accounts")
    op.drop_index(op.f("ix_oauth_tokens_user_id"), table_name="oauth_tokens")
    op.drop_index(op.f("ix_oauth_tokens_client_pk"), table_name="oauth_tokens")
    op.drop_table("oauth_tokens")
    op.drop_table("mail_imports")
    op.drop_index(
        "uq_job_applications_user_msg",
        table_name="job_applications",
        postgresql_where=sa.text("msg_id IS NOT NULL"),
    )
    op.drop_index(
        "ix_job_applications_user_live",
        table_name="job_applications",
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.drop_table("job_applications")
    op.drop_index("uq_users_email_lower", table_name="users", postgresql_where=sa.text("email <> ''"))
    op.drop_table("users")
    op.drop_table("oauth_clients")
    op.drop_index("ix_login_failures_username_failed_at", table_name="login_failures")
    op.drop_table("login_failures")
    op.drop_table("application_statuses")
