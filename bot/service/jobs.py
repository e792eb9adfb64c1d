"""The jobs of `relance run`: a check cycle, a notify pass, the discovery imports. Each opens the
database, calls the use cases of `bot.app` (the very functions `relance check`, `relance notify` and
`relance import` call), logs what happened and never raises: the next run retries.

The day is ordered bulk first: the discovery job's imports (an unchanged archive or CSV costs one
304), then, once they are done, the per-question reads that remain (a check cycle), then the notices.
Each import and each cycle logs the requests it sent per site (`requests`), a cycle also the day's so far
(`requests_today`, `sites_today`)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from sqlite_utils import Database

from bot.app.budget import record_requests, requests_text, requests_today
from bot.app.check import CycleReport, check_once, failures_by_source
from bot.app.config import Config
from bot.app.database import open_database
from bot.app.discovery import DISCOVERY_IMPORTS, Discovery, ImportSummary, record_import
from bot.app.health import run_source_alarms
from bot.app.logs import describe, log_event
from bot.app.notify import NotifyReport, has_recipients, notify_once
from bot.app.settings import http_settings
from scrapers.http import PoliteClient
from storage.db import StorageError

Now = Callable[[], datetime]


def _log_cycle(job: str, report: CycleReport, seconds: float, today: dict[str, int]) -> None:
    """The cycle's events, failures and summary; `today`: the requests sent today per site, this cycle's
    included."""
    for event in report.events:
        log_event("question_event", ref=event.ref, kind=event.kind, date=event.official_date)
    for source, failures in failures_by_source(report).items():
        refs = [f.ref for f in failures]
        log_event("source_failed", "warning", job=job, source=source, questions=len(refs),
                  refs=",".join(refs[:5]) + (f",+{len(refs) - 5}" if len(refs) > 5 else ""), error=failures[0].error)
    for missing in report.missing:  # the question's problem, not the source's: read again a day later
        log_event("question_missing", "warning", job=job, ref=missing.ref, source=missing.source, url=missing.url)
    log_event("cycle_done", job=job, checked=report.checked, changed=report.changed, events=len(report.events),
              errors=len(report.errors), skipped=report.skipped, seconds=f"{seconds:.1f}",
              reasons=",".join(f"{reason}={n}" for reason, n in sorted(report.reasons.items())) or None,
              requests=requests_text(report.requests) or None, requests_today=sum(today.values()),
              sites_today=requests_text(today) or None)


def _alarms_pass(config: Config, db: Database, *, now: Now, job: str) -> None:
    """The admin hears of a source that keeps failing, as after `relance check` (bot/app/health.py)."""
    try:
        alarms = run_source_alarms(db, now(), config)
    except Exception as error:
        log_event("alarms_failed", "error", job=job, error=describe(error))
        return
    for subject in alarms.notices:
        log_event("admin_notice", "warning", job=job, subject=subject)
    for error_text in alarms.errors[:10]:
        log_event("alarms_error", "warning", job=job, error=error_text)


def _notify_pass(config: Config, db: Database, *, now: Now, job: str) -> NotifyReport | None:
    try:
        report = notify_once(config, db, now=now)
    except Exception as error:  # the ledger keeps what was not sent; the next pass sends it
        log_event("notify_failed", "error", job=job, error=describe(error))
        return None
    for error_text in report.errors[:10]:
        log_event("notify_error", "warning", job=job, error=error_text)
    e, c = report.email, report.channels
    log_event("notify_done", job=job, queued=e.queued if e else None, sent=e.sent if e else None,
              failed=e.failed if e else None, channels_sent=c.sent if c else None,
              channels_failed=c.failed if c else None)
    return report


@contextmanager
def _database(database: Path, job: str) -> Iterator[Database | None]:
    """The job's connection, closed when it ends; None (logged `job_failed`) when it cannot be opened."""
    try:
        db = open_database(database)
    except StorageError as error:
        log_event("job_failed", "error", job=job, error=str(error))
        yield None
        return
    try:
        yield db
    finally:
        db.close()


