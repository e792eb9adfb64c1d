"""The check cycle end to end through the CLI: a local HTTP server serving the real samples and
variants derived from them, a real SQLite file, and time-machine for today."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from pathlib import Path

import time_machine
from click.testing import CliRunner

from bot.app.check import is_due
from bot.main import main
from storage.questions import CheckState
from tests.an_variants import dump, qe_json, without_answer
from tests.app import check_site
from tests.app.check_site import AN_PATH, SENAT_UID, Site, at, check_json, kinds, relance, stored_snapshot
from tests.conftest import sample_bytes

# The fixtures of the check cycle's world, registered here under these names.
site = check_site.site
config = check_site.config


def test_first_cycle_then_nothing_new(config: Path) -> None:
    with time_machine.travel(at("2025-11-20"), tick=True):
        first = check_json(config)
        assert first["checked"] == 3 and first["errors"] == []
        assert sorted(kinds(first)) == ["published", "published", "published"]
        second = check_json(config)
    # Answered questions are not due again within the week: nothing read, nothing new.
    assert second["checked"] == 0 and second["events"] == []


def test_pending_then_answered_gives_one_answered_event(config: Path, site: Site) -> None:
    site.serve(AN_PATH, dump(without_answer(qe_json())), "application/json")
    with time_machine.travel(at("2025-04-01"), tick=True):
        assert kinds(check_json(config), "QANR5L17QE5268") == ["published"]
    site.serve(AN_PATH, sample_bytes("an/QANR5L17QE5268.json"), "application/json")
    with time_machine.travel(at("2025-06-03", 18), tick=True):
        report = check_json(config)
        assert kinds(report, "QANR5L17QE5268") == ["answered"]
        answered = next(e for e in report["events"] if e["kind"] == "answered")
        assert answered["date"] == "2025-06-03" and answered["details"]["days_late"] == 9
        assert answered["details"]["page"] == "4348"
    with time_machine.travel(at("2025-06-20"), tick=True):
        result = relance(config, "events", "--json", "--ref", "AN 17-5268")
        assert [e["kind"] for e in json.loads(result.stdout)] == ["published", "answered"]


def test_deadline_passing_between_two_days_gives_one_overdue_event(config: Path, site: Site) -> None:
    site.serve(AN_PATH, dump(without_answer(qe_json())), "application/json")
    with time_machine.travel(at("2025-05-25"), tick=True):  # the deadline day: 2 months after 25/03
        assert kinds(check_json(config), "QANR5L17QE5268") == ["published"]
        assert kinds(check_json(config), "QANR5L17QE5268") == []
    with time_machine.travel(at("2025-05-26", 8), tick=True):
        report = check_json(config)
        assert kinds(report, "QANR5L17QE5268") == ["overdue"]
        overdue = report["events"][0]
        assert overdue["details"]["deadline"] == "2025-05-25" and overdue["details"]["days_late"] == 1
        assert "Règlement de l'Assemblée nationale, art. 135" in overdue["details"]["explanation"]
        assert kinds(check_json(config), "QANR5L17QE5268") == []  # same day again: nothing
        rows = json.loads(relance(config, "status", "--json", "--overdue").stdout)
    assert [r["ref"] for r in rows] == ["QANR5L17QE5268"]
    assert rows[0]["days_overdue"] == 1 and rows[0]["deadline"] == "2025-05-25"


def test_deadline_soon(config: Path, site: Site) -> None:
    site.serve(AN_PATH, dump(without_answer(qe_json())), "application/json")
    with time_machine.travel(at("2025-05-10"), tick=True):
        check_json(config)
    with time_machine.travel(at("2025-05-19"), tick=True):  # within 7 days of 25/05
        report = check_json(config)
    assert kinds(report, "QANR5L17QE5268") == ["deadline_soon"]
    assert report["events"][0]["details"]["days_left"] == 6


def test_500_then_200(config: Path, site: Site) -> None:
    site.serve(AN_PATH, b"Internal Server Error", "text/plain", status=500)
    with time_machine.travel(at("2025-11-20"), tick=True):
        result = relance(config, "check", "--json")
        assert result.exit_code == 2
        report = json.loads(result.stdout)
        assert [e["ref"] for e in report["errors"]] == ["QANR5L17QE5268"]
        assert "HTTP 500" in report["errors"][0]["error"]
        assert "Assemblée nationale (open data) : 1 question non lue (QANR5L17QE5268)" in result.stderr
        assert stored_snapshot(config, "QANR5L17QE5268") is None
        rows = {r["ref"]: r for r in json.loads(relance(config, "status", "--json").stdout)}
        assert rows["QANR5L17QE5268"]["status"] == "unknown" and "500" in rows["QANR5L17QE5268"]["last_error"]
        site.serve(AN_PATH, sample_bytes("an/QANR5L17QE5268.json"), "application/json")
        report = check_json(config)
    assert report["checked"] == 1 and kinds(report) == ["published"]


def test_error_page_with_200_stores_no_change(config: Path, site: Site) -> None:
    site.serve(AN_PATH, dump(without_answer(qe_json())), "application/json")
    with time_machine.travel(at("2025-04-01"), tick=True):
        check_json(config)
        before = stored_snapshot(config, "QANR5L17QE5268")
        site.serve(AN_PATH, b"<html><head><title>Error 503</title></head><body>Error 503</body></html>",
                   "text/html")
        report = check_json(config, expect_exit=2)
    assert report["events"] == [] and "ErrorPage" in report["errors"][0]["error"]
    assert stored_snapshot(config, "QANR5L17QE5268") == before
    with sqlite3.connect(config.parent / "relance.db") as conn:
        polls = conn.execute("SELECT outcome, error FROM polls WHERE ref = 'QANR5L17QE5268' ORDER BY id").fetchall()
    assert [p[0] for p in polls] == ["changed", "error"] and "Error 503" in polls[1][1]


def test_no_network_one_line_per_source_and_no_change(config: Path) -> None:
    text = config.read_text(encoding="utf-8")
    dead = "http://127.0.0.1:9"  # the discard port: nothing listens there
    for key in ("base_url", "legacy_base_url"):
        text = "\n".join(f'{key} = "{dead}"' if line.startswith(f"{key} =") else line for line in text.splitlines())
    config.write_text(text, encoding="utf-8")
    result = relance(config, "check")
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 3 and all("TransportError" in line for line in lines)
    assert {line.split(":")[1].strip() for line in lines} == {
        "Assemblée nationale (open data)", "Assemblée nationale (ancien site)", "Sénat"}
    with sqlite3.connect(config.parent / "relance.db") as conn:
        assert conn.execute("SELECT count(*) FROM snapshots").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == 0


def test_status_and_show(config: Path) -> None:
    with time_machine.travel(at("2025-11-20"), tick=True):
        check_json(config)
        rows = json.loads(relance(config, "status", "--json").stdout)
        table = relance(config, "status")
        show = relance(config, "show", "https://www.senat.fr/questions/base/2009/qSEQ091211244.html")
        by_tag = json.loads(relance(config, "status", "--json", "--tag", "communes").stdout)
        senat = json.loads(relance(config, "status", "--json", "--chamber", "senat").stdout)
    keys = {"ref", "chamber", "legislature", "number", "url", "title", "author", "ministry", "published",
            "deadline", "status", "answered", "signaled", "overdue", "days_overdue", "last_checked", "last_error"}
    assert all(keys <= row.keys() for row in rows)
    an = next(r for r in rows if r["ref"] == "QANR5L17QE5268")
    assert (an["status"], an["published"], an["deadline"], an["answered"]) == (
        "answered", "2025-03-25", "2025-05-25", "2025-06-03")
    assert an["days_overdue"] == 9 and not an["overdue"]  # answered 9 days late, no longer pending
    assert [r["ref"] for r in by_tag] == [r["ref"] for r in senat] == [SENAT_UID]
    assert table.exit_code == 0 and "AN 14-47351" in table.stdout and "Sénat : dernière lecture" in table.stdout
    assert show.exit_code == 0, show.output
    assert "Échéance : 10/02/2010, 2 mois après la publication au JO du 10/12/2009 (Règlement du Sénat, art. 75)" \
        in show.stdout
    assert "nouvelle question suivie" in show.stdout and "Lectures récentes" in show.stdout


def test_bad_database_exit_1(config: Path, tmp_path: Path) -> None:
    (tmp_path / "not-a-db").write_text("this is not SQLite" * 100, encoding="utf-8")
    env = {"RELANCE_DB": str(tmp_path / "not-a-db")}
    result = CliRunner().invoke(main, ["--config", str(config), "check"], env=env)
    assert result.exit_code == 1 and "database" in result.stderr and "Traceback" not in result.output


def test_a_page_behind_the_stored_state_does_not_regress_it(config: Path, site: Site) -> None:
    """The archive already brought the answer; a page (or a cache) still showing the question
    unanswered must not turn it back to pending, nor replay `answered` later."""
    with time_machine.travel(at("2025-06-10"), tick=True):
        check_json(config)  # the real answered record
    site.serve(AN_PATH, dump(without_answer(qe_json())), "application/json")
    with time_machine.travel(at("2025-06-20"), tick=True):  # answered ones are due again after a week
        report = check_json(config)
        assert report["checked"] >= 1 and kinds(report, "QANR5L17QE5268") == []
        rows = {r["ref"]: r for r in json.loads(relance(config, "status", "--json").stdout)}
    assert rows["QANR5L17QE5268"]["status"] == "answered"


def test_a_missing_question_is_due_once_a_day_whatever_its_status() -> None:
    """Found missing at 10:00: due again in the next day's 10:00 cycle (a quarter of an hour's slack for
    the time the reads took), not before, even when it is open; and not a week later when it was answered."""
    found = at("2025-11-20")
    for status, last_success in (("unknown", None), ("pending", at("2025-11-01")), ("answered", at("2025-11-19"))):
        state = CheckState(status, last_success, last_checked=found, missing=True)
        assert not is_due(state, found + timedelta(hours=12), recheck_closed_days=7)
        assert not is_due(state, found + timedelta(hours=23, minutes=44), recheck_closed_days=7)
        assert is_due(state, found + timedelta(hours=23, minutes=45), recheck_closed_days=7)
    assert is_due(CheckState("pending", at("2025-11-19"), last_checked=found), found, recheck_closed_days=7)
