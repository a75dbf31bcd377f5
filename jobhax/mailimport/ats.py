"""Application confirmations of the applicant tracking systems most employers use, and the company and
job title that confirmations (and employers' later mail) name.

The sender's domain says which ATS sent a message. The company is the name a phrase of the subject or
body gives ("Thank you for applying to Acme", "Your application to Acme", "the … role at Acme, Inc."),
legal suffixes kept as written; only without one, the sender's display name less words such as
Recruiting, Careers, Talent Acquisition, Hiring Team and "via X". The title comes from the subject or
body ("Application received: Senior Engineer", "applied for Senior Engineer", "for the Senior Engineer
position"); a bold or strong span right after such a phrase is taken whole ("for <b>Backend Engineer,
Payments</b> and will be in touch").

Every search here is a literal-led pattern whose captures are read by hand from a bounded window (the
next WINDOW characters), so the cost stays linear in the text whatever it holds.
"""

import re
from collections.abc import Iterable

GREENHOUSE = "Greenhouse"
LEVER = "Lever"
WORKDAY = "Workday"
ASHBY = "Ashby"
SMARTRECRUITERS = "SmartRecruiters"
ICIMS = "iCIMS"

# The sender's domain, or any subdomain of it, names the ATS.
ATS_DOMAINS = {
    "greenhouse.io": GREENHOUSE,
    "greenhouse-mail.io": GREENHOUSE,
    "hire.lever.co": LEVER,
    "lever.co": LEVER,
    "myworkday.com": WORKDAY,
    "ashbyhq.com": ASHBY,
    "smartrecruiters.com": SMARTRECRUITERS,
    "icims.com": ICIMS,
}
ATS_NAMES = frozenset(ATS_DOMAINS.values())

WINDOW = 300  # characters read after a phrase
SEARCHED_CHARACTERS = 20_000  # of the subject and body, from the top


def ats_of(address: str) -> str | None:
    """The ATS whose domain (or a subdomain of it) sent from ``address``."""
    domain = address.rpartition("@")[2].lower()
    for known, name in ATS_DOMAINS.items():
        if domain == known or domain.endswith("." + known):
            return name
    return None


def searched(texts: Iterable[str]) -> list[str]:
    """The texts (subject, then body lines), within the first SEARCHED_CHARACTERS."""
    budget, result = SEARCHED_CHARACTERS, []
    for text in texts:
        if budget <= 0:
            break
        result.append(text[:budget])
        budget -= len(result[-1])
    return result


# -- company ------------------------------------------------------------------------------------------

COMPANY_LEADS = re.compile(
    r"\b(?:(?:thank you|thanks) for applying (?:to|at|with)"
    r"|applying (?:to|at|with)|applied (?:to|at|with)|apply (?:to|at|with)"
    r"|application (?:to|at|with)|interest in joining|interested in joining|interest in"
    r"|offer from|offer to join|to join|update from"
    r"|(?:role|position|job|opening|opportunity|opportunities|careers|team|career) (?:at|with)"
    r"|working (?:at|with)|work at) ",
    re.IGNORECASE,
)
LEGAL_SUFFIXES = frozenset(
    {
        *("inc", "incorporated", "llc", "l.l.c", "ltd", "limited", "corp", "corporation", "co", "plc"),
        *("gmbh", "ag", "sa", "s.a", "sas", "sarl", "srl", "spa", "bv", "b.v", "nv", "n.v", "oy", "oyj"),
        *("ab", "asa", "kk", "pte", "pty", "lp", "llp", "pc", "pllc", "ug", "kg", "se", "ltda", "sl"),
    }
)
CONNECTORS = frozenset({"of", "and", "&", "de", "la", "du", "von", "van", "der", "y"})
NOT_NAMES = frozenset({"us", "our", "the", "this", "that", "you", "your", "we", "it", "them", "a", "an"})
_OPENING = "\"'\u201c\u2018(["  # straight and curly opening quotes, brackets
_CLOSING = ".,!?;:)\"'\u201d\u2019]"
MAX_NAME_WORDS = 6


def _core(word: str) -> str:
    return word.strip(_OPENING).rstrip(_CLOSING)


def _name_word(word: str) -> bool:
    return bool(word) and (word[0].isupper() or word[0].isdigit() or any(c.isupper() for c in word[1:]))