def check_job(config: Config, database: Path, *, now: Now, should_stop: Callable[[], bool] = lambda: False,
              job: str = "check") -> CycleReport | None:
    """One check cycle, then (unless stopping) a notify pass for the notices it calls for. Logs what
    happened and never raises: a failure (source down, database locked…) is retried by the next run.
    Returns the cycle's report, or None when the cycle failed."""
    started = time.monotonic()
    with _database(database, job) as db:
        if db is None:
            return None
        try:
            report = check_once(config, db, now=now, should_stop=should_stop)
        except Exception as error:
            log_event("job_failed", "error", job=job, error=describe(error))
            return None
        _log_cycle(job, report, time.monotonic() - started, requests_today(db, now()))
        if not should_stop():
            _alarms_pass(config, db, now=now, job=job)
        if has_recipients(config) and not should_stop():
            _notify_pass(config, db, now=now, job=job)
        return report


def notify_job(config: Config, database: Path, *, now: Now, job: str = "digests") -> NotifyReport | None:
    """A notify pass alone (digests whose time has come, and anything still queued). Never raises."""
    with _database(database, job) as db:
        return None if db is None else _notify_pass(config, db, now=now, job=job)


def _log_import(job: str, source: str, summary: ImportSummary, seconds: float, requests: dict[str, int]) -> None:
    for error in summary.errors[:10]:
        log_event("discovery_error", "warning", job=job, source=source, error=error)
    log_event("discovery_done", job=job, source=source, read=summary.read, new=summary.new, changed=summary.changed,
              matched=summary.matched, errors=len(summary.errors), ok=summary.ok, seconds=f"{seconds:.1f}",
              requests=requests_text(requests) or None)
    for event in summary.matched_events:
        log_event("question_event", ref=event.ref, kind=event.kind, rules=event.key)


def _run_import(config: Config, db: Database, client: PoliteClient, discovery: Discovery, *, now: Now,
                should_stop: Callable[[], bool], job: str) -> ImportSummary | None:
    """One import, logged with the requests it sent; a bulk file it read whole or found unchanged is
    recorded (bot/app/budget.py), so the check cycle leaves the questions it holds alone."""
    started = time.monotonic()
    try:
        summary = discovery.run(config, db, client, now, should_stop)
    except Exception as error:  # a site down, a corrupt file…: the next day's run retries
        summary = None
        log_event("discovery_failed", "error", job=job, source=discovery.name, error=describe(error))
    if summary is not None and not should_stop():  # an import cut short did not read its file whole
        requests = record_import(config, db, discovery.name, summary, now())
    else:
        requests = record_requests(db, now())
    if summary is not None:
        _log_import(job, discovery.name, summary, time.monotonic() - started, requests)
    return summary


def discovery_job(config: Config, database: Path, *, now: Now, should_stop: Callable[[], bool] = lambda: False,
                  job: str = "discovery", imports: Sequence[Discovery] = DISCOVERY_IMPORTS,
                  reads: bool = False) -> dict[str, ImportSummary | None]:
    """The bulk imports of `DISCOVERY_IMPORTS`, one after the other; then (unless stopping, and when
    `reads`, as `relance run` asks) the per-question reads the imports leave, a check cycle; then a
    notify pass, so the
    questions the follow rules found are told like any other news. Logs what happened and never
    raises: an import that fails is logged and the next one runs. Returns each import's summary (or
    None when it failed) by source."""
    reports: dict[str, ImportSummary | None] = {}
    with _database(database, job) as db:
        if db is None:
            return reports
        with PoliteClient(http_settings(config)) as client:
            for discovery in imports:
                if should_stop():
                    break
                reports[discovery.name] = _run_import(config, db, client, discovery, now=now,
                                                      should_stop=should_stop, job=job)
        if reads and not should_stop():
            _remaining_reads(config, db, now=now, should_stop=should_stop, job=job)
        if has_recipients(config) and not should_stop():
            _notify_pass(config, db, now=now, job=job)
        return reports


def _remaining_reads(config: Config, db: Database, *, now: Now, should_stop: Callable[[], bool], job: str) -> None:
    """The check cycle right after the imports: only what they do not keep current is read one by one."""
    started = time.monotonic()
    try:
        report = check_once(config, db, now=now, should_stop=should_stop)
    except Exception as error:
        log_event("job_failed", "error", job=job, error=describe(error))
        return
    _log_cycle(job, report, time.monotonic() - started, requests_today(db, now()))
    if not should_stop():
        _alarms_pass(config, db, now=now, job=job)
