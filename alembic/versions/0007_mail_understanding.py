"""Mail understanding: where each status change came from, rejections from mail, stored bodies sanitized.

- status_history.origin ("user", "email", "import") and msg_id (the message behind an "email" change;
  unique per application, so a message changes an application at most once). Existing rows: the first
  row of an imported application is "import", every other row "user".
- job_applications.rejection_changed_at / rejection_msg_id: when is_rejected last changed and the message
  that changed it (null: by hand).
- mails.imported_at, mail_imports.jobapps_updated: sync_status counts the applications an import changed.
- Stored mail bodies are sanitized with nh3, as the import now stores them (get_user_google_mails serves
  them as stored).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 07:20:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

SANITIZE_BATCH = 500


def upgrade():
    op.add_column(
        "status_history", sa.Column("origin", sa.String(length=16), server_default="user", nullable=False)
    )
    op.add_column("status_history", sa.Column("msg_id", sa.String(length=255), nullable=True))
    op.create_index(
        "uq_status_history_jobapp_msg",
        "status_history",
        ["jobapp_id", "msg_id"],
        unique=True,
        postgresql_where=sa.text("msg_id IS NOT NULL"),
    )
    op.add_column(
        "job_applications", sa.Column("rejection_changed_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column("job_applications", sa.Column("rejection_msg_id", sa.String(length=255), nullable=True))
    op.add_column(
        "mails",
        sa.Column("imported_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.add_column(
        "mail_imports", sa.Column("jobapps_updated", sa.Integer(), server_default="0", nullable=False)
    )
    op.execute(
        """
        UPDATE status_history h SET origin = 'import'
        FROM job_applications j
        WHERE j.id = h.jobapp_id AND j.msg_id IS NOT NULL
          AND h.id = (SELECT min(first.id) FROM status_history first WHERE first.jobapp_id = j.id)
        """
    )
    _sanitize_stored_bodies()


def _sanitize_stored_bodies():
    from jobhax.mailimport.hostile import sanitize_html

    bind = op.get_bind()
    last_id = 0
    while True:
        rows = bind.execute(
            sa.text("SELECT id, body FROM mails WHERE id > :last ORDER BY id LIMIT :size"),
            {"last": last_id, "size": SANITIZE_BATCH},
        ).all()
        if not rows:
            return
        changed = [{"id": row.id, "body": sanitize_html(row.body)} for row in rows]
        changed = [row for row, old in zip(changed, rows, strict=True) if row["body"] != old.body]
        if changed:
            bind.execute(sa.text("UPDATE mails SET body = :body WHERE id = :id"), changed)
        last_id = rows[-1].id


def downgrade():
    op.drop_column("mail_imports", "jobapps_updated")
    op.drop_column("mails", "imported_at")
    op.drop_column("job_applications", "rejection_msg_id")
    op.drop_column("job_applications", "rejection_changed_at")
    op.drop_index("uq_status_history_jobapp_msg", table_name="status_history")
    op.drop_column("status_history", "msg_id")
    op.drop_column("status_history", "origin")
