"""Read the Sénat's open-data CSV of the last year's questions (`questions-depuis-un-an.csv`) into
rows, and a row into a `QuestionSnapshot`, merged with a stored one when there is one.

No real row of that file could be recorded (samples/SOURCES.md): what is known is its header, that
it is ISO-8859-1 (or UTF-8), `;`-separated (one description says `|`), with dates as dd/mm/yyyy or
ISO yyyy-mm-dd, themes joined by a comma with no space (one theme's own name holds ", "), empty
columns, and sometimes extra or trailing empty columns. So the reader detects the encoding and the
separator, reads columns by header name, refuses the whole file only when its header lacks a known
column, and sets aside (line, column, value) a row holding a value it cannot read, rather than guess.
The Sénat's *liste de rappel* export has the same columns and is read by the same function.
Pure functions of their input: no I/O here.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import date

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
from scrapers.senat import display_name
from scrapers.validate import SHORT_TEXT, clean_text, plausible_date

SENAT_CSV_URL = "https://data.senat.fr/data/questions/questions-depuis-un-an.csv"
SEPARATORS = (";", "|")

# The columns of the file, as its header names them, under the name relance gives each.
COLUMNS: dict[str, str] = {
    "sort": "Sort",
    "nature": "Nature",
    "number": "Numéro",
    "reference": "Référence",
    "title": "Titre",
    "surname": "Nom",
    "first_name": "Prénom",
    "civility": "Civilité",
    "constituency": "Circonscription",
    "group": "Groupe",
    "membership": "Type Appartenance",
    "published": "Date de publication JO",
    "ministry_asked": "Ministère de dépôt",
    "transfer_date": "Date de transmission",
    "ministry_transfer": "Ministère de transmission",
    "ministry_answer": "Ministère de réponse",
    "answered": "Date de réponse JO",
    "themes": "Thème(s)",
    "url": "URL Question",
}
# Present in some descriptions of the file only: read when there, never required.
OPTIONAL_COLUMNS: dict[str, str] = {
    "reminded": "Référence de la question rappelée",
    "theme_qc": "Thème QC",
}

# A question's sort ("sort" is the Sénat's word for its fate), as the start of its folded wording.
# « En cours » is in a real text (data.senat.fr's help of the liste de rappel); « Réponse reçue » and
# « En cours » are the values an independent fixture of the real file shows (samples/SOURCES.md). The
# other wordings are read tolerantly ("Répondu", "Réponse publiée"…, "Caduque", "Retirée"), and a
# conversion into an oral question ends it as the page parser says ("Transformée en QOSD").
# Anything else sets the row aside with its value named, never a guess.
SORTS: tuple[tuple[str, Status], ...] = (
    ("en cours", "pending"),
    ("en attente", "pending"),
    ("repon", "answered"),
    ("cadu", "lapsed"),  # caduque, caduc
    ("retir", "withdrawn"),
    ("transform", "closed"),
)
KNOWN_SORTS = "En cours, Réponse reçue / Répondu / Réponse…, Caduque, Retirée, Transformée…"
# Several themes are joined by a comma with no space; a comma followed by a space is inside one
# theme's name ("Économie et finances, fiscalité").
_THEME_SEPARATOR = re.compile(r",(?!\s)")


@dataclass(frozen=True, slots=True)
class CsvRow:
    """One question as the CSV gives it. `ref` is None for a question that is not a written one
    (an oral question "…S", a question d'actualité "…G"); `line` is the file's line the row ends on."""

    line: int
    id: str
    ref: QuestionRef | None
    sort: str
    status: Status
    nature: str | None
    number: str | None
    title: str | None
    surname: str | None
    first_name: str | None
    civility: str | None
    constituency: str | None
    group: str | None
    membership: str | None
    published: date | None
    ministry_asked: str | None
    transfer_date: date | None
    ministry_transfer: str | None
    ministry_answer: str | None
    answered: date | None
    themes: tuple[str, ...]
    url: str | None
    reminded: str | None = None
    theme_qc: str | None = None

    @property
    def author_name(self) -> str | None:
        """"Prénom Nom"; a surname written in capitals is written as a name ("MASSON" → "Masson")."""
        surname, first = self.surname or "", self.first_name or ""
        if surname.isupper():
            return display_name(f"{surname} {first}".strip()) or None
        return " ".join(part for part in (first, surname) if part) or None

    @property
    def rubric(self) -> str | None:
        """The themes as one rubric, separated by " ; " (a theme's own name may hold a comma)."""
        return " ; ".join(self.themes) or None

    @property
    def author_group(self) -> str | None:
        """The group as the question page writes it: "-A" for apparenté, "-R" for rattaché."""
        if not self.group:
            return None
        kind = _fold(self.membership or "").strip(" -«»")
        if kind in ("a", "apparente", "apparentee"):
            return f"{self.group}-A"
        if kind in ("r", "rattache", "rattachee"):
            return f"{self.group}-R"
        return self.group


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).casefold().split())


