import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    false,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from jobhax.db import Base, user_primary_key

# Field limits, here once: the columns, the request schemas and social signup all use them.
USERNAME_MAX = 150
NAME_MAX = 150
EMAIL_MAX = 254  # RFC 5321's longest path


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        # Case-insensitive uniqueness: "Joe@x.com" and "joe@x.com" are one mailbox.
        Index(
            "uq_users_email_lower", text("lower(email)"), unique=True, postgresql_where=text("email <> ''")
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(USERNAME_MAX), unique=True)
    email: Mapped[str] = mapped_column(String(EMAIL_MAX), default="", server_default="")
    email_verified: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    first_name: Mapped[str] = mapped_column(String(NAME_MAX), default="", server_default="")
    last_name: Mapped[str] = mapped_column(String(NAME_MAX), default="", server_default="")
    password_hash: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class OAuthClient(Base):
    __tablename__ = "oauth_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class OAuthToken(Base):
    """One access/refresh pair; only SHA-256 digests of the tokens are kept.

    Pairs descending from one login share its ``family_id`` and its absolute ``refresh_expires_at``: a
    replayed (already rotated) refresh token revokes the whole family.
    """

    __tablename__ = "oauth_tokens"
    __table_args__ = (user_primary_key(),)

    id: Mapped[int] = mapped_column(BigInteger, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    client_pk: Mapped[int] = mapped_column(ForeignKey("oauth_clients.id", ondelete="CASCADE"), index=True)
    access_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    refresh_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    scope: Mapped[str] = mapped_column(String(200), default="", server_default="")
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    family_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    refresh_expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LoginFailure(Base):
    """A failed (or still being checked) login: counted per (username, address) and per address, pruned
    once older than the throttling window."""

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_address_username_failed_at", "address", "username", "failed_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    username: Mapped[str] = mapped_column(String(USERNAME_MAX))
    address: Mapped[str] = mapped_column(String(64))
    failed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class SocialAccount(Base):
    """A Google or LinkedIn identity linked to a user; the provider token is Fernet-encrypted."""

    __tablename__ = "social_accounts"
    __table_args__ = (
        user_primary_key(),
        UniqueConstraint("provider", "subject", name="uq_social_accounts_provider_subject"),
        UniqueConstraint("user_id", "provider", name="uq_social_accounts_user_id_provider"),
    )

    id: Mapped[int] = mapped_column(autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    provider: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(255))
    email: Mapped[str] = mapped_column(String(EMAIL_MAX), default="", server_default="")
    token_encrypted: Mapped[str | None] = mapped_column(Text)
    token_usable: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class EmailToken(Base):
    """A single-use token mailed to the user (email verification, password reset); only its SHA-256 kept."""

    __tablename__ = "email_tokens"
    __table_args__ = (user_primary_key(), Index("ix_email_tokens_user_id_purpose", "user_id", "purpose"))

    id: Mapped[int] = mapped_column(BigInteger, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RegistrationCounter(Base):
    """Registrations from one client address in the window that started at ``window_start``."""

    __tablename__ = "registration_counters"

    address: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    count: Mapped[int] = mapped_column(Integer)
