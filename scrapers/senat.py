"""Read senat.fr into relance's shared types: question pages into `QuestionSnapshot`s, search
result pages into `SearchHit`s.

A question page is read in two steps, because only page *texts* of real senat.fr question pages
could be recorded, never their HTML: `html_to_text` renders HTML into the lines a reader sees, and
`parse_senat_text` reads those lines. Pure functions of their input: no I/O here.
"""

from __future__ import annotations

import codecs
import contextlib
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

from bs4 import BeautifulSoup, Tag
from bs4.element import NavigableString, PageElement, PreformattedString

from scrapers.model import (
    Answer,
    Attribution,
    Author,
    Closure,
    Ministry,
    ParseError,
    QuestionSnapshot,
    Status,
    normalize_ministry,
)
from scrapers.refs import QuestionRef, RefError, parse_ref

SENAT_BASE_URL = "https://www.senat.fr"
FALLBACK_CHARSET = "cp1252"


# --- addresses ------------------------------------------------------------------------------------

def senat_page_url(ref: QuestionRef, base_url: str = SENAT_BASE_URL) -> str:
    """The senat.fr page of a Sénat written question: `…/questions/base/2022/qSEQ221103705.html`."""
    if ref.chamber != "senat" or ref.year is None:
        raise ValueError(f"{ref.label} is not a Sénat question")
    return f"{base_url.rstrip('/')}/questions/base/{ref.year}/q{ref.uid}.html"


def senat_search_url(base_url: str = SENAT_BASE_URL,
                     **params: str | int | Sequence[str | int]) -> str:
    """The address of the question search (`/basile/rechercheQuestion.do`) with `params` as its
    query; a sequence value repeats its key (`afd=["ppr", "ppl"]` → `afd=ppr&afd=ppl`)."""
    return f"{base_url.rstrip('/')}/basile/rechercheQuestion.do?{urlencode(params, doseq=True)}"


_PAGE_PATH = re.compile(r"/questions/base/\d{4}/(?P<id>q?SEQ\w{9,10})\.html")


def _ref_from_url(url: str) -> QuestionRef:
    """The question a page address names; the page text itself never repeats its number.

    A senat.fr address, or any host serving the same `/questions/base/YYYY/qSEQ….html` path (a
    configured mirror or test server, see `senat_page_url`'s `base_url`).
    """
    ref: QuestionRef | None = None
    with contextlib.suppress(RefError, ValueError):
        parts = urlsplit(url)
        if parts.scheme in ("http", "https"):
            path = _PAGE_PATH.fullmatch(parts.path)
            ref = parse_ref(path["id"]) if path else parse_ref(url)
    if ref is None or ref.chamber != "senat":
        raise ParseError(url, "Sénat written-question id in the URL (…/qSEQyymmnnnnn.html)", url)
    return ref


# --- bytes to text --------------------------------------------------------------------------------

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


# --- the text of a question page ------------------------------------------------------------------

_DATE = re.compile(r"(\d{2})/(\d{2})/(\d{4})")
_CIVILITIES = ("M.", "Mme", "Mlle")
# Current design: "… publiée le 10/12/2009"; older design: "… publiée dans le JO Sénat du 10/12/2009
# - page 2853" (the JO page then sits on the heading line rather than on a "- page N" line).
_PUBLISHED = r" publiée (?:le|dans le JO Sénat du) (?P<date>.+?)(?: - page (?P<page>\S+))?"
_QUESTION_HEAD = re.compile(r"Question (?:\S+ )*?de (?P<who>.+?)" + _PUBLISHED)
_ANSWER_HEAD = re.compile(r"Réponse (?:du |de la |de l'|des |de |à )(?P<ministry>.+?)" + _PUBLISHED)
_SPOKEN = re.compile(r"Réponse apportée en séance publique le (?P<date>\S+)")
_PAGE = re.compile(r"- ?page (?P<page>\S+)")
_TRANSFER = re.compile(r"Transmise (?:au |à la |à l'|aux |à )(?P<ministry>.+)")
_AWAITING = re.compile(r"En attente de réponse (?:du |de la |de l'|des |de )(?P<ministry>.+)")
_END_OF_PAGE = "Page mise à jour le"
_HEADING_MAX = 1000  # characters: a heading is one short line, a longer line is question text
# How a question ends without an answer, as the page words it.
_ENDINGS: tuple[tuple[re.Pattern[str], Status], ...] = (
    (re.compile(r"La question est caduque.*"), "lapsed"),
    (re.compile(r"(?:Cette|La) question (?:de rappel )?a été retirée.*"), "withdrawn"),
    (re.compile(r"Transformée en (?:QOSD|question orale).*"), "closed"),
)
# Remarks that change nothing to the state: kept as notes.
_REMARKS = re.compile(r"(?:Voir la réponse à la question rappelée|Rappelle la question)\b.*")
# Page chrome that may precede the question's heading and is never its title.
_CHROME = re.compile(r".*(?:Document précédent|Document suivant|S'abonner à cette recherche).*"
                     r"|\d+e(?:me)? législature")


