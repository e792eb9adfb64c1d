"""`relance run` as a real process: the installed console script, a local HTTP server serving the real
AN sample, a real SQLite file, a real SMTP server (aiosmtpd), real signals; and its schedule, computed
for fixed instants in Europe/Paris."""

from __future__ import annotations

import logging
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from bot.app.config import ConfigError, load_config
from bot.app.logs import format_line
from bot.core.deadlines import PARIS
from bot.service.jobs import check_job
from bot.service.scheduler import MISFIRE_GRACE_SECONDS, build_scheduler, job_specs
from tests.conftest import SENDER, sample_bytes, write_config
from tests.notify.subscribers_site import AN_PATH, SECRET, subscribe_and_confirm, text_of
from tests.smtp import Mailer

RELANCE = Path(sys.executable).parent / "relance"
REF = "QANR5L17QE5268"
READ_HELD = 30.0  # how long the test can hold a read under way
LINE = re.compile(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d level=(debug|info|warning|error) event=\w+'
                  r'( \w+=([^\s"]+|"([^"\\]|\\.)*"))*')


@pytest.fixture
def smtp() -> Iterator[Mailer]:
    server = Mailer()
    server.start()
    yield server
    server.stop()


def service_config(folder: Path, *, base_url: str, smtp_port: int) -> Path:
    """The AN question on `base_url`, e-mail on `smtp_port`, a check every second, no discovery."""
    return write_config(folder / "config.toml", site=base_url, smtp_port=smtp_port, web={"base_url": "https://relance.test"},
                        schedule={"check_interval_seconds": 1, "discovery": ""},
                        watch=[{"ref": "AN 17-5268", "tags": ["diamants"]}])


