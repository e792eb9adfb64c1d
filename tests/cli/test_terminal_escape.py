"""What the command line prints from data never drives the terminal: a title holding ESC, BEL and NUL (the
real AN 17-5268 with control characters put in its title, as a hostile or broken source could send, stored
before any check refused it) is shown by `relance show` with each of them written as an escape, and
`show --json` still reads back the stored title exactly."""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from bot.cli.kit import escaped_output
from bot.core.text import printable
from bot.main import main
from tests.web.seeded import AN, an_answered, an_pending, store, web_config

# An OSC that retitles the window and rings the bell, a NUL, a CSI that clears the screen, a C1 CSI.
HOSTILE = "\x1b]0;pwned\x07 \x00\x1b[2J\x9b31m"
CONTROLS = ("\x1b", "\x07", "\x00", "\x9b")


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("RELANCE_DB", raising=False)
    path = web_config(tmp_path, None)
    answered = an_answered()
    assert answered.title  # the real record has a title
    hostile = dataclasses.replace(answered, title=f"{answered.title}{HOSTILE}")
    store(tmp_path / "relance.db", None, an_pending(), date(2025, 4, 1))
    store(tmp_path / "relance.db", an_pending(), hostile, date(2025, 6, 3), date(2025, 6, 2))
    return path


def relance(config: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--config", str(config), *args])


def test_show_writes_the_title_s_control_characters_as_escapes(config: Path) -> None:
    result = relance(config, "show", AN)
    assert result.exit_code == 0, result.output
    assert not any(c in result.stdout for c in CONTROLS)
    assert "\\u001b]0;pwned\\u0007 \\u0000\\u001b[2J\\u009b31m" in result.stdout
    assert str(an_answered().title) in result.stdout  # the rest of the title as it is


def test_show_json_stays_valid_json_with_the_stored_title(config: Path) -> None:
    result = relance(config, "show", "--json", AN)
    assert result.exit_code == 0, result.output
    assert not any(c in result.stdout for c in CONTROLS)  # json escapes C0; the C1 CSI is escaped as JSON does
    assert json.loads(result.stdout)["title"] == f"{an_answered().title}{HOSTILE}"


def test_the_pager_gets_the_escaped_text(monkeypatch: pytest.MonkeyPatch) -> None:
    """`show` pages on a terminal (click.echo_via_pager): the pager gets the escaped text too, given whole
    or line by line."""
    paged: list[str] = []

    def pager(text: object, *_args: object, **_kwargs: object) -> None:
        paged.extend([text] if isinstance(text, str) else list(text))  # type: ignore[call-overload]

    monkeypatch.setattr(click, "echo_via_pager", pager)
    with escaped_output():
        click.echo_via_pager("titre\x07\n")
        click.echo_via_pager(iter(["a\x1b[2J", "b"]))
    assert paged == ["titre\\u0007\n", "a\\u001b[2J", "b"]
    assert vars(click)["echo_via_pager"] is pager  # put back once the command is done


@pytest.mark.parametrize(("text", "shown"), [
    ("Sécurité\tdes\nécoles", "Sécurité\tdes\nécoles"),  # tab and newline are layout, kept
    ("ligne\r\nsuivante", "ligne\r\nsuivante"),  # CSV's line end, harmless
    ("efface\rtout", "efface\\u000dtout"),  # a lone CR would write over the line
    ("\x7f\x85\x1f", "\\u007f\\u0085\\u001f"),  # DEL, C1, the last C0
    ("« l’État » — 5 %", "« l’État » — 5 %"),  # French typography untouched
])
def test_printable(text: str, shown: str) -> None:
    assert printable(text) == shown
