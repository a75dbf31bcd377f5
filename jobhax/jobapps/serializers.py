"""JSON shapes of the contract: times in UTC with ``Z``; note and history times keep microseconds."""

import base64
import binascii
import datetime
import json


def utc_z(value):
    # isoformat, not strftime: strftime's %Y does not pad years before 1000 ("49-02-08").
    return value.astimezone(datetime.UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def utc_z_micro(value):
    if value is None:
        return None
    return value.astimezone(datetime.UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def status_json(status_id, value):
    return None if status_id is None else {"id": status_id, "value": value}


def https_only(url):
    """Logos are shown by browsers: an https URL, else null (never http, ``javascript:`` or ``data:``)."""
    return url if isinstance(url, str) and url[:8].lower() == "https://" and len(url) > 8 else None


def listed_status_json(status_id, value, position):
    """A status as get_statuses and the custom status endpoints answer it."""
    return {"id": status_id, "value": value, "position": position}


def jobapp_json(jobapp, status_value, last_update=None):
    """``last_update``: the newest history row or rejection change (``lastUpdate``)."""
    return {
        "id": jobapp.id,
        "applicationStatus": status_json(jobapp.status_id, status_value),
        "jobTitle": jobapp.job_title,
        "company": jobapp.company,
        "companyLogo": https_only(jobapp.company_logo),
        "applyDate": utc_z(jobapp.apply_date),
        "msgId": jobapp.msg_id,
        "source": jobapp.source,
        "isRejected": jobapp.is_rejected,
        "user": jobapp.user_id,
        "jobUrl": jobapp.job_url,
        "location": jobapp.location,
        "lastUpdate": utc_z(last_update) if last_update is not None else None,
    }


def note_json(note):
    return {
        "id": note.id,
        "description": note.description,
        "created_date": utc_z_micro(note.created_at),
        "update_date": utc_z_micro(note.updated_at),
    }


def history_json(changed_at, status_id, value, origin, msg_id):
    """``origin``: "user", "email" (``msgId``: the message) or "import"; ``msgId`` is null but for email."""
    return {
        "applicationStatus": status_json(status_id, value),
        "update_date": utc_z_micro(changed_at),
        "origin": origin,
        "msgId": msg_id if origin == "email" else None,
    }


def posting_json(posting):
    if posting is None:
        return {"posterInformation": {}, "decoratedJobPosting": {}, "topCardV2": {}}
    return {
        "posterInformation": posting.poster_information or {},
        "decoratedJobPosting": posting.decorated_job_posting or {},
        "topCardV2": posting.top_card_v2 or {},
    }


MAX_BIGINT = 2**63 - 1


def encode_cursor(apply_date, jobapp_id):
    """An opaque page cursor: the (applyDate with microseconds, id) the page ended with."""
    raw = json.dumps([apply_date.astimezone(datetime.UTC).isoformat(), jobapp_id], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor):
    """``(apply_date, id)`` from :func:`encode_cursor`; ValueError for anything it did not make."""
    try:
        apply_date, jobapp_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        apply_date = datetime.datetime.fromisoformat(apply_date)
    except (binascii.Error, UnicodeDecodeError, TypeError, ValueError) as error:
        raise ValueError("not a cursor") from error
    if apply_date.tzinfo is None or type(jobapp_id) is not int or not 1 <= jobapp_id <= MAX_BIGINT:
        raise ValueError("not a cursor")
    return apply_date, jobapp_id
