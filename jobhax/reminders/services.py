"""Reminder rules, owned like notes: a reminder is the caller's only while its application is live, so a
foreign id, or one of a deleted application, is a missing one (11). Each function issues a fixed number
of statements."""

import secrets

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert

from jobhax import quotas
from jobhax.accounts import provider_tokens
from jobhax.accounts.secrets import digest
from jobhax.envelope import ApiError, ErrorCode
from jobhax.jobapps.models import JobApplication
from jobhax.jobapps.serializers import utc_z
from jobhax.jobapps.services import require_jobapp
from jobhax.reminders.models import CalendarFeed, Reminder


def reminder_json(reminder):
    return {
        "id": reminder.id,
        "jobapp_id": reminder.jobapp_id,
        "due_at": utc_z(reminder.due_at),
        "text": reminder.text,
        "done": reminder.done,
    }


def _live_jobapp_ids(user_id):
    return select(JobApplication.id).where(
        JobApplication.user_id == user_id, JobApplication.deleted_at.is_(None)
    )


def _own(user_id, reminder_id):
    return (
        Reminder.id == reminder_id,
        Reminder.user_id == user_id,
        Reminder.jobapp_id.in_(_live_jobapp_ids(user_id).scalar_subquery()),
    )


def add_reminder(dbsession, user_id, jobapp_id, due_at, text):
    jobapp = require_jobapp(dbsession, user_id, jobapp_id)
    quotas.ensure_room(
        dbsession,
        "reminders",
        user_id,
        select(Reminder.id).where(
            Reminder.user_id == user_id, Reminder.jobapp_id.in_(_live_jobapp_ids(user_id).scalar_subquery())
        ),
        quotas.REMINDERS,
    )
    reminder = Reminder(user_id=user_id, jobapp_id=jobapp.id, due_at=due_at, text=text, done=False)
    dbsession.add(reminder)
    dbsession.flush()
    return reminder


def update_reminder(dbsession, user_id, reminder_id, **changes):
    """Apply ``changes`` (due_at, text, done); the reminder as it is now."""
    reminder = dbsession.scalar(
        update(Reminder).where(*_own(user_id, reminder_id)).values(**changes).returning(Reminder)
    )
    if reminder is None:
        raise ApiError(ErrorCode.NOT_FOUND)
    return reminder


def delete_reminder(dbsession, user_id, reminder_id):
    deleted = dbsession.execute(
        delete(Reminder).where(*_own(user_id, reminder_id)).returning(Reminder.id)
    ).first()
    if deleted is None:
        raise ApiError(ErrorCode.NOT_FOUND)


def open_reminders(dbsession, user_id, jobapp_id=None):
    """The open (not done) reminders of live applications, soonest first; (Reminder, title, company) rows."""
    query = (
        select(Reminder, JobApplication.job_title, JobApplication.company)
        .join(
            JobApplication,
            (JobApplication.user_id == Reminder.user_id) & (JobApplication.id == Reminder.jobapp_id),
        )
        .where(
            Reminder.user_id == user_id,
            Reminder.done.is_(False),
            JobApplication.user_id == user_id,
            JobApplication.deleted_at.is_(None),
        )
        .order_by(Reminder.due_at, Reminder.id)
    )
    if jobapp_id is not None:
        query = query.where(Reminder.jobapp_id == jobapp_id)
    return dbsession.execute(query).all()


# --- the calendar feed's key -----------------------------------------------------------------------------
#
# A key is "<user id>-<random>". Only its SHA-256 digest is compared: the feed looks up the user's row by
# id and compares digests, so the time a wrong key takes depends on the digest of what the caller sent, never
# on how much of the real key they guessed (finding a key from digest timings would take a preimage of
# SHA-256). The key is also kept Fernet-encrypted, so get_calendar_url shows the same URL every time.


def _new_key(user_id):
    return f"{user_id}-{secrets.token_urlsafe(32)}"


def _store_key(dbsession, settings, user_id, replace):
    key = _new_key(user_id)
    row = {
        "user_id": user_id,
        "key_digest": digest(key),
        "key_encrypted": provider_tokens.encrypt(settings, key),
    }
    statement = insert(CalendarFeed).values(row)
    # Without replace, an existing key wins (the no-op update makes RETURNING answer it).
    set_ = (
        {"key_digest": statement.excluded.key_digest, "key_encrypted": statement.excluded.key_encrypted}
        if replace
        else {"user_id": statement.excluded.user_id}
    )
    encrypted = dbsession.scalar(
        statement.on_conflict_do_update(index_elements=[CalendarFeed.user_id], set_=set_).returning(
            CalendarFeed.key_encrypted
        )
    )
    return provider_tokens.decrypt(settings, encrypted)


def calendar_key(dbsession, settings, user_id):
    """The user's key, made on first use."""
    return _store_key(dbsession, settings, user_id, replace=False)


def reset_calendar_key(dbsession, settings, user_id):
    """A new key; the old one stops working when this commits."""
    return _store_key(dbsession, settings, user_id, replace=True)


def calendar_owner(dbsession, key):
    """The user whose calendar ``key`` opens; 11 for any other string."""
    user_id, _, rest = key.partition("-")
    if not (user_id.isascii() and user_id.isdigit() and len(user_id) <= 10 and rest):
        raise ApiError(ErrorCode.NOT_FOUND)
    owner = dbsession.scalar(
        select(CalendarFeed.user_id).where(
            CalendarFeed.user_id == int(user_id), CalendarFeed.key_digest == digest(key)
        )
    )
    if owner is None:
        raise ApiError(ErrorCode.NOT_FOUND)
    return owner
