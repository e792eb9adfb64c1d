"""`relance check` and `relance notify` killed with SIGKILL in the middle of their work, as real child
processes: what was stored stays, the run after it loses nothing and repeats nothing, except at most
the one message in the window the README documents."""

from __future__ import annotations

import signal
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner
from werkzeug import Request, Response

from bench.cycle_site import build_bodies, plan_mix
from bot.main import main
from tests.app import check_site
from tests.app.check_site import SENAT_UID, XML_PATH, Site, check_json, relance
from tests.conftest import SAMPLES
from tests.notify import subscribers_site
from tests.notify.subscribers_site import ok
from tests.senat_pages import page_url_path
from tests.service import faults, faulty_smtp
from tests.service.faults import AN_REF, WAIT, finish, integrity, rows, spawn, wait_until
from tests.service.faulty_smtp import SUBSCRIBERS, FaultyMailer, ledger, notices, three_notices_due

# Fixtures, registered here under these names: the three real questions on a local threaded `site`;
# one pending AN question with an [email] section (the `config` of tests/notify/subscribers_site.py)
# and a faulty SMTP server.
config = check_site.config
site = check_site.site
httpserver = faults.httpserver
notify_config = subscribers_site.config
mailer = faulty_smtp.mailer


def event_log(config: Path, db: Path | None = None) -> list[tuple[str, str, str, str | None]]:
    """The events as facts, without the instants and ids that differ from one run to another."""
    return sorted(rows(config, "SELECT ref, kind, key, official_date FROM events", db=db))


def first_stored(config: Path) -> bool:
    try:
        return bool(rows(config, "SELECT 1 FROM snapshots WHERE ref = ?", AN_REF))
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
    assert len([e for e in expected if e[1] == "published"]) == watched  # and `overdue` for the late ones

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

    assert "envoyés 2, en échec 0" in ok(relance(notify_config, "notify")).stdout
    assert "envoyés 0, en échec 0" in ok(relance(notify_config, "notify")).stdout
    # Everyone has their notice; the one message in the window came twice, and nothing else did.
    assert [len(notices(mailer, a)) for a in SUBSCRIBERS] == [1, 2, 1]
    first, again = notices(mailer, "bob@example.net")
    # README, "Exactly once": the repeat is the very same message, with the same Message-ID.
    assert first is held and again["Message-ID"] == held["Message-ID"] and again.as_bytes() == held.as_bytes()
    assert set(ledger(notify_config).values()) == {("sent", 1)}
