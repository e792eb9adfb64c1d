"""The request budget: which watched questions the check cycle reads one by one, and why.

A bulk source (the AN's archive of a legislature, the Sénat's CSV of the last twelve months) brings
every question it holds in one request, or one 304 when it has not changed. A question whose state a
bulk source confirmed within `bulk_fresh_hours` is therefore not fetched one by one, except:

- a question of the user's own list (`[[watch]]`), after a bulk source brought a change to it that no
  read of its own has seen yet (its page then gives what the bulk file lacks: the Sénat's texts, the
  answer as published), and, while it is open, once on its chamber's publication day (the AN's
  questions and answers appear in the JO on Tuesdays, the Sénat's on Thursdays: RULES.md §4), at the
  first cycle from `PUBLICATION_HOUR`, when that day's JO is out: news of the day is known the same
  day rather than at the next morning's import. Not every cycle: the bulk file and that one read
  cover the day, and 200 watched questions read at every cycle would cost more than the whole rest.
- a question no bulk source covers, or whose bulk source was not read within `bulk_fresh_hours`
  (the AN before the 15th legislature, read on its older site; a Sénat question older than the CSV's
  year; one never seen in a bulk file; an import that keeps failing): an open one at every cycle when
  it is in `[[watch]]`, once a day (`FOUND_OPEN_EVERY`) when only a follow rule found it (a watchdog's
  backlog of old unanswered Sénat questions, hundreds of them, would otherwise be read at each of the
  day's cycles); an answered or ended one once every `recheck_closed_days` for corrections.
- a question the site said it does not have (404, 410): once a day, whatever covers it; and one
  never read: at once.

Pure: the facts and the instant come in, a reason (or None: not due) goes out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Literal

from bot.core.deadlines import PARIS

OPEN_STATUSES = frozenset({"unknown", "pending"})
# A question the site said it does not have is read again a day later, not every cycle. The slack lets a
# question found missing in today's 10:00 cycle be read in tomorrow's 10:00 cycle, whatever the seconds
# its read took, rather than drifting by one cycle a day.
MISSING_RETRY = timedelta(days=1)
MISSING_RETRY_SLACK = timedelta(minutes=15)
# How often an open question no bulk source covers is read when only a follow rule found it (not in
# [[watch]]), with the same slack as a missing question's daily read.
FOUND_OPEN_EVERY = timedelta(days=1)
# The day each chamber's questions and answers appear in the JO (RULES.md §4), as datetime.weekday().
PUBLICATION_WEEKDAY = {"an": 1, "senat": 3}  # Tuesday, Thursday
# From when a publication day's reads are made: the day's JO is out, and `[schedule] extra_an` and
# `extra_senat` run at 12:30.
PUBLICATION_HOUR = 12

Reason = Literal["never_read", "missing", "open", "closed_recheck", "bulk_change", "publication_day"]
REASONS: tuple[Reason, ...] = ("never_read", "missing", "open", "closed_recheck", "bulk_change", "publication_day")


@dataclass(frozen=True, slots=True)
class ReadFacts:
    """What decides whether a watched question is read one by one. `status` is None for a question
    never stored; `bulk_at` is when a bulk source covering it last confirmed its state (None when no
    bulk source covers it); `bulk_changed` when one last brought it a change; `own_read` its latest
    successful read one by one."""

    chamber: str
    in_watch: bool  # in the config's [[watch]], the user's own list (not only found by a rule)
    status: str | None
    last_success: datetime | None = None
    last_checked: datetime | None = None
    missing: bool = False
    bulk_at: datetime | None = None
    bulk_changed: datetime | None = None
    own_read: datetime | None = None


@dataclass(frozen=True, slots=True)
class BudgetSettings:
    recheck_closed_days: int = 7
    bulk_fresh_hours: int = 24


def bulk_fresh(facts: ReadFacts, now: datetime, settings: BudgetSettings) -> bool:
    """A bulk source covering the question confirmed its state within `bulk_fresh_hours`."""
    return facts.bulk_at is not None and now - facts.bulk_at <= timedelta(hours=settings.bulk_fresh_hours)


def publication_noon(chamber: str, now: datetime) -> datetime | None:
    """`PUBLICATION_HOUR` of today, Paris time, when today is `chamber`'s publication day and that
    hour has come; else None."""
    local = now.astimezone(PARIS)
    if local.weekday() != PUBLICATION_WEEKDAY.get(chamber) or local.hour < PUBLICATION_HOUR:
        return None
    return datetime.combine(local.date(), time(PUBLICATION_HOUR), tzinfo=PARIS)


def _watch_reason(facts: ReadFacts, now: datetime) -> Reason | None:
    """A [[watch]] question whose state a bulk source keeps current: after a change, and on its
    chamber's publication day while open."""
    if facts.bulk_changed is not None and (facts.own_read is None or facts.own_read < facts.bulk_changed):
        return "bulk_change"
    noon = publication_noon(facts.chamber, now)
    if noon is not None and facts.status in OPEN_STATUSES and (facts.own_read is None or facts.own_read < noon):
        return "publication_day"
    return None


def read_reason(facts: ReadFacts, now: datetime, settings: BudgetSettings) -> Reason | None:
    """Why the question is read one by one in the cycle at `now` (an aware instant), or None when it is
    not (see the module's docstring for the rule)."""
    if facts.missing and facts.last_checked is not None:
        return "missing" if now - facts.last_checked >= MISSING_RETRY - MISSING_RETRY_SLACK else None
    if facts.status is None or facts.last_success is None:
        return "never_read"
    if bulk_fresh(facts, now, settings):
        return _watch_reason(facts, now) if facts.in_watch else None
    if facts.status in OPEN_STATUSES:
        if facts.in_watch or now - facts.last_success >= FOUND_OPEN_EVERY - MISSING_RETRY_SLACK:
            return "open"
        return None
    return "closed_recheck" if now - facts.last_success >= timedelta(days=settings.recheck_closed_days) else None
