from datetime import datetime

from sqlalchemy import ARRAY, DateTime, ForeignKey, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from jobhax.db import Base, user_primary_key

URL_MAX = 2048
EVENT_MAX = 32


class Webhook(Base):
    """A user's receiver: where events are POSTed, which ones, and the signing secret (Fernet-encrypted)."""

    __tablename__ = "webhooks"
    # The primary key (user_id, id) serves the lookups by user.
    __table_args__ = (user_primary_key(),)

    id: Mapped[int] = mapped_column(autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(String(URL_MAX))
    events: Mapped[list[str]] = mapped_column(ARRAY(String(EVENT_MAX)))
    secret_encrypted: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # Set when deliveries kept failing for jobhax.webhooks_give_up_seconds (24 h): nothing is sent any more.
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
