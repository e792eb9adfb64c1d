"""A senat.fr page as the text a reader sees: bytes decoded with the page's charset
(`decode_page`), then HTML rendered into lines (`html_to_text`). Pure functions."""

from __future__ import annotations

import codecs
import re
from enum import Enum

from bs4 import BeautifulSoup, Tag
from bs4.element import NavigableString, PageElement, PreformattedString

FALLBACK_CHARSET = "cp1252"

_META_CHARSET = re.compile(rb"""<meta[^>]{0,512}?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]{1,40})""",
                           re.IGNORECASE)
# Text codecs Python knows that no web page means as its charset ("undefined" always raises);
# bytes-to-bytes codecs (base64, zlib…) fail to decode and fall back like unknown names.
_NOT_CHARSETS = frozenset({"undefined", "unicode-escape", "raw-unicode-escape", "idna", "punycode",
                           "utf-7"})


def decode_page(data: bytes, declared_charset: str | None) -> str:
    """Decode a page with its charset: the HTTP header's, else its `<meta>` one, else windows-1252.

    Like browsers (WHATWG Encoding), ISO-8859-1 and ASCII are read as windows-1252, its superset,
    which is what senat.fr really sends (typographic quotes, €, œ). Bad bytes become U+FFFD.
    """
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8", errors="replace")
    charset = _codec_name(declared_charset) or _codec_name(_sniff_meta_charset(data))
    try:
        return data.decode(charset or FALLBACK_CHARSET, errors="replace")
    except (LookupError, UnicodeError):
        return data.decode(FALLBACK_CHARSET, errors="replace")


def _sniff_meta_charset(data: bytes) -> str | None:
    match = _META_CHARSET.search(data, 0, 4096)
    return match[1].decode("ascii") if match else None


def _codec_name(label: str | None) -> str | None:
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().strip("\"'")).name
    except LookupError:
        return None
    if name in _NOT_CHARSETS:
        return None
    return FALLBACK_CHARSET if name in ("iso8859-1", "latin-1", "ascii") else name


# --- HTML to the text a reader sees ---------------------------------------------------------------

# Not shown as text: the head, code, embedded objects, and form fields' lists and values.
_HIDDEN = frozenset({"head", "script", "style", "noscript", "template", "title", "iframe", "object",
                     "svg", "select", "textarea"})
# Elements a browser shows with a margin above and below: a blank line in the text.
_PARAGRAPHS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "dl",
                         "blockquote", "pre", "hr", "form", "fieldset", "figure"})
_BLOCKS = frozenset({"html", "body", "div", "section", "article", "header", "footer", "nav", "aside",
                     "main", "address", "center", "li", "dt", "dd", "tr", "td", "th", "caption",
                     "thead", "tbody", "tfoot", "figcaption", "legend", "details", "summary",
                     "menu"})


class _Break(Enum):
    LINE = "line"            # end the current line, if it has text
    PARAGRAPH = "paragraph"  # end the current line and leave a blank line before the next text
    HARD = "hard"            # <br>: always a new line, so <br><br> shows as a blank line


class _LineWriter:
    """Collects text and breaks into stripped lines with at most one blank line in a row."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._current: list[str] = []
        self._gap = False

    def text(self, text: str) -> None:
        self._current.append(text)

    def brk(self, kind: _Break) -> None:
        # str.split() also splits on no-break and other Unicode spaces: they all become one space.
        line = " ".join("".join(self._current).split())
        self._current.clear()
        if line:
            if self._gap and self.lines:
                self.lines.append("")
            self.lines.append(line)
            self._gap = kind is _Break.PARAGRAPH
        elif kind is not _Break.LINE:
            self._gap = True


def html_to_text(html: str) -> str:
    """The text a reader sees on an HTML page, keeping its line structure.

    Block elements (p, div, li, tr, td, headings, tables…) and <br> break lines, paragraphs and
    headings are set apart by one blank line, inline whitespace collapses to one space (no-break
    spaces included), lines are stripped; scripts, styles and the <head> are dropped.
    """
    writer = _LineWriter()
    # An explicit stack rather than recursion: a deeply nested page must not hit the recursion limit.
    stack: list[PageElement | _Break] = [BeautifulSoup(html, "lxml")]
    while stack:
        node = stack.pop()
        if isinstance(node, _Break):
            writer.brk(node)
        elif isinstance(node, Tag):
            stack.extend(_open_tag(node, writer))
        elif isinstance(node, NavigableString) and not isinstance(node, PreformattedString):
            writer.text(str(node))  # comments, doctype, CDATA: not shown
    writer.brk(_Break.LINE)
    return "\n".join(writer.lines)


def _open_tag(tag: Tag, writer: _LineWriter) -> list[PageElement | _Break]:
    """What to push for `tag`: its children in reverse order, after the break that closes it."""
    name = tag.name
    if name in _HIDDEN:
        return []
    if name == "br":
        writer.brk(_Break.HARD)
        return []
    kind = _Break.PARAGRAPH if name in _PARAGRAPHS else _Break.LINE if name in _BLOCKS else None
    pushed: list[PageElement | _Break] = []
    if kind is not None:
        writer.brk(kind)
        pushed.append(kind)
    pushed.extend(reversed(tag.contents))
    return pushed
