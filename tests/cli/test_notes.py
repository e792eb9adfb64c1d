"""`relance note REF "…"`, `--list`, `--delete N`, and the notes shown by `relance show` (text and JSON), on a
real SQLite file holding questions imported by `relance import an --file` from an archive of the real
QANR5L17QE5268.json (tests/app/an_archives.py). The web page and the digest with a note are in
tests/cli/test_notes_shown.py."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
import time_machine
from click.testing import CliRunner, Result

from bot.core.deadlines import PARIS
from bot.main import main
from bot.notify.i18n import use_language
from tests.an_variants import qe_json
from tests.app.an_archives import pending, write_archive
from tests.conftest import ConfigFactory

TODAY = datetime(2025, 6, 5, 10, 0, tzinfo=PARIS)
AN_UID = "QANR5L17QE5268"
AN_PAGE = f"https://www.assemblee-nationale.fr/dyn/17/questions/{AN_UID}"
NEVER_READ = "QANR5L14QE47351"  # watched by the config, never read: no row in the store


def relance(config: Path, *args: str, at: datetime = TODAY) -> Result:
    with time_machine.travel(at, tick=False):
        return CliRunner().invoke(main, ["--config", str(config), *args])


def ok(result: Result) -> Result:
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def config(make_config: ConfigFactory, tmp_path: Path) -> Path:
    """QANR5L17QE5268 watched and imported with QANR5L17QE2 (the real record renumbered), which nothing
    watches; QANR5L14QE47351 watched but never read."""
    path = make_config(watch=[{"ref": AN_UID, "tags": ["diamants"]}, NEVER_READ])
    archive = write_archive(tmp_path / "a.zip", [qe_json(), pending(2)])
    ok(relance(path, "import", "an", "--file", str(archive)))
    return path


def test_a_note_is_kept_dated_listed_numbered_and_deleted(config: Path) -> None:
    first = ok(relance(config, "note", "AN 17-5268", "signalement demandé le 3/12"))
    assert first.stdout == "AN 17-5268 : note 1 enregistrée\n"
    # Every printed form of the reference names the same question; words without quotes make one note.
    ok(relance(config, "note", AN_PAGE, "relancé", "par", "courrier", at=datetime(2025, 6, 6, 9, 5, tzinfo=PARIS)))
    ok(relance(config, "note", AN_UID.lower(), "réponse attendue", at=datetime(2025, 6, 7, 18, 0, tzinfo=PARIS)))
    listed = ok(relance(config, "note", "AN 17–5268", "--list")).stdout  # the dash a word processor puts
    assert listed == ("AN 17-5268 : 3 notes\n"
                      "  1. 5 juin 2025 à 10:00 : signalement demandé le 3/12\n"
                      "  2. 6 juin 2025 à 09:05 : relancé par courrier\n"
                      "  3. 7 juin 2025 à 18:00 : réponse attendue\n")

    deleted = ok(relance(config, "note", AN_UID, "--delete", "2"))
    assert deleted.stdout == "AN 17-5268 : note 2 supprimée (6 juin 2025 à 09:05 : relancé par courrier)\n"
    # The others keep their numbers, so a second --delete deletes what --list showed.
    assert "  1. 5 juin" in (after := ok(relance(config, "note", AN_UID, "--list")).stdout)
    assert "  3. 7 juin" in after and "  2." not in after
    missing = relance(config, "note", AN_UID, "--delete", "2")
    assert missing.exit_code == 1
    assert missing.stderr == ("relance: AN 17-5268 : pas de note n° 2 (ses notes : 1, 3 ; "
                              "relance note 'AN 17-5268' --list les montre)\n")
    ok(relance(config, "note", AN_UID, "--delete", "3"))
    assert ok(relance(config, "note", AN_UID, "nouvelle")).stdout == "AN 17-5268 : note 2 enregistrée\n"


def test_the_date_is_the_paris_one(config: Path) -> None:
    # 23:30 UTC on 31 December is already 1 January in Paris.
    new_year = datetime(2025, 12, 31, 23, 30, tzinfo=PARIS).replace(tzinfo=None)
    utc_evening = datetime.fromisoformat(f"{new_year.isoformat()}+00:00")
    ok(relance(config, "note", AN_UID, "vœux", at=utc_evening))
    assert "1. 1er janvier 2026 à 00:30 : vœux" in ok(relance(config, "note", AN_UID, "--list")).stdout
    stored = json.loads(ok(relance(config, "show", AN_UID, "--json")).stdout)["notes"]
    assert stored == [{"id": 1, "at": "2026-01-01T00:30:00+01:00", "text": "vœux"}]


def test_notes_on_a_question_read_or_only_watched_not_on_one_relance_does_not_know(config: Path) -> None:
    assert ok(relance(config, "note", "QANR5L17QE2", "importée, non suivie")).stdout.endswith("note 1 enregistrée\n")
    assert ok(relance(config, "note", "14-47351QE", "pas encore lue")).stdout == "AN 14-47351 : note 1 enregistrée\n"
    unknown = relance(config, "note", "AN 17-9999", "rien")
    assert unknown.exit_code == 1
    assert unknown.stderr.startswith("relance: QANR5L17QE9999 (AN 17-9999) : question inconnue de relance, ni "
                                     "suivie ni importée")
    assert relance(config, "note", "AN 17-9999", "--list").exit_code == 1
    bad_ref = relance(config, "note", "pas une référence", "x")
    assert bad_ref.exit_code == 1 and "Traceback" not in bad_ref.output


@pytest.mark.parametrize(("args", "problem"), [
    (["   "], "AN 17-5268 : note vide"),
    (["a\x07b"], "AN 17-5268 : la note contient des caractères de contrôle"),
    (["x" * 2001], "AN 17-5268 : note trop longue (plus de 2000 caractères)"),
    ([], "écrire le texte de la note, ou --list, ou --delete N"),
    (["texte", "--list"], "une seule chose à la fois"),
    (["--list", "--delete", "1"], "une seule chose à la fois"),
])
def test_a_note_that_cannot_be_kept_is_one_french_line(config: Path, args: list[str], problem: str) -> None:
    result = relance(config, "note", AN_UID, *args)
    assert result.exit_code == 1, result.output
    assert problem in result.stderr and len(result.stderr.splitlines()) <= 2 and "Traceback" not in result.output
    assert ok(relance(config, "note", AN_UID, "--list")).stdout == "AN 17-5268 : aucune note\n"


def test_show_prints_the_notes_under_the_history_and_json_has_them(config: Path) -> None:
    assert "Notes :" not in ok(relance(config, "show", AN_UID)).stdout  # none yet: no heading
    assert json.loads(ok(relance(config, "show", AN_UID, "--json")).stdout)["notes"] == []
    ok(relance(config, "note", AN_UID, "signalement demandé le 3/12"))
    ok(relance(config, "note", AN_UID, "relancé", at=datetime(2025, 6, 6, 9, 5, tzinfo=PARIS)))
    text = ok(relance(config, "show", "AN 17-5268")).stdout
    history = text.index("Historique :")
    notes = text.index("Notes :\n  1. 5 juin 2025 à 10:00 : signalement demandé le 3/12\n"
                       "  2. 6 juin 2025 à 09:05 : relancé\n")
    assert history < notes < text.index("Lectures récentes :")
    shown = json.loads(ok(relance(config, "show", AN_UID, "--json")).stdout)
    assert shown["notes"] == [{"id": 1, "at": "2025-06-05T10:00:00+02:00", "text": "signalement demandé le 3/12"},
                              {"id": 2, "at": "2025-06-06T09:05:00+02:00", "text": "relancé"}]
    assert list(shown)[-1] == "notes"


def test_notes_live_in_the_database_not_in_the_config(config: Path, tmp_path: Path) -> None:
    before = config.read_bytes()
    ok(relance(config, "note", AN_UID, "dans la base"))
    assert config.read_bytes() == before
    with sqlite3.connect(tmp_path / "relance.db") as conn:
        rows = conn.execute("SELECT ref, number, at, text FROM notes").fetchall()
    assert rows == [(AN_UID, 1, "2025-06-05T08:00:00.000000+00:00", "dans la base")]


@pytest.fixture
def back_to_french(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """`--lang en` sets the process's language (and $LANGUAGE): French again for the next tests."""
    monkeypatch.setenv("LANGUAGE", "fr")
    try:
        yield
    finally:
        use_language("fr")


@pytest.mark.usefixtures("back_to_french")
def test_notes_speak_english_when_asked(config: Path) -> None:
    assert ok(relance(config, "--lang", "en", "note", AN_UID, "letter sent")).stdout == "AN 17-5268: note 1 kept\n"
    assert ok(relance(config, "--lang", "en", "note", AN_UID, "--list")).stdout == (
        "AN 17-5268: 1 note\n  1. 5 June 2025 at 10:00: letter sent\n")
    missing = relance(config, "--lang", "en", "note", AN_UID, "--delete", "4")
    assert missing.stderr == ("relance: AN 17-5268: no note 4 (its notes: 1; relance note 'AN 17-5268' --list "
                              "shows them)\n")
