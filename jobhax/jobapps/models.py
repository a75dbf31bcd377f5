from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Computed,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from jobhax.db import Base, user_primary_key

TITLE_MAX = 500
COMPANY_MAX = 255
SOURCE_MAX = 100
LOGO_MAX = 2000
NOTE_MAX = 10000
URL_MAX = 2048
LOCATION_MAX = 255
STATUS_VALUE_MAX = 64
# Ids 1-5 are the shared statuses seeded by revision 0001; custom statuses are numbered after them.
FIRST_CUSTOM_STATUS_ID = 6


class ApplicationStatus(Base):
    """A status: one of the five shared ones (``user_id`` null) or a user's own custom status."""

    __tablename__ = "application_statuses"
    __table_args__ = (
        # An owner's live values are unique whatever their case; the shared values are checked by the rule.
        Index(
            "uq_application_statuses_user_value",
            "user_id",
            text("lower(value)"),
            unique=True,
            postgresql_where=text("deleted_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, Identity(start=FIRST_CUSTOM_STATUS_ID), primary_key=True)
    value: Mapped[str] = mapped_column(String(STATUS_VALUE_MAX))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    # A deleted custom status stays for the history rows that name it; it is no longer listed or usable.
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


def of_application(ondelete="CASCADE"):
    """The foreign key of a row that belongs to an application: (user_id, jobapp_id), so both rows are one
    user's and live on one node of a distributed database."""
    return ForeignKeyConstraint(
        ["user_id", "jobapp_id"], ["job_applications.user_id", "job_applications.id"], ondelete=ondelete
    )


class JobApplication(Base):
    __tablename__ = "job_applications"
    __table_args__ = (
        user_primary_key(),
        # By id alone: the insight triggers (metrics.jobapp_facts) and jobs (revision 0014).
        Index("ix_job_applications_id", "id"),
        # get_jobapps and every per-user metric walk only the caller's live rows.
        Index(
            "ix_job_applications_user_live",
            "user_id",
            text("apply_date DESC"),
            text("id DESC"),
            postgresql_where=text("deleted_at IS NULL"),
        ),
        # get_duplicates groups a user's live applications by these keys (jobhax/sql/0007_duplicate_keys.sql).
        Index(
            "ix_job_applications_user_duplicate_keys",
            "user_id",
            "company_key",
            "title_key",
            postgresql_where=text("deleted_at IS NULL"),
        ),
        # The Gmail import never creates one message twice for a user.
        Index(
            "uq_job_applications_user_msg",
            "user_id",
            "msg_id",
            unique=True,
            postgresql_where=text("msg_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    job_title: Mapped[str] = mapped_column(String(TITLE_MAX))
    company: Mapped[str] = mapped_column(String(COMPANY_MAX))
    company_logo: Mapped[str | None] = mapped_column(String(LOGO_MAX))
    source: Mapped[str] = mapped_column(String(SOURCE_MAX), default="", server_default="")
    status_id: Mapped[int | None] = mapped_column(ForeignKey("application_statuses.id"))
    job_url: Mapped[str | None] = mapped_column(String(URL_MAX))
    location: Mapped[str | None] = mapped_column(String(LOCATION_MAX))
    is_rejected: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    apply_date: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    msg_id: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # When is_rejected last changed (by hand: the time of the edit; from mail: the message's date), and
    # the message that changed it (None: by hand). lastUpdate, "a later hand edit wins" and the insights'
    # response times read them; a trigger dates changes a writer leaves undated (jobhax/sql/0008_insights.sql).
    rejection_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    rejection_msg_id: Mapped[str | None] = mapped_column(String(255))
    # Kept by PostgreSQL: the company and title as get_duplicates compares them.
    company_key: Mapped[str] = mapped_column(Text, Computed("company_key((company)::text)", persisted=True))
    title_key: Mapped[str] = mapped_column(Text, Computed("title_key((job_title)::text)", persisted=True))


ORIGIN_USER = "user"
ORIGIN_EMAIL = "email"
ORIGIN_IMPORT = "import"


class StatusHistory(Base):
    __tablename__ = "status_history"
    __table_args__ = (
        user_primary_key(),
        of_application(),
        Index("ix_status_history_user_id_jobapp_id", "user_id", "jobapp_id"),
        # A message changes an application at most once, however often it is imported.
        Index(
            "uq_status_history_user_jobapp_msg",
            "user_id",
            "jobapp_id",
            "msg_id",
            unique=True,
            postgresql_where=text("msg_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    jobapp_id: Mapped[int] = mapped_column(Integer)
    status_id: Mapped[int] = mapped_column(ForeignKey("application_statuses.id"))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Where the change came from: "user" (by hand), "email" (a message, msg_id) or "import" (the
    # application an imported confirmation created).
    origin: Mapped[str] = mapped_column(String(16), default=ORIGIN_USER, server_default=ORIGIN_USER)
    msg_id: Mapped[str | None] = mapped_column(String(255))


class Note(Base):
    __tablename__ = "notes"
    __table_args__ = (
        user_primary_key(),
        of_application(),
        Index("ix_notes_user_id_jobapp_id", "user_id", "jobapp_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    jobapp_id: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class JobPosting(Base):
    """The LinkedIn job page's modules, as served by get_jobapp_detail."""

    __tablename__ = "job_postings"
    __table_args__ = (user_primary_key("jobapp_id"), of_application())

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    jobapp_id: Mapped[int] = mapped_column(Integer)
    poster_information: Mapped[dict] = mapped_column(JSONB, default=dict, server_default=text("'{}'::jsonb"))
    decorated_job_posting: Mapped[dict] = mapped_column(
        JSONB, default=dict, server_default=text("'{}'::jsonb")
    )
    top_card_v2: Mapped[dict] = mapped_column(JSONB, default=dict, server_default=text("'{}'::jsonb"))
    fetched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