def _key(name: str) -> str:
    """A header name reduced to its letters and digits, accents and case folded: "Thème(s)",
    "THEMES" and "thèmes" are one column."""
    return re.sub(r"[^a-z0-9]", "", _fold(name))


_BY_KEY = {_key(header): field for field, header in (COLUMNS | OPTIONAL_COLUMNS).items()}


# --- bytes to rows ------------------------------------------------------------------------------

def decode_csv(data: bytes) -> str:
    """UTF-8 (with or without a BOM) when the bytes are valid UTF-8, else windows-1252, the superset
    of ISO-8859-1 that French files really use (’, œ, €); ISO-8859-1 for the bytes it leaves undefined."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _separator(header: str, url: str) -> str:
    counts = {sep: header.count(sep) for sep in SEPARATORS}
    best = max(SEPARATORS, key=lambda sep: counts[sep])
    if counts[best] == 0:
        raise ParseError(url, "header line: separator ';' or '|'", header)
    return best


@dataclass(frozen=True, slots=True)
class _Layout:
    """Where each known column is (`where`), and how many columns the header has (`columns`)."""

    where: dict[str, int]
    columns: int


def _header(cells: list[str], url: str, line: str) -> _Layout:
    """The file's layout; a ParseError naming every required column that is missing."""
    where: dict[str, int] = {}
    for at, name in enumerate(cells):
        field = _BY_KEY.get(_key(name))
        if field is not None and field not in where:
            where[field] = at
    missing = [header for field, header in COLUMNS.items() if field not in where]
    if missing:
        raise ParseError(url, f"header: required column(s) missing: {', '.join(missing)}", line)
    return _Layout(where, len(cells))


@dataclass(frozen=True, slots=True)
class RejectedRow:
    """A row set aside because one of its values cannot be read: where (its line and, when one is at
    fault, the column as the header names it), the value found, and what was expected."""

    line: int
    column: str | None
    value: str
    problem: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column!r}" if self.column else "")
        value = self.value if len(self.value) <= 120 else self.value[:117] + "..."
        return f"{where}: {self.problem}: found {value!r}"


@dataclass(frozen=True, slots=True)
class CsvFile:
    """A file read: its rows in file order, and the rows set aside (the others are read all the same)."""

    rows: tuple[CsvRow, ...]
    rejected: tuple[RejectedRow, ...]


class _BadRow(Exception):
    def __init__(self, rejected: RejectedRow) -> None:
        super().__init__(str(rejected))
        self.rejected = rejected


def parse_senat_csv(data: bytes, url: str) -> CsvFile:
    """Read the whole file into rows, in file order. A header without a required column (or without
    a separator) raises `ParseError` naming `url`: nothing is read. A row holding a value that cannot
    be read is set aside in `rejected` (line, column, value) and the other rows are read."""
    text = decode_csv(data)
    first_line = text.split("\n", 1)[0].rstrip("\r")
    if not first_line.strip():
        raise ParseError(url, "header line", first_line or "(empty file)")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_separator(first_line, url))
    layout = _header(next(reader), url, first_line)
    rows, rejected = [], []
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        try:
            rows.append(_row(cells, layout, reader.line_num))
        except _BadRow as bad:
            rejected.append(bad.rejected)
    return CsvFile(tuple(rows), tuple(rejected))


def _bad(line: int, column: str | None, value: str, problem: str) -> _BadRow:
    return _BadRow(RejectedRow(line, column, value, problem))


