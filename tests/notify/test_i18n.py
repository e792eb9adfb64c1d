"""The catalogs: every message in French and in English, French whatever the locale unless it names
English, and `--lang en` for one run."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.core.deadlines import PARIS
from bot.notify.content import Item
from bot.notify.i18n import current_language, language_from_environment, use_language
from bot.notify.wording import STATUS_FR, days, event_sentence, fr_date

PROJECT = Path(__file__).resolve().parents[2]
FIELD = re.compile(r"\{(\w+)[^}]*\}")


@pytest.fixture
def english() -> Iterator[None]:
    use_language("en")
    try:
        yield
    finally:
        use_language("fr")


def test_every_message_is_in_both_catalogs() -> None:
    # The messages are extracted from the code, the templates and the command line's help, as the
    # build does: one missing from either catalog fails here, naming it and where it is written.
    done = subprocess.run([sys.executable, "scripts/catalogs.py", "check"], cwd=PROJECT, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "every one in French and in English" in done.stdout


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_translation_keeps_the_fields_of_its_message(language: str) -> None:
    with (PROJECT / "bot" / "locale" / language / "LC_MESSAGES" / "relance.po").open("rb") as source:
        catalog = read_po(source)
    for message in catalog:
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set().union(*(FIELD.findall(i) for i in ids))
        for string in strings:
            assert set(FIELD.findall(string)) <= wanted, (message.id, string)


@pytest.mark.parametrize(("environ", "language"), [
    ({}, "fr"),
    ({"LANG": "C.UTF-8"}, "fr"),
    ({"LANG": "C"}, "fr"),
    ({"LANG": "POSIX"}, "fr"),
    ({"LANG": "de_DE.UTF-8"}, "fr"),
    ({"LANG": "en_US.UTF-8"}, "en"),
    ({"LANG": "en_US.UTF-8", "LC_ALL": "fr_FR.UTF-8"}, "fr"),  # LC_ALL first, as gettext reads them
    ({"LC_ALL": "en_GB.UTF-8", "LANG": "fr_FR.UTF-8"}, "en"),
    ({"LANGUAGE": "en:fr", "LANG": "fr_FR.UTF-8"}, "en"),
])
def test_french_unless_the_environment_names_english(environ: dict[str, str], language: str) -> None:
    assert language_from_environment(environ) == language


def _answer() -> Item:
    return Item(event_id=1, kind="answered", ref="QANR5L17QE5268", label="AN 17-5268", chamber="an",
                url="https://questions.assemblee-nationale.fr/q17/17-5268QE.htm", title=None, author=None,
                ministry=None, official_date=date(2026, 3, 3), seen_at=datetime(2026, 3, 4, 8, tzinfo=PARIS),
                days_late=12, details={"page": "1234"})


def test_the_wording_speaks_english_when_asked(english: None) -> None:
    item = _answer()
    assert event_sentence(item) == "Answer in the JO of 3 March 2026 (page 1234), published 12 days late."
    assert STATUS_FR["pending"] == "pending"
    assert days(1) == "1 day"
    assert fr_date(date(2026, 12, 1)) == "1 December 2026"


def test_the_wording_is_french_by_default() -> None:
    assert current_language() == "fr"
    item = _answer()
    assert event_sentence(item) == "Réponse au JO du 3 mars 2026 (page 1234), publiée avec 12 jours de retard."
    assert days(0) == "0 jour"  # French puts 0 in the singular
    assert fr_date(date(2026, 12, 1)) == "1er décembre 2026"


def _relance(*args: str, **environ: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"LANGUAGE", "LANG", "LC_ALL", "LC_MESSAGES"}}
    env.update(environ)
    return subprocess.run([sys.executable, "-c", "from bot.main import main; main(prog_name='relance')", *args], cwd=PROJECT,
                          env=env, capture_output=True, text=True, timeout=120, check=False)


def test_the_command_line_is_french_under_a_c_locale() -> None:
    done = _relance("--help", LANG="C.UTF-8")
    assert done.returncode == 0, done.stderr
    assert "Usage :" in done.stdout
    assert "Afficher cette aide et quitter." in done.stdout
    assert "Langue des messages" in done.stdout


@pytest.mark.parametrize(("args", "environ"), [(("--lang", "en", "--help"), {"LANG": "fr_FR.UTF-8"}),
                                               (("--help",), {"LANG": "en_GB.UTF-8"})])
def test_the_command_line_speaks_english_when_asked(args: tuple[str, ...], environ: dict[str, str]) -> None:
    done = _relance(*args, **environ)
    assert done.returncode == 0, done.stderr
    assert "Usage:" in done.stdout
    assert "Show this message and exit." in done.stdout
    assert "Language of the messages" in done.stdout


def test_a_usage_mistake_is_told_in_the_language_asked() -> None:
    french = _relance("status", "--nope", LANG="C.UTF-8")
    english = _relance("--lang", "en", "status", "--nope")
    assert french.returncode == english.returncode == 1
    assert "commande mal formée : Option inconnue : '--nope'." in french.stderr
    assert "malformed command: No such option '--nope'. (see: relance status --help)" in english.stderr
