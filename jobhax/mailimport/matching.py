"""Which tracked application a mail is about, and what it changes there: plain rules, no database.

Companies compare as words, case, accents, punctuation and legal suffixes ignored ("Acme, Inc." =
"ACME"); the mail names a company when those words appear in its sender's display name, its sender's
domain, its subject or its body (strongest first). A mail that names a title (or contains one of the
tracked titles) must agree with the application's title. With several candidates, the newest.
"""

import datetime
import unicodedata
from dataclasses import dataclass

from jobhax.mailimport.classifier import INTERVIEW, OFFER, ONSITE, REJECTION

LEGAL_SUFFIXES = frozenset(
    {
        ("inc",),
        ("incorporated",),
        ("llc",),
        ("l", "l", "c"),
        ("ltd",),
        ("limited",),
        ("corp",),
        ("corporation",),
        ("co",),
        ("plc",),
        ("gmbh",),
        ("ag",),
        ("sa",),
        ("s", "a"),
        ("sas",),
        ("sarl",),
        ("srl",),
        ("spa",),
        ("bv",),
        ("b", "v"),
        ("nv",),
        ("n", "v"),
        ("oy",),
        ("oyj",),
        ("ab",),
        ("asa",),
        ("kk",),
        ("pte",),
        ("pty",),
        ("lp",),
        ("llp",),
        ("pllc",),
        ("se",),
        ("ltda",),
    }
)
ABBREVIATIONS = {
    "sr": "senior",
    "jr": "junior",
    "snr": "senior",
    "mgr": "manager",
    "swe": "software engineer",
}
TITLE_NOISE = frozenset({"the", "a", "an", "of", "and", "role", "position"})
MAX_BODY_WORDS = 4_000
SHORT_NAME = 3  # characters: names this short count only in the sender or subject, not the body