def _legal_suffix(word: str) -> bool:
    return word.lower().rstrip(".") in LEGAL_SUFFIXES


def take_name(text: str) -> str | None:
    """The proper name at the start of ``text``: capitalised words (with "of", "&" … between them), up to
    punctuation; a legal suffix after a comma ("Initech, Inc.") is kept as written."""
    tokens = text[:WINDOW].split()
    name: list[str] = []
    index = 0
    while index < len(tokens) and len(name) < MAX_NAME_WORDS:
        raw = tokens[index]
        word = raw.lstrip(_OPENING) if not name else raw
        core = _core(word)
        possessive = core.endswith(("'s", "\u2019s"))
        if possessive:
            core = core[:-2]
        if core.lower() in CONNECTORS and name:
            following = _core(tokens[index + 1]) if index + 1 < len(tokens) else ""
            if not _name_word(following) or raw != core:
                break
            name.append(core)
            index += 1
            continue
        if not _name_word(core):
            break
        ending = word[len(core) :] if not possessive else "'s"
        if _legal_suffix(core) and name and ending.startswith("."):
            name.append(core + ".")
            break
        name.append(core)
        if possessive:
            break
        if ending:
            following = tokens[index + 1] if index + 1 < len(tokens) else ""
            suffix = _core(following)
            if ending.startswith(",") and _legal_suffix(suffix):
                name[-1] += ","
                name.append(suffix + ("." if following[len(suffix) :].startswith(".") else ""))
            break
        index += 1
    while name and name[-1].lower() in CONNECTORS:
        name.pop()
    result = " ".join(name).strip()
    if not result or result.lower() in NOT_NAMES or result in ATS_NAMES:
        return None
    return result


# Only when no phrase above names one: "applying for Software Engineer at Acme".
COMPANY_AFTER_TITLE = re.compile(
    r"\b(?:applying|applied|application|apply) for [^.!?;:]{1,120}? (?:at|with) ", re.IGNORECASE
)


def company_in(texts: Iterable[str]) -> str | None:
    """The company the first company phrase of ``texts`` names."""
    texts = searched(texts)
    for pattern in (COMPANY_LEADS, COMPANY_AFTER_TITLE):
        for text in texts:
            for lead in pattern.finditer(text):
                name = take_name(text[lead.end() : lead.end() + WINDOW])
                if name:
                    return name
    return None


DISPLAY_NOISE = re.compile(
    r"\b(?:talent acquisition|human resources|hiring team|recruiting team|recruitment team|talent team"
    r"|people team|university recruiting|campus recruiting|recruiting|recruitment|recruiters?|careers?"
    r"|talent|hiring|jobs|hr|team|notifications?|no-?reply|do-?not-?reply)\b",
    re.IGNORECASE,
)
_VIA = re.compile(r"\(?\bvia\b", re.IGNORECASE)
_PERSON_FROM = re.compile(r"\b(?:from|at)\s", re.IGNORECASE)
GENERIC_LOCAL_PARTS = frozenset(
    {
        "noreply",
        "no-reply",
        "donotreply",
        "do-not-reply",
        "notifications",
        "notification",
        "jobs",
        "careers",
        "recruiting",
        "talent",
        "hr",
        "mail",
        "system",
        "workday",
        "reply",
        "info",
        "candidates",
    }
)


def company_from_display_name(display: str) -> str | None:
    """The company a sender's display name gives: "Acme Recruiting", "Acme via Greenhouse", "Dana from
    Acme" → "Acme"; None when nothing but such words (or an ATS's own name) is left."""
    display = display[:WINDOW]
    via = _VIA.search(display)
    if via:
        display = display[: via.start()]
    people = list(_PERSON_FROM.finditer(display))
    if people:
        display = display[people[-1].end() :]
    cleaned = " ".join(DISPLAY_NOISE.sub(" ", display).split()).strip(" -\u2013|,:@")
    if cleaned.lower().startswith("the "):
        cleaned = cleaned[4:]
    if not cleaned or cleaned in ATS_NAMES or cleaned.lower() in NOT_NAMES or "@" in cleaned:
        return None
    return cleaned


