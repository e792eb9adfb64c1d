"""`relance show REF --json` on a database filled by `relance import an --file` with an archive of the real
QANR5L17QE5268.json and records derived from it (tests/app/an_archives.py, tests/an_variants.py): the keys
and values of `status --json`, then the question's group, texts, answer, attributions and history. The
expected values are read from the sample (tests/../shared/samples/an/SOURCES.md lists them)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import time_machine
from click.testing import CliRunner, Result
from pytest_httpserver import HTTPServer

from bot.core.deadlines import PARIS
from bot.main import main
from tests.an_variants import qe_json, transferred_to
from tests.app.an_archives import pending, write_archive
from tests.conftest import ConfigFactory

TODAY = datetime(2025, 6, 5, 10, tzinfo=PARIS)
# minAttribs' denomination in the sample: the ministry that answered (with the sample's typographic apostrophe).
ECONOMY = "Ministère de l’économie, des finances et de la souveraineté industrielle et numérique"
EXTRA_KEYS = ["answer", "attributions", "group", "history", "notes", "text"]
SEEN_AT = "2025-06-05T08:00:00+00:00"  # TODAY, as `relance events --json` writes an instant


def relance(config: Path, *args: str) -> Result:
    with time_machine.travel(TODAY, tick=False):
        return CliRunner().invoke(main, ["--config", str(config), *args])


def shown(config: Path, ref: str) -> dict[str, Any]:
    result = relance(config, "show", "--json", ref)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


@pytest.fixture
def config(make_config: ConfigFactory, tmp_path: Path) -> Path:
    """QANR5L17QE5268 watched with a tag; the archive holds it and QANR5L17QE2 (the real record renumbered,
    unanswered, published 2025-04-10), which nothing watches."""
    path = make_config(watch=[{"ref": "QANR5L17QE5268", "tags": ["diamants"]}])
    imported = relance(path, "import", "an", "--file", str(write_archive(tmp_path / "a.zip", [qe_json(), pending(2)])))
    assert imported.exit_code == 0, imported.output
    return path


def test_the_keys_and_values_of_status_json_then_the_whole_question(config: Path) -> None:
    question = shown(config, "AN 17-5268")
    statuses = json.loads(relance(config, "status", "--json").stdout)
    row = next(r for r in statuses if r["ref"] == "QANR5L17QE5268")
    assert list(question)[:len(row)] == list(row)  # the same keys, in the same order
    assert {key: question[key] for key in row} == row  # the same values, in the same formats
    assert sorted(set(question) - set(row)) == EXTRA_KEYS
    assert (question["status"], question["published"], question["answered"], question["deadline"],
            question["tags"]) == ("answered", "2025-03-25", "2025-06-03", "2025-05-25", ["diamants"])
    assert question["group"] == "EPR"
    assert question["text"].startswith("Mme Olivia Grégoire interroge M. le ministre de l'économie")
    assert "laboratory-grown diamond" in question["text"] and "<em>" not in question["text"]
    answer = question["answer"]
    assert sorted(answer) == ["date", "ministry", "page", "text"]
    assert (answer["date"], answer["page"], answer["ministry"]) == ("2025-06-03", "4348", ECONOMY)
    assert answer["text"].startswith("À la suite de la sollicitation d'un opérateur produisant des diamants "
                                     "synthétiques") and "consomaation" in answer["text"]
    assert question["attributions"] == [{"ministry": ECONOMY, "date": "2025-03-25"}]
    assert question["history"] == [{"kind": "published", "date": "2025-03-25", "seen_at": SEEN_AT,
                                    "sentence": "Nouvelle question suivie, publiée au JO le 25 mars 2025."}]


def test_a_question_nothing_watches_then_transferred(config: Path, tmp_path: Path) -> None:
    """Stored by the import only: shown all the same, without tags; once an archive shows it transferred,
    its two attributions and the transfer in its history, in the wording module's sentence."""
    question = shown(config, "QANR5L17QE2")
    assert (question["ref"], question["status"], question["published"], question["deadline"], question["days_left"],
            question["tags"], question["answer"], question["answered"]) == (
        "QANR5L17QE2", "pending", "2025-04-10", "2025-06-10", 5, [], None, None)
    assert question["attributions"] == [{"ministry": ECONOMY, "date": "2025-04-10"}]
    assert [(e["kind"], e["date"]) for e in question["history"]] == [("published", "2025-04-10")]
    moved = transferred_to(pending(2), "Armées", "Ministère des armées", "PO58", "2025-05-20")
    assert relance(config, "import", "an", "--file", str(write_archive(tmp_path / "b.zip", [moved]))).exit_code == 0
    question = shown(config, "QANR5L17QE2")
    assert question["attributions"] == [{"ministry": ECONOMY, "date": "2025-04-10"},
                                        {"ministry": "Ministère des armées", "date": "2025-05-20"}]
    assert question["ministry"] == "Ministère des armées"
    assert question["history"][-1] == {
        "kind": "transferred", "date": "2025-05-20", "seen_at": SEEN_AT,
        "sentence": "Transmise à un autre ministère le 20 mai 2025 ; le délai de réponse ne change pas."}


def test_a_question_never_read_successfully(make_config: ConfigFactory, httpserver: HTTPServer) -> None:
    """Watched, but its one read failed (the site answered 503): stored with no snapshot, shown as
    `unknown` with its error, the question's own keys null or empty."""
    httpserver.expect_request("/dyn/opendata/QANR5L17QE5268.json").respond_with_data("", status=503)
    config = make_config(site=httpserver.url_for("").rstrip("/"), watch=["QANR5L17QE5268"])
    assert relance(config, "check").exit_code == 2
    question = shown(config, "QANR5L17QE5268")
    assert question["status"] == "unknown" and question["last_error"]
    assert [question[key] for key in EXTRA_KEYS] == [None, [], None, [], [], None]


@pytest.mark.parametrize("as_json", [["--json"], []])
def test_an_unknown_question_is_refused_in_french(config: Path, as_json: list[str]) -> None:
    result = relance(config, "show", *as_json, "AN 17-9999")
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr == ("relance: QANR5L17QE9999 (AN 17-9999) : question inconnue de relance, jamais lue ni "
                             "importée ; pour la suivre : relance add QANR5L17QE9999, puis relance check\n")


def test_show_prints_the_texts_whole(config: Path) -> None:
    """The question's text and its answer, whole (the real record's answer runs to some 3,000 characters),
    wrapped for a terminal; piped, not paged."""
    data = shown(config, "QANR5L17QE5268")
    result = relance(config, "show", "QANR5L17QE5268")
    assert result.exit_code == 0, result.output
    printed = " ".join(result.stdout.split())
    assert "Texte de la question :" in result.stdout
    assert " ".join(data["text"].split()) in printed
    assert " ".join(data["answer"]["text"].split()) in printed  # not cut at 300 characters
    assert max(len(line) for line in result.stdout.splitlines() if line.startswith("    ")) <= 78
