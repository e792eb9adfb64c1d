"""`relance stats` (text, --json, --csv, the filters) and `relance status --csv`, on the archive of
tests/stats_archive.py: 20 AN questions derived from the real record with a known spread of answers,
and one real Sénat page. The figures are counted by hand there."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
import time_machine
from click.testing import CliRunner, Result

from bot.app.config import load_config
from bot.main import main
from tests.conftest import ConfigFactory
from tests.stats_archive import AGRICULTURE, ECONOMY, INTERIOR, TODAY, build, uid

KEYS = ["name", "questions", "answered", "answered_on_time", "pending", "overdue", "answer_rate", "on_time_rate",
        "median_days_to_answer"]


def relance(config: Path, *args: str) -> Result:
    with time_machine.travel(TODAY, tick=False):
        return CliRunner().invoke(main, ["--config", str(config), *args])


@pytest.fixture
def config(make_config: ConfigFactory, tmp_path: Path) -> Path:
    path = make_config(watch=[{"ref": "AN 16-90004", "tags": ["sécurité", "outre-mer"]}, "AN 16-90009"])
    build(load_config(path), tmp_path)
    return path


def test_stats_json_by_ministry_of_one_chamber(config: Path) -> None:
    result = relance(config, "stats", "--chamber", "an", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [list(row) for row in rows] == [KEYS] * 3
    assert rows[0] == {"name": INTERIOR[2], "questions": 8, "answered": 5, "answered_on_time": 4, "pending": 3,
                       "overdue": 2, "answer_rate": 0.625, "on_time_rate": 0.5714, "median_days_to_answer": 56.0}
    assert [(r["name"], r["questions"]) for r in rows[1:]] == [(AGRICULTURE[2], 7), (ECONOMY[2], 5)]


def test_stats_csv_has_the_json_keys_as_columns(config: Path) -> None:
    result = relance(config, "stats", "--by", "group", "--csv")
    assert result.exit_code == 0, result.output
    assert list(csv.reader(io.StringIO(result.stdout))) == [
        KEYS, ["SOC", "12", "7", "5", "5", "4", "0.5833", "0.4545", "42.0"],
        ["LIOT", "8", "5", "3", "3", "1", "0.625", "0.5", "61.0"],
        ["NI", "1", "1", "0", "0", "0", "1.0", "0.0", "322.0"]]


def test_stats_text_is_a_french_table(config: Path) -> None:
    result = relance(config, "stats", "--by", "author", "--since", "2023-09-01", "--until", "2023-10-31")
    assert result.exit_code == 0, result.output
    # 5, 6 by Thomin (5 on time after 28 days, 6 overdue); 13, 18, 20 by de Courson (13 late after 84 days,
    # 18 overdue, 20 on time after 42 days).
    lines = result.stdout.splitlines()
    # At 80 columns (not a terminal) the headers wrap between their words and the figures wanted least
    # (pending, median delay) are left out (bot/cli/stats.py); --wide shows them all.
    header = " ".join(lines[:next(i for i, line in enumerate(lines) if line.startswith("──"))]).split()
    for word in ("Auteur", "Questions", "Répondues", "Dans", "délais", "retard", "Taux", "réponse"):
        assert word in header
    assert "attente" not in header and "médian" not in header
    courson = re.split(r"\s{2,}", next(line for line in lines if "Charles de Courson" in line).strip())
    assert courson == ["Charles de Courson", "3", "2", "1", "1", "66,7\u00a0%", "33,3\u00a0%"]
    wide = relance(config, "stats", "--by", "author", "--since", "2023-09-01", "--until", "2023-10-31", "--wide")
    courson = re.split(r"\s{2,}", next(line for line in wide.stdout.splitlines() if "Courson" in line).strip())
    assert courson == ["Charles de Courson", "3", "2", "1", "1", "1", "66,7\u00a0%", "33,3\u00a0%", "63"]
    assert "Délai médian" in wide.stdout and "Taux dans les délais : réponses" in wide.stdout


def test_stats_on_nothing_says_so(config: Path) -> None:
    result = relance(config, "stats", "--since", "2030-01-01")
    assert result.exit_code == 0 and "Aucune question enregistrée ne correspond." in result.stdout
    assert json.loads(relance(config, "stats", "--since", "2030-01-01", "--json").stdout) == []
    assert relance(config, "stats", "--since", "2030-01-01", "--csv").stdout.splitlines() == [",".join(KEYS)]


@pytest.mark.parametrize(("args", "message"), [
    (["--by", "party"], "Valeur invalide pour '--by'"), (["--since", "2023-02-31"], "Valeur invalide pour '--since'"),
    (["--json", "--csv"], "--json et --csv : choisir l'un des deux")])
def test_stats_usage_errors(config: Path, args: list[str], message: str) -> None:
    result = relance(config, "stats", *args)
    # A usage mistake is the user's: exit code 1 (2 means a site failed), one line on stderr.
    assert result.exit_code == 1 and message in result.stderr and len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith("relance: commande mal formée : ") and "relance stats --help" in result.stderr


def test_stats_a_reversed_period_is_refused_in_one_line(config: Path) -> None:
    result = relance(config, "stats", "--since", "2023-10-01", "--until", "2023-09-01")
    assert result.exit_code == 1
    assert result.stderr == "relance: since=2023-10-01 est après until=2023-09-01\n"


def test_status_csv_has_the_keys_of_status_json(config: Path) -> None:
    as_json = json.loads(relance(config, "status", "--json").stdout)
    result = relance(config, "status", "--csv")
    assert result.exit_code == 0, result.output
    table = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(table[0]) == list(as_json[0])
    assert [row["ref"] for row in table] == [row["ref"] for row in as_json] == [uid(4), uid(9)]
    # 4: pending, overdue since 6 August 2023 (152 days on 5 January 2024); tags joined; null is empty.
    assert (table[0]["status"], table[0]["overdue"], table[0]["days_overdue"], table[0]["tags"], table[0]["answered"]) \
        == ("pending", "true", "152", "sécurité; outre-mer", "")
    assert (table[1]["status"], table[1]["answered"], table[1]["tags"]) == ("answered", "2023-02-14", "")


def test_status_csv_of_nothing_is_its_header(make_config: ConfigFactory) -> None:
    config = make_config()
    result = relance(config, "status", "--csv")
    assert result.exit_code == 0, result.output
    header = result.stdout.splitlines()[0].split(",")
    assert header[:4] == ["ref", "chamber", "legislature", "number"] and "days_overdue" in header
    assert result.stdout.count("\n") == 1


def test_every_date_option_takes_the_french_form_relance_prints(config: Path) -> None:
    iso = relance(config, "stats", "--since", "2023-02-01", "--until", "2024-06-30", "--json")
    french = relance(config, "stats", "--since", "01/02/2023", "--until", "30/06/2024", "--json")
    assert iso.exit_code == french.exit_code == 0 and json.loads(iso.stdout) == json.loads(french.stdout)
    events = relance(config, "events", "--since", "01/02/2023", "--json")
    assert events.exit_code == 0 and json.loads(events.stdout) == json.loads(
        relance(config, "events", "--since", "2023-02-01", "--json").stdout)


def test_events_since_says_which_date_it_filters_on_and_prints_both(config: Path) -> None:
    everything = relance(config, "events")
    lines = everything.stdout.splitlines()
    assert everything.exit_code == 0 and lines
    # A table: the official date first, the question's label, what happened, then the day relance saw it;
    # a row's other lines continue its event's words.
    assert lines[0].split() == ["Date", "Question", "Événement", "Vue", "le"]
    rows = [line for line in lines[2:] if not line.startswith(" ")]
    day, label = r"\d{2}/\d{2}/\d{4}", r"(AN 16-\d+|Sénat \d+ \(\d{4}-\d{2}\))"
    odd = [row for row in rows if not re.fullmatch(rf"{day}  {label} +\S.*  {day}", row)]
    assert rows and not odd, odd
    since = relance(config, "events", "--since", "01/02/2023").stdout.splitlines()
    heading = " ".join(" ".join(since[:since.index(lines[0])]).split())
    assert heading.startswith("Événements que relance a vus depuis le 1er février 2023 ;")
    assert "date officielle" in heading and "le jour où relance l'a vu" in heading