@dataclass
class _Body:
    """What the lines after the question's heading say, gathered in one pass."""

    question: list[str] = field(default_factory=list)
    question_page: str | None = None
    answer_head: re.Match[str] | None = None
    spoken: date | None = None
    answer: list[str] = field(default_factory=list)
    answer_page: str | None = None
    transfers: list[str] = field(default_factory=list)
    awaiting: str | None = None
    ending: tuple[Status, str] | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def has_answer(self) -> bool:
        return self.answer_head is not None or self.spoken is not None


def parse_senat_text(text: str, url: str) -> QuestionSnapshot:
    """Read the text of a senat.fr question page (current or older design) into a snapshot.

    The question's number comes from `url`, which must be a Sénat written-question address.
    Raises `ParseError` (naming `url`, the field and what was found) on a page it cannot read.
    """
    ref = _ref_from_url(url)
    lines = _join_split_headings([" ".join(line.split()) for line in text.splitlines()])
    at, head = _find_question_head(lines, url)
    body = _read_body(_until_end_of_page(lines[at + 1:]), url)
    question_text = "\n".join(body.question)
    ministry_asked, attributions = _asked_and_attributions(question_text, body.transfers,
                                                           body.awaiting)
    return QuestionSnapshot(
        ref=ref,
        url=url,
        status=_status(body),
        title=_title(lines[:at]),
        rubric=None,
        author=_author(head["who"]),
        ministry_asked=ministry_asked,
        attributions=attributions,
        text=question_text or None,
        published=_parse_date(head["date"], url, "question publication date"),
        published_page=head["page"] or body.question_page,
        answer=_answer(body, url),
        closure=Closure(None, body.ending[1], None) if body.ending and not body.has_answer else None,
        notes=tuple(body.notes),
    )


def _join_split_headings(lines: list[str]) -> list[str]:
    """Drop blank lines, and put an older-design "publiée dans le JO Sénat du …" line that stands on
    its own back on the "Question …" / "Réponse …" heading it completes."""
    joined: list[str] = []
    for line in lines:
        if not line:
            continue
        if joined and line.startswith("publiée ") and joined[-1].startswith(("Question ", "Réponse ")):
            joined[-1] += " " + line
        else:
            joined.append(line)
    return joined


def _find_question_head(lines: list[str], url: str) -> tuple[int, re.Match[str]]:
    for at, line in enumerate(lines):
        # Cheap tests first: the regex runs only on the few short lines that can be the heading.
        if line.startswith("Question ") and " publiée " in line and len(line) <= _HEADING_MAX:
            head = _QUESTION_HEAD.fullmatch(line)
            if head:
                return at, head
    found = next((line for line in lines if line.startswith("Question ")), lines[0] if lines else "")
    raise ParseError(url, "question heading 'Question de … publiée le dd/mm/yyyy' (page design not "
                     "recognised: neither the current nor the older senat.fr question page)", found)


def _until_end_of_page(lines: list[str]) -> Iterator[str]:
    for line in lines:
        if line.startswith(_END_OF_PAGE):
            return
        yield line


def _read_body(lines: Iterable[str], url: str) -> _Body:
    """One pass over the lines after the heading: question text until its "- page N", then the
    markers (transfer, answer, ending…), an answer's text running until its own "- page N"."""
    body = _Body()
    where = "question"
    for line in lines:
        if _REMARKS.fullmatch(line):
            body.notes.append(line)
        elif where == "question" and not _is_marker(line):
            if page := _PAGE.fullmatch(line):
                body.question_page, where = page["page"], "after"
            else:
                body.question.append(line)
        elif where == "answer" and (body.answer or not line.startswith("Réponse apportée")):
            # The answer's text; a "Réponse apportée en séance…" line before it is a marker.
            if page := _PAGE.fullmatch(line):
                body.answer_page, where = page["page"], "after"
            else:
                body.answer.append(line)
        else:
            where = _read_marker(line, body, url)
    return body


