"""Faults, end to end through the real CLI, on real processes and servers: slow, rate-limiting,
failing and lying sites; a database locked by another process; an SMTP server that refuses or hangs
up; `relance check` and `relance notify` killed with SIGKILL in the middle of their work.

`relance` runs as a subprocess of the console script next to sys.executable where a real process
matters (a kill, a lock held by another process, a traceback on stderr); elsewhere through
CliRunner. Servers listen on 127.0.0.1 only. Every wait is bounded in time.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import time_machine
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from click.testing import CliRunner
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from bench.cycle import build_bodies, plan_mix
from bot.main import main
from storage.db import BUSY_TIMEOUT_MS
from tests import test_check, test_notify
from tests.an_variants import dump, qe_json, without_answer
from tests.conftest import SAMPLES, sample_bytes
from tests.senat_pages import page_url_path
from tests.smtp import Inbox, Mailer
from tests.test_check import AN_PATH, SENAT_UID, XML_PATH, Site, at, check_json, relance, stored_snapshot
from tests.test_http import AN_ERROR_503
from tests.test_notify import ok, subscribe_and_confirm

# Fixtures of the end-to-end tests, reused: pytest registers them here under these names.
config = test_check.config  # the three real questions (AN JSON, AN XML, Sénat page) on a local `site`
site = test_check.site
notify_config = test_notify.config  # one pending AN question, an [email] section, RELANCE_SECRET set

RELANCE = Path(sys.executable).parent / "relance"
AN_REF = "QANR5L17QE5268"
WAIT = 20.0  # the longest any step of these tests waits for something that should take a second


# --- servers and processes ------------------------------------------------------------------------


@pytest.fixture
def httpserver() -> Iterator[HTTPServer]:
    """A threaded server on 127.0.0.1, in place of pytest-httpserver's single-threaded one: a slow
    answer to one request must not hold up the others."""
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


def spawn(config: Path, *args: str) -> subprocess.Popen[str]:
    """`relance --config CONFIG ARGS…` as a child process, with this process's environment."""
    assert RELANCE.is_file(), f"no console script at {RELANCE}: pip install -e ."
    return subprocess.Popen([str(RELANCE), "--config", str(config), *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=dict(os.environ))


def finish(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    try:
        out, err = process.communicate(timeout=BUSY_TIMEOUT_MS / 1000 + WAIT)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
    return process.returncode, out, err


def wait_until(condition: Callable[[], bool], what: str, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"waited {timeout:g} s for {what}"
        time.sleep(0.02)


def rows(config: Path, sql: str, *params: Any, db: Path | None = None) -> list[tuple[Any, ...]]:
    """Read the test's database (or `db`), read-only: never create it, never write to it."""
    path = db or config.parent / "relance.db"
    with contextlib.closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as conn:
        return conn.execute(sql, params).fetchall()


def integrity(config: Path, db: Path | None = None) -> str:
    return str(rows(config, "PRAGMA integrity_check", db=db)[0][0])


def pending() -> bytes:
    """The real AN record as it was before its answer: an open question, due at every cycle."""
    return dump(without_answer(qe_json()))


def set_http(config: Path, **values: float) -> None:
    """Set some `[http]` entries of a test's config.toml, whose entries are one per line."""
    lines = config.read_text(encoding="utf-8").splitlines()
    start = lines.index("[http]") + 1
    end = next((i for i in range(start, len(lines)) if lines[i].startswith("[")), len(lines))
    for key, value in values.items():
        found = [i for i in range(start, end) if lines[i].startswith(f"{key} =")]
        if found:
            lines[found[0]] = f"{key} = {value}"
        else:
            lines.insert(start, f"{key} = {value}")
            end += 1
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")


def polls(config: Path, ref: str) -> list[tuple[str, str | None]]:
    return [(outcome, error) for outcome, error in
            rows(config, "SELECT outcome, error FROM polls WHERE ref = ? ORDER BY id", ref)]


def event_count(config: Path) -> int:
    return int(rows(config, "SELECT count(*) FROM events")[0][0])


# --- the site fails ---------------------------------------------------------------------------------


def test_a_timeout_records_an_error_keeps_the_state_and_the_next_run_is_fine(config: Path, site: Site) -> None:
    set_http(config, timeout=0.5, retries=1, backoff_max=0.05)
    site.serve(AN_PATH, pending(), "application/json")
    check_json(config)
    before = stored_snapshot(config, AN_REF)
    events = event_count(config)
    woken = threading.Event()

    def too_slow(request: Request) -> Response:
        woken.wait(3)  # well beyond the 0.5 s timeout
        return Response(pending(), content_type="application/json")

    for _ in range(2):  # the first attempt and its one retry
        site.server.expect_oneshot_request(AN_PATH).respond_with_handler(too_slow)
    started = time.monotonic()
    report = check_json(config, expect_exit=2)
    elapsed = time.monotonic() - started
    woken.set()
    assert elapsed < 3, "the timeout did not cut the request short"
    [error] = report["errors"]
    assert error["ref"] == AN_REF and "TransportError" in error["error"] and "after 0.5s" in error["error"]
    assert stored_snapshot(config, AN_REF) == before and event_count(config) == events
    assert polls(config, AN_REF)[-1][0] == "error"

    report = check_json(config)  # the site is quick again
    assert report["checked"] == 1 and report["errors"] == [] and report["events"] == []
    assert polls(config, AN_REF)[-1] == ("unchanged", None)
    assert stored_snapshot(config, AN_REF) == before


def test_429_with_retry_after_is_waited_out_then_the_cycle_succeeds(config: Path, site: Site) -> None:
    set_http(config, retries=1)
    arrivals: list[float] = []

    def rate_limited(request: Request) -> Response:
        arrivals.append(time.monotonic())
        return Response("Too Many Requests", status=429, headers={"Retry-After": "1"})

    def answer(request: Request) -> Response:
        arrivals.append(time.monotonic())
        return Response(sample_bytes("an/QANR5L17QE5268.json"), content_type="application/json")

    site.server.expect_oneshot_request(AN_PATH).respond_with_handler(rate_limited)
    site.server.expect_oneshot_request(AN_PATH).respond_with_handler(answer)
    report = check_json(config)
    assert report["errors"] == [] and [e["kind"] for e in report["events"] if e["ref"] == AN_REF] == ["published"]
    assert len(arrivals) == 2 and site.requests_to(AN_PATH) == 2
    waited = arrivals[1] - arrivals[0]
    assert 1.0 <= waited < 2.5, f"asked to wait 1 s, came back after {waited:.2f} s"


def test_500s_beyond_the_retries_then_200_give_one_published_event(config: Path, site: Site) -> None:
    set_http(config, retries=2, backoff_max=0.05)
    for _ in range(4):  # one more than a cycle's three attempts
        site.server.expect_oneshot_request(AN_PATH).respond_with_data("Internal Server Error", status=500)
    failed = check_json(config, expect_exit=2)
    assert [e["ref"] for e in failed["errors"]] == [AN_REF] and "HTTP 500" in failed["errors"][0]["error"]
    assert site.requests_to(AN_PATH) == 3 and stored_snapshot(config, AN_REF) is None

    recovered = check_json(config)  # the fourth 500, then the real record on the retry
    assert recovered["errors"] == [] and site.requests_to(AN_PATH) == 5
    assert [e["kind"] for e in recovered["events"] if e["ref"] == AN_REF] == ["published"]
    assert rows(config, "SELECT kind FROM events WHERE ref = ?", AN_REF) == [("published",)]
    assert [outcome for outcome, _ in polls(config, AN_REF)] == ["error", "changed"]


def test_truncated_json_served_with_200_stores_no_change(config: Path, site: Site) -> None:
    set_http(config, retries=3, backoff_max=0.05)
    site.serve(AN_PATH, pending(), "application/json")
    check_json(config)
    before = stored_snapshot(config, AN_REF)
    answered = sample_bytes("an/QANR5L17QE5268.json")
    site.serve(AN_PATH, answered[: len(answered) // 2], "application/json")  # the real answer, cut in half
    served = site.requests_to(AN_PATH)
    report = check_json(config, expect_exit=2)
    [error] = report["errors"]
    # The half ends inside a string ("…demande"): the client sees it is cut short before any parsing.
    assert "ErrorPage" in error["error"] and "JSON cut short" in error["error"]
    assert report["events"] == [] and stored_snapshot(config, AN_REF) == before
    assert rows(config, "SELECT kind FROM events WHERE ref = ?", AN_REF) == [("published",)]
    assert polls(config, AN_REF)[-1][0] == "error"
    # A body cut short is retried once, not `retries` times.
    assert site.requests_to(AN_PATH) - served == 2


@pytest.mark.parametrize(("path", "ref"), [(XML_PATH, "QANR5L14QE47351"), (page_url_path(SENAT_UID), SENAT_UID)],
                         ids=["an-legacy-xml", "senat-page"])
def test_an_error_page_served_with_200_stores_no_change(config: Path, site: Site, path: str, ref: str) -> None:
    with time_machine.travel(at("2025-11-20"), tick=True):
        check_json(config)
    before = stored_snapshot(config, ref)
    assert before is not None
    site.serve(path, AN_ERROR_503, "text/html")
    with time_machine.travel(at("2025-11-28"), tick=True):  # a week later: the answered questions are due again
        report = check_json(config, expect_exit=2)
    [error] = report["errors"]
    assert error["ref"] == ref and "ErrorPage" in error["error"] and "Error 503" in error["error"]
    assert report["events"] == [] and stored_snapshot(config, ref) == before
    assert [outcome for outcome, _ in polls(config, ref)] == ["changed", "error"]


# --- the database is locked by another process ------------------------------------------------------

LOCKER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
sys.stdin.readline()  # hold the lock until the test writes a line (or its end closes the pipe)
conn.execute("COMMIT")
print(time.time(), flush=True)
"""


class Locker:
    """A second Python process holding `BEGIN EXCLUSIVE` on the database until `release()`."""

    def __init__(self, db: Path) -> None:
        self.process = subprocess.Popen([sys.executable, "-c", LOCKER, str(db)], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        assert self.process.stdout.readline().strip() == "locked"

    def release(self) -> datetime:
        """Commit; return the instant the lock was let go."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write("release\n")
        self.process.stdin.flush()
        released = float(self.process.stdout.readline())
        self.process.wait(WAIT)
        return datetime.fromtimestamp(released, UTC)

    def __enter__(self) -> Locker:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(WAIT)
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()


def test_a_lock_shorter_than_the_busy_timeout_is_waited_out(config: Path, site: Site) -> None:
    site.serve(AN_PATH, pending(), "application/json")
    check_json(config)
    with Locker(config.parent / "relance.db") as lock:
        process = spawn(config, "check", "--json")
        time.sleep(2.5)  # the child is up in under a second and then waits for the lock
        released = lock.release()
        code, out, err = finish(process)
    assert code == 0, err
    assert json.loads(out)["checked"] == 1
    [(started,)] = rows(config, "SELECT started FROM cycles ORDER BY id DESC LIMIT 1")
    [(polled,)] = rows(config, "SELECT at FROM polls ORDER BY id DESC LIMIT 1")
    # The cycle began while the lock was held, and wrote only once it was let go.
    assert datetime.fromisoformat(started) < released <= datetime.fromisoformat(polled)
    assert integrity(config) == "ok"


def test_a_lock_held_beyond_the_busy_timeout_is_one_clear_line(config: Path, site: Site) -> None:
    site.serve(AN_PATH, pending(), "application/json")
    check_json(config)
    events_before = event_count(config)
    with Locker(config.parent / "relance.db"):
        started = time.monotonic()
        code, _out, err = finish(spawn(config, "check"))
        waited = time.monotonic() - started
    assert waited >= BUSY_TIMEOUT_MS / 1000  # it did wait the whole busy timeout
    assert integrity(config) == "ok" and event_count(config) == events_before
    check_json(config)  # the lock gone, the next run is fine
    assert code in (1, 2)
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1 and "locked" in err, err


# --- the SMTP server refuses or hangs up ------------------------------------------------------------


class FaultyInbox(Inbox):
    """test_notify's inbox, with faults a test switches on: refuse some recipients (550), hang up in
    the middle of DATA for some, or hold the n-th message once received until `release` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.refuse: set[str] = set()
        self.hang_up_once: set[str] = set()
        self.hold_message: int | None = None  # the n-th message accepted since the inbox started
        self.holding = threading.Event()
        self.release = threading.Event()

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str,
                          rcpt_options: list[str]) -> str:
        if address in self.refuse:
            return f"550 5.1.1 <{address}>: mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        status = await super().handle_DATA(server, session, envelope)
        if len(self.messages) == self.hold_message:
            # Received whole, not yet answered: the sender waits for our "250" as for a slow server.
            self.holding.set()
            deadline = time.monotonic() + WAIT
            while not self.release.is_set() and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
        return status


class HangingUpSMTP(SMTP):
    """aiosmtpd's server, except that for a recipient in `hang_up_once` it reads the first line of
    the message after `354` and closes the connection: a drop in the middle of DATA."""

    async def smtp_DATA(self, arg: str) -> None:
        inbox = self.event_handler
        to = set(self.envelope.rcpt_tos) if self.envelope else set()
        if isinstance(inbox, FaultyInbox) and to & inbox.hang_up_once and not arg:
            inbox.hang_up_once -= to
            await self.push("354 End data with <CR><LF>.<CR><LF>")
            await self._reader.readuntil(b"\r\n")
            self.transport.close()
            return
        await super().smtp_DATA(arg)


class FaultyController(Controller):
    def factory(self) -> SMTP:
        return HangingUpSMTP(self.handler, **self.SMTP_kwargs)


class FaultyMailer(Mailer):
    def __init__(self) -> None:
        super().__init__()
        self.inbox: FaultyInbox = FaultyInbox()

    def start(self) -> None:
        self.controller = FaultyController(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()


@pytest.fixture
def mailer() -> Iterator[FaultyMailer]:
    """Replaces test_notify's `mailer` (its `config` fixture, imported here as `notify_config`,
    takes the port from this one)."""
    server = FaultyMailer()
    server.start()
    yield server
    server.inbox.release.set()
    server.stop()


SUBSCRIBERS = ("alice@example.net", "bob@example.net", "carol@example.net")


def three_notices_due(config: Path, mailer: FaultyMailer) -> None:
    """Three confirmed immediate subscribers, then a cycle that sees the question for the first
    time: one notice due to each, queued in this order."""
    for address in SUBSCRIBERS:
        subscribe_and_confirm(config, mailer, address, "--frequency", "immediate")
    ok(relance(config, "check"))


def notices(mailer: FaultyMailer, address: str) -> list[EmailMessage]:
    """What an address received after its confirmation e-mail."""
    return mailer.inbox.to(address)[1:]


def ledger(config: Path) -> dict[str, tuple[str, int]]:
    """recipient -> (state, attempts) of the notices (not the confirmations)."""
    return {recipient.removeprefix("email:"): (state, attempts) for recipient, state, attempts in
            rows(config, "SELECT recipient, state, attempts FROM messages WHERE kind = 'immediate' ORDER BY id")}


def test_a_refused_recipient_fails_alone(notify_config: Path, mailer: FaultyMailer) -> None:
    three_notices_due(notify_config, mailer)
    mailer.inbox.refuse.add("bob@example.net")
    result = relance(notify_config, "notify")
    assert result.exit_code == 2 and "sent 2, failed 1" in result.stdout
    assert "refused the message to bob@example.net" in result.stderr and "550" in result.stderr
    assert ledger(notify_config) == {"alice@example.net": ("sent", 1), "bob@example.net": ("failed", 1),
                                     "carol@example.net": ("sent", 1)}
    assert [len(notices(mailer, a)) for a in SUBSCRIBERS] == [1, 0, 1]

    mailer.inbox.refuse.clear()  # the mailbox is back: the failed notice goes, the others do not go again
    assert "sent 1, failed 0" in ok(relance(notify_config, "notify")).stdout
    assert [len(notices(mailer, a)) for a in SUBSCRIBERS] == [1, 1, 1]
    assert ledger(notify_config)["bob@example.net"] == ("sent", 2)


def test_a_connection_dropped_mid_data_fails_and_is_resent_once(notify_config: Path, mailer: FaultyMailer) -> None:
    three_notices_due(notify_config, mailer)
    mailer.inbox.hang_up_once.add("bob@example.net")
    result = relance(notify_config, "notify")
    assert result.exit_code == 2 and "did not take the message to bob@example.net" in result.stderr
    # The connection is gone: the notices after bob's wait for the next run rather than fail too.
    assert ledger(notify_config) == {"alice@example.net": ("sent", 1), "bob@example.net": ("failed", 1),
                                     "carol@example.net": ("queued", 0)}
    assert [len(notices(mailer, a)) for a in SUBSCRIBERS] == [1, 0, 0]

    assert "sent 2, failed 0" in ok(relance(notify_config, "notify")).stdout
    assert "sent 0, failed 0" in ok(relance(notify_config, "notify")).stdout
    assert [len(notices(mailer, a)) for a in SUBSCRIBERS] == [1, 1, 1]
    assert ledger(notify_config) == {"alice@example.net": ("sent", 1), "bob@example.net": ("sent", 2),
                                     "carol@example.net": ("sent", 1)}


# --- SIGKILL in the middle of the work --------------------------------------------------------------


def event_log(config: Path, db: Path | None = None) -> list[tuple[str, str, str, str | None]]:
    """The events as facts, without the instants and ids that differ from one run to another."""
    return sorted(rows(config, "SELECT ref, kind, key, official_date FROM events", db=db))


def first_stored(config: Path) -> bool:
    try:
        return bool(rows(config, "SELECT 1 FROM questions WHERE ref = ? AND snapshot IS NOT NULL", AN_REF))
    except sqlite3.OperationalError:  # not created, or not migrated, yet
        return False


def test_check_killed_mid_cycle_then_run_again_loses_and_repeats_nothing(config: Path, site: Site,
                                                                         tmp_path: Path) -> None:
    # Seven more questions from bench/cycle.py's mix (renumbered real AN records, a real Sénat page).
    extra = plan_mix(7)
    for path, (body, content_type) in build_bodies(extra, SAMPLES).items():
        site.serve(path, body, content_type)
    config.write_text(config.read_text(encoding="utf-8")
                      + "".join(f'[[watch]]\nref = "{q.uid}"\n' for q in extra), encoding="utf-8")
    watched = 3 + len(extra)

    clean_db = tmp_path / "clean.db"  # the same cycle, never interrupted, for comparison
    clean = CliRunner().invoke(main, ["--config", str(config), "check"], env={"RELANCE_DB": str(clean_db)})
    assert clean.exit_code == 0, clean.output
    expected = event_log(config, clean_db)
    assert len(expected) == watched

    # Every question but the first answers only once the test lets it.
    let_go = threading.Event()

    def slow(path: str) -> Callable[[Request], Response]:
        def respond(request: Request) -> Response:
            let_go.wait(WAIT)
            status, body, content_type = site.pages[path]
            return Response(body, status=status, content_type=content_type)
        return respond

    for path in [XML_PATH, page_url_path(SENAT_UID), *(q.path for q in extra)]:
        site.server.expect_oneshot_request(path).respond_with_handler(slow(path))
    process = spawn(config, "check")
    try:
        wait_until(lambda: first_stored(config), "the first question to be stored")
    finally:
        process.send_signal(signal.SIGKILL)
        code, _out, err = finish(process)
        let_go.set()
    assert code == -signal.SIGKILL, err
    assert integrity(config) == "ok"
    assert event_log(config) == [e for e in expected if e[0] == AN_REF]  # what was stored stays

    report = check_json(config)
    assert report["checked"] == watched - 1 and report["errors"] == []
    assert integrity(config) == "ok"
    assert event_log(config) == expected  # none lost, none twice
    [(finished,)] = rows(config, "SELECT count(*) FROM cycles WHERE finished IS NOT NULL")
    assert finished == 1  # the killed cycle stays unfinished; the run after it completed


def test_notify_killed_mid_send_repeats_at_most_the_message_in_the_window(notify_config: Path,
                                                                          mailer: FaultyMailer) -> None:
    three_notices_due(notify_config, mailer)
    mailer.inbox.hold_message = len(mailer.inbox.messages) + 2  # the second notice of the run
    process = spawn(notify_config, "notify")
    try:
        assert mailer.inbox.holding.wait(WAIT), "the second notice never reached the server"
    finally:
        process.send_signal(signal.SIGKILL)
        code, _out, err = finish(process)
        mailer.inbox.release.set()
    assert code == -signal.SIGKILL, err
    _sender, [held_to], held = mailer.inbox.messages[-1]
    assert held_to == "bob@example.net"  # notices are queued, and sent, in the subscribers' order
    # The server has bob's notice whole; the ledger has not recorded it as sent: the README's window.
    assert ledger(notify_config) == {"alice@example.net": ("sent", 1), "bob@example.net": ("queued", 0),
                                     "carol@example.net": ("queued", 0)}
    assert integrity(notify_config) == "ok"

    assert "sent 2, failed 0" in ok(relance(notify_config, "notify")).stdout
    assert "sent 0, failed 0" in ok(relance(notify_config, "notify")).stdout
    # Everyone has their notice; the one message in the window came twice, and nothing else did.
    assert [len(notices(mailer, a)) for a in SUBSCRIBERS] == [1, 2, 1]
    first, again = notices(mailer, "bob@example.net")
    # README, "Exactly once": the repeat is the very same message, with the same Message-ID.
    assert first is held and again["Message-ID"] == held["Message-ID"] and again.as_bytes() == held.as_bytes()
    assert set(ledger(notify_config).values()) == {("sent", 1)}
