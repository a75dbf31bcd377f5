from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, func, text
from sqlalchemy.orm import Mapped, mapped_column

from jobhax.db import Base, user_primary_key
from jobhax.jobapps.models import of_application


class Mail(Base):
    """An application email read from the user's Gmail (subject, HTML body, date)."""

    __tablename__ = "mails"
    __table_args__ = (
        user_primary_key(),
        # A mail outlives its application: only jobapp_id is cleared, never its owner (PostgreSQL 15).
        of_application(ondelete="SET NULL (jobapp_id)"),
        UniqueConstraint("user_id", "msg_id", name="uq_mails_user_id_msg_id"),
        Index("ix_mails_user_date", "user_id", text("date DESC"), text("id DESC")),
        Index("ix_mails_user_id_jobapp_id", "user_id", "jobapp_id"),
    )

    id: Mapped[int] = mapped_column(autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    jobapp_id: Mapped[int | None] = mapped_column(Integer)
    msg_id: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(Text, default="", server_default="")
    body: Mapped[str] = mapped_column(Text, default="", server_default="")
    date: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # When the import stored it: sync_status counts the applications this import's mail changed.
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class MailImport(Base):
    """The user's last Gmail import: what sync_status reports, and where the next one starts."""

    __tablename__ = "mail_imports"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    state: Mapped[str] = mapped_column(String(16), default="idle", server_default="idle")
    queued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    messages_total: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    messages_processed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    messages_skipped: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    jobapps_created: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    jobapps_updated: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    error: Mapped[str | None] = mapped_column(String(64))
    last_success_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