def _is_marker(line: str) -> bool:
    """True for a line that ends a question text showing no "- page N" (older design, cut pages)."""
    if len(line) > _HEADING_MAX:  # markers are short lines; also keeps the regexes linear
        return False
    return bool(_ANSWER_HEAD.fullmatch(line) or _SPOKEN.fullmatch(line) or _TRANSFER.fullmatch(line)
                or _AWAITING.fullmatch(line) or any(p.fullmatch(line) for p, _ in _ENDINGS))


def _read_marker(line: str, body: _Body, url: str) -> str:
    """Record what a line after the question text says; return where the next lines belong."""
    if line.startswith(("Réponse du ", "Réponse de ", "Réponse des ", "Réponse à ")):
        head = _ANSWER_HEAD.fullmatch(line) if len(line) <= _HEADING_MAX else None
        if head is None:
            raise ParseError(url, "answer heading 'Réponse du … publiée le dd/mm/yyyy'", line)
        _parse_date(head["date"], url, "answer publication date")
        # A second answer heading (a re-published answer) replaces the first: the latest counts.
        body.answer_head, body.answer_page, body.spoken = head, head["page"], None
        body.answer.clear()
        return "answer"
    if line.startswith("Réponse apportée"):
        spoken = _SPOKEN.fullmatch(line)
        if spoken is None:
            raise ParseError(url, "oral answer 'Réponse apportée en séance publique le dd/mm/yyyy'",
                             line)
        body.spoken = _parse_date(spoken["date"], url, "oral answer date")
        return "answer"
    if transfer := _TRANSFER.fullmatch(line):
        body.transfers.append(transfer["ministry"])
    elif awaiting := _AWAITING.fullmatch(line):
        body.awaiting = awaiting["ministry"]
    elif ending := next((status for pattern, status in _ENDINGS if pattern.fullmatch(line)), None):
        body.ending = body.ending or (ending, line)
    else:
        # A line no rule knows (a remark, a new wording): kept, so that a change shows in the diff.
        body.notes.append(line)
    return "after"


def _status(body: _Body) -> Status:
    if body.has_answer:
        return "answered"
    return body.ending[0] if body.ending else "pending"


def _answer(body: _Body, url: str) -> Answer | None:
    if not body.has_answer:
        return None
    head = body.answer_head
    # An oral answer not yet printed in the JO has only its sitting date: it stands for both.
    published = _parse_date(head["date"], url, "answer publication date") if head else body.spoken
    assert published is not None  # has_answer: a heading or a sitting date
    return Answer(date=published, page=body.answer_page, text="\n".join(body.answer),
                  ministry=head["ministry"] if head else None, spoken=body.spoken)


def _title(before: list[str]) -> str | None:
    """The heading line just above "Question de …", if any; page chrome is not a title."""
    for line in reversed(before):
        if not _CHROME.fullmatch(line):
            return line
    return None


def _parse_date(text: str, url: str, what: str) -> date:
    match = _DATE.fullmatch(text)
    try:
        if match:
            return date(int(match[3]), int(match[2]), int(match[1]))
    except ValueError:
        pass
    raise ParseError(url, f"{what} (dd/mm/yyyy)", text)


# --- author and ministries ------------------------------------------------------------------------

# Lower-case words that may sit inside a surname written in capitals ("de LA GONTRIE Marie-Pierre").
_NAME_PARTICLES = frozenset({"de", "du", "des", "d'", "le", "la"})
_LOWER_PARTICLES = frozenset({"de", "du", "des"})
_WORD = re.compile(r"[^\W\d_]+")


def _author(who: str) -> Author:
    """`M. MASSON Jean Louis (Moselle - NI)` → civility, display name, department, group."""
    civility, _, rest = who.partition(" ")
    if civility not in _CIVILITIES:
        civility, rest = "", who
    name, constituency, group = rest, None, None
    if rest.endswith(")") and " (" in rest:
        name, _, inside = rest[:-1].rpartition(" (")
        # Department names hold hyphens without spaces ("Seine-Saint-Denis"): " - " parts the group.
        before, sep, after = inside.rpartition(" - ")
        constituency, group = (before, after) if sep else (inside, None)
    return Author(name=display_name(name) or None, civility=civility or None, group=group or None,
                  constituency=constituency or None)


def display_name(name: str) -> str:
    """A senator's name as "First Last": the page writes the surname first in capitals
    (`MASSON Jean Louis` → `Jean Louis Masson`, `de LA GONTRIE Marie-Pierre` → `Marie-Pierre
    de La Gontrie`); a name not written that way is kept as written."""
    tokens = name.split()
    surname_end = 0
    for at, token in enumerate(tokens):
        if _is_capitals(token):
            surname_end = at + 1
        elif token.lower() not in _NAME_PARTICLES:
            break
    if surname_end == 0:
        return " ".join(tokens)
    surname = " ".join(_surname_word(token) for token in tokens[:surname_end])
    return " ".join([*tokens[surname_end:], surname])