@pytest.fixture
def config(tmp_path: Path, httpserver: HTTPServer, smtp: Mailer, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RELANCE_SECRET", SECRET)
    monkeypatch.delenv("RELANCE_DB", raising=False)
    return service_config(tmp_path, base_url=httpserver.url_for("").rstrip("/"), smtp_port=smtp.port)


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


def query(db: Path, sql: str) -> list[tuple[Any, ...]]:
    try:
        with sqlite3.connect(db) as conn:
            return conn.execute(sql).fetchall()
    except sqlite3.OperationalError:  # not created or not migrated yet
        return []


class Service:
    """One `relance run` subprocess, its stderr kept in a file."""

    def __init__(self, config: Path, name: str = "run") -> None:
        self.log_path = config.parent / f"{name}.log"
        self.db = config.parent / "relance.db"
        env = {k: v for k, v in os.environ.items() if k not in ("RELANCE_DB", "RELANCE_CONFIG")}
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen([str(RELANCE), "--config", str(config), "run"], stdout=log, stderr=log,
                                            env=env)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8")

    def lines(self, event: str) -> list[str]:
        return [line for line in self.log().splitlines() if f" event={event}" in line]

    def finished_cycles(self) -> list[tuple[Any, ...]]:
        return query(self.db, "SELECT checked, errors FROM cycles WHERE finished IS NOT NULL ORDER BY id")

    def signal(self, signum: int) -> None:
        self.process.send_signal(signum)

    def wait(self, timeout: float) -> int:
        return self.process.wait(timeout=timeout)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def services() -> Iterator[list[Service]]:
    started: list[Service] = []
    yield started
    for service in started:
        service.kill()


def test_run_checks_retries_notifies_and_stops_on_sigterm(config: Path, httpserver: HTTPServer, smtp: Mailer,
                                                          services: list[Service]) -> None:
    # The site fails once, then serves the real record; the SMTP server is down at first.
    answers = iter([Response("Service Unavailable", status=503)])

    def site(_request: Request) -> Response:
        return next(answers, None) or Response(sample_bytes("an/QANR5L17QE5268.json"),
                                               content_type="application/json")

    httpserver.expect_request(AN_PATH).respond_with_handler(site)
    subscribe_and_confirm(config, smtp, "alice@example.net", "--frequency", "immediate")
    smtp.stop()

    service = Service(config)
    services.append(service)
    wait_for(lambda: len(service.finished_cycles()) >= 2, "two finished cycles")
    cycles = service.finished_cycles()
    assert cycles[0] == (0, 1) and (1, 0) in cycles  # the 503, then the record read
    assert query(service.db, "SELECT ref, status, answered FROM questions") == [(REF, "answered", "2025-06-03")]

    # A second instance on the same database stops at once, naming the lock and the first one's pid.
    second = subprocess.run([str(RELANCE), "--config", str(config), "run"], capture_output=True, text=True,
                            timeout=20, check=False)
    assert second.returncode == 1
    assert second.stderr == f"relance: un autre relance run tient {service.db}.lock (pid {service.process.pid})\n"

    wait_for(lambda: bool(service.lines("notify_error")), "a notify pass failing on the SMTP server")
    smtp.start()  # back: the next cycle's notify pass sends the queued notice
    wait_for(lambda: len(smtp.inbox.to("alice@example.net")) == 2, "the notice once the SMTP server is back")
    [_confirmation, notice] = smtp.inbox.to("alice@example.net")
    assert "https://www.assemblee-nationale.fr/dyn/17/questions/QANR5L17QE5268" in text_of(notice)

    service.signal(signal.SIGTERM)
    assert service.wait(timeout=5) == 0
    log = service.log()
    assert service.lines("stopping")[0].endswith('signal=SIGTERM reason="finishing the current question"')
    assert log.splitlines()[-1].endswith("level=info event=stopped")
    assert re.search(r"level=warning event=source_failed job=check source=an questions=1 refs=QANR5L17QE5268 "
                     r'error="HttpStatusError: .*503', log)
    assert re.search(r"level=info event=cycle_done job=check checked=1 changed=1 events=1 errors=0 ", log)
    assert "level=info event=question_event ref=QANR5L17QE5268 kind=published" in log
    assert "Traceback" not in log
    assert all(LINE.fullmatch(line) for line in log.splitlines()), log
    assert len(smtp.inbox.to("alice@example.net")) == 2  # sent once, whatever the later cycles


def slow_site(server: HTTPServer, delay: float) -> threading.Event:
    """The AN record, served `delay` seconds after each request arrives; the event is set on the first."""
    arrived = threading.Event()

    def respond(_request: Request) -> Response:
        arrived.set()
        time.sleep(delay)
        return Response(sample_bytes("an/QANR5L17QE5268.json"), content_type="application/json")

    server.expect_request(AN_PATH).respond_with_handler(respond)
    return arrived


def test_sigterm_during_a_read_finishes_the_question_and_records_the_cycle(
        config: Path, httpserver: HTTPServer, services: list[Service]) -> None:
    arrived = slow_site(httpserver, 1.0)
    service = Service(config)
    services.append(service)
    assert arrived.wait(timeout=10), service.log()
    service.signal(signal.SIGTERM)
    assert service.wait(timeout=8) == 0
    assert service.finished_cycles() == [(1, 0)]  # the question under way was read and recorded
    assert query(service.db, "SELECT ref FROM questions") == [(REF,)]
    events = [line.split(" event=")[1].split(" ")[0] for line in service.log().splitlines()]
    assert events[-3:] == ["question_event", "cycle_done", "stopped"] and "stopping" in events
    assert "notify_done" not in events  # no notify pass once stopping: the ledger keeps it for the next start


def test_a_second_signal_exits_at_once(config: Path, httpserver: HTTPServer, services: list[Service]) -> None:
    arrived, answered, release = threading.Event(), threading.Event(), threading.Event()

    def held(_request: Request) -> Response:
        """The read under way: answered only once the test lets it, so that exiting before the answer,
        however slow a loaded machine makes each step, is exiting at once."""
        arrived.set()
        release.wait(READ_HELD)
        answered.set()
        return Response(sample_bytes("an/QANR5L17QE5268.json"), content_type="application/json")

    httpserver.expect_request(AN_PATH).respond_with_handler(held)
    service = Service(config)
    services.append(service)
    try:
        assert arrived.wait(timeout=10), service.log()
        service.signal(signal.SIGTERM)
        wait_for(lambda: bool(service.lines("stopping")), "the first signal's log line")
        service.signal(signal.SIGINT)
        assert service.wait(timeout=READ_HELD / 2) == 128 + signal.SIGINT
        assert not answered.is_set()  # did not wait for the read under way
    finally:
        release.set()
    assert service.lines("killed")[0].endswith("level=warning event=killed signal=SIGINT")


# --- the schedule, for fixed instants -------------------------------------------------------------


def default_config(tmp_path: Path, extra: str = "") -> Path:
    """Only what relance requires, and an e-mail sender: every schedule entry at its default."""
    return write_config(tmp_path / "config.toml", http=None, storage=None, email={"sender": SENDER}, extra=extra)


def paris(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=PARIS)


def test_default_schedule(tmp_path: Path) -> None:
    specs = {spec.id: spec for spec in job_specs(load_config(default_config(tmp_path)))}
    assert list(specs) == ["check", "extra_an", "extra_senat", "digests", "discovery"]
    assert [spec.kind for spec in specs.values()] == ["check", "check", "check", "notify", "discovery"]

    def next_run(job: str, after: str) -> datetime:
        found: datetime = specs[job].trigger.get_next_fire_time(None, paris(after))
        return found

    tuesday = "2025-06-03T10:05"  # a Tuesday: the AN's JO day
    assert next_run("check", tuesday) == paris("2025-06-03T11:00")
    assert next_run("extra_an", tuesday) == paris("2025-06-03T12:30")
    assert next_run("extra_senat", tuesday) == paris("2025-06-05T12:30")  # Thursday
    assert next_run("digests", tuesday) == paris("2025-06-04T08:00")
    assert next_run("discovery", tuesday) == paris("2025-06-04T06:00")  # the next morning, before the check
    assert next_run("check", "2025-06-03T21:00:01") == paris("2025-06-04T07:00")  # nothing at night
    # Paris time across the switch to summer time (30 March 2025): still 7:00 on the wall clock.
    assert next_run("check", "2025-03-29T21:30").isoformat() == "2025-03-30T07:00:00+02:00"


def test_scheduler_jobs_coalesce_and_never_overlap(tmp_path: Path) -> None:
    config = load_config(default_config(tmp_path, '[schedule]\nextra_senat = ""\ndiscovery = ""\n'
                                                  'check_interval_seconds = 30'))
    ran: list[str] = []
    scheduler = build_scheduler(config, check=ran.append, notify=ran.append, discovery=ran.append,
                                scheduler=BackgroundScheduler())
    scheduler.start(paused=True)  # the job defaults apply when the jobs are really added
    jobs = {job.id: job for job in scheduler.get_jobs()}
    scheduler.shutdown()
    assert ran == []
    assert sorted(jobs) == ["check", "digests", "extra_an"]  # extra_senat turned off
    assert isinstance(jobs["check"].trigger, IntervalTrigger) and jobs["check"].trigger.interval.total_seconds() == 30
    for job in jobs.values():
        assert (job.coalesce, job.max_instances, job.misfire_grace_time) == (True, 1, MISFIRE_GRACE_SECONDS)
        assert job.args == (job.id,)
    assert str(scheduler.timezone) == "Europe/Paris"
    assert scheduler._executors["default"]._pool._max_workers == 1


def test_no_email_no_digest_job(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[relance]\ncontact = "tests@relance.test"\n', encoding="utf-8")
    assert [spec.id for spec in job_specs(load_config(path))] == ["check", "extra_an", "extra_senat", "discovery"]


@pytest.mark.parametrize(("extra", "entry"), [
    ('[schedule]\ncheck = "0 25 * * *"', "schedule.check"),
    ('[schedule]\ncheck = "every two hours"', "schedule.check"),
    ('[schedule]\nextra_an = "30 12 * * mardi"', "schedule.extra_an"),
    ('[schedule]\ncheck_interval_seconds = 0', "schedule.check_interval_seconds"),
    ('[log]\nlevel = "verbose"', "log.level"),
    ('log_level = "debug"', "log_level"),
])
def test_bad_schedule_or_log_entry_is_a_config_error(tmp_path: Path, extra: str, entry: str) -> None:
    path = default_config(tmp_path)
    path.write_text(extra + "\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert error.value.entry == entry
    if entry == "schedule.check":
        assert "n'est pas une ligne de crontab" in error.value.problem


def test_a_failing_job_is_logged_and_returns(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    config = load_config(default_config(tmp_path))
    caplog.set_level(logging.INFO, logger="relance")
    assert check_job(config, tmp_path, now=lambda: datetime.now(PARIS)) is None  # a folder is no database
    [record] = [r for r in caplog.records if r.getMessage() == "job_failed"]
    assert record.levelname == "ERROR" and str(tmp_path) in str(record.__dict__["relance_fields"]["error"])


def test_log_line_format() -> None:
    when = datetime(2025, 6, 3, 16, 0, tzinfo=UTC)
    assert format_line(when, "info", "cycle_done", {"checked": 12, "changed": 1, "events": 2, "errors": 0}) == \
        "2025-06-03T18:00:00+02:00 level=info event=cycle_done checked=12 changed=1 events=2 errors=0"
    assert format_line(when, "warning", "notify_error", {"error": 'SMTP "down"\nagain', "sent": None, "ok": False}) \
        == r'2025-06-03T18:00:00+02:00 level=warning event=notify_error error="SMTP \"down\"\nagain" ok=false'


def test_a_log_line_never_carries_a_control_character() -> None:
    # A title quoted in an error may hold ESC (C0) or CSI (U+009B, C1), which some terminals obey: the
    # value is quoted and escaped, without spaces (a bare word was written as it came) or with them.
    when = datetime(2025, 6, 3, 16, 0, tzinfo=UTC)
    line = format_line(when, "error", "check_error", {"ref": "QANR5L17QE5268", "error": "titre\x1b]0;x\x07",
                                                      "detail": "a \x9b2J b"})
    assert line == ('2025-06-03T18:00:00+02:00 level=error event=check_error ref=QANR5L17QE5268 '
                    'error="titre\\u001b]0;x\\u0007" detail="a \\u009b2J b"')
