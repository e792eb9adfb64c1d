"""How the terminal shows things: the status and events tables, a question's summary, an event's line."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from bot.cli.table import Cell, Column, kept_whole, print_lines, print_table, read_titles
from bot.core.deadlines import PARIS
from bot.core.ministries import ministry_history
from bot.notify.i18n import N_, Translated, _, n_
from bot.notify.wording import (
    SOURCE_NAMES,
    STATUS_FR,
    STATUS_LONG_FR,
    TEXT_WIDTH,
    event_line,
    fr_date,
    local_time,
    missing_question_line,
    missing_short,
    short_date,
    tables,
)
from bot.notify.wording.tables import ERROR_SHORT, NO_VALUE, abridged_ministry, delay_short
from scrapers.model import QuestionSnapshot
from scrapers.refs import RefError, parse_ref
from storage.records import Event, SourceHealth

ANSWER_PREVIEW_CHARS = 300
# What a reading found, in `show`'s recent readings (the poll log keeps the code).
POLL_OUTCOMES = Translated({"changed": N_("changement"), "unchanged": N_("identique"), "error": N_("erreur"),
                            "missing": N_("introuvable")})
_json_text = json.encoder.encode_basestring  # a JSON string, its non-ASCII characters kept (ensure_ascii=False)


def _json_value(value: Any) -> str:
    """A value of a status row as `json.dumps(..., ensure_ascii=False, indent=2)` writes it at depth 2;
    TypeError for any other kind of value."""
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if type(value) is str:
        return _json_text(value)
    if type(value) is int:
        return int.__repr__(value)
    if type(value) is list and all(type(item) is str for item in value):
        return "[\n      " + ",\n      ".join(map(_json_text, value)) + "\n    ]" if value else "[]"
    raise TypeError(type(value).__name__)


def rows_json(rows: Sequence[Mapping[str, Any]]) -> str:
    """The text `json.dumps(rows, ensure_ascii=False, indent=2)` gives for flat rows (`relance status
    --json`'s), written without its pure-Python indenting encoder, five times slower over 10,000 rows; rows
    holding anything else than text, whole numbers, booleans, null and lists of text go through json."""
    try:
        parts = ["  {\n" + ",\n".join(f"    {_json_text(key)}: {_json_value(value)}" for key, value in row.items())
                 + "\n  }" if row else "  {}" for row in rows]
    except TypeError:
        return json.dumps(rows, ensure_ascii=False, indent=2)
    return "[\n" + ",\n".join(parts) + "\n]" if parts else "[]"


def _fr(value: date | None) -> str:
    """A date inside a sentence: '3 décembre 2026'."""
    return fr_date(value) if value else NO_VALUE


def _paragraphs(text: str, indent: str = "    ") -> list[str]:
    """`text` wrapped for a terminal at `TEXT_WIDTH`, its paragraphs kept."""
    blocks = [" ".join(block.split()) for block in text.splitlines()]
    return [line for block in blocks if block
            for line in textwrap.wrap(block, TEXT_WIDTH, initial_indent=indent, subsequent_indent=indent)]


def snapshot_text(snapshot: QuestionSnapshot, *, full: bool = False) -> str:
    """A readable summary for the terminal, in French like the sources it reads; `full`: with the texts
    of the question and the answer whole (`relance show`), else the answer's first words (`fetch`)."""
    s = snapshot
    author = " ".join(p for p in (s.author.civility, s.author.name) if p) or _("auteur inconnu")
    where = ", ".join(p for p in (s.author.constituency, s.author.group) if p)
    lines = [
        f"{s.ref.uid}  ({s.ref.label})  {STATUS_LONG_FR[s.status]}",
        f"  {s.title or untitled()}",
        "  " + (_("Auteur : {author} ({where})", author=author, where=where) if where
                else _("Auteur : {author}", author=author)),
        "  " + (_("Publiée au JO le {day}, page {page}", day=_fr(s.published), page=s.published_page)
                if s.published_page else _("Publiée au JO le {day}", day=_fr(s.published))),
        "  " + _("Ministère interrogé : {ministry}", ministry=s.ministry_asked or NO_VALUE),
    ]
    # Each change of ministry once (bot.core.ministries): the sources repeat the one asked, or rename one.
    changes = [step for step in ministry_history(s) if not step.asked]
    if changes:
        lines.append("  " + _("Ministère attributaire : {ministry}", ministry=s.ministry))
        lines += ["    - " + _("{ministry} (depuis le {day})", ministry=step.ministry, day=_fr(step.date))
                  for step in changes]
    lines += ["  " + _("Signalée le {day}", day=_fr(d)) for d in s.signaled]
    lines += ["  " + _("Renouvelée le {day}", day=_fr(d)) for d in s.renewed]
    if full and s.text:
        lines.append("  " + _("Texte de la question :"))
        lines += _paragraphs(s.text)
    if s.answer:
        lines.append("  " + (_("Réponse publiée le {day}, page {page}", day=_fr(s.answer.date), page=s.answer.page)
                             if s.answer.page else _("Réponse publiée le {day}", day=_fr(s.answer.date))))
        preview = " ".join(s.answer.text.split())
        if full and preview:
            lines += _paragraphs(s.answer.text)
        elif preview:
            more = "…" if len(preview) > ANSWER_PREVIEW_CHARS else ""
            lines.append(f"    {preview[:ANSWER_PREVIEW_CHARS]}{more}")
    if s.closure and s.status != "answered":
        lines.append("  " + _("Clôture : {label} ({day})", label=s.closure.label, day=_fr(s.closure.date)))
    lines.append(f"  {s.ref.public_url}")
    return "\n".join(lines)


def untitled() -> str:
    """What stands for the title of a question its source gives none."""
    return _("(sans titre)")


def _short(value: date | None) -> str:
    return short_date(value) if value else NO_VALUE


def event_text(event: Event) -> str:
    """One event on a line (`relance check`, `show`'s history): its official date, the question, what happened."""
    return f"{_short(event.official_date)}  {ref_label(event.ref)}  {event_line(event.kind, event.details)}"


def _table_date(value: str | None) -> str:
    """An ISO date of a status row ('2026-12-03') as tables write it ('03/12/2026')."""
    return short_date(date.fromisoformat(value[:10])) if value else NO_VALUE


def ref_label(ref: str) -> str:
    """'AN 17-5268', 'Sénat 3705 (2022-11)': the reference as people read it (and type it back)."""
    try:
        return parse_ref(ref).label
    except RefError:  # a stored reference no rule reads any more: shown as stored rather than not at all
        return ref


def _delay(row: Mapping[str, Any]) -> Cell:
    return Cell(delay_short(row["days_overdue"], row["days_left"]), "red" if row["days_overdue"] else "")


def _state(row: Mapping[str, Any], *, wide: bool) -> Cell:
    state = (STATUS_LONG_FR if wide else STATUS_FR)[row["status"]]
    if row["missing"]:  # never read: that it is not on the site is all there is to say
        return Cell(missing_short() if row["status"] == "unknown" else f"{state} ({missing_short()})", "yellow")
    return Cell(f"{state} ({_(ERROR_SHORT)})", "red") if row["last_error"] else Cell(state)


def ministry_cell(name: str | None, *, wide: bool) -> str:
    """A ministry in a table: abridged ('Intérieur et outre-mer'), in full with --wide."""
    if not name:
        return NO_VALUE
    return name if wide else abridged_ministry(name)


# Display order; `priority` says what a narrow terminal keeps first (issue 16: reference, state, deadline,
# days late, title, ministry), then the author, the day of publication and the last reading.
STATUS_COLUMNS = (
    Column(tables.QUESTION, 1), Column(tables.TITLE, 5, "text", min_width=16, easy_width=22, weight=2),
    Column(tables.AUTHOR, 7, "text", min_width=12, easy_width=14),
    Column(tables.MINISTRY, 6, "text", min_width=12, easy_width=20),
    Column(tables.PUBLISHED, 8), Column(tables.DEADLINE, 3), Column(tables.STATE, 2),
    Column(tables.DELAY, 4), Column(tables.CHECKED, 9))


def status_cells(row: Mapping[str, Any], *, wide: bool) -> list[str | Cell]:
    checked = datetime.fromisoformat(row["last_checked"]) if row["last_checked"] else None
    return [ref_label(row["ref"]), row["title"] or NO_VALUE, row["author"] or NO_VALUE,
            ministry_cell(row["ministry"], wide=wide), _table_date(row["published"]), _table_date(row["deadline"]),
            _state(row, wide=wide), _delay(row), local_time(checked)]


def render_status(rows: Sequence[dict[str, Any]], health: Sequence[SourceHealth], *, wide: bool) -> None:
    lines = []
    for source in health:
        name = SOURCE_NAMES.get(source.source, source.source)
        last = local_time(source.last_success)
        lines.append(n_("{source} : dernière lecture réussie {last} — en échec depuis {n} cycle : {error}",
                        "{source} : dernière lecture réussie {last} — en échec depuis {n} cycles : {error}",
                        source.failed_cycles, source=name, last=last, error=source.last_error)
                     if source.failed_cycles else
                     _("{source} : dernière lecture réussie {last}", source=name, last=last))
    print_lines(lines, wide=wide)
    print_table(read_titles(STATUS_COLUMNS), [status_cells(row, wide=wide) for row in rows], wide=wide)
    if not rows:
        print_lines([_(tables.NO_QUESTIONS)], wide=wide)
    print_lines([missing_question_line(ref_label(row["ref"])) for row in rows if row["missing"]], wide=wide)


EVENT_COLUMNS = (Column(tables.EVENT_DATE, 2), Column(tables.QUESTION, 1),
                 Column(tables.EVENT, 3, "text", min_width=20), Column(tables.SEEN, 4))


def render_events(found: Sequence[Event], *, wide: bool) -> None:
    """`relance events`: the official date, the question, what happened, the day relance saw it."""
    print_table(read_titles(EVENT_COLUMNS), [[_short(event.official_date), ref_label(event.ref),
                                 event_line(event.kind, event.details),
                                 short_date(event.seen_at.astimezone(PARIS).date())] for event in found], wide=wide)
    if not found:
        print_lines([_(tables.NO_EVENTS)], wide=wide)


def search_hit_lines(row: Mapping[str, Any], *, watched: bool, wide: bool) -> list[str]:
    """A question `relance search` found, before its snippet and address: its rank, label, state,
    deadline and delay on a first line (wrapped between these parts only), its title, its author and
    ministry (abridged, in full with --wide)."""
    parts = [ref_label(row["ref"]), STATUS_FR.get(row["status"], row["status"])]
    if row["deadline"]:
        parts.append(_("échéance {day}", day=_table_date(row["deadline"])))
    if row["days_overdue"] or row["days_left"] is not None:
        parts.append(delay_short(row["days_overdue"], row["days_left"]))
    if watched:
        parts.append(_(tables.WATCHED))
    who = [part for part in (row["author"], ministry_cell(row["ministry"], wide=wide) if row["ministry"] else None)
           if part]
    return [f"{row['rank']:>3}. " + " · ".join(kept_whole(part) for part in parts),
            "     " + (row["title"] or untitled())] + ([f"     {' · '.join(who)}"] if who else [])
