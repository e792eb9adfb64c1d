"""`relance run`: one long-running process that checks the watched questions and tells people, on a
schedule (APScheduler 3.x, Europe/Paris time), until SIGTERM or SIGINT.

Also the one place where a check pass and a notify pass are put together from the config, so that
`relance check`, `relance notify` and the service run the very same code.

The jobs are rebuilt from the config at every start (memory job store, nothing pickled):

- `check` (`[schedule] check`, default every 2 hours from 7:00 to 21:00): a check cycle, then the
  source alarms and the notices it calls for (immediate notices, channels, digests that are due);
- `extra_an`, `extra_senat` (`[schedule] extra_an`, `extra_senat`; Tuesday and Thursday 12:30): the
  same, on the day each chamber's questions and answers appear in the JO (RULES.md §4);
- `digests` (`[email] daily_hour`:00, only with an `[email]` section): a notify pass alone, for the
  daily digests, and the weekly ones on `[email] weekly_day`;
- `discovery` (`[schedule] discovery`, default 6:00; an empty string turns it off): the bulk imports
  of `DISCOVERY_IMPORTS` (the AN archive, the Sénat CSV), so that the questions the follow rules find
  are watched before the morning check, then a notify pass: their `matched` events go out like any
  other event.

Every job runs on one worker thread, so a check and a notify never overlap; a job whose time comes
while another runs waits its turn. Each job coalesces its missed runs into one and still runs up to
`MISFIRE_GRACE_SECONDS` late: a machine waking from sleep runs one cycle, not a burst.
"""

from __future__ import annotations

import fcntl
import importlib
import inspect
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import Any, Literal

from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_MAX_INSTANCES,
    EVENT_JOB_MISSED,
    EVENT_SCHEDULER_STARTED,
    JobExecutionEvent,
    JobSubmissionEvent,
    SchedulerEvent,
)
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlite_utils import Database

from bot.check import CheckFailure, CheckSettings, CycleReport, run_cycle
from bot.config import Config, ConfigError
from bot.deadlines import PARIS
from bot.health import run_source_alarms
from bot.logs import describe, log_event
from bot.notify.channels import Channel, ChannelReport, notify_channels
from bot.notify.emails import Schedule, SendReport, notify_emails, preview_emails
from bot.notify.mail import SmtpSender, SmtpSettings
from bot.notify.subscriptions import MailSettings
from bot.notify.tokens import secret_from_env
from bot.watched import tags_of, watched
from scrapers.http import HttpSettings, PoliteClient
from scrapers.sources import SourceSettings
from storage.db import StorageError, open_db
from storage.ledger import channels_first_seen
from storage.records import Event

Now = Callable[[], datetime]
MISFIRE_GRACE_SECONDS = 3600
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


# --- what `relance check`, `relance notify` and `relance run` share ----------------------------


def http_settings(config: Config) -> HttpSettings:
    h = config.http
    return HttpSettings(user_agent=config.user_agent, timeout=h.timeout, max_concurrency=h.max_concurrency,
                        min_interval=h.min_interval, retries=h.retries, backoff_max=h.backoff_max,
                        max_retry_after=h.max_retry_after, cache_dir=Path(h.cache_dir) if h.cache_dir else None)


def source_settings(config: Config) -> SourceSettings:
    an, senat = config.sources.an, config.sources.senat
    return SourceSettings(an_base_url=an.base_url, an_legacy_base_url=an.legacy_base_url,
                          senat_base_url=senat.base_url, an_closure_codes=dict(an.closure_codes))


def check_settings(config: Config) -> CheckSettings:
    return CheckSettings(recheck_closed_days=config.check.recheck_closed_days,
                         deadline_soon_days=config.check.deadline_soon_days, workers=config.http.max_concurrency)


def mail_settings(config: Config) -> MailSettings:
    if config.email is None:
        raise ConfigError("config", "email", "no [email] section: relance cannot send e-mail without one")
    return MailSettings(sender=config.email.sender, base_url=config.web.base_url, secret=secret_from_env(),
                        unsubscribe_mailto=config.email.unsubscribe_mailto)


