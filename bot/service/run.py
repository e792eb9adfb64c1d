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
  of `DISCOVERY_IMPORTS` (the AN archive, the Sénat CSV: conditional GETs, one 304 when unchanged),
  so that the questions the follow rules find are watched and every question they hold is current;
  then, once they are done, a check cycle of the per-question reads they leave (the request budget,
  bot/core/budget.py); then a notify pass: their `matched` events go out like any other event.

Every job runs on one worker thread, so a check and a notify never overlap; a job whose time comes
while another runs waits its turn. Each job coalesces its missed runs into one and still runs up to
`MISFIRE_GRACE_SECONDS` late: a machine waking from sleep runs one cycle, not a burst.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Sequence
from contextlib import suppress
from datetime import datetime
from pathlib import Path
from types import FrameType

from apscheduler.events import EVENT_SCHEDULER_STARTED

from bot.app.config import Config
from bot.app.database import open_database
from bot.app.logs import log_event
from bot.app.settings import mail_settings
from bot.service.jobs import check_job, discovery_job, notify_job
from bot.service.lock import instance_lock
from bot.service.scheduler import JobSpec, build_scheduler, job_specs

Now = Callable[[], datetime]
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def _first_runs(specs: Sequence[JobSpec], now: datetime) -> None:
    for spec in specs:
        log_event("job_planned", job=spec.id, next=spec.trigger.get_next_fire_time(None, now), what=spec.description)


def run_service(config: Config, database: Path, *, now: Now) -> None:
    """Run the scheduler until SIGTERM or SIGINT, then finish the current question, record the cycle
    and return. A second signal exits at once (status 128 + the signal's number).

    Raises `AlreadyRunning` when another process serves `database`, and the errors of an unusable
    database or e-mail setup (`StorageError`, `ConfigError`, `SecretMissing`) before any job runs."""
    with instance_lock(database) as lock:
        # A database that cannot be opened stops the start, not every job; its deadlines are made current.
        open_database(database).close()
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
                                                        job=job, reads=True)))
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
