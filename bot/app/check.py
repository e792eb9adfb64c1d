"""The check cycle: pick the questions that are due, read them, diff, store.

Which questions are due is the request budget's rule (`bot.core.budget`): a question a bulk source
keeps current is not read one by one, but for the [[watch]] ones on their publication day and after
a bulk change.

Reading (fetch and parse) runs on a few threads, bounded by the polite client; everything that
touches the database runs on the calling thread, one transaction per question. A question that
cannot be read is logged as a failed poll and keeps its stored state; the cycle goes on. A question the
site says does not exist (404, 410) is the question's problem, not the site's: it is logged as a
`missing` poll, reported apart from the errors, and read again only once a day.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import zip_longest
from typing import Literal
from urllib.parse import urlsplit

from sqlite_utils import Database

from bot.app.authors import name_author
from bot.app.budget import BULK_SOURCES, due_reads, record_requests
from bot.app.config import Config
from bot.app.database import deadline_columns
from bot.app.settings import http_settings, source_settings
from bot.app.watched import watched
from bot.core.budget import BudgetSettings, ReadFacts, read_reason
from bot.core.deadlines import today_in_paris
from bot.core.events import DEFAULT_SOON_DAYS, diff
from bot.core.reconcile import is_behind
from scrapers.http import FetchError, HttpStatusError, NotFound, PoliteClient
from scrapers.model import ParseError
from scrapers.refs import QuestionRef
from scrapers.sources import Reading, SourceSettings, read_question, source_for
from storage.questions import (
    CheckState,
    check_states,
    finish_cycle,
    get_question,
    save_check,
    save_failure,
    start_cycle,
)
from storage.records import Event, Poll, StoredQuestion

Now = Callable[[], datetime]


@dataclass(frozen=True, slots=True)
class CheckSettings:
    recheck_closed_days: int = 7
    deadline_soon_days: int = DEFAULT_SOON_DAYS
    workers: int = 2
    bulk_fresh_hours: int = 24


@dataclass(frozen=True, slots=True)
class CheckFailure:
    ref: str
    source: str
    url: str
    error: str


@dataclass
class CycleReport:
    checked: int = 0
    changed: int = 0
    skipped: int = 0
    revalidated: int = 0
    events: list[Event] = field(default_factory=list)
    errors: list[CheckFailure] = field(default_factory=list)
    missing: list[CheckFailure] = field(default_factory=list)  # not on the site (404, 410): never an error
    reasons: Counter[str] = field(default_factory=Counter)  # the questions read one by one, by reason
    requests: dict[str, int] = field(default_factory=dict)  # the requests sent, by site (check_once)

    @property
    def ok(self) -> bool:
        """No source failed; a question missing from its site is a warning, not a failure."""
        return not self.errors


def is_due(state: CheckState | None, now: datetime, recheck_closed_days: int) -> bool:
    """Without a bulk source: open questions every cycle; answered or ended ones once every
    `recheck_closed_days`; one the site said it does not have, once a day (`MISSING_RETRY`). The whole
    rule, bulk sources included, is `bot.core.budget.read_reason`'s."""
    facts = ReadFacts("", False, None) if state is None else ReadFacts(
        "", False, state.status, state.last_success, state.last_checked, state.missing)
    return read_reason(facts, now, BudgetSettings(recheck_closed_days=recheck_closed_days)) is not None


def interleave_by_host(refs: Sequence[QuestionRef], sources: SourceSettings) -> list[QuestionRef]:
    """The questions, taking each site in turn: the reading threads then wait on every site's pace
    side by side, instead of all waiting on the first site of a watchlist sorted by chamber."""
    by_host: dict[str, list[QuestionRef]] = {}
    for ref in refs:
        by_host.setdefault(urlsplit(source_for(ref, sources).url).netloc, []).append(ref)
    return [ref for turn in zip_longest(*by_host.values()) for ref in turn if ref is not None]


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"


def _last_day(stored: StoredQuestion | None) -> date | None:
    return today_in_paris(stored.last_success) if stored and stored.last_success else None


def _record_reading(db: Database, reading: Reading, stored: StoredQuestion | None, *, now: datetime,
                    settings: CheckSettings, report: CycleReport, cycle_id: int) -> None:
    # Named from the AN's actors before the diff, as the bulk imports name it (bot/app/authors.py).
    reading = dataclasses.replace(reading, snapshot=name_author(db, reading.snapshot))
    old = stored.snapshot if stored else None
    if old is not None and is_behind(old, reading.snapshot):
        # The page is older than what the archive already told (reconciled, not regressed): the read
        # counts as a success, the stored state stays.
        reading = dataclasses.replace(reading, snapshot=old)
    events = diff(old, reading.snapshot, today=today_in_paris(now), last_day=_last_day(stored), seen_at=now,
                  soon_days=settings.deadline_soon_days)
    changed = old != reading.snapshot
    poll = Poll(at=now, ref=reading.snapshot.ref.uid, source=reading.source, url=reading.url,
                http_status=reading.http_status, outcome="changed" if changed else "unchanged", cycle_id=cycle_id)
    report.events += save_check(db, reading.snapshot, events, poll, deadlines=deadline_columns(reading.snapshot))
    report.checked += 1
    report.changed += changed
    report.revalidated += reading.revalidated


