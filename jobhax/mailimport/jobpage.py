"""A LinkedIn job page (``/jobs/view/{job_id}/``) read into the posting that get_jobapp_detail serves.

Older pages carry their data as JSON inside HTML comments, ``<code id="...Module"><!--{...}--></code>``;
newer ones carry a schema.org ``JobPosting`` JSON-LD block, used when ``decoratedJobPostingModule`` is
missing (DESIGN.md "Social login and Gmail import").
"""

import json
import re
from html.parser import HTMLParser

MODULES = {
    "posterInformationModule": "poster_information",
    "decoratedJobPostingModule": "decorated_job_posting",
    "topCardV2Module": "top_card_v2",
}
JOB_ID = re.compile(r"/jobs/view/(?:[^/?#\s\"'<>]*-)?(?P<job_id>\d+)(?![\w-])")


def job_id_from_link(text: str) -> str | None:
    """The job id in the first ``…/jobs/view/{job_id}`` link of ``text`` (slugged links included)."""
    if not isinstance(text, str):
        return None
    found = JOB_ID.search(text)
    return found["job_id"] if found else None


def _json_object(text: str) -> dict | list | None:
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict | list) else None


class _PageReader(HTMLParser):
    """Collects the text of ``<code id=...>`` elements (comment or escaped text) and JSON-LD scripts."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.codes: dict[str, list[str]] = {}
        self.json_ld: list[list[str]] = []
        self._target: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "code" and attributes.get("id") in MODULES and attributes["id"] not in self.codes:
            self._target = self.codes.setdefault(attributes["id"], [])
        elif tag == "script" and (attributes.get("type") or "").strip().lower() == "application/ld+json":
            self._target = []
            self.json_ld.append(self._target)

    def handle_endtag(self, tag):
        if tag in ("code", "script"):
            self._target = None

    def handle_data(self, data):
        if self._target is not None:
            self._target.append(data)

    def handle_comment(self, data):
        if self._target is not None:
            self._target.append(data)


def _job_posting(value) -> dict | None:
    """The first JSON-LD node whose @type is (or includes) JobPosting, at the top, in a list or @graph."""
    if isinstance(value, list):
        return next(filter(None, map(_job_posting, value)), None)
    if not isinstance(value, dict):
        return None
    kind = value.get("@type")
    if kind == "JobPosting" or (isinstance(kind, list) and "JobPosting" in kind):
        return value
    return _job_posting(value.get("@graph"))


def parse_job_page(html: str) -> dict:
    """``{"poster_information", "decorated_job_posting", "top_card_v2"}``, each a dict, ``{}`` when absent.

    Never raises: junk HTML or broken JSON leaves the affected keys empty.
    """
    reader = _PageReader()
    if isinstance(html, str):
        try:
            reader.feed(html)
            reader.close()
        except (AssertionError, ValueError):
            pass
    page = {}
    for module, key in MODULES.items():
        value = _json_object("".join(reader.codes.get(module, [])))
        page[key] = value if isinstance(value, dict) else {}
    if not page["decorated_job_posting"]:
        posting = next(
            filter(None, (_job_posting(_json_object("".join(block))) for block in reader.json_ld)), None
        )
        page["decorated_job_posting"] = posting or {}
    return page
