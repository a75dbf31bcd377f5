"""What a Gmail message says: a new application, an update about one, or nothing.

A confirmation's source is decided by its From address alone (DESIGN.md "Social login and Gmail
import"), never by the Gmail query that found it: the four 2019 sources have one small parser each, the
applicant tracking systems share ``jobhax.mailimport.ats``; the job title and company come from the
subject and the visible text of the body (HTML, else plain text). Other mail, from any sender, is an
update when ``jobhax.mailimport.classifier`` finds an interview, onsite, offer or rejection in it.
A parser answers None for a message that is neither (a newsletter) and raises ``UnparseableMessage``
for one that looks like an application but lacks the fields.

Every string is cleaned of NUL and lone surrogates and cut to 1 MiB before parsing
(``jobhax.mailimport.hostile``), and nothing here backtracks: parsing is linear in the message.
"""

import contextlib
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.header import decode_header, make_header
from email.utils import parseaddr

from jobhax.jobapps.models import COMPANY_MAX, LOGO_MAX, TITLE_MAX
from jobhax.mailimport import ats
from jobhax.mailimport.classifier import CONFIRMATION, STATUS_OUTCOMES, classify, is_bulk
from jobhax.mailimport.hostile import clean_text, https_url
from jobhax.mailimport.htmltext import HtmlText, normalize, read_html
from jobhax.mailimport.jobpage import job_id_from_link
from jobhax.mailimport.matching import MailEvidence, evidence
from jobhax.mailimport.message import header, html_body, message_date, text_body

LINKEDIN = "LinkedIn"
HIRED = "Hired.com"
INDEED = "Indeed"
VETTERY = "Vettery"

LINKEDIN_SENDERS = frozenset({"jobs-listings@linkedin.com", "jobs-noreply@linkedin.com"})
HIRED_SENDERS = frozenset({"reply@hired.com"})
INDEED_SENDERS = frozenset({"indeedapply@indeed.com"})
VETTERY_DOMAIN = "connect.vettery.com"
MSG_ID_MAX = 255
MAX_LINKS = 50  # link targets read for scheduling links
MAX_ENCODED_SUBJECT = 16_384  # RFC 2047 decoding (a regex of the email package) only below this


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
class ParsedUpdate:
    """A message about an application the user may track: what it says, and what to match it with."""

    msg_id: str
    date: datetime
    outcome: str
    subject: str
    body: str
    evidence: MailEvidence


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
    if "=?" in value and len(value) <= MAX_ENCODED_SUBJECT:
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


HIRED_SUBJECT_PREFIX = re.compile(r"interview request: ", re.IGNORECASE)
HIRED_AT = re.compile(r" at ", re.IGNORECASE)
HIRED_BODY_LEAD = re.compile(r" would like to interview you for the ", re.IGNORECASE)
HIRED_ROLE = re.compile(r"\srole\b", re.IGNORECASE)


def _hired_subject(subject: str) -> tuple[str, str] | None:
    """ "Interview Request: {title} at {company} ({salary})": the title up to the last " at ", the salary
    in its parentheses optional. Plain string work: linear whatever the subject holds."""
    prefix = HIRED_SUBJECT_PREFIX.match(subject)
    if not prefix:
        return None
    rest = subject[prefix.end() :]
    if rest.endswith(")"):
        opening = rest.rfind(" (")
        if opening >= 0 and "(" not in rest[opening + 2 : -1] and ")" not in rest[opening + 2 : -1]:
            rest = rest[:opening]
    separators = list(HIRED_AT.finditer(rest))
    if not separators or separators[-1].start() == 0 or separators[-1].end() == len(rest):
        return None
    return rest[: separators[-1].start()], rest[separators[-1].end() :]


def _hired_body(email: Email) -> tuple[str, str] | None:
    """ "{company} would like to interview you for the {title} role": the company from the start of its
    sentence."""
    for line in email.lines:
        for lead in HIRED_BODY_LEAD.finditer(line):
            before = line[max(0, lead.start() - 2 * COMPANY_MAX) : lead.start()]
            boundary = max(before.rfind(". "), before.rfind("! "))
            company = before[boundary + 2 :] if boundary >= 0 else before
            after = line[lead.end() : lead.end() + 2 * TITLE_MAX]
            role = next((m for m in HIRED_ROLE.finditer(after) if m.start() > 0), None)
            if company.strip() and role:
                return after[: role.start()], company
    return None


def parse_hired(email: Email) -> Fields | None:
    """An interview request: "{company} would like to interview you for the {title} role", else the
    subject "Interview Request: {title} at {company} ({salary})"."""
    body = _hired_body(email)
    if body:
        return _fields(*body)
    subject = _hired_subject(email.subject)
    if subject:
        return _fields(*subject)
    if email.subject.casefold().startswith("interview request"):
        raise UnparseableMessage("Hired interview request without title and company")
    return None


INDEED_SUBJECT = re.compile(r"^Indeed Application: (?P<title>.+)$", re.IGNORECASE)
INDEED_UPDATES_FROM = re.compile(r"\bupdates from ", re.IGNORECASE)
INDEED_ON_THIS = re.compile(r" on this application\b", re.IGNORECASE)
INDEED_SUBMITTED = re.compile(r"\bapplication has been submitted\b", re.IGNORECASE)


def _indeed_company_in(line: str) -> str | None:
    """ "updates from {company} on this application" (or "Updates from {company}." ending the line)."""
    for lead in INDEED_UPDATES_FROM.finditer(line):
        after = line[lead.end() : lead.end() + 2 * COMPANY_MAX]
        on_this = INDEED_ON_THIS.search(after)
        if on_this and on_this.start() > 0:
            return after[: on_this.start()]
        if lead.end() + len(after) == len(line):
            company = after[:-1] if after.endswith(".") else after
            if company:
                return company
    return None


