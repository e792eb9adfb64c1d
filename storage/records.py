"""What the store keeps, as typed records: stored questions, events and polls."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from scrapers.model import QuestionSnapshot

EventKind = Literal["published", "answered", "answer_changed", "transferred", "signaled", "renewed",
                    "withdrawn", "closed", "lapsed", "deadline_soon", "overdue", "signaled_overdue", "matched",
                    "rappel_disagrees"]
EVENT_KINDS: tuple[EventKind, ...] = ("published", "answered", "answer_changed", "transferred", "signaled",
                                      "renewed", "withdrawn", "closed", "lapsed", "deadline_soon", "overdue",
                                      "signaled_overdue", "matched", "rappel_disagrees")
# Events the admin hears of (bot/app/health.py), never a subscriber's e-mail, a channel or a feed:
# `rappel_disagrees`, the Sénat's liste de rappel and relance disagreeing on whether a question is late.
ADMIN_EVENT_KINDS: frozenset[EventKind] = frozenset({"rappel_disagrees"})
# `missing`: the site answered 404 or 410, the question is not there (a wrong reference, or one not yet
# online); the question's problem, never the source's.
PollOutcome = Literal["changed", "unchanged", "error", "missing"]


@dataclass(frozen=True, slots=True)
class Event:
    """One fact about a question. `key` tells two facts of the same kind apart (an answer's hash, a
    transfer's target and date…): (ref, kind, key) is the event's natural key, stored once."""

    ref: str
    kind: EventKind
    key: str
    official_date: date | None  # when it happened in the official record (the JO date)
    seen_at: datetime  # when relance saw it (aware, Europe/Paris)
    details: Mapping[str, Any] = field(default_factory=dict)
    id: int | None = None


@dataclass(frozen=True, slots=True)
class Poll:
    """One attempt to read one question: when, where, what the site answered and what came of it."""

    at: datetime
    ref: str
    source: str
    url: str
    http_status: int | None
    outcome: PollOutcome
    error: str | None = None
    cycle_id: int | None = None


@dataclass(frozen=True, slots=True)
class DeadlineColumns:
    """A question's deadlines as stored beside it for SQL (the deadline engine's dates for its snapshot),
    with the fingerprint of the rules that computed them."""

    answer: date | None
    signal: date | None
    rules: str


@dataclass(frozen=True, slots=True)
class StoredQuestion:
    """A question as the store knows it: the last snapshot read (None before a first success)."""

    ref: str
    snapshot: QuestionSnapshot | None
    first_seen: datetime
    last_checked: datetime | None
    last_success: datetime | None
    last_error: str | None
    last_change: datetime | None
    missing: bool = False  # its last read found no such question on the site (a `missing` poll)

    @property
    def status(self) -> str:
        return self.snapshot.status if self.snapshot else "unknown"


@dataclass(frozen=True, slots=True)
class SourceHealth:
    source: str
    last_success: datetime | None
    last_failure: datetime | None
    last_error: str | None
    failed_cycles: int  # consecutive latest check cycles in which every read of this source failed
