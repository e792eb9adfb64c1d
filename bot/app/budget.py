"""The request budget, where it meets the store: which watched questions the check cycle reads one by
one (the rule is `bot.core.budget`'s), when each bulk source was last read, and how many requests
each site received per day.

- `due_reads`: the watched questions to read one by one, each with its reason, from their check
  states (their polls by kind) and the bulk sources' last reads.
- `record_discovery`: after an import of the daily job, the bulk source it read whole or found
  unchanged (304) without error, so that the questions it holds count as current for
  `[check] bulk_fresh_hours`.
- `record_requests`: the requests the process sent since the last call (`scrapers.http.tally`),
  added to the day's count per site (Europe/Paris), after each check cycle and each import.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime

from sqlite_utils import Database

from bot.app.an_archive_download import archive_url
from bot.app.config import Config
from bot.app.import_an import SOURCE as AN_ARCHIVE
from bot.app.import_senat import SOURCE as SENAT_CSV
from bot.app.import_senat import csv_first_day
from bot.core.budget import BudgetSettings, ReadFacts, Reason, read_reason
from bot.core.deadlines import today_in_paris
from scrapers.http.tally import REQUESTS, RequestTally
from scrapers.refs import QuestionRef
from storage.budget import BulkRead, add_requests, bulk_reads, record_bulk_read, requests_on
from storage.questions import CheckState

BULK_SOURCES = (AN_ARCHIVE, SENAT_CSV)  # the polls' names of the bulk readers


def budget_settings(config: Config) -> BudgetSettings:
    return BudgetSettings(recheck_closed_days=config.check.recheck_closed_days,
                          bulk_fresh_hours=config.check.bulk_fresh_hours)


def bulk_confirmed(ref: QuestionRef, state: CheckState, reads: Mapping[tuple[str, str], BulkRead]) -> datetime | None:
    """When a bulk source last confirmed the question's state: its latest bulk read (a poll, written when
    the bulk file brought it a change), or later, the last read of the bulk source that holds it
    (unchanged questions leave no poll); None when no bulk source ever held it."""
    if state.bulk_source is None or state.bulk_at is None:
        return None
    scope = str(ref.legislature) if state.bulk_source == AN_ARCHIVE else ""
    read = reads.get((state.bulk_source, scope))
    if read is None or (read.covers_from is not None and (state.published is None
                                                          or state.published < read.covers_from)):
        return state.bulk_at  # the source's last read does not hold it (any more)
    return max(state.bulk_at, read.at)


def read_facts(ref: QuestionRef, state: CheckState | None, *, in_watch: bool,
               reads: Mapping[tuple[str, str], BulkRead]) -> ReadFacts:
    if state is None:
        return ReadFacts(ref.chamber, in_watch, None)
    return ReadFacts(ref.chamber, in_watch, state.status, state.last_success, state.last_checked, state.missing,
                     bulk_confirmed(ref, state, reads), state.bulk_changed, state.own_read)


def due_reads(db: Database, refs: Sequence[QuestionRef], states: Mapping[str, CheckState], *,
              in_watch: Collection[str], now: datetime, settings: BudgetSettings) -> list[tuple[QuestionRef, Reason]]:
    """The questions of `refs` to read one by one at `now`, in their order, each with its reason.
    `states` are `check_states(..., bulk_sources=BULK_SOURCES)`; `in_watch` the uids of [[watch]]."""
    reads = bulk_reads(db)
    due = []
    for ref in refs:
        reason = read_reason(read_facts(ref, states.get(ref.uid), in_watch=ref.uid in in_watch, reads=reads),
                             now, settings)
        if reason is not None:
            due.append((ref, reason))
    return due


# --- the bulk sources' reads --------------------------------------------------------------------


def _archive_failed(url: str, errors: Sequence[str]) -> bool:
    # bot.app.discovery writes an archive's own failure (fetch, corrupt file) as "URL: error"; a
    # question of it that could not be read is named by its member, and the archive still counts.
    return any(error.startswith(f"{url}: ") for error in errors)


def record_discovery(config: Config, db: Database, source: str, errors: Sequence[str], now: datetime, *,
                     legislatures: Sequence[int] | None = None) -> list[BulkRead]:
    """Record the bulk reads an import of the daily job made, given its summary's `errors` (the import
    ran to its end: the caller says so by calling): each AN archive fetched and imported, or found
    unchanged, without failing; the Sénat's CSV, which an import reads whole or finds unchanged, or
    raises. `legislatures`: the AN archives the import read (default: those of the config). Returns
    what was recorded."""
    recorded = []
    if source == AN_ARCHIVE:
        for legislature in legislatures or config.sources.an.legislatures:
            if not _archive_failed(archive_url(config.sources.an.archive_url, legislature), errors):
                recorded.append(BulkRead(AN_ARCHIVE, str(legislature), now))
    elif source == SENAT_CSV:
        recorded.append(BulkRead(SENAT_CSV, "", now, covers_from=csv_first_day(today_in_paris(now))))
    for read in recorded:
        record_bulk_read(db, read)
    return recorded


# --- requests per site and day ------------------------------------------------------------------


def record_requests(db: Database, now: datetime, tally: RequestTally = REQUESTS) -> dict[str, int]:
    """Add the requests counted since the last call to today's (Europe/Paris), by site; return them."""
    counts = tally.take()
    add_requests(db, today_in_paris(now), counts)
    return counts


def requests_today(db: Database, now: datetime) -> dict[str, int]:
    """The requests sent today (Europe/Paris) per site, most first."""
    return requests_on(db, today_in_paris(now))


def requests_text(counts: Mapping[str, int]) -> str:
    """`host=n,host=n`, most first: how the logs write requests by site."""
    return ",".join(f"{host}={n}" for host, n in sorted(counts.items(), key=lambda item: (-item[1], item[0])))
