"""Where each watched question stands today: the rows of `relance status --json`, the web table and the API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from bot.core.deadlines import Deadline, StartsFrom, deadline_from, deadline_status
from scrapers.model import Chamber
from scrapers.refs import QuestionRef
from storage.records import StoredQuestion


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


@dataclass(frozen=True, slots=True)
class WatchedQuestion:
    ref: QuestionRef
    tags: tuple[str, ...]
    stored: StoredQuestion | None


def _base_row(ref: QuestionRef, tags: tuple[str, ...], last_checked: datetime | None, last_error: str | None,
              missing: bool) -> dict[str, Any]:
    """A row with what every watched question has, its stored state's keys empty (never read)."""
    return {
        "ref": ref.uid, "chamber": ref.chamber, "legislature": ref.legislature, "number": ref.number,
        "url": ref.public_url, "title": None, "author": None, "ministry": None, "published": None,
        "deadline": None, "deadline_rule": None, "status": "unknown", "answered": None, "signaled": None,
        "overdue": False, "signaled_overdue": False, "days_overdue": None, "days_left": None,
        "tags": list(tags), "last_checked": last_checked.isoformat() if last_checked else None,
        "last_error": last_error,
        "missing": missing,  # the site said it has no such question (404, 410)
    }


def status_row(question: WatchedQuestion, today: date) -> dict[str, Any]:
    """One question's row; the keys are the same in `relance status --json` and the web API."""
    stored = question.stored
    snapshot = stored.snapshot if stored else None
    row = _base_row(question.ref, question.tags, stored.last_checked if stored else None,
                    stored.last_error if stored else None, bool(stored and stored.missing))
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


# --- the same row from the stored columns -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoredState:
    """What a status row shows of a stored question, as its columns keep it (storage writes them from the
    snapshot on every save): no snapshot to decode. `status` None: never read (no snapshot);
    `answer_deadline` and `signal_deadline` are the stored deadlines, computed under the rules whose
    fingerprint is `deadline_rules` (`bot.core.deadlines.RULES_VERSION`)."""

    status: str | None
    title: str | None
    author: str | None
    ministry: str | None
    published: date | None
    answered: date | None
    signaled: date | None  # the latest signalement
    answer_deadline: date | None
    signal_deadline: date | None
    deadline_rules: str | None
    last_checked: datetime | None
    last_error: str | None
    missing: bool


@lru_cache(maxsize=4096)
def _deadline(chamber: Chamber, starts_from: StartsFrom, basis: date) -> tuple[Deadline | None, str | None]:
    """A deadline and its explanation: they depend only on the chamber, the start and the basis day, so a
    listing of 10,000 questions published over a year computes a few hundred of them, not 20,000."""
    deadline = deadline_from(chamber, starts_from, basis)
    return deadline, deadline.explain_fr() if deadline else None


def _checked(chamber: Chamber, starts_from: StartsFrom, basis: date | None, stored: date | None
             ) -> tuple[bool, Deadline | None, str | None]:
    """(whether the stored date is the one the rules give from `basis`, that deadline, its explanation)."""
    deadline, explained = _deadline(chamber, starts_from, basis) if basis is not None else (None, None)
    return (deadline.date if deadline else None) == stored, deadline, explained


def stored_status_row(ref: QuestionRef, tags: tuple[str, ...], state: StoredState, rules: str, today: date
                      ) -> dict[str, Any] | None:
    """The row `status_row` gives for this question, from its columns and `today`; None when the columns
    cannot tell (deadlines stored under other `rules` than the current fingerprint, or not those of its
    dates): the caller then decodes the snapshot. Same judgement as `bot.core.deadlines.deadline_status`:
    an open question's binding deadline is the earliest not passed, else the earliest passed (the answer
    deadline first on a tie); an ended one's is its answer deadline, late by the days its answer came after."""
    row = _base_row(ref, tags, state.last_checked, state.last_error, state.missing)
    if state.status is None:
        return row
    answer_ok, answer, answer_rule = _checked(ref.chamber, "publication", state.published, state.answer_deadline)
    signal_ok, signal, signal_rule = _checked(ref.chamber, "signalement", state.signaled, state.signal_deadline)
    if state.deadline_rules != rules or not (answer_ok and signal_ok):
        return None
    overdue = signaled_overdue = False
    days_late = days_left = None
    if state.status == "pending":
        ordered = sorted((d for d in (answer, signal) if d is not None), key=lambda d: d.date)
        binding = next((d for d in ordered if today <= d.date), ordered[0] if ordered else None)
        overdue = answer is not None and today > answer.date
        signaled_overdue = signal is not None and today > signal.date
        if binding is not None and today > binding.date:
            days_late = (today - binding.date).days
        elif binding is not None:
            days_left = (binding.date - today).days
    else:
        binding = answer
        if state.status == "answered" and state.answered is not None and answer is not None:
            days_late = max(0, (state.answered - answer.date).days)
    row.update({
        "title": state.title, "author": state.author, "ministry": state.ministry, "published": _iso(state.published),
        "deadline": _iso(binding.date) if binding else None,
        "deadline_rule": (answer_rule if binding is answer else signal_rule) if binding else None,
        "status": state.status, "answered": _iso(state.answered), "signaled": _iso(state.signaled),
        "overdue": overdue or signaled_overdue, "signaled_overdue": signaled_overdue,
        "days_overdue": days_late if days_late else None, "days_left": days_left,
    })
    return row
