"""What an employer's or an ATS's mail says about an application, from tables of phrasings.

Adding a phrasing is one line in its table. Phrases are matched on words (case, punctuation and curly
quotes ignored), inside one sentence; ``*`` stands for up to three words; a word also matches its plural
("interview" matches "interviews"). A phrase written with a leading ``~`` is weak: it counts only when the
mail has no confirmation wording ("thanks for applying … we'll discuss next steps" is a confirmation).

A sentence that states no decision — a condition ("if your experience matches"), a promise ("we'll be in
touch"), a remark about volume or rescheduling — is ignored for the status outcomes. The strongest
outcome found wins: rejection (over any other wording, confirmations included), then offer, onsite,
interview, and last the confirmation.

Matching walks words with dictionary look-ups, no regular expression with backtracking, and reads at
most the first CLASSIFIED_CHARACTERS of a mail: a decision is stated at the top, and a hostile 1 MiB
line costs nothing more.
"""

import re
from collections import defaultdict
from collections.abc import Iterable

REJECTION = "rejection"
OFFER = "offer"
ONSITE = "onsite"
INTERVIEW = "interview"
CONFIRMATION = "confirmation"

STATUS_OUTCOMES = (REJECTION, OFFER, ONSITE, INTERVIEW)
PRECEDENCE = (REJECTION, OFFER, ONSITE, INTERVIEW, CONFIRMATION)