def name_words(text: str) -> tuple[str, ...]:
    """The words of a name or a mail, lower-cased, accents dropped, "&" read as "and", possessives cut."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("&", " and ").replace("\u2019", "'")
    words = []
    for raw in text.replace("'s ", " ").split():
        raw = raw[:-2] if raw.endswith("'s") else raw
        word = []
        for character in raw:
            if character.isalnum():
                word.append(character)
            elif character != "'":
                if word:
                    words.append("".join(word))
                word = []
        if word:
            words.append("".join(word))
    return tuple(words)


def company_key(company: str) -> tuple[str, ...]:
    """The words a company compares by: no leading "the", no trailing legal suffixes."""
    words = list(name_words(company))
    if len(words) > 1 and words[0] == "the":
        words.pop(0)
    changed = True
    while changed and len(words) > 1:
        changed = False
        for size in (3, 2, 1):
            if len(words) > size and tuple(words[-size:]) in LEGAL_SUFFIXES:
                del words[-size:]
                changed = True
                break
        while len(words) > 1 and words[-1] == "and":
            words.pop()
            changed = True
    return tuple(words)


def title_words(words) -> tuple[str, ...]:
    """Words as titles compare them: abbreviations spelt out, articles and "role"/"position" left out."""
    result = []
    for word in words:
        result.extend(ABBREVIATIONS.get(word, word).split())
    return tuple(word for word in result if word not in TITLE_NOISE)


def title_key(title: str) -> tuple[str, ...]:
    return title_words(name_words(title))


@dataclass(frozen=True)
class MailEvidence:
    """What a mail offers for matching: the words of its sender's display name, its sender's domain, its
    subject and its body, strongest first; and the title it names, if any."""

    fields: tuple[tuple[str, ...], ...]
    title: str | None = None


def evidence(display: str, address: str, subject: str, lines, title: str | None) -> MailEvidence:
    domain = address.rpartition("@")[2]
    body: list[str] = []
    for line in lines:
        body.extend(name_words(line[: 8 * MAX_BODY_WORDS]))
        if len(body) >= MAX_BODY_WORDS:
            break
    return MailEvidence(
        fields=(
            name_words(display),
            tuple(label for label in domain.lower().split(".") if label),
            name_words(subject),
            tuple(body[:MAX_BODY_WORDS]),
        ),
        title=title,
    )


@dataclass(frozen=True)
class Tracked:
    """A tracked application as matching sees it."""

    id: int
    company: str
    job_title: str
    apply_date: datetime.datetime
    from_mail: bool  # created by the import (its apply date is the confirmation's date)


def _grams(words: tuple[str, ...], size: int) -> set[tuple[str, ...]]:
    return {words[i : i + size] for i in range(len(words) - size + 1)}


def _contains(words: tuple[str, ...], key: tuple[str, ...]) -> bool:
    return bool(key) and f" {' '.join(key)} " in f" {' '.join(words)} "


def named_company(mail: MailEvidence, keys) -> tuple[str, ...] | None:
    """The tracked company key the mail names: from its strongest field naming any, the longest there."""
    sizes = sorted({len(key) for key in keys})
    domain = mail.fields[1]
    labels = set(domain)
    for field_index, words in enumerate(mail.fields):
        if field_index == 1:
            present = [key for key in keys if "".join(key) in labels or key in _grams(domain, len(key))]
        else:
            grams = set()
            for size in sizes:
                grams |= _grams(words, size)
            present = [key for key in keys if key in grams]
            if field_index == 3:
                present = [key for key in present if len("".join(key)) > SHORT_NAME]
        if present:
            return max(present, key=lambda key: (len(key), len("".join(key))))
    return None


def titles_agree(named: str, tracked: str) -> bool:
    """A named title agrees with a tracked one when the words of one hold all the words of the other."""
    named_words, tracked_words = set(title_key(named)), set(title_key(tracked))
    return bool(named_words and tracked_words) and (
        named_words <= tracked_words or tracked_words <= named_words
    )


def match_application(mail: MailEvidence, date: datetime.datetime, tracked: list[Tracked]) -> int | None:
    """The id of the application the mail is about, or None (untracked company, other title, or only
    applications created from later mail)."""
    by_company: dict[tuple[str, ...], list[Tracked]] = {}
    for application in tracked:
        key = company_key(application.company)
        if key:
            by_company.setdefault(key, []).append(application)
    key = named_company(mail, by_company)
    if key is None:
        return None
    candidates = [app for app in by_company[key] if app.apply_date <= date or not app.from_mail]
    if not candidates:
        return None
    _display, _domain, subject, body = mail.fields
    text = (*title_words(subject), "", *title_words(body))
    mentioned = [app for app in candidates if _contains(text, title_key(app.job_title))]
    if mentioned:
        longest = max(len(title_key(app.job_title)) for app in mentioned)
        candidates = [app for app in mentioned if len(title_key(app.job_title)) == longest]
    elif mail.title and company_key(mail.title) != key:
        # ("Your application for Acme" names the company, not a title.)
        candidates = [app for app in candidates if titles_agree(mail.title, app.job_title)]
    if not candidates:
        return None
    return max(candidates, key=lambda app: (app.apply_date, app.id)).id


# Statuses only move forward along these; other (custom) statuses are left alone.
RANK = {1: 0, 2: 0, 3: 1, 4: 2, 5: 3}
STATUS_FOR = {INTERVIEW: 3, ONSITE: 4, OFFER: 5}


@dataclass
class State:
    """An application's state while a batch of mail is applied to it."""

    status_id: int | None
    is_rejected: bool
    last_hand_edit: datetime.datetime | None


def change_for(state: State, outcome: str, date: datetime.datetime) -> str | None:
    """What the outcome changes ("status", "rejected" or None), applying it to ``state``.

    A change made by hand after the mail's date wins; statuses only move forward; a rejection sets
    ``is_rejected`` and never touches the status.
    """
    if state.last_hand_edit is not None and state.last_hand_edit > date:
        return None
    if outcome == REJECTION:
        if state.is_rejected:
            return None
        state.is_rejected = True
        return "rejected"
    target = STATUS_FOR.get(outcome)
    current = RANK.get(state.status_id) if state.status_id is not None else 0
    if target is None or current is None or RANK[target] <= current:
        return None
    state.status_id = target
    return "status"
