"""The terminal's tables at 80, 100 and 120 columns (issue 16, point 2): `status`, `events`, `subscribers`
through the command line (CliRunner, the width forced by $COLUMNS, as when the output is not a terminal),
on a real SQLite file holding snapshots parsed from the real samples.

The questions: AN 17-123456, the real QANR5L17QE5268.json renumbered and published on 10/01/2024 without
its answer (an AN reference of six digits; deadline 10/03/2024, 457 days late on 10/06/2025); the real
AN 17-5268 (answered on 03/06/2025, 9 days after its deadline of 25/05/2025); the real Sénat 11244
(2009-12) (answered); the real Sénat 23812 (2021-07), its ending taken out, so pending since its deadline
of 15/09/2021 (1364 days late: 1096 days to 15/09/2024, then 268); AN 14-47351, never read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import time_machine
from click.testing import CliRunner, Result

from bot.main import main
from scrapers.an import parse_an_json
from storage.db import open_db
from storage.subscribers import upsert_pending
from tests.an_variants import dump
from tests.app.an_archives import derived
from tests.conftest import write_config
from tests.web.seeded import NOW, an_answered, senat_answered, senat_pending, store

BIG_URL = "https://www.assemblee-nationale.fr/dyn/opendata/QANR5L17QE123456.json"
LABELS = ("AN 17-123456", "AN 17-5268", "Sénat 11244 (2009-12)", "Sénat 23812 (2021-07)", "AN 14-47351")
# The figures each row must show whole, read from the samples (module docstring).
DEADLINES = {"AN 17-123456": "10/03/2024", "AN 17-5268": "25/05/2025", "Sénat 11244 (2009-12)": "10/02/2010",
             "Sénat 23812 (2021-07)": "15/09/2021"}
DELAYS = {"AN 17-123456": "retard 457 j", "AN 17-5268": "retard 9 j", "Sénat 23812 (2021-07)": "retard 1364 j"}
# The real record's ministry, which the AN names in full, and the rule's abridged form of it.
ECONOMY = "Ministère de l’économie, des finances et de la souveraineté industrielle et numérique"
ECONOMY_SHORT = "Économie, finances et souveraineté industrielle et numérique"


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.delenv("RELANCE_DB", raising=False)
    db = tmp_path / "relance.db"
    store(db, None, parse_an_json(dump(derived(123456, date(2024, 1, 10), None)), BIG_URL), date(2025, 4, 1))
    store(db, None, an_answered(), date(2025, 6, 3))
    store(db, None, senat_answered(), date(2025, 4, 1))
    store(db, None, senat_pending(), date(2025, 4, 1))
    path = write_config(tmp_path / "config.toml",
                        watch=["AN 17-123456", "AN 17-5268", "SEQ091211244", "SEQ210723812", "QANR5L14QE47351"])
    with time_machine.travel(NOW, tick=False):
        yield path


def relance(config: Path, columns: int, *args: str) -> Result:
    result = CliRunner(env={"COLUMNS": str(columns)}).invoke(main, ["--config", str(config), *args])
    assert result.exit_code == 0, result.output
    return result


def table_part(output: str) -> list[str]:
    """The table's lines: from its header (the line before the rule under it) to its end."""
    lines = output.splitlines()
    rule = next(i for i, line in enumerate(lines) if line.startswith("──"))
    return lines[rule - 1:]


def row_of(lines: list[str], label: str) -> str:
    """The first line of `label`'s row: every column's first line is on it."""
    [line] = [line for line in lines if line.startswith(label + "  ")]
    return line


@pytest.mark.parametrize(("columns", "headers"), [
    (80, ["Question", "Titre", "Échéance", "État", "Délai"]),
    (100, ["Question", "Titre", "Ministère", "Échéance", "État", "Délai"]),
    (120, ["Question", "Titre", "Auteur", "Ministère", "Échéance", "État", "Délai"]),
])
def test_status_keeps_every_reference_date_and_number_whole(config: Path, columns: int, headers: list[str]) -> None:
    output = relance(config, columns, "status").output
    assert all(len(line) <= columns for line in output.splitlines()), output
    lines = table_part(output)
    assert lines[0].split() == headers  # the columns a terminal this wide keeps, in their order
    for label in LABELS:
        row = row_of(lines, label)
        assert DEADLINES.get(label, "—") in row
        assert DELAYS.get(label, "") in row
    assert row_of(lines, "AN 14-47351").split()[-2:] == ["inconnu", "—"]
    # The title, free text, wraps inside its column: each of its lines starts where the column does.
    title_column = lines[0].index("Titre")
    words = [line[title_column:].split("  ")[0].strip() for line in lines[2:4]]
    assert " ".join(words).startswith("Révision de la terminologie")


