"""What makes hostile mail harmless (DESIGN "Mail understanding"): every imported string is cleaned of NUL
and lone surrogates (PostgreSQL refuses both, and one refused value would fail a whole batch), cut to
1 MiB before any parser sees it, and every stored body is HTML sanitized by nh3.

nh3 (html5ever) slows down quadratically on some inputs a sender controls: a deeply nested tree, or one
text node holding many ``&`` (1 MiB of them: 16 s). So bodies reach nh3 as lxml re-serialised them —
nesting capped by libxml2, tags with absurd attribute counts dropped before parsing (libxml2's duplicate
check is quadratic in them), long text runs split by ``<wbr>`` — which keeps every step linear.
"""

import re

import nh3
from lxml import etree

MAX_TEXT = 1 << 20  # a body, a header or a line above 1 MiB is cut here, before parsing
_INVALID = re.compile("[\x00\ud800-\udfff]")
# Tags long enough to hold many attributes; those that do hold more than MAX_ATTRIBUTES are dropped.
_LONG_TAG = re.compile(r"<[^<>]{512,}>?")
MAX_ATTRIBUTES = 64
TEXT_RUN = 2048  # characters of one text node given to nh3 before a <wbr>

SAFE_SCHEMES = frozenset({"http", "https", "mailto"})


def clean_text(value: str) -> str:
    """``value`` without NUL and lone surrogates, cut to 1 MiB."""
    if len(value) > MAX_TEXT:
        value = value[:MAX_TEXT]
    return _INVALID.sub("", value)


def clean_or_none(value):
    return clean_text(value) if isinstance(value, str) else None


def https_url(value: str | None) -> str | None:
    """``value`` when it is an https URL, else None: logos are shown by browsers, never over http or
    ``javascript:``/``data:``."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    if not value.lower().startswith("https://") or len(value) <= len("https://"):
        return None
    if any(character.isspace() or ord(character) < 32 for character in value):
        return None
    return value


def _drop_attribute_bombs(html: str) -> str:
    def keep(match):
        tag = match.group()
        return "" if tag.count("=") > MAX_ATTRIBUTES else tag

    return _LONG_TAG.sub(keep, html)


def tame_html(html: str) -> str:
    """``html`` with the tags that would make libxml2 quadratic removed (see the module docstring)."""
    return _drop_attribute_bombs(clean_text(html))


_PARSER = etree.HTMLParser(
    recover=True, no_network=True, remove_comments=True, remove_pis=True, encoding="utf-8"
)


def parse_tree(html: str):
    """The lxml tree of ``html`` (None when it holds no element); never raises on malformed markup."""
    if not html or not html.strip():
        return None
    try:
        return etree.fromstring(tame_html(html).encode("utf-8", "replace"), _PARSER)
    except (etree.LxmlError, ValueError):
        return None


def _split_runs(root):
    """Insert ``<wbr>`` into text runs longer than TEXT_RUN so nh3 never holds a long node."""
    for element in list(root.iter()):
        if not isinstance(element.tag, str):
            continue
        text = element.text
        if text and len(text) > TEXT_RUN:
            pieces = [text[i : i + TEXT_RUN] for i in range(0, len(text), TEXT_RUN)]
            element.text = pieces[0]
            for index, piece in enumerate(pieces[1:]):
                wbr = etree.Element("wbr")
                wbr.tail = piece
                element.insert(index, wbr)
        tail = element.tail
        parent = element.getparent()
        if tail and len(tail) > TEXT_RUN and parent is not None:
            pieces = [tail[i : i + TEXT_RUN] for i in range(0, len(tail), TEXT_RUN)]
            element.tail = pieces[0]
            position = parent.index(element)
            for offset, piece in enumerate(pieces[1:], start=1):
                wbr = etree.Element("wbr")
                wbr.tail = piece
                parent.insert(position + offset, wbr)


def sanitize_html(html: str) -> str:
    """``html`` (or plain text) as safe HTML: no script, style, event attributes, ``javascript:`` or
    ``data:`` URLs, forms or iframes; links get ``rel="noopener noreferrer"``."""
    root = parse_tree(html)
    if root is None:
        return ""
    _split_runs(root)
    body = root.find("body")
    source = etree.tostring(body if body is not None else root, encoding="unicode", method="html")
    return sanitize(source)


def sanitize(html: str) -> str:
    """nh3 with our policy, for HTML already tamed (see ``sanitize_html``)."""
    return nh3.clean(
        html,
        clean_content_tags={"script", "style", "template", "noscript", "title", "textarea", "select"},
        url_schemes=set(SAFE_SCHEMES),
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
