"""What a reader sees in an email's HTML: its lines of text, its links, its images and its emphasis.

Parsed by lxml (libxml2), which copes with broken markup, unescapes entities in text and attributes, and
runs in time linear in its input — the standard library's parser does not (a line of ``<a<a<a…`` keeps
it busy for minutes). Block elements and ``<br>`` end a line, inline ones (``<b>``, ``<a>``) do not, so
"updates from <b>Genuent</b> on this" stays one sentence. Whitespace is collapsed in every line.
"""

from dataclasses import dataclass, field

from lxml import etree

from jobhax.mailimport.hostile import parse_tree

BLOCK_TAGS = frozenset(
    {
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "br",
        "caption",
        "center",
        "dd",
        "div",
        "dl",
        "dt",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "html",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "title",
        "tr",
        "ul",
    }
)
HIDDEN_TAGS = frozenset({"head", "script", "style", "template", "noscript"})
EMPHASIS_TAGS = frozenset({"b", "strong"})


def normalize(text: str) -> str:
    """Collapse every run of whitespace (newlines and no-break spaces included) to one space."""
    return " ".join(text.split())


@dataclass(frozen=True)
class Link:
    href: str
    text: str


@dataclass(frozen=True)
class Image:
    src: str
    alt: str


@dataclass
class HtmlText:
    lines: list[str] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)
    emphasis: list[str] = field(default_factory=list)  # text of <b>/<strong>, often the job title


def _text_of(element) -> str:
    return normalize("".join(element.itertext()))


def read_html(html: str) -> HtmlText:
    """The lines, links, images and emphasis of ``html``; never raises on malformed markup."""
    root = parse_tree(html)
    result = HtmlText()
    if root is None:
        return result
    line: list[str] = []
    hidden = 0

    def end_line():
        text = normalize("".join(line))
        if text:
            result.lines.append(text)
        line.clear()

    for event, element in etree.iterwalk(root, events=("start", "end")):
        tag = element.tag if isinstance(element.tag, str) else ""
        tag = tag.lower()
        if event == "start":
            if tag in HIDDEN_TAGS:
                hidden += 1
            elif tag in BLOCK_TAGS:
                end_line()
            if hidden:
                continue
            if tag == "a":
                href = (element.get("href") or "").strip()
                if href:
                    result.links.append(Link(href, _text_of(element)))
            elif tag == "img" and (element.get("src") or "").strip():
                result.images.append(Image(element.get("src").strip(), normalize(element.get("alt") or "")))
            elif tag in EMPHASIS_TAGS:
                text = _text_of(element)
                if text:
                    result.emphasis.append(text)
            if element.text:
                line.append(element.text)
        else:
            if tag in HIDDEN_TAGS:
                hidden = max(0, hidden - 1)
            elif tag in BLOCK_TAGS:
                end_line()
            if not hidden and element.tail:
                line.append(element.tail)
    end_line()
    return result
