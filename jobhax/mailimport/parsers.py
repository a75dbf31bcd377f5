"""Job applications read from the emails of the four sources the Gmail import knows.

A message's source is decided by its From address alone (DESIGN.md "Social login and Gmail import"),
never by the Gmail query that found it; one small parser per source then reads the job title and
company from the subject and the visible text of the body (HTML, else plain text). A parser answers
None for a message of its sender that is not an application (a newsletter) and raises
``UnparseableMessage`` for one that looks like an application but lacks the fields.
"""

import contextlib
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.header import decode_header, make_header
from email.utils import parseaddr

from jobhax.jobapps.models import COMPANY_MAX, LOGO_MAX, TITLE_MAX
from jobhax.mailimport.htmltext import HtmlText, normalize, read_html
from jobhax.mailimport.jobpage import job_id_from_link
from jobhax.mailimport.message import header, html_body, message_date, text_body

LINKEDIN = "LinkedIn"
HIRED = "Hired.com"
INDEED = "Indeed"
VETTERY = "Vettery"

LINKEDIN_SENDERS = frozenset({"jobs-listings@linkedin.com", "jobs-noreply@linkedin.com"})
HIRED_SENDERS = frozenset({"reply@hired.com"})
INDEED_SENDERS = frozenset({"indeedapply@indeed.com"})
VETTERY_DOMAIN = "connect.vettery.com"


class UnparseableMessage(ValueError):
    """A message from a known source whose application fields cannot be found."""


@dataclass(frozen=True)
class ParsedApplication:
    source: str
    job_title: str
    company: str
    apply_date: datetime
    msg_id: str
    subject: str
    body: str
    company_logo: str | None
    linkedin_job_id: str | None


@dataclass(frozen=True)
class Fields:
    """What a source's parser found: the rest of a ParsedApplication comes from the message itself."""

    job_title: str
    company: str
    company_logo: str | None = None
    linkedin_job_id: str | None = None


@dataclass(frozen=True)
class Email:
    """The parts of a message that parsers read: decoded subject, and the body as lines of text."""

    subject: str
    body: str
    html: HtmlText
    lines: tuple[str, ...]

    def search(self, pattern: re.Pattern) -> re.Match | None:
        """The first body line (HTML lines first, then plain-text ones) that the pattern matches."""
        return next(filter(None, map(pattern.search, self.lines)), None)


def _decoded_subject(message) -> str:
    value = header(message, "Subject") or ""
    if "=?" in value:
        with contextlib.suppress(LookupError, UnicodeDecodeError, ValueError):
            value = str(make_header(decode_header(value)))
    return normalize(value)


def _read_email(message) -> Email:
    html_source, plain_source = html_body(message), text_body(message)
    html = read_html(html_source)
    plain = [normalize(line) for line in plain_source.splitlines()]
    lines = tuple(html.lines) + tuple(filter(None, plain))
    return Email(_decoded_subject(message), html_source or plain_source, html, lines)


def _clean(value: str | None, limit: int) -> str:
    return normalize(value or "")[:limit].strip()


def _fields(title: str | None, company: str | None, **extra) -> Fields:
    title, company = _clean(title, TITLE_MAX), _clean(company, COMPANY_MAX)
    if not title or not company:
        raise UnparseableMessage("job title or company not found")
    return Fields(title, company, **extra)


LINKEDIN_SUBJECT = re.compile(r"^You applied for (?P<rest>.+)$", re.IGNORECASE)
LINKEDIN_SENT_TO = re.compile(r"^Your application was sent to (?P<company>.+?)\.?$", re.IGNORECASE)


def _linkedin_logo(email: Email, company: str) -> str | None:
    """The company's logo: the image captioned with its name, else a LinkedIn company-logo image."""
    images = email.html.images
    logo = next((image.src for image in images if image.alt.casefold() == company.casefold()), None)
    logo = logo or next((image.src for image in images if "company-logo" in image.src), None)
    return logo if logo and len(logo) <= LOGO_MAX else None


def _linkedin_job_id(email: Email) -> str | None:
    candidates = [link.href for link in email.html.links] + list(email.lines)
    return next(filter(None, map(job_id_from_link, candidates)), None)


def parse_linkedin(email: Email) -> Fields | None:
    """ "You applied for {title} at {company}" with "Your application was sent to {company}" in the body.

    The body names the company unambiguously, so the title is what the subject has before " at
    {company}"; without that sentence the subject is split at its last " at ".
    """
    subject = LINKEDIN_SUBJECT.match(email.subject)
    sent_to = email.search(LINKEDIN_SENT_TO)
    if not subject and not sent_to:
        return None
    company = sent_to["company"] if sent_to else None
    title = None
    if subject:
        rest = subject["rest"]
        if company and rest.casefold().endswith(f" at {company}".casefold()):
            title = rest[: -len(f" at {company}")]
        elif " at " in rest:
            title, subject_company = rest.rsplit(" at ", 1)
            company = company or subject_company
    if title is None:
        title = next((link.text for link in email.html.links if job_id_from_link(link.href)), None)
    fields = _fields(title, company)
    return replace(
        fields, company_logo=_linkedin_logo(email, fields.company), linkedin_job_id=_linkedin_job_id(email)
    )


