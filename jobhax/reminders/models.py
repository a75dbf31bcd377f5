from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Index, Integer, String, Text, func, text
from sqlalchemy.orm import Mapped, mapped_column

from jobhax.db import Base, user_primary_key
from jobhax.jobapps.models import of_application

REMINDER_TEXT_MAX = 1000


class Reminder(Base):
    """A follow-up due at a time, on one of the user's applications."""

    __tablename__ = "reminders"
    __table_args__ = (
        user_primary_key(),
        of_application(),
        Index("ix_reminders_user_id_jobapp_id", "user_id", "jobapp_id"),
        # get_reminders and the calendar feed: the user's open reminders, soonest first.
        Index("ix_reminders_user_open_due", "user_id", "due_at", "id", postgresql_where=text("NOT done")),
    )

    id: Mapped[int] = mapped_column(BigInteger, autoincrement=True)
    # Carried although the application names its user: every table with user data is distributable by
    # user_id (README "Scaling out"), and every query filters by it.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    jobapp_id: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    text: Mapped[str] = mapped_column(Text)
    done: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class CalendarFeed(Base):
    """The secret key of a user's calendar feed: its SHA-256 digest for lookups, and the key itself
    encrypted (Fernet, from jobhax.secret_key) so get_calendar_url can show the same URL again."""

    __tablename__ = "calendar_feeds"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    key_digest: Mapped[str] = mapped_column(String(64))
    key_encrypted: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
