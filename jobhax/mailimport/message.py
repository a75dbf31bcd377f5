"""Reading a Gmail API message resource (``format=full``): headers, bodies and date.

Gmail has already undone each part's Content-Transfer-Encoding; ``body.data`` holds the part's bytes
in base64url (padding optional), in the charset its Content-Type names. Every function here accepts
any JSON value and never raises on a malformed resource, except ``message_date`` when the message has
no usable date at all.
"""

import base64
import binascii
import email.message
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from jobhax.mailimport.hostile import MAX_TEXT, clean_or_none, clean_text

DEFAULT_CHARSET = "utf-8"


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value) -> list:
    return value if isinstance(value, list) else []


def _headers(part: dict) -> list[tuple[str, str]]:
    pairs = []
    for item in _list(part.get("headers")):
        item = _dict(item)
        name, value = item.get("name"), item.get("value")
        if isinstance(name, str) and isinstance(value, str):
            pairs.append((name, value))
    return pairs


def _part_header(part: dict, name: str) -> str | None:
    wanted = name.lower()
    return next((value for key, value in _headers(part) if key.lower() == wanted), None)


def header(message, name: str) -> str | None:
    """The first top-level header called ``name`` (any case), without NUL and lone surrogates and cut to
    1 MiB; None when absent."""
    return clean_or_none(_part_header(_dict(_dict(message).get("payload")), name))


def _content_type(part: dict) -> email.message.Message:
    """The part's Content-Type parsed by the email package (params, charset), mimeType as fallback."""
    parsed = email.message.Message()
    declared = _part_header(part, "Content-Type")
    mime_type = part.get("mimeType")
    if declared:
        parsed["Content-Type"] = declared
    elif isinstance(mime_type, str) and mime_type:
        parsed["Content-Type"] = mime_type
    return parsed


def _mime_type(part: dict) -> str:
    mime_type = part.get("mimeType")
    if isinstance(mime_type, str) and mime_type:
        return mime_type.lower()
    return _content_type(part).get_content_type()


def _is_attachment(part: dict) -> bool:
    disposition = (_part_header(part, "Content-Disposition") or "").strip().lower()
    return bool(part.get("filename")) or disposition.startswith("attachment")


def _walk(part: dict):
    """Every part, depth first in document order, however deeply multiparts nest (no recursion: a
    hostile message may nest thousands deep)."""
    stack = [part]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed([child for child in _list(current.get("parts")) if isinstance(child, dict)]))


def _decode(part: dict) -> str | None:
    data = _dict(part.get("body")).get("data")
    if not isinstance(data, str):
        return None
    # Base64 needs 4 characters per 3 bytes: what lies beyond the 1 MiB cut is never decoded.
    compact = "".join(data.split())[: 4 * (MAX_TEXT // 3 + 2)]
    compact = compact.rstrip("=").replace("+", "-").replace("/", "_")
    try:
        raw = base64.b64decode(compact + "=" * (-len(compact) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        return None
    charset = _content_type(part).get_content_charset() or DEFAULT_CHARSET
    try:
        decoded = raw.decode(charset, errors="replace")
    except LookupError:
        decoded = raw.decode(DEFAULT_CHARSET, errors="replace")
    return clean_text(decoded)


def _body(message, mime_type: str) -> str:
    for part in _walk(_dict(_dict(message).get("payload"))):
        if _mime_type(part) == mime_type and not _is_attachment(part):
            text = _decode(part)
            if text is not None:
                return text
    return ""


def html_body(message) -> str:
    """The first inline text/html part, decoded; "" when there is none."""
    return _body(message, "text/html")


def text_body(message) -> str:
    """The first inline text/plain part, decoded; "" when there is none."""
    return _body(message, "text/plain")


def _header_date(message) -> datetime | None:
    value = header(message, "Date")
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _internal_date(message) -> datetime | None:
    value = _dict(message).get("internalDate")
    if isinstance(value, bool):
        return None
    try:
        return datetime.fromtimestamp(int(value) / 1000, tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def message_date(message) -> datetime:
    """When the message was sent, in UTC: its Date header (any RFC 2822 form), else Gmail's internalDate.

    A Date without a zone (``-0000``) is taken as UTC. Raises ValueError when neither is usable.
    """
    date = _header_date(message) or _internal_date(message)
    if date is None:
        raise ValueError("message has neither a valid Date header nor an internalDate")
    return date