def smtp_sender(config: Config) -> SmtpSender:
    assert config.email is not None
    e = config.email
    return SmtpSender(SmtpSettings.with_env_credentials(e.host, e.port, e.security, e.timeout))


def email_schedule(config: Config) -> Schedule:
    return Schedule(config.email.daily_hour, config.email.weekly_day) if config.email else Schedule()


def check_once(config: Config, db: Database, *, now: Now, should_stop: Callable[[], bool] = lambda: False
               ) -> CycleReport:
    """One check cycle over the watchlist (what `relance check` runs)."""
    with PoliteClient(http_settings(config)) as client:
        return run_cycle(db, client, source_settings(config), [w.ref for w in watched(config, db)], now=now,
                         settings=check_settings(config), should_stop=should_stop)


def failures_by_source(report: CycleReport) -> dict[str, list[CheckFailure]]:
    by_source: dict[str, list[CheckFailure]] = {}
    for failure in report.errors:
        by_source.setdefault(failure.source, []).append(failure)
    return by_source


def has_recipients(config: Config) -> bool:
    """Whether a notify pass can tell anyone anything: e-mail or at least one channel is configured."""
    return config.email is not None or bool(config.channel)


@dataclass
class NotifyReport:
    email: SendReport | None = None  # None: no [email] section, or a dry run
    channels: ChannelReport | None = None  # None: no [[channel]]
    errors: list[str] = field(default_factory=list)


def notify_once(config: Config, db: Database, *, now: Now, dry_run: bool = False,
                echo: Callable[[str], None] = print) -> NotifyReport:
    """Send what is due (what `relance notify` runs): immediate notices, digests whose time has come,
    channel notices. `dry_run` echoes what would be sent and changes nothing."""
    report = NotifyReport()
    if config.email is not None:
        settings = mail_settings(config)
        if dry_run:
            for to, text in preview_emails(db, tags_of(config, db), now=now(), settings=settings,
                                           schedule=email_schedule(config)):
                echo(f"--- to {to}\n{text}\n")
        else:
            with smtp_sender(config) as sender:
                report.email = notify_emails(db, tags_of(config, db), now=now, settings=settings,
                                             schedule=email_schedule(config), sender=sender)
            report.errors += report.email.errors
    if config.channel:
        channels = [Channel(c.name, c.url, c.tags, c.kinds) for c in config.channel]
        since = channels_first_seen(db, [c.name for c in channels], now(), record=not dry_run)
        report.channels = notify_channels(db, channels, tags_of(config, db), now(), since=since, dry_run=dry_run,
                                          echo=echo)
        report.errors += report.channels.errors
    return report


# --- the schedule --------------------------------------------------------------------------------


@dataclass(frozen=True)
class JobSpec:
    """One scheduled job: `id`, what it runs (`check` is a check cycle then a notify pass; `notify` a
    notify pass alone; `discovery` the bulk imports then a notify pass) and its APScheduler trigger,
    in Europe/Paris time."""

    id: str
    kind: Literal["check", "notify", "discovery"]
    trigger: Any
    description: str


def _cron(crontab: str) -> Any:
    return CronTrigger.from_crontab(crontab, timezone=PARIS)


def job_specs(config: Config) -> list[JobSpec]:
    """The jobs of `relance run` for `config` (see the module's docstring)."""
    s = config.schedule
    if s.check_interval_seconds is not None:
        specs = [JobSpec("check", "check", IntervalTrigger(seconds=s.check_interval_seconds, timezone=PARIS),
                         f"check cycle every {s.check_interval_seconds} s, then notices")]
    else:
        specs = [JobSpec("check", "check", _cron(s.check), f"check cycle ({s.check}), then notices")]
    if s.extra_an:
        specs.append(JobSpec("extra_an", "check", _cron(s.extra_an), f"extra check on AN JO days ({s.extra_an})"))
    if s.extra_senat:
        specs.append(JobSpec("extra_senat", "check", _cron(s.extra_senat),
                             f"extra check on Sénat JO days ({s.extra_senat})"))
    if config.email is not None:
        # One job for both digests: a notify pass plans only what is due (emails.digest_due), so the
        # weekly digests go out on `weekly_day`'s run, with that day's daily ones.
        specs.append(JobSpec("digests", "notify",
                             CronTrigger(hour=config.email.daily_hour, minute=0, timezone=PARIS),
                             f"daily digests at {config.email.daily_hour}:00, weekly ones on "
                             f"{config.email.weekly_day}"))
    if s.discovery:
        specs.append(JobSpec("discovery", "discovery", _cron(s.discovery),
                             f"import the AN archive and the Sénat CSV ({s.discovery}), then notices"))
    return specs