def company_from_address(address: str) -> str | None:
    """Workday sends from ``{tenant}@myworkday.com``: the tenant names the employer."""
    local = address.partition("@")[0]
    if not local or local.lower() in GENERIC_LOCAL_PARTS or not local.isalpha():
        return None
    return local.capitalize()


# -- title --------------------------------------------------------------------------------------------

# Phrases followed by the title, which ends at the first TITLE_END.
TITLE_LEADS = re.compile(
    r"(?:\b(?:application received|application confirmation|application submitted|applied|application)"
    r"\s?[:\-\u2013\u2014|]\s"
    r"|\b(?:application|applied|applying|apply|interview|interviewing|candidacy|considered|received) for"
    r" (?:the |our )?"
    r"|\b(?:applied|applying|apply) to be (?:a |an |the |our )"
    r"|\b(?:applied|applying|apply|application) to (?:the |our )"
    r"|\binterest in (?:the |our )"
    r"|\b(?:position|role) of "
    r"|\b(?:job title|position|role|job|title):\s)",
    re.IGNORECASE,
)
# Phrases followed by the title only when a word such as "role" ends it: "for the X role".
TITLE_WEAK_LEADS = re.compile(r"\b(?:for the|for our|for a|for an|as a|as an|as our|the) ", re.IGNORECASE)
ROLE_WORDS = r"role|position|job|opening|vacancy|opportunity|req|requisition"
ROLE_END = re.compile(rf"\s(?:{ROLE_WORDS})\b", re.IGNORECASE)
TITLE_END = re.compile(
    rf"\s(?:{ROLE_WORDS})\b"
    r"|\s(?:at|with|on|through|via|we|you|today|here|has|have|was|is|in our|in the|and (?:will|we|our|are"
    r"|would|have|look|i|you))\b"
    r"|,\s(?:and|we|our|which|but)\b"
    r"|[.!?;:](?=\s|$)"
    r"|\s[-|\u2013\u2014]\s|\s[(\[]|$",
    re.IGNORECASE,
)
ABBREVIATIONS = frozenset({"sr", "jr", "mgr", "eng", "dir", "assoc", "asst", "st", "sen", "snr"})
GENERIC_TITLES = frozenset(
    {"role", "position", "job", "opening", "opportunity", "vacancy", "this", "it", "us", "team", "company"}
)
MAX_TITLE_WORDS = 12


def _title_end(rest: str, role_word_required: bool):
    pattern = ROLE_END if role_word_required else TITLE_END
    for end in pattern.finditer(rest):
        piece = rest[: end.start()]
        if end.group().startswith(".") and piece.rsplit(" ", 1)[-1].lower().strip("(") in ABBREVIATIONS:
            continue
        return end.start()
    return None


def _valid_title(title: str) -> str | None:
    title = title.strip(" \"'\u201c\u201d\u2018\u2019*:-\u2013\u2014,")
    for article in ("the ", "a ", "an ", "our ", "this ", "your "):
        if title.lower().startswith(article):
            title = title[len(article) :]
    words = title.split()
    if not words or len(words) > MAX_TITLE_WORDS or title.lower() in GENERIC_TITLES:
        return None
    if not any(character.isupper() or character.isdigit() for character in title):
        return None
    return title


ROLE_FIRST = re.compile(rf"(?:{ROLE_WORDS})\b", re.IGNORECASE)


def _title_after(rest: str, emphasis: Iterable[str], role_word_required: bool) -> str | None:
    rest = rest[:WINDOW]
    if ROLE_FIRST.match(rest):
        # "for the position of X": the phrase after names it.
        return None
    for span in emphasis:
        if len(span) > 1 and rest.startswith(span):
            return _valid_title(span)
    end = _title_end(rest, role_word_required)
    if end is None:
        return None
    return _valid_title(rest[:end])


def title_in(texts: Iterable[str], emphasis: Iterable[str] = ()) -> str | None:
    """The job title the first title phrase of ``texts`` names."""
    emphasis = [span for span in emphasis if span][:50]
    texts = searched(texts)
    for pattern, weak in ((TITLE_LEADS, False), (TITLE_WEAK_LEADS, True)):
        for text in texts:
            for lead in pattern.finditer(text):
                title = _title_after(text[lead.end() : lead.end() + WINDOW], emphasis, weak)
                if title:
                    return title
    return None
