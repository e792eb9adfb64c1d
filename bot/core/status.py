"""Where each watched question stands today: the rows of `relance status --json`, the web table and the API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.core.deadlines import deadline_status
from scrapers.refs import QuestionRef
from storage.records import StoredQuestion


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


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
        "missing": bool(stored and stored.missing),  # the site said it has no such question (404, 410)
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