def _record_failure(db: Database, ref: QuestionRef, error: Exception, *, sources: SourceSettings,
                    now: datetime, report: CycleReport, cycle_id: int) -> None:
    source = source_for(ref, sources)
    url = error.url if isinstance(error, (FetchError, ParseError)) else source.url
    status = error.status if isinstance(error, HttpStatusError) else None
    missing = isinstance(error, NotFound)
    save_failure(db, ref.uid, Poll(at=now, ref=ref.uid, source=source.name, url=url, http_status=status,
                                   outcome="missing" if missing else "error", error=_describe(error),
                                   cycle_id=cycle_id))
    (report.missing if missing else report.errors).append(CheckFailure(ref.uid, source.name, url, _describe(error)))


def run_cycle(db: Database, client: PoliteClient, sources: SourceSettings, watched: Sequence[QuestionRef], *,
              now: Callable[[], datetime], settings: CheckSettings = CheckSettings(),
              should_stop: Callable[[], bool] = lambda: False, in_watch: Collection[str] = frozenset()
              ) -> CycleReport:
    """One check cycle over the watched questions that are due (`bot.core.budget`: those a fresh bulk
    read does not keep current, and the [[watch]] ones, whose uids are `in_watch`, on their publication
    day and after a bulk change). `now` gives aware instants."""
    started = now()
    states = check_states(db, [ref.uid for ref in watched], bulk_sources=BULK_SOURCES)
    reads = due_reads(db, watched, states, in_watch=in_watch, now=started,
                      settings=BudgetSettings(settings.recheck_closed_days, settings.bulk_fresh_hours))
    due = [ref for ref, _reason in reads]
    report = CycleReport(skipped=len(watched) - len(due), reasons=Counter(reason for _ref, reason in reads))
    cycle_id = start_cycle(db, started)
    with ThreadPoolExecutor(max_workers=settings.workers, thread_name_prefix="relance-read") as pool:
        pending: list[tuple[QuestionRef, Future[Reading]]] = [
            (ref, pool.submit(read_question, ref, client, sources)) for ref in interleave_by_host(due, sources)]
        stopping = False
        for ref, future in pending:
            if not stopping and should_stop():
                # Asked to stop: the reads not started yet are dropped (the next cycle does them); a
                # read already under way, or done, is still waited for and recorded, however late
                # the loop sees the request to stop.
                stopping = True
                for _ref, rest in pending:
                    rest.cancel()
            if future.cancelled():
                continue
            try:
                reading = future.result()
            except (FetchError, ParseError) as error:
                _record_failure(db, ref, error, sources=sources, now=now(), report=report, cycle_id=cycle_id)
            else:
                # The stored snapshot is read only now, one question at a time: a cycle over many
                # questions never holds them all in memory.
                _record_reading(db, reading, get_question(db, ref.uid), now=now(), settings=settings, report=report,
                                cycle_id=cycle_id)
    finish_cycle(db, cycle_id, now(), report.checked, len(report.errors))
    return report


def check_settings(config: Config) -> CheckSettings:
    return CheckSettings(recheck_closed_days=config.check.recheck_closed_days,
                         deadline_soon_days=config.check.deadline_soon_days, workers=config.http.max_concurrency,
                         bulk_fresh_hours=config.check.bulk_fresh_hours)


def check_once(config: Config, db: Database, *, now: Now, should_stop: Callable[[], bool] = lambda: False
               ) -> CycleReport:
    """One check cycle over the watchlist (what `relance check` runs); the requests it sent are then
    added to the day's count per site."""
    with PoliteClient(http_settings(config)) as client:
        report = run_cycle(db, client, source_settings(config), [w.ref for w in watched(config, db)], now=now,
                           settings=check_settings(config), should_stop=should_stop,
                           in_watch={w.question.uid for w in config.watch})
    report.requests = record_requests(db, now())
    return report


@dataclass(frozen=True, slots=True)
class Probe:
    """What one read of a question found: `found`; `missing` (the site answered 404 or 410); or
    `unverified` (the site could not be read, or its page not understood: not the question's fault)."""

    outcome: Literal["found", "missing", "unverified"]
    error: str | None = None


def probe_question(config: Config, ref: QuestionRef) -> Probe:
    """One polite read of `ref`, without retry, cache or database: is the question on its site? What
    `relance add` asks of a question it has just added."""
    http = dataclasses.replace(http_settings(config), retries=0, cache_dir=None)
    with PoliteClient(http) as client:
        try:
            read_question(ref, client, source_settings(config))
        except NotFound as error:
            return Probe("missing", _describe(error))
        except (FetchError, ParseError) as error:
            return Probe("unverified", _describe(error))
    return Probe("found")


def failures_by_source(report: CycleReport) -> dict[str, list[CheckFailure]]:
    by_source: dict[str, list[CheckFailure]] = {}
    for failure in report.errors:
        by_source.setdefault(failure.source, []).append(failure)
    return by_source