PHRASES = {
    REJECTION: (
        "unfortunately",
        "regret to inform",
        "we regret",
        "not be moving forward",
        "not moving forward",
        "won't be moving forward",
        "not move forward",
        "not to move forward",
        "unable to move forward",
        "not able to move forward",
        "move forward with other candidates",
        "moving forward with other candidates",
        "move forward with another candidate",
        "moving forward with another candidate",
        "move forward with other applicants",
        "move forward with candidates",
        "moving forward with candidates",
        "pursue candidates",
        "candidates whose",
        "applicants whose",
        "won't be able to move forward",
        "will not be able to move forward",
        "not be able to proceed",
        "won't be able to proceed",
        "not be extending",
        "won't be extending",
        "position * filled",
        "role * filled",
        "position * closed",
        "go with someone",
        "hire someone else",
        "with other candidates",
        "with another candidate",
        "move ahead with other",
        "with other applicants",
        "moving ahead with other",
        "proceed with other candidates",
        "proceeding with other candidates",
        "pursue other candidates",
        "pursue another candidate",
        "pursuing other candidates",
        "other candidates whose",
        "other applicants whose",
        "another candidate whose",
        "more closely match",
        "more closely matches",
        "more closely aligned",
        "decided not to",
        "not to proceed",
        "not be proceeding",
        "won't be proceeding",
        "not proceed with your",
        "not be progressing",
        "not progress your application",
        "not to progress",
        "not been selected",
        "were not selected",
        "was not selected",
        "have not been chosen",
        "not been successful",
        "was unsuccessful",
        "were unsuccessful",
        "been unsuccessful",
        "position has been filled",
        "role has been filled",
        "position was filled",
        "position is filled",
        "filled the position",
        "filled the role",
        "position has been closed",
        "role has been closed",
        "closed the position",
        "closed the role",
        "no longer under consideration",
        "no longer being considered",
        "no longer considering",
        "not be considering",
        "unable to offer you",
        "not able to offer you",
        "not be offering you",
        "cannot offer you",
        "can't offer you",
        "not in a position to offer",
        "different direction",
        "go with another candidate",
        "go with a different candidate",
        "go with other candidates",
        "chosen another candidate",
        "chose another candidate",
        "selected another candidate",
        "hired another candidate",
        "offer to another candidate",
        "not the right fit",
        "not a fit for",
        "not the best fit",
        "not a match for",
        "not be pursuing your",
        "won't be pursuing your",
        "not moving ahead",
        "not be moving ahead",
        "in your job search",
        "future endeavors",
        "future endeavours",
    ),
    OFFER: (
        "offer letter",
        "offer of employment",
        "employment offer",
        "job offer",
        "formal offer",
        "verbal offer",
        "written offer",
        "official offer",
        "offer details",
        "offer package",
        "extend you an offer",
        "extend an offer",
        "extending an offer",
        "extend you * offer",
        "pleased to offer you",
        "happy to offer you",
        "delighted to offer you",
        "excited to offer you",
        "thrilled to offer you",
        "like to offer you",
        "offer you the position",
        "offer you the role",
        "offer you a position",
        "make you an offer",
        "present you with an offer",
        "an offer for the",
        "your offer",
        "accept the offer",
        "accept our offer",
        "offer to join",
        "welcome aboard",
        "welcome to the team",
    ),
    ONSITE: (
        "onsite interview",
        "on site interview",
        "onsite visit",
        "on site visit",
        "onsite round",
        "onsite loop",
        "virtual onsite",
        "an onsite",
        "an on site",
        "your onsite",
        "your on site",
        "the onsite",
        "final round",
        "final interview",
        "final stage",
        "last round",
        "final panel",
        "panel interview",
        "interview loop",
        "full loop",
        "in person interview",
        "superday",
        "super day",
        "visit our office",
        "come into the office",
        "come into our office",
        "come in to our office",
        "come to our office",
        "meet the team in person",
        "day of interviews",
        "interview onsite",
        "interview itinerary",
        "meet the rest of the team",
        "interview day",
    ),
    INTERVIEW: (
        "phone screen",
        "phone screening",
        "phone interview",
        "video interview",
        "video screen",
        "video call",
        "virtual interview",
        "zoom interview",
        "initial interview",
        "first interview",
        "first round",
        "recruiter screen",
        "recruiter call",
        "recruiter interview",
        "screening call",
        "screening interview",
        "available for * call",
        "available for * interview",
        "available for * chat",
        "available to chat",
        "available to talk",
        "interview details",
        "your upcoming interview",
        "interview is confirmed",
        "confirm your interview",
        "times for your interview",
        "select your interview",
        "set up some time",
        "find some time",
        "hop on a call",
        "jump on a call",
        "get on a call",
        "free for * call",
        "quick call",
        "quick chat",
        "minute call",
        "minute chat",
        "minute phone",
        "minute video",
        "min call",
        "intro call",
        "introductory call",
        "initial call",
        "technical interview",
        "technical screen",
        "technical phone",
        "coding interview",
        "hiring manager interview",
        "schedule a call",
        "schedule a time",
        "schedule an interview",
        "schedule your interview",
        "schedule * interview",
        "schedule * call",
        "schedule * chat",
        "schedule * conversation",
        "set up a call",
        "set up a time",
        "set up * interview",
        "set up * call",
        "arrange * interview",
        "arrange * call",
        "book a time",
        "book * interview",
        "book * call",
        "pick a time",
        "select a time",
        "choose a time",
        "find a time",
        "times that work",
        "time that works",
        "your availability",
        "availability for",
        "invite you to interview",
        "invite you * interview",
        "invite you * call",
        "invitation to interview",
        "interview invitation",
        "interview invite",
        "interview request",
        "interview confirmation",
        "interview has been scheduled",
        "interview is scheduled",
        "like to interview you",
        "like to speak with you",
        "love to speak with you",
        "like to schedule",
        "love to schedule",
        "like to set up",
        "selected for an interview",
        "advance to the next",
        "move you forward",
        "move forward with your candidacy",
        "moving forward with your candidacy",
        "coding challenge",
        "coding assessment",
        "technical assessment",
        "online assessment",
        "take home",
        "calendly",
        "goodtime",
        "youcanbook",
        "self schedule",
        "scheduling link",
        "~next step",
        "~next steps",
        "~next stage",
        "~next round",
        "~interview with",
        "~like to chat",
        "~love to chat",
        "~like to talk",
        "~love to talk",
        "~move forward with your application",
        "~moving forward with your application",
    ),
    CONFIRMATION: (
        "thank you for applying",
        "thanks for applying",
        "thank you for your application",
        "thanks for your application",
        "thank you for submitting",
        "thanks for submitting",
        "received your application",
        "application has been received",
        "application was received",
        "application received",
        "application has been submitted",
        "application was submitted",
        "application submitted",
        "successfully submitted",
        "successfully applied",
        "you applied for",
        "you have applied",
        "you've applied",
        "application confirmation",
        "confirming your application",
        "confirm receipt of your application",
        "thank you for your interest in",
        "thanks for your interest in",
    ),
}

# A sentence with one of these states no decision, whatever else it says.
NO_DECISION = (
    "if we",
    "if your",
    "if you are selected",
    "if you're selected",
    "if selected",
    "if there is",
    "if there's",
    "if you are a",
    "if you're a",
    "should your",
    "should we",
    "should you be",
    "in the event",
    "once we",
    "only candidates",
    "only those",
    "only applicants",
    "only selected",
    "be in touch",
    "will reach out",
    "we'll reach out",
    "will contact",
    "we'll contact",
    "will be contacted",
    "will be contacting",
    "will get back",
    "we'll get back",
    "will review",
    "we'll review",
    "will be reviewing",
    "are reviewing",
    "currently reviewing",
    "to review your application",
    "may contact",
    "may reach out",
    "might",
    "possibility",
    "high volume",
    "volume of applications",
    "unable to respond",
    "respond to every",
    "respond to each",
    "individual feedback",
    "provide feedback",
    "reschedule",
    "rescheduling",
    "postpone",
    "not monitored",
    "do not reply",
)

