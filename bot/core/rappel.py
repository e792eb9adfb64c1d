"""The Sénat's liste de rappel against relance's own view: which questions they disagree on.

The Sénat's export lists the written questions still unanswered two months after their publication
in the JO (samples/senat/liste-de-rappel-help.txt): its view of which questions are late. relance's
view is its stored snapshot and the deadline engine (`bot.core.deadlines`). They disagree when the
Sénat lists a question that relance holds answered, ended or not late yet, and, for a question
relance follows, when relance holds it late and the list leaves it out. Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from bot.core.deadlines import deadline_status
from scrapers.model import QuestionSnapshot
from storage.records import Event

Disagreement = Literal["listed_answered", "listed_ended", "listed_not_late", "absent_late"]
DISAGREEMENTS: tuple[Disagreement, ...] = ("listed_answered", "listed_ended", "listed_not_late", "absent_late")

# A question late by fewer days than this is not called missing from the list: an export read a
# few days after it was made, or a file saved earlier, cannot list what became late since.
ABSENT_GRACE_DAYS = 7


@dataclass(frozen=True, slots=True)
class Found:
    """One disagreement: the question, what kind, and relance's side of it."""

    ref: str
    disagreement: Disagreement
    status: str  # relance's state of the question
    deadline: date | None  # relance's answer deadline
    answered: date | None = None  # relance's answer date, for `listed_answered`
    days_late: int | None = None  # for `absent_late`

    @property
    def key(self) -> str:
        """The event's natural key: the kind and relance's side, so reading the same list again adds
        nothing and a change of relance's view is a new fact."""
        side = {"listed_answered": self.answered, "listed_ended": self.status,
                "listed_not_late": self.deadline, "absent_late": self.deadline}[self.disagreement]
        return f"{self.disagreement}|{side.isoformat() if isinstance(side, date) else side or ''}"


def listed_disagreement(snapshot: QuestionSnapshot, today: date) -> Found | None:
    """A question the Sénat lists as unanswered after two months: how relance disagrees, if it does."""
    state = deadline_status(snapshot, today)
    deadline = state.answer_deadline.date if state.answer_deadline else None
    ref, status = snapshot.ref.uid, snapshot.status
    if status == "answered":
        return Found(ref, "listed_answered", status, deadline, answered=snapshot.answered)
    if status != "pending":
        return Found(ref, "listed_ended", status, deadline)
    if not state.overdue:
        return Found(ref, "listed_not_late", status, deadline)
    return None


def absent_disagreement(snapshot: QuestionSnapshot, today: date) -> Found | None:
    """A followed question the list leaves out: a disagreement when relance holds it pending and late
    by at least `ABSENT_GRACE_DAYS`."""
    state = deadline_status(snapshot, today)
    if snapshot.status != "pending" or not state.overdue or state.answer_deadline is None:
        return None
    late = (today - state.answer_deadline.date).days
    if late < ABSENT_GRACE_DAYS:
        return None
    return Found(snapshot.ref.uid, "absent_late", snapshot.status, state.answer_deadline.date, days_late=late)


def compare(listed: Iterable[QuestionSnapshot], followed: Mapping[str, QuestionSnapshot], listed_refs: set[str],
            today: date) -> list[Found]:
    """Every disagreement: the listed questions relance holds (`listed`), then the followed questions
    the list leaves out (`followed` by ref; `listed_refs` every written question the list names)."""
    found = [d for s in listed if (d := listed_disagreement(s, today))]
    found += [d for ref, s in followed.items() if ref not in listed_refs and (d := absent_disagreement(s, today))]
    return found


def disagreement_event(found: Found, seen_at: datetime) -> Event:
    def iso(day: date | None) -> str | None:
        return day.isoformat() if day else None
    details = {"disagreement": found.disagreement, "status": found.status, "deadline": iso(found.deadline),
               "answered": iso(found.answered), "days_late": found.days_late}
    return Event(ref=found.ref, kind="rappel_disagrees", key=found.key, official_date=None, seen_at=seen_at,
                 details={k: v for k, v in details.items() if v is not None})