def _row(cells: list[str], layout: _Layout, line: int) -> CsvRow:
    if len(cells) > layout.columns and any(cell.strip() for cell in cells[layout.columns:]):
        # An unquoted separator inside a value shifts every column after it: set aside rather than misread.
        raise _bad(line, None, "|".join(cells), f"{len(cells)} cells where the header has {layout.columns} columns")

    def get(field: str) -> str | None:
        at = layout.where.get(field)
        # A row may stop before the header's last columns when they are empty.
        value = " ".join(cells[at].split()) if at is not None and at < len(cells) else ""
        return _clean(value, line, field) or None

    def day(field: str) -> date | None:
        value = get(field)
        return None if value is None else _date(value, line, COLUMNS[field])

    sort = get("sort") or ""
    row_id, ref = _reference(get("reference"), get("url"), line)
    return CsvRow(line=line, id=row_id, ref=ref, sort=sort, status=_status(sort, line),
                  nature=get("nature"), number=get("number"), title=get("title"), surname=get("surname"),
                  first_name=get("first_name"), civility=get("civility"), constituency=get("constituency"),
                  group=get("group"), membership=get("membership"), published=day("published"),
                  ministry_asked=get("ministry_asked"), transfer_date=day("transfer_date"),
                  ministry_transfer=get("ministry_transfer"), ministry_answer=get("ministry_answer"),
                  answered=day("answered"), themes=split_themes(get("themes")), url=get("url"),
                  reminded=get("reminded"), theme_qc=get("theme_qc"))


def split_themes(value: str | None) -> tuple[str, ...]:
    """"Économie et finances, fiscalité,Police et sécurité" → the two themes: split on a comma that no
    space follows, since the file joins themes that way and one theme's name holds ", "."""
    if not value:
        return ()
    return tuple(theme for part in _THEME_SEPARATOR.split(value) if (theme := part.strip()))


_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def _date(value: str, line: int, column: str) -> date:
    """dd/mm/yyyy, as the descriptions of the file give it, or ISO yyyy-mm-dd, as a fixture cut from
    the real file shows it; a plausible one (scrapers/validate.py)."""
    french, iso = _DATE.fullmatch(value), _ISO_DATE.fullmatch(value)
    found = None
    try:
        if french:
            found = date(int(french[3]), int(french[2]), int(french[1]))
        elif iso:
            found = date(int(iso[1]), int(iso[2]), int(iso[3]))
    except ValueError:
        pass
    if found is None:
        raise _bad(line, column, value, "not a date dd/mm/yyyy or yyyy-mm-dd")
    try:
        return plausible_date(found, SENAT_CSV_URL, column)
    except ParseError as error:
        raise _bad(line, column, value, f"not a plausible date: {error.field}") from None


def _clean(value: str, line: int, field: str) -> str:
    """A cell's text, checked as every source's (scrapers/validate.py): the row is set aside otherwise."""
    column = COLUMNS.get(field) or OPTIONAL_COLUMNS[field]
    try:
        return clean_text(value, SENAT_CSV_URL, column, limit=SHORT_TEXT)
    except ParseError as error:
        raise _bad(line, column, error.found, error.field.removeprefix(column).strip(" ()")) from None


def _status(sort: str, line: int) -> Status:
    folded = _fold(sort)
    for start, status in SORTS:
        if folded.startswith(start):
            return status
    raise _bad(line, COLUMNS["sort"], sort, f"unknown sort (known: {KNOWN_SORTS})")


# The Sénat's id of any kind of question: written ones end in five digits, others in a letter.
_ANY_ID = re.compile(r"q?(SEQ\d{4}(?:\d{5}|\d{4}[A-Z]))\b", re.IGNORECASE)


def _reference(reference: str | None, question_url: str | None, line: int) -> tuple[str, QuestionRef | None]:
    """The question's id and, for a written question, its ref: from `Référence`, else from the URL."""
    for column, value in ((COLUMNS["reference"], reference), (COLUMNS["url"], question_url)):
        if not value:
            continue
        try:
            ref = parse_ref(value)
        except RefError:
            found = _ANY_ID.search(value)
            if found:
                return found[1].upper(), None  # a question of another kind: no written-question ref
            continue
        if ref.chamber != "senat":
            raise _bad(line, column, value, "not a Sénat question")
        return ref.uid, ref
    raise _bad(line, None, f"{reference or ''} | {question_url or ''}",
               "no question id (SEQyymmnnnnn) in 'Référence' or 'URL Question'")