def _indeed_company(email: Email) -> str | None:
    return next(filter(None, map(_indeed_company_in, email.lines)), None)


def _indeed_body_title(email: Email) -> str | None:
    """The line right after "Your application has been submitted.", which names the job."""
    for index, line in enumerate(email.lines[:-1]):
        if INDEED_SUBMITTED.search(line) and not _indeed_company_in(email.lines[index + 1]):
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
    return _fields(title, _indeed_company(email))


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


MAX_FROM = 4096  # characters of the From header given to parseaddr (Python code, not worth 1 MiB)


def from_header(message) -> tuple[str, str]:
    """The From header's display name and address (lower-cased); ("", "") when there is none."""
    display, address = parseaddr((header(message, "From") or "")[:MAX_FROM])
    return normalize(display), address.strip().lower()


def sender(message) -> str:
    """The From header's address, lower-cased ("" when there is none)."""
    return from_header(message)[1]


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


def _msg_id(message) -> str:
    msg_id = message.get("id")
    if not isinstance(msg_id, str) or not clean_text(msg_id).strip():
        raise UnparseableMessage("message has no id")
    msg_id = clean_text(msg_id)
    if len(msg_id) > MSG_ID_MAX:
        raise UnparseableMessage("message id too long")
    return msg_id


def _date(message) -> datetime:
    try:
        return message_date(message)
    except ValueError as error:
        raise UnparseableMessage(str(error)) from error


def _application(message, source: str, fields: Fields, email: Email) -> ParsedApplication:
    return ParsedApplication(
        source=source,
        job_title=fields.job_title,
        company=fields.company,
        apply_date=_date(message),
        msg_id=_msg_id(message),
        subject=email.subject,
        body=email.body,
        company_logo=https_url(fields.company_logo),
        linkedin_job_id=fields.linkedin_job_id,
    )


def parse_ats_confirmation(email: Email, system: str, display: str, address: str) -> Fields:
    """Company and title of an ATS confirmation (``jobhax.mailimport.ats``); UnparseableMessage without
    either."""
    texts = (email.subject, *email.lines)
    company = ats.company_in(texts) or ats.company_from_display_name(display)
    if company is None and system == ats.WORKDAY:
        company = ats.company_from_address(address)
    return _fields(ats.title_in(texts, email.html.emphasis), company)


def _classified_texts(email: Email) -> tuple[str, ...]:
    return (email.subject, *email.lines, *(link.href for link in email.html.links[:MAX_LINKS]))


def parse_message(message) -> ParsedApplication | ParsedUpdate | None:
    """What a Gmail message (format=full) is: a new application (a confirmation from one of the four
    2019 sources or an ATS), an update about an application (an interview, onsite, offer or rejection,
    from any sender), or None.

    Raises UnparseableMessage when the message looks like an application but its fields (title, company,
    id, date) cannot be found.
    """
    if not isinstance(message, dict):
        return None
    display, address = from_header(message)
    email = _read_email(message)
    chosen = _parser_for(address)
    if chosen is not None:
        source, parse = chosen
        fields = parse(email)
        if fields is not None:
            return _application(message, source, fields, email)
    texts = _classified_texts(email)
    outcome = classify(texts)
    system = ats.ats_of(address)
    if outcome == CONFIRMATION and system is not None:
        return _application(message, system, parse_ats_confirmation(email, system, display, address), email)
    if outcome in STATUS_OUTCOMES and not is_bulk(email.subject, address):
        return ParsedUpdate(
            msg_id=_msg_id(message),
            date=_date(message),
            outcome=outcome,
            subject=email.subject,
            body=email.body,
            evidence=evidence(
                display,
                address,
                email.subject,
                email.lines,
                ats.title_in((email.subject, *email.lines), email.html.emphasis),
            ),
        )
    return None


GMAIL_SENDERS = (
    *sorted(LINKEDIN_SENDERS),
    *sorted(HIRED_SENDERS),
    *sorted(INDEED_SENDERS),
    VETTERY_DOMAIN,
    *ats.ATS_DOMAINS,
)
# Employer mail about applications, from any sender.
GMAIL_TERMS = (
    "subject:interview",
    "subject:application",
    "subject:applying",
    "subject:offer",
    "subject:candidacy",
    '"your application"',
    '"thank you for applying"',
    '"thanks for applying"',
    '"next steps"',
    "interview",
    "unfortunately",
)
MAX_QUERY_COMPANIES = 100  # the most recent tracked companies named in the query
EXCLUDED = "-in:spam -in:trash -in:sent"  # the user's own mail says nothing about their applications


def _quoted(company: str) -> str | None:
    company = " ".join(company.replace('"', " ").replace("{", " ").replace("}", " ").split())
    return f'"{company}"' if company else None


def gmail_query(since: datetime | None = None, companies=()) -> str:
    """The Gmail search ``q``: the senders of application mail (the four 2019 sources and the ATSs), mail
    about applications (search terms, the names of the tracked ``companies``), spam and trash excluded;
    from ``since`` on when given.

    ``after:`` takes epoch seconds; a naive ``since`` is taken as UTC, and fractions are dropped
    (rounding down, so nothing after ``since`` is missed).
    """
    names = list(dict.fromkeys(filter(None, map(_quoted, companies))))[:MAX_QUERY_COMPANIES]
    terms = [f"from:{address}" for address in GMAIL_SENDERS] + list(GMAIL_TERMS) + names
    query = "{" + " ".join(terms) + "} " + EXCLUDED
    if since is not None:
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        query += f" after:{int(since.timestamp() // 1)}"
    return query
