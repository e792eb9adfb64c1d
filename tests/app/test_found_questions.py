"""The bulk ingest makes a question a rule finds watched, with the rule's tags; a rule added later
finds what is stored."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import time_machine
from click.testing import CliRunner
from sqlite_utils import Database

from bot.app.config import load_config
from bot.app.watched import watched
from bot.cli.views import event_text
from bot.core.deadlines import PARIS
from bot.main import main
from storage.followed import list_followed
from storage.questions import list_events
from tests.follow_questions import (  # noqa: F401 (fixtures)
    AN_UID,
    BUNDLED,
    DOSSUS_UID,
    LAGONTRIE_UID,
    config_path,
    db,
    dossus,
    ingest_all,
    rule,
    run_cli,
)


def test_a_found_question_is_watched_with_the_rules_tags(config_path: Path, db: Database) -> None:
    config = load_config(config_path)
    report = ingest_all(db, config.follow)
    assert (report.read, report.new, report.matched) == (10, 10, 2)
    assert {f.ref: (f.rules, f.tags) for f in list_followed(db)} == {
        LAGONTRIE_UID: (("Reconnaissance faciale",), ("vsa",)),
        DOSSUS_UID: (("Vidéosurveillance algorithmique",), ("vsa",))}
    entries = {w.ref.uid: w for w in watched(config, db)}
    assert entries[LAGONTRIE_UID].tags == ("vsa",) and entries[LAGONTRIE_UID].rules == ("Reconnaissance faciale",)
    # Dossus's question is also a [[watch]] table of the file: one entry, the file's, with the rule.
    assert (entries[DOSSUS_UID].tags, entries[DOSSUS_UID].rules) == (("vsa",), ("Vidéosurveillance algorithmique",))
    assert AN_UID in entries and "SEQ210723812" not in entries  # in the file; found by no rule
    matched = [e for e in list_events(db) if e.kind == "matched"]
    assert [(e.ref, e.key, e.official_date) for e in matched] == [
        (LAGONTRIE_UID, "Reconnaissance faciale", date(2024, 5, 30)),
        (DOSSUS_UID, "Vidéosurveillance algorithmique", date(2022, 11, 10))]
    assert matched[1].details == {"rules": ["Vidéosurveillance algorithmique"], "tags": ["vsa"], "status": "pending",
                                  "title": dossus().title, "author": "Thomas Dossus",
                                  "ministry": "ministre de l'intérieur et des outre-mer"}
    assert event_text(matched[0]) == "30/05/2024  Sénat 1335 (2024-05)  trouvée par la règle « Reconnaissance faciale »"


def test_a_second_import_adds_nothing(db: Database) -> None:
    rules = load_config(BUNDLED).follow
    ingest_all(db, rules)
    count = len(list_events(db))
    again = ingest_all(db, rules, now=datetime(2025, 6, 10, 6, 0, tzinfo=PARIS))
    assert (again.new, again.changed, again.matched, again.unchanged, again.events) == (0, 0, 0, 10, [])
    assert len(list_events(db)) == count


def test_a_rule_added_later_finds_stored_questions_at_the_next_import(db: Database) -> None:
    ingest_all(db, ())
    assert list_followed(db) == []
    both = (*load_config(BUNDLED).follow, rule(name="Diamants", keywords=["diamants synthétiques"], tags=["commerce"]))
    report = ingest_all(db, both, now=datetime(2025, 6, 10, 6, 0, tzinfo=PARIS))
    assert (report.new, report.changed, report.matched) == (0, 0, 3)
    assert [e.kind for e in report.events] == ["matched"] * 3  # nothing else about unchanged questions




@time_machine.travel(datetime(2025, 6, 9, 10, 0, tzinfo=PARIS), tick=False)
def test_found_questions_show_in_status_by_tag_with_their_deadlines(config_path: Path, db: Database) -> None:
    ingest_all(db, load_config(config_path).follow)
    result = run_cli(config_path, "status", "--tag", "vsa", "--json")
    assert result.exit_code == 0, result.output
    rows = {row["ref"]: row for row in json.loads(result.output)}
    assert list(rows) == [DOSSUS_UID, LAGONTRIE_UID]  # the file's entry, then the found one
    # Published 10/11/2022, two months to answer (Règlement du Sénat, art. 75): due 10/01/2023,
    # unanswered on 9 June 2025, 881 days later.
    pending = rows[DOSSUS_UID]
    assert (pending["status"], pending["deadline"], pending["overdue"], pending["days_overdue"]) == (
        "pending", "2023-01-10", True, 881)
    assert pending["tags"] == ["vsa"] and pending["author"] == "Thomas Dossus"
    answered = rows[LAGONTRIE_UID]
    assert (answered["status"], answered["deadline"], answered["answered"], answered["overdue"]) == (
        "answered", "2024-07-30", "2024-06-05", False)
    assert answered["url"] == "https://www.senat.fr/questions/base/2024/qSEQ240501335.html"
    table = run_cli(config_path, "status", "--tag", "vsa")
    # The table names questions by label; at 80 columns (not a terminal) the author is a column left out.
    assert "Sénat 1335 (2024-05)" in table.output and "30/07/2024" in table.output
    assert "Marie-Pierre de La Gontrie" in run_cli(config_path, "status", "--tag", "vsa", "--wide").output




def test_a_rule_added_after_an_import_finds_the_stored_questions(config_path: Path, db: Database) -> None:
    """The archive imported before the rule existed: `follow add` runs the new rule over what is stored,
    so the matches show at once, without waiting for the next changed archive."""
    ingest_all(db, ())
    assert list_followed(db) == []
    added = CliRunner().invoke(main, ["--config", str(config_path), "follow", "add", "Diamants",
                                      "--keyword", "diamants synthetiques", "--tag", "diamants"])
    assert added.exit_code == 0, added.output
    assert "1 question enregistrée nouvellement trouvée par cette règle" in added.stdout
    assert [(f.ref, f.rules) for f in list_followed(db)] == [("QANR5L17QE5268", ("Diamants",))]
    assert [e.kind for e in list_events(db, ref="QANR5L17QE5268")][-1] == "matched"
    again = CliRunner().invoke(main, ["--config", str(config_path), "follow", "add", "Diamants",
                                      "--keyword", "diamants synthetiques"])
    assert "0 question enregistrée nouvellement trouvée" in again.stdout  # found once, announced once
    rows = json.loads(CliRunner().invoke(main, ["--config", str(config_path), "status", "--json",
                                                "--tag", "diamants"]).stdout)
    assert [r["ref"] for r in rows] == ["QANR5L17QE5268"] and rows[0]["deadline"] == "2025-05-25"