# --- a row to a snapshot ------------------------------------------------------------------------

_ENDINGS: frozenset[Status] = frozenset({"withdrawn", "closed", "lapsed"})


def row_to_snapshot(row: CsvRow, stored: QuestionSnapshot | None) -> QuestionSnapshot:
    """The question as the CSV says it is now.

    The CSV has no question text. With a `stored` snapshot (read from the page, or from an earlier
    import), its texts, title, author, ministry asked and JO pages are kept and only what the CSV
    knows is updated: the state, the answer date, the ministry of transfer with its date (which the
    page does not give), the themes as rubric. Without one, the snapshot is built from the row alone.
    """
    if row.ref is None:
        raise ValueError(f"{row.id} is not a written question")
    if stored is None:
        return _from_row(row, row.ref)
    if stored.ref != row.ref:
        raise ValueError(f"the CSV's row of {row.ref.uid} cannot update {stored.ref.uid}")
    status = _merged_status(row.status, stored.status)
    answer = None
    if status == "answered":
        # A stored answer came from the page, with its text: the CSV's date alone never replaces it.
        answer = stored.answer or _csv_answer(row)
    if status == stored.status:
        closure = stored.closure
    else:
        closure = Closure(None, row.sort, None) if status in _ENDINGS else None
    return replace(
        stored,
        status=status,
        title=stored.title or row.title,
        rubric=row.rubric or stored.rubric,
        author=stored.author if stored.author.name else _author(row),
        ministry_asked=stored.ministry_asked or _ministry(row.ministry_asked),
        attributions=_merged_attributions(stored.attributions, row),
        published=stored.published or row.published,
        answer=answer,
        closure=closure,
    )


def _merged_status(csv_status: Status, stored_status: Status) -> Status:
    """The CSV's state, except a stale « En cours »: the file is rebuilt once a day, so a page read
    since may already show the answer or the ending, and a question never goes back to pending."""
    if csv_status == "pending" and stored_status != "pending":
        return stored_status
    return csv_status


def _merged_attributions(stored: tuple[Attribution, ...], row: CsvRow) -> tuple[Attribution, ...]:
    """The stored attributions with the CSV's transfer: its date given to the same ministry when the
    page named it undated ("Transmise au …"), else appended."""
    if not row.ministry_transfer:
        return stored
    name = normalize_ministry(row.ministry_transfer)
    for at, attribution in enumerate(stored):
        if normalize_ministry(attribution.ministry.name) == name:
            if attribution.date is None and row.transfer_date is not None:
                dated = Attribution(attribution.ministry, row.transfer_date)
                return (*stored[:at], dated, *stored[at + 1:])
            return stored
    return (*stored, Attribution(Ministry(row.ministry_transfer), row.transfer_date))


def _from_row(row: CsvRow, ref: QuestionRef) -> QuestionSnapshot:
    return QuestionSnapshot(
        ref=ref,
        url=ref.public_url,
        status=row.status,
        title=row.title,
        rubric=row.rubric,
        author=_author(row),
        ministry_asked=_ministry(row.ministry_asked),
        attributions=(Attribution(Ministry(row.ministry_transfer), row.transfer_date),)
        if row.ministry_transfer else (),
        text=None,
        published=row.published,
        published_page=None,
        answer=_csv_answer(row) if row.status == "answered" else None,
        closure=Closure(None, row.sort, None) if row.status in _ENDINGS else None,
    )


def _csv_answer(row: CsvRow) -> Answer | None:
    """The answer as far as the CSV knows it: its JO date and ministry, no text (the page has it)."""
    if row.answered is None:
        return None
    return Answer(date=row.answered, page=None, text="", ministry=row.ministry_answer)


def _author(row: CsvRow) -> Author:
    return Author(name=row.author_name, civility=row.civility, group=row.author_group,
                  constituency=row.constituency)


def _ministry(name: str | None) -> Ministry | None:
    return Ministry(name) if name else None


__all__ = [
    "COLUMNS",
    "OPTIONAL_COLUMNS",
    "SENAT_CSV_URL",
    "CsvFile",
    "CsvRow",
    "RejectedRow",
    "decode_csv",
    "parse_senat_csv",
    "row_to_snapshot",
    "split_themes",
]
