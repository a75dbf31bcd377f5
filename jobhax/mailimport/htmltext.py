"""What a reader sees in an email's HTML: its lines of text, its links and its images.

Built on the standard library's HTML parser, which copes with broken markup and unescapes entities
in text and attributes. Block elements and ``<br>`` end a line, inline ones (``<b>``, ``<a>``) do not,
so "updates from <b>Genuent</b> on this" stays one sentence. Whitespace is collapsed in every line.
"""

from dataclasses import dataclass, field
from html.parser import HTMLParser

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
HIDDEN_TAGS = frozenset({"head", "script", "style", "template"})


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


class _Reader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.result = HtmlText()
        self._line: list[str] = []
        self._hidden = 0
        self._links: list[tuple[str, list[str]]] = []

    def _end_line(self):
        line = normalize("".join(self._line))
        if line:
            self.result.lines.append(line)
        self._line = []

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        if tag in HIDDEN_TAGS:
            self._hidden += 1
        elif tag in BLOCK_TAGS:
            self._end_line()
        if tag == "a":
            self._links.append((attributes.get("href", "").strip(), []))
        elif tag == "img" and attributes.get("src"):
            self.result.images.append(Image(attributes["src"].strip(), normalize(attributes.get("alt", ""))))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag == "a":
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if tag in HIDDEN_TAGS:
            self._hidden = max(0, self._hidden - 1)
        elif tag in BLOCK_TAGS:
            self._end_line()
        elif tag == "a" and self._links:
            href, text = self._links.pop()
            if href:
                self.result.links.append(Link(href, normalize("".join(text))))

    def handle_data(self, data):
        if self._hidden:
            return
        self._line.append(data)
        for _, text in self._links:
            text.append(data)

    def close(self):
        super().close()
        self._end_line()
        while self._links:
            self.handle_endtag("a")


def read_html(html: str) -> HtmlText:
    """The lines, links and images of ``html``; never raises on malformed markup."""
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader.result
