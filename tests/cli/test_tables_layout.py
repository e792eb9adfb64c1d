"""The layout of bot/cli/table.py on its own: which columns a width keeps, that a reference, a date or a
number is never cut whatever the width and the data (a property), that data cannot drive the terminal;
and the rule that abridges a ministry's name (bot/notify/wording/tables.py), on the names the real
samples give."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from bot.cli.table import Column, Needs, build_table, fit
from bot.notify.wording.tables import abridged_ministry

STATUS_LIKE = (Column("Question", 1), Column("Titre", 5, "text", min_width=16, easy_width=22, weight=2),
               Column("Ministère", 6, "text", min_width=12, easy_width=20), Column("Échéance", 3),
               Column("État", 2), Column("Délai", 4))


def rendered(columns: tuple[Column, ...], rows: list[list[str]], width: int | None) -> list[str]:
    table, table_width = build_table(columns, rows, width)
    console = Console(width=max(table_width, 1), file=io.StringIO(), highlight=False)
    with console.capture() as captured:
        console.print(table)
    return [line.rstrip() for line in captured.get().rstrip().splitlines()]


def test_columns_are_dropped_by_priority_not_by_place() -> None:
    # Least widths: 21, 16, 12, 10, 10, 13, with 2 between two columns; easy widths 22 and 20.
    needs = [Needs(21, 21, 21), Needs(16, 22, 53), Needs(12, 20, 60), Needs(10, 10, 10), Needs(10, 10, 10),
             Needs(13, 13, 13)]
    # 80: the four tokens (54 + 6) leave 20, enough for the title at 16 (+2) but then not for the ministry.
    assert fit(STATUS_LIKE, needs, 80) == [21, 18, None, 10, 10, 13]
    # 100: the title at its easy 22 leaves room for the ministry at its least 12 (54 + 22 + 12 + 10 = 98);
    # the 8 left widen the title to its easy 22, then the ministry by the last 2.
    assert fit(STATUS_LIKE, needs, 100) == [21, 22, 14, 10, 10, 13]
    # 50: the state (priority 2) and the deadline (3) fit beside the reference; the delay (4) does not,
    # and the title (5) is not shown while a column before it is missing.
    assert fit(STATUS_LIKE, needs, 50) == [21, None, None, 10, 10, None]
    # Too narrow for anything but the reference: it is kept, whole.
    assert fit(STATUS_LIKE, needs, 10) == [21, None, None, None, None, None]


def test_the_room_left_goes_to_free_text_by_weight() -> None:
    needs = [Needs(21, 21, 21), Needs(16, 22, 200), Needs(12, 20, 200), Needs(10, 10, 10), Needs(10, 10, 10),
             Needs(13, 13, 13)]
    widths = fit(STATUS_LIKE, needs, 200)
    # 200 - 54 - 10 of gaps = 136 for the title and the ministry, two shares to one.
    assert (widths[1], widths[2]) == (91, 45)


LABEL = st.sampled_from(["AN 17-123456", "Sénat 3705 (2022-11)", "Sénat 23812 (2021-07)", "AN 14-47351"])
DAY = st.dates().map(lambda d: f"{d:%d/%m/%Y}")
WORDS = st.lists(st.text("abcdefghijklmnopqrstuvwxyzéèàç-'", min_size=1, max_size=22), min_size=0, max_size=14)


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.tuples(LABEL, WORDS, WORDS, DAY, st.sampled_from(["en attente", "répondue", "—"]),
                               st.integers(0, 99999).map(lambda n: f"retard {n} j")), min_size=1, max_size=6),
       width=st.integers(40, 160))
def test_no_reference_date_or_number_is_ever_cut(rows: list[tuple[str, list[str], list[str], str, str, str]],
                                                  width: int) -> None:
    cells = [[label, " ".join(title), " ".join(ministry), day, state, delay]
             for label, title, ministry, day, state, delay in rows]
    lines = rendered(STATUS_LIKE, cells, width)
    assert all(len(line) <= width for line in lines), lines
    header = lines[0]
    for row in cells:
        for index, column in enumerate(STATUS_LIKE):
            if column.kind == "token" and column.title in header:
                assert any(row[index] in line for line in lines), (row[index], lines)


def test_wide_keeps_every_column_on_one_line() -> None:
    cells = [["Sénat 3705 (2022-11)", "Utilisation illégale des algorithmes de vidéosurveillance",
              "Ministère de l'intérieur et des outre-mer", "10/01/2023", "en attente", "retard 881 j"]]
    lines = rendered(STATUS_LIKE, cells, None)
    assert len(lines) == 3 and all(text in lines[2] for text in cells[0])


def test_a_control_character_in_data_is_written_as_its_escape() -> None:
    # The real title of AN 17-5268 with what a hostile source could slip in: ESC (a CSI sequence), BEL.
    title = "Révision de la terminologie\x1b[2J des diamants\x07 synthétiques"
    lines = rendered(STATUS_LIKE, [["AN 17-5268", title, "—", "25/05/2025", "répondue", "retard 9 j"]], 120)
    text = "\n".join(lines)
    assert "\x1b" not in text and "\x07" not in text
    assert "\\u001b[2J" in text and "\\u0007" in text


@pytest.mark.parametrize(("name", "abridged"), [
    # As the AN's open data names them (QANR5L17QE5268.json's developpe; its abrege is "Économie,
    # finances, souveraineté industrielle et numérique").
    ("Ministère de l’économie, des finances et de la souveraineté industrielle et numérique",
     "Économie, finances et souveraineté industrielle et numérique"),
    ("Ministère de l'intérieur et des outre-mer", "Intérieur et outre-mer"),
    # As the Sénat's pages word them, in their sentence, sometimes with its full stop.
    ("ministre de l'intérieur et des outre-mer.", "Intérieur et outre-mer"),
    ("ministre de l'intérieur, de l'outre-mer et des collectivités territoriales",
     "Intérieur, outre-mer et collectivités territoriales"),
    ("Ministère de la transition écologique et de la cohésion des territoires",
     "Transition écologique et cohésion des territoires"),
    ("ministre de la santé et de la prévention.", "Santé et prévention"),
    ("Ministère de la défense", "Défense"),
    # A delegate minister: the portfolio after "chargé".
    ("ministre délégué auprès de la Première ministre, chargé des relations avec le Parlement",
     "Relations avec le Parlement"),
    # Nothing to take away: kept as it is.
    ("Premier ministre", "Premier ministre"),
    ("Économie, finances, souveraineté industrielle et numérique",
     "Économie, finances, souveraineté industrielle et numérique"),
])
def test_a_ministry_is_abridged_by_one_rule(name: str, abridged: str) -> None:
    assert abridged_ministry(name) == abridged