# Mail sent in bulk (newsletters, job alerts) is about no one's application. Read in the subject and the
# sender's address only: real updates often carry a "similar jobs" section in their body.
BULK = (
    "job alert",
    "jobs you may be interested in",
    "jobs you might like",
    "jobs you may like",
    "recommended jobs",
    "jobs recommended for you",
    "job recommendations",
    "new jobs",
    "jobs matching",
    "similar jobs",
    "newsletter",
    "webinar",
    "weekly digest",
    "daily digest",
)
BULK_SENDERS = ("alert", "newsletter", "news@", "digest", "marketing", "promo")

CLASSIFIED_CHARACTERS = 20_000
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z0-9]+)*")
_SENTENCE_END = re.compile(r"[.!?;]+(?=\s|$)|\n")
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})
WILDCARD = "*"
WILDCARD_WORDS = 3


def words(text: str) -> list[str]:
    """The lower-cased words of ``text`` (apostrophes kept inside words: "we'd", "won't")."""
    return _WORD.findall(text.casefold().translate(_QUOTES))


def sentences(texts: Iterable[str]) -> list[list[str]]:
    """The words of each sentence of ``texts`` (a subject, body lines, link targets), within the first
    CLASSIFIED_CHARACTERS."""
    budget = CLASSIFIED_CHARACTERS
    result = []
    for text in texts:
        if budget <= 0:
            break
        text = text[:budget]
        budget -= len(text)
        for sentence in _SENTENCE_END.split(text):
            found = words(sentence)
            if found:
                result.append(found)
    return result


class PhraseTable:
    """Phrases indexed by their first word, matched against a sentence's words."""

    def __init__(self, phrases: Iterable[str]):
        self.by_first = defaultdict(list)
        for phrase in phrases:
            weak = phrase.startswith("~")
            tokens = tuple(phrase.lstrip("~").split())
            self.by_first[tokens[0]].append((tokens, weak))

    def find(self, sentence: list[str]):
        """``(phrase, weak)`` of the first phrase in the sentence, else None."""
        for index, word in enumerate(sentence):
            for candidate in (word, _singular(word)):
                for tokens, weak in self.by_first.get(candidate, ()):
                    if _matches(tokens, 1, sentence, index + 1):
                        return " ".join(tokens), weak
        return None


def _singular(word: str) -> str:
    return word[:-1] if word.endswith("s") and len(word) > 3 else word


def _matches(tokens, at, sentence, position) -> bool:
    if at == len(tokens):
        return True
    token = tokens[at]
    if token == WILDCARD:
        return any(
            _matches(tokens, at + 1, sentence, position + skip)
            for skip in range(WILDCARD_WORDS + 1)
            if position + skip <= len(sentence)
        )
    if position >= len(sentence):
        return False
    word = sentence[position]
    return (word == token or _singular(word) == token) and _matches(tokens, at + 1, sentence, position + 1)


TABLES = {outcome: PhraseTable(phrases) for outcome, phrases in PHRASES.items()}
NO_DECISION_TABLE = PhraseTable(NO_DECISION)
BULK_TABLE = PhraseTable(BULK)


def classify(texts: Iterable[str]) -> str | None:
    """The outcome a mail states (one of PRECEDENCE), from its subject, body lines and links; None when
    it states none."""
    found = {}
    for sentence in sentences(texts):
        decided = NO_DECISION_TABLE.find(sentence) is None
        for outcome, table in TABLES.items():
            if outcome != CONFIRMATION and not decided:
                continue
            match = table.find(sentence)
            if match is not None and (outcome not in found or found[outcome][1]):
                found[outcome] = match
    for outcome in PRECEDENCE:
        if outcome in found:
            _phrase, weak = found[outcome]
            if weak and CONFIRMATION in found:
                continue
            return outcome
    return None


def is_bulk(subject: str, address: str) -> bool:
    """Whether the mail reads like a newsletter or a job alert, by its subject or its sender."""
    local = address.partition("@")[0] + "@"
    return any(BULK_TABLE.find(sentence) for sentence in sentences([subject])) or any(
        marker in local for marker in BULK_SENDERS
    )