def _is_capitals(token: str) -> bool:
    letters = [c for c in token if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def _surname_word(token: str) -> str:
    if token.lower() in _LOWER_PARTICLES:
        return token.lower()
    word = _WORD.sub(lambda m: m[0].capitalize(), token.lower())
    return "d'" + word[2:] if word.startswith("D'") else word


# The addressee: "… attire l'attention de M. le ministre de l'intérieur sur …".
_ADDRESSEE = re.compile(r"\b(?:M\.|Mme|Monsieur|Madame) (?:le|la) (?P<title>(?:Premi(?:er|ère) "
                        r"ministre|ministre|secrétaire d'État|garde des sceaux|haut-commissaire)\b.*)")
# Where the addressee ends: a verb's complement (" sur ", " de clarifier", " s'il "…) or a full stop.
# Ministry names hold commas and "de la"/"de l'"/"des", so neither ends it.
_ADDRESSEE_END = re.compile(r",? (?:sur|les termes|si|s'il|s'ils|quant|pour|afin|que|quelle|quelles|"
                            r"quel|quels|concernant|au sujet|à propos) |,? de (?!la |l'|l’|les )"
                            r"|[.;:?!(]")


def ministry_addressed(question_text: str) -> Ministry | None:
    """The minister a question is addressed to, as its text names them, since the Sénat page does
    not give the ministry asked as a field: "… attire l'attention de M. le ministre de l'intérieur
    sur …" → "ministre de l'intérieur". None when the text names no minister.

    Kept as written (a minister's title, not a "Ministère …" name): the Sénat may have lodged the
    question with another ministry than the one the text addresses, so only the page's own
    "Transmise au …" lines say that the question moved.
    """
    match = _ADDRESSEE.search(question_text, 0, 1000)
    if match is None:
        return None
    title = match["title"]
    end = _ADDRESSEE_END.search(title)
    title = (title[:end.start()] if end else title).rstrip(" ,")
    return Ministry(title) if title and len(title) <= 250 else None


def _asked_and_attributions(question_text: str, transfers: list[str], awaiting: str | None
                            ) -> tuple[Ministry | None, tuple[Attribution, ...]]:
    """The ministry asked and the undated attributions (one per "Transmise au …" line).

    "En attente de réponse du Ministère de X" names the ministry holding the question now: with no
    transfer shown, that is the ministry asked, in the page's own naming; after transfers, it is
    recorded as one more attribution unless the last transfer already names it.
    """
    attributions = [Attribution(Ministry(name), None) for name in transfers]
    if awaiting is None:
        return ministry_addressed(question_text), tuple(attributions)
    if not transfers:
        return Ministry(awaiting), ()
    if normalize_ministry(transfers[-1]) != normalize_ministry(awaiting):
        attributions.append(Attribution(Ministry(awaiting), None))
    return ministry_addressed(question_text), tuple(attributions)


# --- a whole page ---------------------------------------------------------------------------------

def parse_senat_page(data: bytes, url: str, charset: str | None = None) -> QuestionSnapshot:
    """Read a senat.fr question page (bytes as served, `charset` from the HTTP header if any)."""
    return parse_senat_text(html_to_text(decode_page(data, charset)), url)


# --- search results -------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class SearchHit:
    """One question in a search results page. `ref` is None for a question that is not a written
    one (questions d'actualité "…G", oral questions "…S")."""

    id: str
    ref: QuestionRef | None
    title: str
    author: str | None
    date: date | None
    answered: bool
    ministry: str | None
    url: str


@dataclass(frozen=True, slots=True)
class SearchResults:
    """A page of search results; `next_url` is the page after this one (None on the last)."""

    total: int
    hits: tuple[SearchHit, ...]
    next_url: str | None


_TOTAL = re.compile(r"\d+(?:[ \u00a0\u202f.]\d{3})*")
_HIT_ANSWER = re.compile(r"(?P<kind>Réponse|En attente de réponse) (?:du |de la |de l'|des |de |à )"
                         r"(?P<ministry>.+)")


def parse_search_results(data: bytes, url: str, charset: str | None = None) -> SearchResults:
    """Read a senat.fr question search results page (`/basile/rechercheQuestion.do`)."""
    soup = BeautifulSoup(decode_page(data, charset), "lxml")
    return SearchResults(
        total=_search_total(soup, url),
        hits=tuple(_search_hit(div, url) for div in soup.find_all("div", class_="document")),
        next_url=_next_url(soup, url),
    )


def _collapsed(text: str) -> str:
    return " ".join(text.split())


def _search_total(soup: BeautifulSoup, url: str) -> int:
    count = soup.find("p", class_="results-number-global")
    text = _collapsed(count.get_text(" ")) if count else ""
    match = _TOTAL.search(text)
    if match is None:
        raise ParseError(url, "results count (<p class=\"results-number-global\">)", text)
    return int(re.sub(r"\D", "", match[0]))


def _search_hit(div: Tag, url: str) -> SearchHit:
    link, hit_id, hit_url = _hit_link(div, url)
    small = div.find("small")
    em = small.find("em") if small else None
    answer = _HIT_ANSWER.fullmatch(_collapsed(em.get_text(" "))) if em else None
    return SearchHit(
        id=hit_id,
        ref=_written_ref(hit_id),
        title=_collapsed(link.get_text(" ")),
        author=_hit_author(small),
        date=_hit_date(div, url),
        answered=_hit_answered(div, answer),
        ministry=answer["ministry"] if answer else None,
        url=hit_url,
    )


def _hit_link(div: Tag, url: str) -> tuple[Tag, str, str]:
    """The hit's title link, the question id in it (`visio.do?id=qSEQ…`) and its absolute address."""
    link = div.find("a", href=True)
    if link is not None:
        href = str(link["href"])
        try:
            hit_id = parse_qs(urlsplit(href).query).get("id", [""])[0]
            if hit_id:
                return link, hit_id, urljoin(url, href)
        except ValueError:  # an address urllib cannot split (e.g. a broken "[…]" host)
            pass
    raise ParseError(url, "search hit link (visio.do?id=…)", _collapsed(div.get_text(" ")))


def _written_ref(hit_id: str) -> QuestionRef | None:
    try:
        ref = parse_ref(hit_id)
    except RefError:
        return None  # another kind of question (…G, …S): no written-question ref
    return ref if ref.chamber == "senat" else None


def _hit_author(small: Tag | None) -> str | None:
    """The words after "posée par" in the hit's <small>, before its <br>/<em> (the answer part)."""
    if small is None:
        return None
    words: list[str] = []
    for child in small.children:
        if isinstance(child, Tag) and child.name in ("br", "em"):
            break
        words.append(child.get_text(" ") if isinstance(child, Tag) else str(child))
    _, found, author = _collapsed(" ".join(words)).partition("posée par ")
    return author if found and author else None


def _hit_date(div: Tag, url: str) -> date | None:
    row = div.find_parent("tr")
    for cell in row.find_all("td", recursive=False) if row else ():
        text = _collapsed(cell.get_text())
        if _DATE.fullmatch(text):
            return _parse_date(text, url, "search hit date")
    return None


def _hit_answered(div: Tag, answer: re.Match[str] | None) -> bool:
    """Which section the hit is in ("Questions avec/sans réponses"), else what its <em> says."""
    table = div.find_parent("table")
    header = table.find("th") if table else None
    section = _collapsed(header.get_text(" ")).lower() if header else ""
    if section.startswith("questions sans r"):
        return False
    if section.startswith("questions avec r"):
        return True
    return answer is not None and answer["kind"] == "Réponse"


def _next_url(soup: BeautifulSoup, url: str) -> str | None:
    """The next page of results. The pager links every page number but the current one; its
    "Suivant>>" link jumps a block of ten pages ahead, so it is only the fallback."""
    numbered: dict[int, str] = {}
    following: str | None = None
    for link in soup.find_all("a", href=True, string=True):
        label = _collapsed(link.get_text())
        if label.isdigit() and "rechercheQuestion.do" in str(link["href"]):
            numbered[int(label)] = str(link["href"])
        elif label.startswith("Suivant"):
            following = str(link["href"])
    current = next(n for n in range(1, len(numbered) + 2) if n not in numbered)
    href = numbered.get(current + 1, following)
    if href is None:
        return None
    try:
        return urljoin(url, href)
    except ValueError as error:
        raise ParseError(url, "next page link", href) from error
    return None


__all__ = [
    "SENAT_BASE_URL",
    "SearchHit",
    "SearchResults",
    "decode_page",
    "display_name",
    "html_to_text",
    "ministry_addressed",
    "parse_search_results",
    "parse_senat_page",
    "parse_senat_text",
    "senat_page_url",
    "senat_search_url",
]
