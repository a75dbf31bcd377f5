"""Hand a message to the SMTP server of ``jobhax.smtp_url``, or, without one, write it under var/mail/.

``smtp://user:pass@host:587?starttls=1`` (STARTTLS), ``smtps://…`` (TLS from the first byte, port 465 by
default) or plain ``smtp://host:25``. Failures raise :data:`SEND_ERRORS`, which the sending job retries.
"""

import dataclasses
import logging
import smtplib
import ssl
import uuid
from email.utils import formatdate, make_msgid
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

log = logging.getLogger(__name__)

# What a job retries: the server refused, went away, or could not be reached.
SEND_ERRORS = (smtplib.SMTPException, OSError)
DEFAULT_PORTS = {"smtp": 25, "smtps": 465}
TRUE = ("1", "true", "yes", "on")


class InvalidSmtpUrl(ValueError):
    pass


@dataclasses.dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    tls: bool = False
    starttls: bool = False
    username: str | None = None
    password: str | None = dataclasses.field(default=None, repr=False)


def parse_smtp_url(url):
    """The server ``url`` names; ``None`` for an empty URL (mail goes to files)."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        raise InvalidSmtpUrl("jobhax.smtp_url must look like smtp://user:pass@host:port or smtps://host")
    query = parse_qs(parts.query)
    try:
        port = parts.port or DEFAULT_PORTS[parts.scheme]
    except ValueError:
        raise InvalidSmtpUrl("jobhax.smtp_url has an invalid port") from None
    return SmtpServer(
        host=parts.hostname,
        port=port,
        tls=parts.scheme == "smtps",
        starttls=query.get("starttls", ["0"])[-1].lower() in TRUE,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


def send(settings, message):
    """Deliver ``message`` (an ``email.message.EmailMessage`` with From and To set)."""
    if "Message-ID" not in message:
        message["Message-ID"] = make_msgid(domain="jobhax")
    if "Date" not in message:
        message["Date"] = formatdate(usegmt=True)
    server = parse_smtp_url(settings["jobhax.smtp_url"])
    if server is None:
        return write_eml(Path(settings["jobhax.var_dir"]) / "mail", message)
    timeout = settings["jobhax.smtp_timeout"]
    if server.tls:
        client = smtplib.SMTP_SSL(
            server.host, server.port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        client = smtplib.SMTP(server.host, server.port, timeout=timeout)
    try:
        if server.starttls:
            client.starttls(context=ssl.create_default_context())
        if server.username:
            client.login(server.username, server.password or "")
        client.send_message(message)
    finally:
        # Once the server has accepted the message, a failing goodbye must not make the job send it again.
        try:
            client.quit()
        except SEND_ERRORS:
            client.close()
    return None


def is_permanent(error):
    """Whether retrying cannot help: every recipient refused for good (5xx), e.g. no such mailbox."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return bool(error.recipients) and all(code >= 500 for code, _ in error.recipients.values())
    return False


def write_eml(directory, message):
    """Development without SMTP: the message as an .eml file anyone can open; its path is logged."""
    directory.mkdir(parents=True, exist_ok=True)
    name = uuid.uuid4().hex
    partial = directory / f"{name}.partial"
    partial.write_bytes(message.as_bytes())
    # Renamed once complete: whoever watches the folder never reads half a mail.
    path = partial.rename(directory / f"{name}.eml")
    log.info("mail to %s written to %s (no jobhax.smtp_url)", message["To"], path)
    return path
