"""`relance import senat`: the CSV of the last year's questions imported through the command line
against a local HTTP server, on a real SQLite file, with time-machine for today; rows built from
the real questions (tests/app/senat_rows.py), pages from their real texts."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
import time_machine

from bot.app.config import load_config
from bot.app.import_senat import import_senat
from bot.app.settings import http_settings
from scrapers.http import PoliteClient
from storage.db import open_db
from tests.app import senat_site
from tests.app.senat_rows import (
    DOSSUS_TITLE,
    FISCAL_THEME,
    HEADER,
    POLICE_THEME,
    TRANSITION,
    all_rows,
    answer_received,
    before_answer,
    before_transfer,
    csv_bytes,
    dossus_pending,
    iso_dates,
    masson_answered,
    masson_transferred,
    page_before_answer,
    transferred_pending,
    with_themes,
)
from tests.app.senat_site import Site, at, events, import_json, relance, senat_config, stored
from tests.senat_pages import page_text, page_url_path

# Fixtures, registered here under these names: the local Sénat sites, and no $RELANCE_DB.
site = senat_site.site
_no_db_override = senat_site._no_db_override


def test_import_then_an_unchanged_file_costs_a_304(tmp_path: Path, site: Site) -> None:
    site.csv = csv_bytes(all_rows())
    config = senat_config(tmp_path, site)
    with time_machine.travel(at("2023-01-05"), tick=True):
        first = import_json(config)
        assert (first["rows"], first["skipped"], first["new"], first["pages_fetched"]) == (6, 1, 5, 0)
        assert len(events(first, "published")) == 5 and first["errors"] == []
        second = relance(config, "import", "senat")
    assert second.exit_code == 0, second.output
    assert "inchangé depuis le dernier import (HTTP 304), rien d'analysé" in second.stdout
    assert "lignes 0, nouvelles 0, modifiées 0, inchangées 0, trouvées par une règle 0" in second.stdout
    assert [r.headers.get("If-None-Match") is not None for r, _ in site.server.log] == [False, True]
    # What the CSV said, kept whole: the Dossus question is pending, addressed to the Ministère de l'intérieur.
    dossus = stored(config, "SEQ221103705")
    assert dossus is not None and dossus["status"] == "pending" and dossus["title"] == DOSSUS_TITLE
    assert dossus["author"]["name"] == "Thomas Dossus"
    assert dossus["ministry_asked"]["name"] == "Ministère de l'intérieur"
    assert stored(config, "SEQ16030791G") is None


def test_a_changed_sort_gives_one_answered_event_and_reads_the_page(tmp_path: Path, site: Site) -> None:
    site.csv = csv_bytes([before_answer(masson_answered()), masson_transferred()])
    site.page("SEQ091211244", page_before_answer(page_text("SEQ091211244")))
    site.page("SEQ210723812")
    config = senat_config(tmp_path, site, watch=("SEQ091211244", "SEQ210723812"))
    with time_machine.travel(at("2010-10-20"), tick=True):
        first = import_json(config)
    # Both watched and new: each page read once for its text.
    assert (first["new"], first["pages_fetched"]) == (2, 2)
    before = stored(config, "SEQ091211244")
    assert before is not None and before["status"] == "pending" and before["text"].startswith("M. Jean Louis Masson")
    site.csv = csv_bytes([masson_answered(), masson_transferred()])
    site.page("SEQ091211244")
    with time_machine.travel(at("2010-10-29"), tick=True):
        second = import_json(config)
    assert (second["changed"], second["unchanged"], second["pages_fetched"]) == (1, 1, 1)
    answered = events(second, "answered")
    assert len(answered) == 1 and [e["kind"] for e in second["events"]] == ["answered"]
    assert answered[0]["ref"] == "SEQ091211244" and answered[0]["date"] == "2010-10-28"
    assert answered[0]["details"]["excerpt"].startswith("L'honorable parlementaire est invité")
    assert answered[0]["details"]["page"] == "2836"
    assert site.requests_to(page_url_path("SEQ091211244")) == 2
    assert site.requests_to(page_url_path("SEQ210723812")) == 1  # unchanged in the CSV: not read again
    after = stored(config, "SEQ210723812")
    assert after is not None and after["attributions"] == [
        {"ministry": {"name": TRANSITION, "short": None, "id": None}, "date": "2022-07-21"}]


def test_a_transfer_row_gives_a_transferred_event_with_the_csv_date(tmp_path: Path, site: Site) -> None:
    site.csv = csv_bytes([before_transfer(masson_transferred())])
    config = senat_config(tmp_path, site)
    with time_machine.travel(at("2022-07-01"), tick=True):
        assert import_json(config)["new"] == 1
    site.csv = csv_bytes([transferred_pending(masson_transferred())])
    with time_machine.travel(at("2022-07-28"), tick=True):
        second = import_json(config)
    transferred = events(second, "transferred")
    assert len(transferred) == 1 and transferred[0]["date"] == "2022-07-21"
    assert transferred[0]["details"] == {"from_ministry": "Ministère de l'intérieur", "to_ministry": TRANSITION}
    assert second["pages_fetched"] == 0  # not watched: the CSV's state is enough
    site.csv = csv_bytes([masson_transferred()])
    with time_machine.travel(at("2023-10-02"), tick=True):
        third = import_json(config)
    assert [e["kind"] for e in third["events"]] == ["lapsed"]


@pytest.mark.parametrize("keyword", ["vidéosurveillance", "videosurveillance"])
def test_a_follow_rule_finds_the_dossus_question(tmp_path: Path, site: Site, keyword: str) -> None:
    site.csv = csv_bytes(all_rows())
    follow = f'[[follow]]\nname = "vsa"\nkeywords = ["{keyword}"]\ntags = ["vsa"]\n'
    config = senat_config(tmp_path, site, follow=follow)
    with time_machine.travel(at("2022-11-20"), tick=True):
        # The question's senat.fr page could not be recorded (only its NosSénateurs text): the server
        # answers 404, which is reported, while what the CSV says is stored and followed all the same.
        report = import_json(config, exit_code=2)
        matched = events(report, "matched")
        assert [(e["ref"], e["details"]["rules"], e["details"]["tags"]) for e in matched] == [
            ("SEQ221103705", ["vsa"], ["vsa"])]
        assert report["matched"] == 1 and report["pages_fetched"] == 0
        assert [(e["ref"], "NotFound" in e["error"]) for e in report["errors"]] == [("SEQ221103705", True)]
        assert site.requests_to(page_url_path("SEQ221103705")) == 1
        status = json.loads(relance(config, "status", "--json", "--tag", "vsa").stdout)
    assert [(row["ref"], row["status"], row["deadline"]) for row in status] == [
        ("SEQ221103705", "pending", "2023-01-10")]


def test_a_rule_added_later_reads_the_text_of_a_question_already_imported(tmp_path: Path, site: Site) -> None:
    path = tmp_path / "questions.csv"
    path.write_bytes(csv_bytes(all_rows()))
    config = senat_config(tmp_path, site)
    with time_machine.travel(at("2022-11-20"), tick=True):
        assert import_json(config, "--file", str(path))["new"] == 5
        config = senat_config(tmp_path, site, follow='[[follow]]\nname = "vsa"\nkeywords = ["vidéosurveillance"]\n')
        report = import_json(config, "--file", str(path), exit_code=2)
    # Unchanged in the CSV, but followed now and without its text: its page is asked for (404 here).
    assert [e["kind"] for e in report["events"]] == ["matched"]
    assert (report["new"], report["changed"], report["unchanged"], report["matched"]) == (0, 0, 4, 1)
    assert site.requests_to(page_url_path("SEQ221103705")) == 1


def test_the_python_api_stops_between_two_questions(tmp_path: Path, site: Site) -> None:
    # What `relance run` calls (bot.service.jobs.discovery_job), with its stop signal.
    site.csv = csv_bytes(all_rows())
    config = load_config(senat_config(tmp_path, site))
    asked: list[int] = []

    def should_stop() -> bool:
        asked.append(1)
        return len(asked) > 2

    db = open_db(tmp_path / "relance.db")
    with PoliteClient(http_settings(config)) as client:
        report = import_senat(config=config, db=db, client=client, now=lambda: at("2023-01-05"),
                              should_stop=should_stop)
    assert report.ok and report.rows == 6 and report.ingest.read == 2 and report.ingest.new == 2


def test_a_missing_column_imports_nothing(tmp_path: Path, site: Site) -> None:
    site.csv = csv_bytes(all_rows(), header=[c for c in HEADER if c != "URL Question"])
    config = senat_config(tmp_path, site)
    result = relance(config, "import", "senat")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "required column(s) missing: URL Question" in result.stderr
    assert "Traceback" not in result.output
    with sqlite3.connect(tmp_path / "relance.db") as conn:
        assert conn.execute("SELECT count(*) FROM questions").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == 0


def test_file_and_since(tmp_path: Path, site: Site) -> None:
    path = tmp_path / "questions.csv"
    path.write_bytes(csv_bytes(all_rows(), sep="|", encoding="utf-8"))
    config = senat_config(tmp_path, site)
    with time_machine.travel(at("2023-01-05"), tick=True):
        report = import_json(config, "--file", str(path), "--since", "2022-06-01")
    assert report["url"] == str(path) and report["rows"] == 6 and report["skipped"] == 4
    assert sorted(e["ref"] for e in events(report, "published")) == ["SEQ220628479", "SEQ221103705"]
    assert len(site.server.log) == 0  # a file: nothing downloaded, and --since within the CSV's year: no search


def test_a_missing_file_is_one_line_and_exit_1(tmp_path: Path, site: Site) -> None:
    result = relance(senat_config(tmp_path, site), "import", "senat", "--file", str(tmp_path / "nope.csv"))
    assert result.exit_code == 1 and "nope.csv" in result.stderr and "Traceback" not in result.output


def test_a_file_as_published_imports_its_good_rows_and_names_the_bad_one(tmp_path: Path, site: Site) -> None:
    # ISO dates (the file the issue reported stopped at line 2 on `2025-07-17`), « Réponse reçue », an
    # empty `Type Appartenance`, themes joined by "," and one row whose `Sort` is unknown.
    path = tmp_path / "questions.csv"
    rows = [iso_dates(answer_received(masson_answered())), {**iso_dates(dossus_pending()), "Sort": "Irrecevable"},
            iso_dates(transferred_pending(with_themes(masson_transferred(), FISCAL_THEME, POLICE_THEME)))]
    path.write_bytes(csv_bytes(rows))
    config = senat_config(tmp_path, site)
    with time_machine.travel(at("2022-08-01"), tick=True):
        report = import_json(config, "--file", str(path), exit_code=2)
        text = relance(config, "import", "senat", "--file", str(path))
    assert report["rows"] == 2 and report["new"] == 2 and report["errors"] == []
    assert report["rejected"] == [{"line": 3, "column": "Sort", "value": "Irrecevable",
                                   "problem": report["rejected"][0]["problem"]}]
    assert "unknown sort" in report["rejected"][0]["problem"]
    assert text.exit_code == 2
    assert ("lignes 2, lignes rejetées 1 (non importées, listées sur stderr), nouvelles 0, modifiées 0, "
            "inchangées 2") in text.stdout
    assert text.stderr.splitlines() == [
        f"relance: Sénat : {path} : ligne rejetée, non importée : line 3, column 'Sort': unknown sort (known: "
        "En cours, Réponse reçue / Répondu / Réponse…, Caduque, Retirée, Transformée…): found 'Irrecevable'"]
    answered = stored(config, "SEQ091211244")
    assert answered is not None and answered["status"] == "answered" and answered["answer"]["date"] == "2010-10-28"
    pending = stored(config, "SEQ210723812")
    assert pending is not None and pending["status"] == "pending"
    assert pending["attributions"] == [{"ministry": {"name": TRANSITION, "short": None, "id": None},
                                        "date": "2022-07-21"}]
    assert pending["rubric"] == "Économie et finances, fiscalité ; Police et sécurité"
    assert stored(config, "SEQ221103705") is None
