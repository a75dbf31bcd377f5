"""Build Gmail API message resources (``format=full``) as Gmail returns them, for parser tests.

Bodies are encoded the way Gmail does it: the part's bytes in its charset, base64url, padding
stripped unless asked for.
"""

import base64
import itertools

_ids = itertools.count(1)


def encode(content: str | bytes, charset: str = "utf-8", padded: bool = False) -> str:
    raw = content if isinstance(content, bytes) else content.encode(charset)
    data = base64.urlsafe_b64encode(raw).decode("ascii")
    return data if padded else data.rstrip("=")


def part(
    mime_type: str,
    content: str | bytes | None = None,
    *,
    charset: str | None = "UTF-8",
    headers: list[tuple[str, str]] | None = None,
    parts: list[dict] = (),
    filename: str = "",
    padded: bool = False,
) -> dict:
    """One MIME part; a leaf when ``content`` is given, a multipart when ``parts`` are."""
    if headers is None:
        headers = []
        if content is not None:
            content_type = f'{mime_type}; charset="{charset}"' if charset else mime_type
            headers = [("Content-Type", content_type), ("Content-Transfer-Encoding", "quoted-printable")]
    body = {"size": 0}
    if content is not None:
        body = {"size": len(content), "data": encode(content, charset or "utf-8", padded)}
    resource = {
        "partId": "",
        "mimeType": mime_type,
        "filename": filename,
        "headers": [{"name": name, "value": value} for name, value in headers],
        "body": body,
    }
    if parts:
        resource["parts"] = list(parts)
    return resource


def html(content: str | bytes, **options) -> dict:
    return part("text/html", content, **options)


def text(content: str | bytes, **options) -> dict:
    return part("text/plain", content, **options)


def alternative(*parts: dict) -> dict:
    return part("multipart/alternative", parts=parts)


def mixed(*parts: dict) -> dict:
    return part("multipart/mixed", parts=parts)


def related(*parts: dict) -> dict:
    return part("multipart/related", parts=parts)


def message(
    payload: dict,
    *,
    sender: str | None = None,
    subject: str | None = None,
    date: str | None = "Wed, 23 Jan 2019 14:18:12 +0000",
    headers: list[tuple[str, str]] = (),
    msg_id: str | None = None,
    internal_date: str | int | None = "1548253092000",
) -> dict:
    """A whole message: ``payload`` with the top-level headers (From, Subject, Date, ``headers``, then its own)."""
    top = [("From", sender), ("Subject", subject), ("Date", date)]
    payload = dict(payload)
    payload["headers"] = (
        [{"name": name, "value": value} for name, value in top if value is not None]
        + [{"name": name, "value": value} for name, value in headers]
        + payload.get("headers", [])
    )
    resource = {
        "id": msg_id or f"{next(_ids):016x}",
        "threadId": "thread",
        "labelIds": ["INBOX"],
        "snippet": "",
        "historyId": "1",
        "payload": payload,
        "sizeEstimate": 1000,
    }
    if internal_date is not None:
        resource["internalDate"] = str(internal_date)
    return resource
