"""The catalogs: every message in French and in English, French whatever the locale unless it names
English, and `--lang en` for one run."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from pathlib import Path

import click
import pytest
from babel.messages.pofile import read_po
from click.testing import CliRunner

from bot.core.deadlines import PARIS
from bot.main import main as relance_main
from bot.notify.channel_notice import notice_text, payload
from bot.notify.content import Digest, Item, SourceLine
from bot.notify.digest import render_confirmation, render_digest
from bot.notify.i18n import current_language, in_language, language_from_environment, use_language
from bot.notify.wording import STATUS_FR, days, event_sentence, fr_date
from bot.web.app import create_app
from tests.web.seeded import web_config

PROJECT = Path(__file__).resolve().parents[2]
FIELD = re.compile(r"\{(\w+)[^}]*\}")


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
    return subprocess.run([sys.executable, "-c", "from bot.main import main; main(prog_name='relance')", *args],
                          cwd=PROJECT, env=env, capture_output=True, text=True, timeout=120, check=False)


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


# --- what is sent: e-mails and channel notices ------------------------------------------------------

def test_the_confirmation_email_speaks_english_when_asked(english: None) -> None:
    asked = datetime(2026, 3, 4, 14, 5, tzinfo=PARIS)
    mail = render_confirmation("alice@example.net", "https://relance.example.org/confirm/tok", "daily",
                               "the questions tagged energie", asked)
    assert mail.subject == "Confirm your subscription to relance"
    assert ("On 4 March 2026 at 14:05, someone (probably you) asked that the address alice@example.net receive "
            "relance's news about the questions tagged energie, in a daily digest.") in " ".join(mail.text.split())
    assert "To receive this news, confirm your subscription by opening this link:" in mail.text
    assert '<html lang="en">' in mail.html and ">Confirm my subscription</a>" in mail.html
    assert "<strong>alice@example.net</strong>" in mail.html  # the address stays marked up in the sentence


def test_a_digest_and_a_channel_notice_speak_english_when_asked(english: None) -> None:
    now = datetime(2026, 3, 4, 8, 30, tzinfo=PARIS)
    senat = SourceLine("senat", "Sénat", None, 3)  # failing for 3 cycles, never read
    digest = Digest(frequency="daily", items=(_answer(),), sources=(senat,), now=now,
                    manage_url="https://relance.example.org/manage/tok", unsubscribe_url="https://relance.example.org/u/t")
    mail = render_digest(digest)
    assert mail.subject == "Daily digest — relance: 1 answer"
    assert "Daily digest of 4 March 2026" in mail.text and "On the written questions you follow: 1 answer." in mail.text
    assert "Answers published (1)" in mail.text and "Sénat: failing for 3 cycles" in mail.text
    assert "Manage my subscription: https://relance.example.org/manage/tok" in mail.text
    assert "See the question on the Assemblée nationale's site" in mail.html
    title, body = notice_text(_answer())
    assert title == "AN 17-5268 — answer published"
    assert "(untitled)" in body
    # The webhook's payload is documented JSON: its values are never translated.
    assert payload(_answer())["kind_fr"] == "réponse publiée"
    assert current_language() == "en"  # reading the payload's French words left relance's language as it was


def test_the_web_pages_speak_english_when_asked(english: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A site without [email]: its pages, its refusal to subscribe and its error pages, all in English.
    monkeypatch.delenv("RELANCE_SECRET", raising=False)
    web_config(tmp_path, None)
    client = create_app(tmp_path / "config.toml").test_client()
    home = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in home and "<h1>Followed written questions</h1>" in home
    assert "Questions écrites" not in home
    refused = client.get("/abonnement")
    assert refused.status_code == 503 and "No e-mail subscriptions here" in refused.get_data(as_text=True)
    missing = client.get("/nope")
    assert missing.status_code == 404 and "<h1>Page not found</h1>" in missing.get_data(as_text=True)


# --- the use cases: config errors and doctor ----------------------------------------------------------

def test_a_config_error_is_one_sentence_in_the_language_asked(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[relance]\ncontact = "ops@relance.test"\n[http]\ntimeout = -1\n', encoding="utf-8")
    french = _relance("--config", str(path), "status", LANG="C.UTF-8")
    english = _relance("--lang", "en", "--config", str(path), "status")
    assert french.returncode == english.returncode == 1
    # Never pydantic's words ("Input should be greater than 0"): the file, the entry, the problem.
    assert french.stderr == f"relance: {path}, entrée http.timeout : doit être supérieur à 0 (trouvé : -1)\n"
    assert english.stderr == f"relance: {path}, entry http.timeout: must be greater than 0 (found: -1)\n"


def test_doctor_speaks_english_when_asked(tmp_path: Path) -> None:
    closed = "http://127.0.0.1:9"  # the discard port: nothing listens there, the connection is refused at once
    path = tmp_path / "config.toml"
    path.write_text(f'[relance]\ncontact = "ops@relance.test"\n[http]\nmin_interval = 0\n'
                    f'[storage]\npath = "{tmp_path / "relance.db"}"\n'
                    f'[sources.an]\nbase_url = "{closed}"\nlegacy_base_url = "{closed}"\n'
                    f'[sources.senat]\nbase_url = "{closed}"\n', encoding="utf-8")
    done = _relance("--lang", "en", "--config", str(path), "doctor")
    assert done.returncode == 2, done.stdout + done.stderr  # the sources failed
    lines = done.stdout.splitlines()
    assert lines[0].startswith("ok") and lines[0].endswith(f"{path}: read and valid")
    database = next(line for line in lines if line.split()[1:2] == ["database"])
    assert database.startswith("ok") and database.endswith("absent: the first `relance check` creates it")
    senat = next(line for line in lines if "Sénat source" in line)
    assert senat.startswith("PROBLEM") and f"SEQ221103705: {closed}/" in senat
    assert "site unreachable" in senat and "— what to do: site unreachable: check the network" in senat
    assert "PROBLÈME" not in done.stdout and "introuvable" not in done.stdout


# --- the command line: help, summaries and errors -------------------------------------------------

def _command_paths(group: click.Group, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for name, command in sorted(group.commands.items()):
        yield (*prefix, name)
        if isinstance(command, click.Group):
            yield from _command_paths(command, (*prefix, name))


def _help(language: str, *path: str) -> str:
    """The help of `relance PATH` in `language`, its lines joined (Click wraps them at its width)."""
    result = CliRunner().invoke(relance_main, ["--lang", language, *path, "--help"], prog_name="relance")
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())


def test_every_command_s_help_is_in_the_language_asked() -> None:
    for path in [(), *_command_paths(relance_main)]:
        english, french = _help("en", *path), _help("fr", *path)
        assert "Show this message and exit." in english and "Afficher" not in english, path
        assert "Afficher cette aide et quitter." in french, path
        assert not {"Print", "Only", "Show"} & set(french.split()), path  # no option left in English
    assert "Read the watched questions that are due, store what changed, print a summary." in _help("en", "check")
    assert ("Lire les questions suivies qui sont dues, enregistrer ce qui a changé, afficher un résumé."
            in _help("fr", "check"))
    assert "--json Print the summary, events and errors as one JSON object." in _help("en", "import", "an")
    assert "--version Show the version and exit." in _help("en")
    assert "--version Afficher la version et quitter." in _help("fr")


def test_a_command_s_summary_table_and_errors_speak_english_when_asked(make_config: Callable[..., Path]) -> None:
    # The AN's site is a closed local port: the one watched question cannot be read.
    config = str(make_config(site="http://127.0.0.1:9", watch=["AN 17-5268"]))
    checked = CliRunner().invoke(relance_main, ["--config", config, "--lang", "en", "check"], prog_name="relance")
    assert checked.exit_code == 2
    assert checked.stdout == "checked 0, changed 0, events 0, errors 1, not due 0\n"
    assert checked.stderr.startswith("relance: Assemblée nationale (open data): 1 question not read "
                                     "(QANR5L17QE5268): TransportError: ")
    shown = CliRunner().invoke(relance_main, ["--config", config, "--lang", "en", "status", "--wide"])
    header = next(line for line in shown.stdout.splitlines() if line.startswith("Question"))
    assert header.split() == ["Question", "Title", "Author", "Ministry", "Published", "Deadline", "Status", "Delay",
                              "Checked"]
    assert "AN 17-5268" in shown.stdout and "unknown (error)" in shown.stdout
    use_language("fr")
    french = CliRunner().invoke(relance_main, ["--config", config, "check"], prog_name="relance")
    assert french.stdout == "vérifiées 0, modifiées 0, événements 0, erreurs 1, pas encore dues 0\n"
    assert french.stderr.startswith("relance: Assemblée nationale (open data) : 1 question non lue "
                                    "(QANR5L17QE5268) : TransportError: ")


def test_a_language_for_a_block_is_this_threads_only() -> None:
    # A webhook's payload is documented in French while the process speaks English: `in_language`
    # changes the language of its block in its thread, never the process's or another thread's.
    use_language("en")
    try:
        with in_language("fr"), ThreadPoolExecutor(1) as other:
            assert STATUS_FR["pending"] == "en attente"
            assert other.submit(lambda: STATUS_FR["pending"]).result() == "pending"
        assert STATUS_FR["pending"] == "pending"
    finally:
        use_language("fr")
