"""Source-health alarms on real components: cycles written to a real SQLite file with the storage
functions the check cycle uses (snapshots from the real samples, parsed by the real parsers), the
admin's e-mail received by a real SMTP server (aiosmtpd) on a free port, a real webhook on 127.0.0.1."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer
from sqlite_utils import Database

from bot.app.health import HealthReport, HealthSettings, admin_transports, check_source_health
from bot.core.deadlines import PARIS
from bot.main import main
from bot.notify.smtp import SmtpSettings, SmtpTransport
from scrapers.an import parse_an_json
from scrapers.model import QuestionSnapshot
from scrapers.senat import parse_senat_page
from storage.db import open_db
from storage.ledger import channel_recipient, list_messages
from storage.questions import finish_cycle, save_check, save_failure, source_health, start_cycle
from storage.records import Poll
from tests.conftest import sample_bytes, write_config
from tests.notify.subscribers_site import text_of
from tests.senat_pages import page_from_text, page_text, page_url_path
from tests.smtp import Mailer

AN_REF, AN_URL = "QANR5L17QE5268", "https://www.assemblee-nationale.fr/dyn/opendata/QANR5L17QE5268.json"
SENAT_REF = "SEQ091211244"
SENAT_URL = f"https://www.senat.fr{page_url_path(SENAT_REF)}"
SENAT_ERROR = f"TransportError: {SENAT_URL}: ConnectError: [Errno 111] Connection refused"
ADMIN = "admin@relance.test"
# A real Sénat question (samples/senat/SOURCES.md) whose page the site does not have in these tests.
MISSING_REF = "SEQ181007406"
MISSING_URL = f"https://www.senat.fr{page_url_path(MISSING_REF)}"
MISSING_ERROR = f"NotFound: {MISSING_URL}: HTTP 404"
SENDER = "relance <relance@relance.test>"
BASE_URLS = {"an": "https://www.assemblee-nationale.fr", "senat": "https://www.senat.fr"}


@pytest.fixture
def db(tmp_path: Path) -> Database:
    return open_db(tmp_path / "relance.db")


def at(day: str, time: str) -> datetime:
    return datetime.fromisoformat(f"{day}T{time}:00").replace(tzinfo=PARIS)


def an_snapshot() -> QuestionSnapshot:
    return parse_an_json(sample_bytes("an/QANR5L17QE5268.json"), AN_URL)


def senat_snapshot() -> QuestionSnapshot:
    return parse_senat_page(page_from_text(page_text(SENAT_REF)), SENAT_URL, None)


def cycle(db: Database, when: datetime, *, senat_ok: bool | None, senat_missing: bool = False) -> None:
    """One check cycle as bot/app/check.py writes it: the AN question read, the Sénat one read or failed
    (or not watched: None), and with `senat_missing` another Sénat question the site does not have (404)."""
    cycle_id = start_cycle(db, when)
    save_check(db, an_snapshot(), [], Poll(when, AN_REF, "an", AN_URL, 200, "unchanged", cycle_id=cycle_id))
    if senat_missing:
        save_failure(db, MISSING_REF, Poll(when, MISSING_REF, "senat", MISSING_URL, 404, "missing", MISSING_ERROR,
                                           cycle_id=cycle_id))
    if senat_ok:
        save_check(db, senat_snapshot(), [], Poll(when, SENAT_REF, "senat", SENAT_URL, 200, "unchanged",
                                                  cycle_id=cycle_id))
    elif senat_ok is not None:
        save_failure(db, SENAT_REF, Poll(when, SENAT_REF, "senat", SENAT_URL, None, "error", SENAT_ERROR,
                                         cycle_id=cycle_id))
    finish_cycle(db, cycle_id, when, 2 if senat_ok else 1, 1 if senat_ok is False else 0)


def health(db: Database, when: datetime, mailer: Mailer, **overrides: Any) -> HealthReport:
    """What `relance check` does after its cycle: a fresh SMTP session each time."""
    settings = replace(HealthSettings(failed_cycles=3, email=ADMIN, sender=SENDER, base_urls=BASE_URLS), **overrides)
    with SmtpTransport(SmtpSettings("127.0.0.1", mailer.port, "none", 5), SENDER) as smtp:
        return check_source_health(db, when, settings, admin_transports(settings, smtp))


def run(db: Database, mailer: Mailer, day: str, time: str, *, senat_ok: bool = False) -> HealthReport:
    when = at(day, time)
    cycle(db, when, senat_ok=senat_ok)
    return health(db, when, mailer)


def subjects(mailer: Mailer) -> list[str]:
    return [str(m["Subject"]) for m in mailer.inbox.to(ADMIN)]


def test_one_alarm_one_reminder_a_day_then_recovered(db: Database, mailer: Mailer) -> None:
    run(db, mailer, "2025-06-02", "09:00")
    run(db, mailer, "2025-06-02", "10:00")
    assert mailer.inbox.messages == []  # 2 failed cycles: below the threshold of 3

    third = run(db, mailer, "2025-06-02", "11:00")
    assert third.notices == ["relance : Sénat en échec depuis 3 cycles"] and third.sent == 1
    [alarm] = mailer.inbox.to(ADMIN)
    assert alarm["Subject"] == "relance : Sénat en échec depuis 3 cycles"
    assert alarm["From"] == SENDER and alarm["Message-ID"].endswith("@relance.test>")
    text = text_of(alarm)
    assert (f"Sénat : en échec depuis 3 cycles — dernière erreur : {SENAT_ERROR} — que faire : vérifier que "
            "https://www.senat.fr répond, lancer `relance doctor`.") in text
    assert "Première lecture en échec : 02/06/2025 09:00." in text
    assert "Dernière lecture réussie : jamais." in text

    run(db, mailer, "2025-06-02", "12:00")
    run(db, mailer, "2025-06-02", "23:30")  # 21:30 UTC
    assert len(mailer.inbox.messages) == 1  # the same Paris day: no reminder

    # 00:30 in Paris is still 2 June in UTC (22:30): the day that counts is the Paris one.
    reminder = run(db, mailer, "2025-06-03", "00:30")
    assert reminder.notices == ["relance : rappel — Sénat toujours en échec (6 cycles)"]
    assert "Rappel — Sénat : toujours en échec depuis 6 cycles — dernière erreur" in text_of(
        mailer.inbox.to(ADMIN)[-1])
    run(db, mailer, "2025-06-03", "02:00")
    assert len(mailer.inbox.messages) == 2

    recovered = run(db, mailer, "2025-06-03", "03:00", senat_ok=True)
    assert recovered.notices == ["relance : Sénat fonctionne de nouveau"]
    assert ("Sénat : fonctionne de nouveau — lecture réussie le 03/06/2025 03:00, après une panne commencée le "
            "02/06/2025 09:00.") in text_of(mailer.inbox.to(ADMIN)[-1])
    run(db, mailer, "2025-06-03", "04:00", senat_ok=True)
    run(db, mailer, "2025-06-04", "09:00", senat_ok=True)
    assert subjects(mailer) == ["relance : Sénat en échec depuis 3 cycles",
                                "relance : rappel — Sénat toujours en échec (6 cycles)",
                                "relance : Sénat fonctionne de nouveau"]
    assert [(m.kind, m.state) for m in list_messages(db)] == [("admin", "sent")] * 3

    # A new failure streak raises a new alarm, from its own first failure.
    for time in ("10:00", "11:00", "12:00"):
        run(db, mailer, "2025-06-04", time)
    assert subjects(mailer)[-1] == "relance : Sénat en échec depuis 3 cycles"
    assert "Première lecture en échec : 04/06/2025 10:00." in text_of(mailer.inbox.to(ADMIN)[-1])
    assert len(mailer.inbox.messages) == 4


def test_smtp_down_the_alarm_waits_and_goes_once(db: Database, mailer: Mailer) -> None:
    run(db, mailer, "2025-06-02", "09:00")
    run(db, mailer, "2025-06-02", "10:00")
    mailer.stop()
    down = run(db, mailer, "2025-06-02", "11:00")
    assert down.notices == ["relance : Sénat en échec depuis 3 cycles"] and down.sent == 0
    assert down.errors and f"127.0.0.1:{mailer.port}" in down.errors[0]
    assert [m.state for m in list_messages(db)] == ["failed"]
    mailer.start()
    back = run(db, mailer, "2025-06-02", "12:00")
    assert back.notices == [] and back.sent == 1 and back.errors == []
    run(db, mailer, "2025-06-02", "13:00")
    assert subjects(mailer) == ["relance : Sénat en échec depuis 3 cycles"]
    assert [m.state for m in list_messages(db)] == ["sent"]


def test_no_reminder_when_the_source_was_not_read_again(db: Database, mailer: Mailer) -> None:
    for time in ("09:00", "10:00", "11:00"):
        run(db, mailer, "2025-06-02", time)
    health(db, at("2025-06-03", "09:00"), mailer)  # the next day, but no cycle read the Sénat since
    assert subjects(mailer) == ["relance : Sénat en échec depuis 3 cycles"]


def test_threshold_is_a_setting_and_no_admin_means_nothing(db: Database, mailer: Mailer) -> None:
    cycle(db, at("2025-06-02", "09:00"), senat_ok=False)
    assert health(db, at("2025-06-02", "09:00"), mailer, email=None).notices == []
    assert list(db.table("alarms").rows) == [] and list_messages(db) == []
    assert health(db, at("2025-06-02", "09:00"), mailer, failed_cycles=1).notices == [
        "relance : Sénat en échec depuis 1 cycle"]


def test_admin_channel_gets_the_alarm_as_a_webhook(db: Database, mailer: Mailer, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/admin", method="POST").respond_with_data("ok")
    url = f"json://127.0.0.1:{httpserver.port}/admin?cto=2&rto=2"
    for time in ("09:00", "10:00", "11:00"):
        when = at("2025-06-02", time)
        cycle(db, when, senat_ok=False)
        report = health(db, when, mailer, email=None, channel=url)
    assert report.sent == 1 and mailer.inbox.messages == []
    [post] = [json.loads(request.get_data()) for request, _ in httpserver.log]
    assert post["title"] == "relance : Sénat en échec depuis 3 cycles"
    assert "que faire : vérifier que https://www.senat.fr répond" in post["message"]
    assert post["relance"]["kind"] == "source_failing" and post["relance"]["source"] == "senat"
    assert post["relance"]["failed_cycles"] == 3 and post["relance"]["failing_since"] == "2025-06-02T09:00:00+02:00"
    assert [m.recipient for m in list_messages(db)] == [channel_recipient("@admin")]


def test_admin_channel_down_then_back(db: Database, mailer: Mailer, httpserver: HTTPServer) -> None:
    url = f"json://127.0.0.1:{httpserver.port}/admin?cto=2&rto=2"
    httpserver.expect_ordered_request("/admin", method="POST").respond_with_data("down", status=503)
    httpserver.expect_ordered_request("/admin", method="POST").respond_with_data("ok")
    for time in ("09:00", "10:00", "11:00"):
        cycle(db, at("2025-06-02", time), senat_ok=False)
    down = health(db, at("2025-06-02", "11:00"), mailer, email=None, channel=url)
    assert down.sent == 0 and "canal « @admin »" in down.errors[0]
    assert [m.state for m in list_messages(db)] == ["failed"]
    cycle(db, at("2025-06-02", "12:00"), senat_ok=False)
    back = health(db, at("2025-06-02", "12:00"), mailer, email=None, channel=url)
    assert back.sent == 1 and back.notices == [] and [m.state for m in list_messages(db)] == ["sent"]
    first, second = (json.loads(request.get_data()) for request, _ in httpserver.log)
    assert first == second  # the very same notice, sent again unchanged


def test_relance_check_raises_the_alarm(tmp_path: Path, mailer: Mailer, httpserver: HTTPServer,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """End to end: three `relance check` runs on a Sénat site whose server fails (500). (A page the site
    does not have, a 404, is the question's problem: tests/app/test_missing_question.py.)"""
    monkeypatch.delenv("RELANCE_DB", raising=False)
    httpserver.expect_request("/dyn/opendata/QANR5L17QE5268.json").respond_with_data(
        sample_bytes("an/QANR5L17QE5268.json"), content_type="application/json")
    httpserver.expect_request(page_url_path(SENAT_REF)).respond_with_data("Internal Server Error", status=500)
    base = httpserver.url_for("").rstrip("/")
    config = write_config(tmp_path / "config.toml", site=base, smtp_port=mailer.port,
                          admin={"email": "Admin@Example.net"}, watch=["AN 17-5268", SENAT_REF])
    outputs = []
    for _ in range(4):
        result = CliRunner().invoke(main, ["--config", str(config), "check"])
        assert result.exit_code == 2, result.output  # the Sénat question was not read
        outputs.append(result.stdout)
    assert "admin:" not in outputs[0] + outputs[1] + outputs[3]
    assert "admin : relance : Sénat en échec depuis 3 cycles" in outputs[2]
    [alarm] = mailer.inbox.to("admin@example.net")  # the address as normalised by the config
    assert f"dernière erreur : HttpStatusError: {base}{page_url_path(SENAT_REF)}: HTTP 500" in text_of(alarm)
    assert f"que faire : vérifier que {base} répond, lancer `relance doctor`." in text_of(alarm)
    with sqlite3.connect(tmp_path / "relance.db") as conn:
        assert conn.execute("SELECT source, recovered_at FROM alarms").fetchall() == [("senat", None)]


# --- a question the site does not have (404) is not the source's failure ------------------------------


def test_a_missing_question_beside_a_healthy_one_raises_no_alarm(db: Database, mailer: Mailer) -> None:
    for time in ("09:00", "10:00", "11:00", "12:00"):
        run_missing = at("2025-06-02", time)
        cycle(db, run_missing, senat_ok=True, senat_missing=True)
        assert health(db, run_missing, mailer, failed_cycles=1).notices == []
    [senat] = [h for h in source_health(db) if h.source == "senat"]
    assert (senat.failed_cycles, senat.last_failure, senat.last_error) == (0, None, None)
    assert senat.last_success == at("2025-06-02", "12:00")
    assert mailer.inbox.messages == [] and list(db.table("alarms").rows) == []


def test_the_only_question_of_a_source_missing_raises_no_alarm(db: Database, mailer: Mailer) -> None:
    """The Sénat's only watched question is a mistyped number: the site is not failing."""
    for time in ("09:00", "10:00", "11:00"):
        cycle(db, at("2025-06-02", time), senat_ok=None, senat_missing=True)
        assert health(db, at("2025-06-02", time), mailer, failed_cycles=1).notices == []
    [senat] = [h for h in source_health(db) if h.source == "senat"]
    assert (senat.failed_cycles, senat.last_success, senat.last_failure) == (0, None, None)
    assert mailer.inbox.messages == []


def test_a_failing_read_beside_a_missing_question_still_counts(db: Database, mailer: Mailer) -> None:
    """A cycle where one Sénat question failed (connection refused) and another is missing is a failed
    cycle: the alarm is raised, dated from the first failure, and a missing question does not end it."""
    for time in ("09:00", "10:00", "11:00"):
        cycle(db, at("2025-06-02", time), senat_ok=False, senat_missing=True)
    report = health(db, at("2025-06-02", "11:00"), mailer)
    assert report.notices == ["relance : Sénat en échec depuis 3 cycles"]
    assert "Première lecture en échec : 02/06/2025 09:00." in text_of(mailer.inbox.to(ADMIN)[-1])
    assert f"dernière erreur : {SENAT_ERROR}" in text_of(mailer.inbox.to(ADMIN)[-1])
    when = at("2025-06-03", "09:00")  # the next day, only the missing question read: neither reminded nor ended
    cycle_id = start_cycle(db, when)
    save_failure(db, MISSING_REF, Poll(when, MISSING_REF, "senat", MISSING_URL, 404, "missing", MISSING_ERROR,
                                       cycle_id=cycle_id))
    finish_cycle(db, cycle_id, when, 0, 0)
    assert health(db, when, mailer).notices == []
    assert [a["recovered_at"] for a in db.table("alarms").rows] == [None]