def build_scheduler(config: Config, *, check: Callable[[str], None], notify: Callable[[str], None],
                    discovery: Callable[[str], None], scheduler: BaseScheduler | None = None) -> BaseScheduler:
    """A scheduler (a `BlockingScheduler` unless one is given) holding the jobs of `config`: each runs
    `check(job_id)`, `notify(job_id)` or `discovery(job_id)` on one worker thread, coalesced, one
    instance at a time."""
    scheduler = scheduler or BlockingScheduler()
    scheduler.configure(
        timezone=PARIS, jobstores={"default": MemoryJobStore()},
        executors={"default": ThreadPoolExecutor(max_workers=1)},  # a check and a notify never overlap
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": MISFIRE_GRACE_SECONDS})
    runs = {"check": check, "notify": notify, "discovery": discovery}
    for spec in job_specs(config):
        scheduler.add_job(runs[spec.kind], spec.trigger, args=[spec.id], id=spec.id, name=spec.description,
                          replace_existing=True)
    scheduler.add_listener(_log_scheduler_event, EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES | EVENT_JOB_ERROR)
    return scheduler


def _log_scheduler_event(event: SchedulerEvent) -> None:
    if isinstance(event, JobSubmissionEvent):  # EVENT_JOB_MAX_INSTANCES
        log_event("job_skipped", "warning", job=event.job_id, reason="the previous run is still going")
    elif isinstance(event, JobExecutionEvent) and event.exception is not None:
        log_event("job_failed", "error", job=event.job_id, error=describe(event.exception))
    elif isinstance(event, JobExecutionEvent):  # EVENT_JOB_MISSED
        log_event("job_missed", "warning", job=event.job_id, scheduled=event.scheduled_run_time,
                  reason=f"more than {MISFIRE_GRACE_SECONDS} s late")


# --- the jobs ------------------------------------------------------------------------------------


def _log_cycle(job: str, report: CycleReport, seconds: float) -> None:
    for event in report.events:
        log_event("question_event", ref=event.ref, kind=event.kind, date=event.official_date)
    for source, failures in failures_by_source(report).items():
        refs = [f.ref for f in failures]
        log_event("source_failed", "warning", job=job, source=source, questions=len(refs),
                  refs=",".join(refs[:5]) + (f",+{len(refs) - 5}" if len(refs) > 5 else ""), error=failures[0].error)
    log_event("cycle_done", job=job, checked=report.checked, changed=report.changed, events=len(report.events),
              errors=len(report.errors), skipped=report.skipped, seconds=f"{seconds:.1f}")


def _alarms_pass(config: Config, db: Database, *, now: Now, job: str) -> None:
    """The admin hears of a source that keeps failing, as after `relance check` (bot/health.py)."""
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


def check_job(config: Config, database: Path, *, now: Now, should_stop: Callable[[], bool] = lambda: False,
              job: str = "check") -> CycleReport | None:
    """One check cycle, then (unless stopping) a notify pass for the notices it calls for. Logs what
    happened and never raises: a failure (source down, database locked…) is retried by the next run.
    Returns the cycle's report, or None when the cycle failed."""
    started = time.monotonic()
    try:
        db = open_db(database)
    except StorageError as error:
        log_event("job_failed", "error", job=job, error=str(error))
        return None
    try:
        try:
            report = check_once(config, db, now=now, should_stop=should_stop)
        except Exception as error:
            log_event("job_failed", "error", job=job, error=describe(error))
            return None
        _log_cycle(job, report, time.monotonic() - started)
        if not should_stop():
            _alarms_pass(config, db, now=now, job=job)
        if has_recipients(config) and not should_stop():
            _notify_pass(config, db, now=now, job=job)
        return report
    finally:
        db.close()


def notify_job(config: Config, database: Path, *, now: Now, job: str = "digests") -> NotifyReport | None:
    """A notify pass alone (digests whose time has come, and anything still queued). Never raises."""
    try:
        db = open_db(database)
    except StorageError as error:
        log_event("job_failed", "error", job=job, error=str(error))
        return None
    try:
        return _notify_pass(config, db, now=now, job=job)
    finally:
        db.close()


# The bulk imports of the discovery job, in order: (module, function). Each module is written beside
# this one and imports it (for the settings above), so it is imported by name when the job runs,
# never at start; a module or function that is not there is logged (`discovery_skipped`) and left
# out. Each function runs as `relance import an` / `relance import senat` run it without options:
# it is given, by keyword, those of `config`, `db`, `client` (a PoliteClient), `now` and
# `should_stop` its signature names. Its report's counts (`read`, `new`, `changed`, `matched`, on it
# or on its `ingest`), `errors` and `matched` events are logged.
DISCOVERY_IMPORTS: tuple[tuple[str, str], ...] = (("bot.import_an", "import_an"), ("bot.import_senat", "import_senat"))


def _import_function(module_name: str, function_name: str, job: str) -> Callable[..., Any] | None:
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name != module_name:  # the module is there but something it imports is missing
            raise
        log_event("discovery_skipped", "warning", job=job, source=module_name, reason="module not installed")
        return None
    function = getattr(module, function_name, None)
    if not callable(function):
        log_event("discovery_skipped", "warning", job=job, source=module_name,
                  reason=f"no function {function_name}")
        return None
    return function  # type: ignore[no-any-return]


def _run_import(function: Callable[..., Any], available: dict[str, Any]) -> Any:
    parameters = inspect.signature(function).parameters
    return function(**{name: value for name, value in available.items() if name in parameters})


def _log_import(job: str, source: str, report: Any, seconds: float) -> None:
    counts = getattr(report, "ingest", report)
    errors = list(getattr(report, "errors", None) or [])
    for error in errors[:10]:
        log_event("discovery_error", "warning", job=job, source=source, error=getattr(error, "error", error))
    log_event("discovery_done", job=job, source=source, read=getattr(counts, "read", None),
              new=getattr(counts, "new", None), changed=getattr(counts, "changed", None),
              matched=getattr(counts, "matched", None), errors=len(errors), ok=getattr(report, "ok", None),
              seconds=f"{seconds:.1f}")
    events = getattr(report, "listed", None) or getattr(counts, "events", None) or []
    for event in events:
        if isinstance(event, Event) and event.kind == "matched":
            log_event("question_event", ref=event.ref, kind=event.kind, rules=event.key)


def discovery_job(config: Config, database: Path, *, now: Now, should_stop: Callable[[], bool] = lambda: False,
                  job: str = "discovery") -> dict[str, Any]:
    """The bulk imports of `DISCOVERY_IMPORTS`, one after the other, then (unless stopping) a notify
    pass, so the questions the follow rules found are told like any other news. Logs what happened
    and never raises: an import that fails is logged and the next one runs. Returns each import's
    report (or None when it failed) by module."""
    try:
        db = open_db(database)
    except StorageError as error:
        log_event("job_failed", "error", job=job, error=str(error))
        return {}
    reports: dict[str, Any] = {}
    try:
        with PoliteClient(http_settings(config)) as client:
            for module_name, function_name in DISCOVERY_IMPORTS:
                if should_stop():
                    break
                started = time.monotonic()
                try:
                    function = _import_function(module_name, function_name, job)
                    if function is None:
                        continue
                    reports[module_name] = report = _run_import(function, {
                        "config": config, "db": db, "client": client, "now": now, "should_stop": should_stop})
                except Exception as error:  # a site down, a corrupt file…: the next day's run retries
                    reports[module_name] = None
                    log_event("discovery_failed", "error", job=job, source=module_name, error=describe(error))
                    continue
                _log_import(job, module_name, report, time.monotonic() - started)
        if has_recipients(config) and not should_stop():
            _notify_pass(config, db, now=now, job=job)
        return reports
    finally:
        db.close()


# --- one instance per database -------------------------------------------------------------------


class AlreadyRunning(Exception):
    """Another `relance run` holds the database's lock file."""

    def __init__(self, lock: Path, pid: str) -> None:
        self.lock, self.pid = lock, pid
        super().__init__(f"another relance run holds {lock} (pid {pid or 'unknown'})")


def lock_path(database: Path) -> Path:
    return Path(f"{database}.lock")


@contextmanager
def instance_lock(database: Path) -> Iterator[Path]:
    """Hold an exclusive `flock` on `<database>.lock` (which names our pid) until the block ends.

    The kernel drops the lock when the process dies, however it dies: no stale lock to clean up. The
    file itself stays, so that two starting processes always lock the same inode."""
    path = lock_path(database)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as error:
        raise StorageError(path, f"cannot open the lock file: {describe(error)}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise AlreadyRunning(path, os.pread(fd, 32, 0).decode("ascii", "replace").strip()) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        yield path
    finally:
        os.close(fd)  # releases the lock


# --- the process ---------------------------------------------------------------------------------


def _first_runs(specs: Sequence[JobSpec], now: datetime) -> None:
    for spec in specs:
        log_event("job_planned", job=spec.id, next=spec.trigger.get_next_fire_time(None, now), what=spec.description)


def run_service(config: Config, database: Path, *, now: Now) -> None:
    """Run the scheduler until SIGTERM or SIGINT, then finish the current question, record the cycle
    and return. A second signal exits at once (status 128 + the signal's number).

    Raises `AlreadyRunning` when another process serves `database`, and the errors of an unusable
    database or e-mail setup (`StorageError`, `ConfigError`, `SecretMissing`) before any job runs."""
    with instance_lock(database) as lock:
        open_db(database).close()  # a database that cannot be opened stops the start, not every job
        if config.email is not None:
            mail_settings(config)  # RELANCE_SECRET must be set before the first notice is due
        stopping = threading.Event()
        busy = threading.Lock()

        def guarded(job: Callable[[str], object]) -> Callable[[str], None]:
            def run(job_id: str) -> None:
                with busy:
                    if not stopping.is_set():
                        job(job_id)
            return run

        scheduler = build_scheduler(
            config,
            check=guarded(lambda job: check_job(config, database, now=now, should_stop=stopping.is_set, job=job)),
            notify=guarded(lambda job: notify_job(config, database, now=now, job=job)),
            discovery=guarded(lambda job: discovery_job(config, database, now=now, should_stop=stopping.is_set,
                                                        job=job)))
        started = threading.Event()
        scheduler.add_listener(lambda _event: started.set(), EVENT_SCHEDULER_STARTED)

        def stop_scheduler() -> None:
            # Not in the signal handler: shutting down from a thread of its own waits for the scheduler's
            # loop to let go of its locks, so the loop never submits a job to a closed executor.
            stopping.wait()
            started.wait()
            scheduler.remove_all_jobs()
            with suppress(Exception):
                scheduler.shutdown(wait=False)

        def on_signal(signum: int, _frame: FrameType | None) -> None:
            name = signal.Signals(signum).name
            if stopping.is_set():
                log_event("killed", "warning", signal=name)
                os._exit(128 + signum)
            log_event("stopping", signal=name, reason="finishing the current question")
            stopping.set()

        previous = {signum: signal.signal(signum, on_signal) for signum in STOP_SIGNALS}
        try:
            threading.Thread(target=stop_scheduler, name="relance-stop", daemon=True).start()
            log_event("started", pid=os.getpid(), database=database, lock=lock, timezone="Europe/Paris")
            _first_runs(job_specs(config), now())
            scheduler.start()  # blocks until stop_scheduler shuts it down
            with busy:  # the job under way, if any, has recorded its cycle
                pass
            log_event("stopped")
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
