"""The schedule of `relance run`: the jobs made from the config (memory job store, nothing pickled),
with their APScheduler triggers in Europe/Paris time."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_MAX_INSTANCES,
    EVENT_JOB_MISSED,
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

from bot.app.config import Config
from bot.app.logs import describe, log_event
from bot.core.deadlines import PARIS

MISFIRE_GRACE_SECONDS = 3600


@dataclass(frozen=True)
class JobSpec:
    """One scheduled job: `id`, what it runs (`check` is a check cycle then a notify pass; `notify` a
    notify pass alone; `discovery` the bulk imports, then the check cycle of what they leave, then a
    notify pass) and its APScheduler trigger, in Europe/Paris time."""

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
                             f"import the AN archive and the Sénat CSV ({s.discovery}), then the "
                             "per-question reads they leave, then notices"))
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
