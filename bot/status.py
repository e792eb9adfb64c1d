"""Where each watched question stands today: the rows of `relance status`, as JSON and as a table."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from rich.console import Console
from rich.table import Table

from bot.deadlines import PARIS, deadline_status
from scrapers.refs import QuestionRef
from storage.records import SourceHealth, StoredQuestion

SOURCE_NAMES = {"an": "Assemblée nationale (open data)", "an-legacy": "Assemblée nationale (ancien site)",
                "senat": "Sénat", "an-archive": "Assemblée nationale (archive open data)",
                "senat-csv": "Sénat (open data)"}
STATUS_FR = {"unknown": "inconnu", "pending": "en attente", "answered": "répondue", "withdrawn": "retirée",
             "closed": "clôturée", "lapsed": "caduque"}


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def local_time(value: datetime | None) -> str:
    return value.astimezone(PARIS).strftime("%d/%m/%Y %H:%M") if value else "jamais"


@dataclass(frozen=True, slots=True)
class WatchedQuestion:
    ref: QuestionRef
    tags: tuple[str, ...]
    stored: StoredQuestion | None


def status_row(question: WatchedQuestion, today: date) -> dict[str, Any]:
    """One question's row; the keys are the same in `relance status --json` and the web API."""
    ref, stored = question.ref, question.stored
    snapshot = stored.snapshot if stored else None
    row: dict[str, Any] = {
        "ref": ref.uid, "chamber": ref.chamber, "legislature": ref.legislature, "number": ref.number,
        "url": ref.public_url, "title": None, "author": None, "ministry": None, "published": None,
        "deadline": None, "deadline_rule": None, "status": "unknown", "answered": None, "signaled": None,
        "overdue": False, "signaled_overdue": False, "days_overdue": None, "days_left": None,
        "tags": list(question.tags),
        "last_checked": stored.last_checked.isoformat() if stored and stored.last_checked else None,
        "last_error": stored.last_error if stored else None,
    }
    if snapshot is None:
        return row
    deadline = deadline_status(snapshot, today)
    binding = deadline.binding
    row.update({
        "title": snapshot.title, "author": snapshot.author.name,
        "ministry": snapshot.ministry.name if snapshot.ministry else None, "published": _iso(snapshot.published),
        "deadline": _iso(binding.date) if binding else None,
        "deadline_rule": binding.explain_fr() if binding else None, "status": snapshot.status,
        "answered": _iso(snapshot.answered), "signaled": _iso(snapshot.signaled[-1]) if snapshot.signaled else None,
        "overdue": deadline.overdue or deadline.signaled_overdue, "signaled_overdue": deadline.signaled_overdue,
        "days_overdue": deadline.days_late if deadline.days_late else None, "days_left": deadline.days_left,
    })
    return row


def select_rows(rows: Sequence[dict[str, Any]], *, overdue: bool = False, chamber: str | None = None,
                tag: str | None = None) -> list[dict[str, Any]]:
    return [r for r in rows if (not overdue or r["overdue"]) and (chamber is None or r["chamber"] == chamber)
            and (tag is None or tag in r["tags"])]


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
        state = STATUS_FR[row["status"]] + (" [red](erreur)[/red]" if row["last_error"] else "")
        table.add_row(row["ref"], "AN" if row["chamber"] == "an" else "Sénat", row["author"] or "—",
                      row["ministry"] or "—", _fr_date(row["published"]), _fr_date(row["deadline"]), state,
                      _delay(row), local_time(checked))
    console.print(table)
    if not rows:
        console.print("Aucune question ne correspond.")
