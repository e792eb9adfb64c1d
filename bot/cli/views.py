"""How the terminal shows things: the status table, a question's summary, an event's line."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from rich.console import Console
from rich.table import Table

from bot.core.ministries import ministry_history
from bot.notify.wording import (
    CHAMBER_SHORT,
    SOURCE_NAMES,
    STATUS_LONG_FR,
    TEXT_WIDTH,
    event_line,
    local_time,
    missing_question_line,
    missing_short,
)
from scrapers.model import QuestionSnapshot
from storage.records import Event, SourceHealth

ANSWER_PREVIEW_CHARS = 300
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
    return value.strftime("%d/%m/%Y") if value else "—"


def _paragraphs(text: str, indent: str = "    ") -> list[str]:
    """`text` wrapped for a terminal at `TEXT_WIDTH`, its paragraphs kept."""
    blocks = [" ".join(block.split()) for block in text.splitlines()]
    return [line for block in blocks if block
            for line in textwrap.wrap(block, TEXT_WIDTH, initial_indent=indent, subsequent_indent=indent)]


def snapshot_text(snapshot: QuestionSnapshot, *, full: bool = False) -> str:
    """A readable summary for the terminal, in French like the sources it reads; `full`: with the texts
    of the question and the answer whole (`relance show`), else the answer's first words (`fetch`)."""
    s = snapshot
    author = " ".join(p for p in (s.author.civility, s.author.name) if p) or "auteur inconnu"
    where = ", ".join(p for p in (s.author.constituency, s.author.group) if p)
    lines = [
        f"{s.ref.uid}  ({s.ref.label})  {STATUS_LONG_FR[s.status]}",
        f"  {s.title or '(sans titre)'}",
        f"  Auteur : {author}" + (f" ({where})" if where else ""),
        f"  Publiée au JO le {_fr(s.published)}" + (f", page {s.published_page}" if s.published_page else ""),
        f"  Ministère interrogé : {s.ministry_asked or '—'}",
    ]
    # Each change of ministry once (bot.core.ministries): the sources repeat the one asked, or rename one.
    changes = [step for step in ministry_history(s) if not step.asked]
    if changes:
        lines.append(f"  Ministère attributaire : {s.ministry}")
        lines += [f"    - {step.ministry} (depuis le {_fr(step.date)})" for step in changes]
    lines += [f"  Signalée le {_fr(d)}" for d in s.signaled]
    lines += [f"  Renouvelée le {_fr(d)}" for d in s.renewed]
    if full and s.text:
        lines.append("  Texte de la question :")
        lines += _paragraphs(s.text)
    if s.answer:
        page = f", page {s.answer.page}" if s.answer.page else ""
        lines.append(f"  Réponse publiée le {_fr(s.answer.date)}{page}")
        preview = " ".join(s.answer.text.split())
        if full and preview:
            lines += _paragraphs(s.answer.text)
        elif preview:
            more = "…" if len(preview) > ANSWER_PREVIEW_CHARS else ""
            lines.append(f"    {preview[:ANSWER_PREVIEW_CHARS]}{more}")
    if s.closure and s.status != "answered":
        lines.append(f"  Clôture : {s.closure.label} ({_fr(s.closure.date)})")
    lines.append(f"  {s.ref.public_url}")
    return "\n".join(lines)


def event_text(event: Event) -> str:
    return f"{_fr(event.official_date)}  {event.ref}  {event_line(event.kind, event.details)}"


def _fr_date(value: str | None) -> str:
    return date.fromisoformat(value).strftime("%d/%m/%Y") if value else "—"


def _delay(row: Mapping[str, Any]) -> str:
    if row["days_overdue"]:
        return f"[red]{row['days_overdue']} j de retard[/red]"
    if row["days_left"] is not None:
        return f"{row['days_left']} j restants"
    return "—"


def render_status(console: Console, rows: Sequence[dict[str, Any]], health: Sequence[SourceHealth]) -> None:
    for source in health:
        name = SOURCE_NAMES.get(source.source, source.source)
        line = f"{name} : dernière lecture réussie {local_time(source.last_success)}"
        if source.failed_cycles:
            line += f" — [red]en échec depuis {source.failed_cycles} cycle(s) : {source.last_error}[/red]"
        console.print(line, highlight=False)
    table = Table(show_lines=False, header_style="bold")
    for column in ("Réf.", "Ch.", "Auteur", "Ministère", "Publiée", "Échéance", "État", "Délai", "Vérifiée"):
        table.add_column(column, overflow="fold")
    for row in rows:
        checked = datetime.fromisoformat(row["last_checked"]) if row["last_checked"] else None
        state = STATUS_LONG_FR[row["status"]] + (f" [yellow]({missing_short()})[/yellow]" if row["missing"] else
                                                  " [red](erreur)[/red]" if row["last_error"] else "")
        table.add_row(row["ref"], CHAMBER_SHORT[row["chamber"]], row["author"] or "—",
                      row["ministry"] or "—", _fr_date(row["published"]), _fr_date(row["deadline"]), state,
                      _delay(row), local_time(checked))
    console.print(table)
    if not rows:
        console.print("Aucune question ne correspond.")
    for row in rows:
        if row["missing"]:
            console.print(missing_question_line(row["ref"]), highlight=False)