def test_the_ministry_is_abridged_and_wraps_in_its_column(config: Path) -> None:
    lines = table_part(relance(config, 100, "status").output)
    ministry = lines[0].index("Ministère")
    start = lines.index(row_of(lines, "AN 17-123456"))
    end = next(i for i in range(start + 1, len(lines)) if not lines[i].startswith(" "))  # the next row
    words = " ".join(line[ministry:].split("  ")[0].strip() for line in lines[start:end]).split()
    assert " ".join(words) == ECONOMY_SHORT
    assert "Ministère" not in " ".join(lines[1:])


def test_wide_shows_every_column_in_full(config: Path) -> None:
    output = relance(config, 80, "status", "--wide").output
    lines = table_part(output)
    assert lines[0].split() == ["Question", "Titre", "Auteur", "Ministère", "Publiée", "Échéance", "État", "Délai",
                                "Vérifiée"]
    row = row_of(lines, "AN 17-123456")
    assert ECONOMY in row and "Révision de la terminologie des diamants synthétiques" in row
    assert "en attente de réponse" in row and "10/01/2024" in row and "01/04/2025 10:00" in row
    assert len(lines) == 2 + len(LABELS)  # one line per question: nothing wraps


@pytest.mark.parametrize("columns", [80, 100, 120])
def test_events_is_a_table_of_both_dates(config: Path, columns: int) -> None:
    output = relance(config, columns, "events").output
    assert all(len(line) <= columns for line in output.splitlines()), output
    lines = table_part(output)
    assert lines[0].split() == ["Date", "Question", "Événement", "Vue", "le"]
    rows = [line for line in lines[2:] if not line.startswith(" ")]
    # Each question's first event: published, seen on the day of its first check; AN 17-123456's deadline
    # passed before relance saw it, so its overdue event is seen then too.
    assert [(row[:10], row[12:].split("  ")[0], row[-10:]) for row in rows] == [
        ("10/01/2024", "AN 17-123456", "01/04/2025"), ("10/03/2024", "AN 17-123456", "01/04/2025"),
        ("25/03/2025", "AN 17-5268", "03/06/2025"), ("10/12/2009", "Sénat 11244 (2009-12)", "01/04/2025"),
        ("15/07/2021", "Sénat 23812 (2021-07)", "01/04/2025"), ("15/09/2021", "Sénat 23812 (2021-07)", "01/04/2025")]
    # A number in an event's words (1294 days from 15/09/2021 to the check of 01/04/2025, grouped the
    # French way with a no-break space) is never split across lines.
    assert any("1\u202f294\u00a0jours" in line or "1\u202f294 jours" in line for line in lines), lines


def test_events_since_wraps_its_heading_between_words(config: Path) -> None:
    output = relance(config, 80, "events", "--since", "01/04/2025").output
    assert all(len(line) <= 80 for line in output.splitlines()), output
    heading = output.split("Date  ")[0]
    assert re.match(r"Événements que relance a vus depuis le 1er avril 2025 ;", heading)


def test_subscribers_table_at_80_columns(config: Path) -> None:
    db = open_db(config.parent / "relance.db")
    upsert_pending(db, "une.adresse.assez.longue@circonscription.example.fr", frequency="weekly",
                   tags=("vsa", "diamants"), refs=("SEQ210723812", "QANR5L17QE123456"), now=NOW)
    upsert_pending(db, "bob@example.net", frequency="daily", tags=(), refs=(), now=NOW)
    db.close()
    output = relance(config, 80, "subscribers").output
    assert all(len(line) <= 80 for line in output.splitlines()), output
    lines = table_part(output)
    # The address (51 characters) is never cut: the state wraps between its words, what it follows drops.
    assert lines[0].split() == ["Adresse", "État", "Fréquence"]
    long_row = row_of(lines, "une.adresse.assez.longue@circonscription.example.fr")
    # 80 - 51 - 12 (Fréquence: "hebdomadaire") - 2 × 2 of gaps = 13 columns for the state.
    assert long_row.split()[1:] == ["en", "attente", "de", "hebdomadaire"]
    assert lines[lines.index(long_row) + 1].split() == ["confirmation"]
    output = relance(config, 120, "subscribers").output
    assert all(len(line) <= 120 for line in output.splitlines()), output
    lines = table_part(output)
    assert lines[0].split() == ["Adresse", "État", "Fréquence", "Suit", "Abandonnés"]
    assert row_of(lines, "bob@example.net").split()[-3:] == ["quotidienne", "tout", "0"]
    follows = lines[0].index("Suit")  # its lines, from the long address's row to bob's
    rows = lines[lines.index(row_of(lines, "une.adresse.assez.longue@circonscription.example.fr")):]
    text = " ".join(line[follows:].split("  ")[0].strip() for line in rows[:rows.index(row_of(lines, "bob@"
                                                                                              "example.net"))])
    assert " ".join(text.split()) == "vsa, diamants, Sénat 23812 (2021-07), AN 17-123456"
    wide = relance(config, 80, "subscribers", "--wide").output
    assert "vsa, diamants, Sénat 23812 (2021-07), AN 17-123456" in wide