HIRED_SUBJECT = re.compile(
    r"^Interview Request: (?P<title>.+) at (?P<company>.+?)(?: \([^()]*\))?$", re.IGNORECASE
)
HIRED_BODY = re.compile(
    r"^(?:.*[.!] )?(?P<company>.+?) would like to interview you for the (?P<title>.+?) role\b", re.IGNORECASE
)


def parse_hired(email: Email) -> Fields | None:
    """An interview request: "{company} would like to interview you for the {title} role", else the
    subject "Interview Request: {title} at {company} ({salary})"."""
    body = email.search(HIRED_BODY)
    subject = HIRED_SUBJECT.match(email.subject)
    if body:
        return _fields(body["title"], body["company"])
    if subject:
        return _fields(subject["title"], subject["company"])
    if email.subject.casefold().startswith("interview request"):
        raise UnparseableMessage("Hired interview request without title and company")
    return None


INDEED_SUBJECT = re.compile(r"^Indeed Application: (?P<title>.+)$", re.IGNORECASE)
INDEED_COMPANY = re.compile(r"\bupdates from (?P<company>.+?)(?: on this application\b|\.?$)", re.IGNORECASE)
INDEED_SUBMITTED = re.compile(r"\bapplication has been submitted\b", re.IGNORECASE)


def _indeed_body_title(email: Email) -> str | None:
    """The line right after "Your application has been submitted.", which names the job."""
    for index, line in enumerate(email.lines[:-1]):
        if INDEED_SUBMITTED.search(line) and not INDEED_COMPANY.search(email.lines[index + 1]):
            return email.lines[index + 1]
    return None


def parse_indeed(email: Email) -> Fields | None:
    """ "Indeed Application: {title}", the body saying "… updates from {company} on this application".

    Without that subject, the title is the body line after "Your application has been submitted.".
    """
    subject = INDEED_SUBJECT.match(email.subject)
    if not subject and not email.search(INDEED_SUBMITTED):
        return None
    title = subject["title"] if subject else _indeed_body_title(email)
    company = email.search(INDEED_COMPANY)
    return _fields(title, company["company"] if company else None)


VETTERY_ROLE = re.compile(r"^Role:\s*(?P<title>.*)$", re.IGNORECASE)
VETTERY_COMPANY = re.compile(r"^Company:\s*(?P<company>.+)$", re.IGNORECASE)
VETTERY_SUBJECT = re.compile(r"^Interview Request from (?P<company>.+)$", re.IGNORECASE)


def _vettery_role(email: Email) -> str | None:
    """The text after "Role:", on its line or, when the line ends there, on the next one."""
    for index, line in enumerate(email.lines):
        role = VETTERY_ROLE.match(line)
        if role:
            following = email.lines[index + 1] if index + 1 < len(email.lines) else None
            return role["title"] or following
    return None


def parse_vettery(email: Email) -> Fields | None:
    """An interview request: "Role: {title}" and "Company: {company}" (else "… from {company}")."""
    subject = VETTERY_SUBJECT.match(email.subject)
    company = email.search(VETTERY_COMPANY)
    if not subject and not company:
        return None
    return _fields(_vettery_role(email), company["company"] if company else subject["company"])


def sender(message) -> str:
    """The From header's address, lower-cased ("" when there is none)."""
    return parseaddr(header(message, "From") or "")[1].strip().lower()


def _parser_for(address: str) -> tuple[str, Callable[[Email], Fields | None]] | None:
    if address in LINKEDIN_SENDERS:
        return LINKEDIN, parse_linkedin
    if address in HIRED_SENDERS:
        return HIRED, parse_hired
    if address in INDEED_SENDERS:
        return INDEED, parse_indeed
    if address.rpartition("@")[2] == VETTERY_DOMAIN:
        return VETTERY, parse_vettery
    return None


def parse_message(message) -> ParsedApplication | None:
    """The application a Gmail message (format=full) announces, or None when it announces none.

    Raises UnparseableMessage when the sender is a known source and the message looks like an
    application but its fields (title, company, id, date) cannot be found.
    """
    if not isinstance(message, dict):
        return None
    chosen = _parser_for(sender(message))
    if chosen is None:
        return None
    source, parse = chosen
    email = _read_email(message)
    fields = parse(email)
    if fields is None:
        return None
    msg_id = message.get("id")
    if not isinstance(msg_id, str) or not msg_id.strip():
        raise UnparseableMessage("message has no id")
    try:
        apply_date = message_date(message)
    except ValueError as error:
        raise UnparseableMessage(str(error)) from error
    return ParsedApplication(
        source=source,
        job_title=fields.job_title,
        company=fields.company,
        apply_date=apply_date,
        msg_id=msg_id,
        subject=email.subject,
        body=email.body,
        company_logo=fields.company_logo,
        linkedin_job_id=fields.linkedin_job_id,
    )


GMAIL_SENDERS = (*sorted(LINKEDIN_SENDERS), *sorted(HIRED_SENDERS), *sorted(INDEED_SENDERS), VETTERY_DOMAIN)


def gmail_query(since: datetime | None = None) -> str:
    """The Gmail search ``q`` for the four sources' messages, from ``since`` on when given.

    ``after:`` takes epoch seconds; a naive ``since`` is taken as UTC, and fractions are dropped
    (rounding down, so nothing after ``since`` is missed).
    """
    query = "(" + " OR ".join(f"from:{address}" for address in GMAIL_SENDERS) + ")"
    if since is not None:
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        query += f" after:{int(since.timestamp() // 1)}"
    return query
