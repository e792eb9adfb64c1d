"""Tables and lines that read at any terminal width, 80 columns included.

A reference, a date or a number is never cut: a table wraps only its free text (a title, a ministry,
an author) and drops its least wanted columns when even their narrowest form does not fit, each table
saying which column it keeps first (`Column.priority`). `--wide` shows every column at its full width
and lets the terminal wrap, for a file or a pager. The width is the terminal's (rich reads it, and
$COLUMNS); when the output is not a terminal, $COLUMNS, else 80.
"""

from __future__ import annotations

import io
import os
import re
import sys
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

import click
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from bot.core.text import printable
from bot.notify.i18n import _
from storage.search import MARK_END, MARK_START

DEFAULT_WIDTH = 80  # what a table is made for when the output is not a terminal and $COLUMNS says nothing
GAP = 2  # the blank between two columns (rich: one space of padding, one of the rule's vertical)
Kind = Literal["token", "words", "text"]
_KEEP = "\x1f"
_BLANKS = re.compile(r"[ \t\n\r\f\v]+")  # joins the words of a piece that must stay on one line while textwrap works


@dataclass(frozen=True)
class Column:
    """One column of a table.

    `kind`: "token" is never broken (a reference, a date, a number); "words" is broken between its
    words only (a state); "text" is free text, wrapped, and a word longer than the column is folded.
    `priority`: 1 is kept first when the terminal is too narrow for every column. `min_width`: the
    narrowest a "text" column is worth showing; the others need their longest unbreakable piece.
    A column is shown only when those kept before it have their `easy_width` and it its least.
    """

    title: str  # a message marked with N_, read in the current language by `read_titles`
    priority: int
    kind: Kind = "token"
    min_width: int = 0
    easy_width: int = 0  # a "text" column's width where it reads well: lower columns wait until it has it
    weight: int = 1  # a "text" column's share of the room left once every kept column has its minimum
    justify: Literal["left", "right"] = "left"


@dataclass(frozen=True)
class Cell:
    text: str
    style: str = ""


Row = Sequence["str | Cell"]


WIDE = click.option("--wide", is_flag=True,
                    help="Chaque colonne à sa pleine largeur, rien d'abrégé (les lignes peuvent dépasser le terminal).")


def read_titles(columns: Sequence[Column]) -> list[Column]:
    """`columns` with their titles in the current language (they are written once, as messages)."""
    return [replace(column, title=_(column.title)) for column in columns]


def kept_whole(text: str) -> str:
    """`text` as one unbreakable piece inside a "words" cell ('881 j' in '881 j de retard')."""
    return text.replace(" ", _KEEP)


def screen_width() -> int:
    """The terminal's width; when the output is not a terminal, $COLUMNS, else 80."""
    if sys.stdout.isatty():
        return Console().width
    columns = os.environ.get("COLUMNS", "").strip()
    return int(columns) if columns.isdigit() and int(columns) > 0 else DEFAULT_WIDTH


def _plain(value: str | Cell) -> str:
    """A cell's text on one line, its control characters escaped (a title from a source must not drive
    the terminal): data may hold line breaks and tabs; the table lays out its lines."""
    # Only the breakable blanks: a no-break space keeps '1 294' and '66,7 %' whole.
    text = _BLANKS.sub(" ", value.text if isinstance(value, Cell) else value).strip(" ")
    return _KEEP.join(printable(piece) for piece in text.split(_KEEP))


def _style(value: str | Cell) -> str:
    return value.style if isinstance(value, Cell) else ""


def _longest_piece(text: str) -> int:
    return max((len(piece) for piece in text.split(" ")), default=0)


@dataclass(frozen=True)
class Needs:
    """How wide a column can be: `least` (its unbreakable pieces whole, the words of free text up to
    `WHOLE_WORD`), `easy` (free text at its `easy_width`), `most` (its longest line unbroken)."""

    least: int
    easy: int
    most: int


WHOLE_WORD = 16  # a word of free text up to this long is never folded: its column is at least as wide


def needs_of(column: Column, cells: Iterable[str]) -> Needs:
    texts = [column.title, *cells]
    most = max(len(text) for text in texts)
    if column.kind == "token":
        least = max(_longest_piece(column.title), *(len(text) for text in texts[1:]), 0)
        return Needs(least, least, max(most, least))
    longest_word = max(_longest_piece(text) for text in texts)
    if column.kind == "words":  # wrapping between its words costs little: no column waits for it
        return Needs(longest_word, longest_word, most)
    least = min(most, max(column.min_width, _longest_piece(column.title), min(longest_word, WHOLE_WORD)))
    return Needs(least, min(most, max(least, column.easy_width)), most)


def fit(columns: Sequence[Column], needs: Sequence[Needs], width: int) -> list[int | None]:
    """Each column's width in a table `width` wide, None for a column dropped.

    Columns are taken by priority while each fits at its least width beside the ones before it at their
    easy widths (the first always is); the room left
    widens the kept columns, by priority, to their easy widths, then the "words" columns to their
    longest line (a state reads better on one line), then shares what remains
    between the free-text columns, in proportion to their weight, up to their longest line."""
    order = sorted(range(len(columns)), key=lambda i: columns[i].priority)
    kept: list[int] = []
    for index in order:
        if kept and sum(needs[i].easy for i in kept) + needs[index].least + GAP * len(kept) > width:
            break
        kept.append(index)
    widths: dict[int, int] = {i: needs[i].least for i in kept}
    room = width - sum(widths.values()) - GAP * (len(kept) - 1)
    for index, goal in [(i, needs[i].easy) for i in kept] + [(i, needs[i].most) for i in kept
                                                             if columns[i].kind == "words"]:
        grown = max(widths[index], min(goal, widths[index] + max(room, 0)))
        room -= grown - widths[index]
        widths[index] = grown
    growing = [i for i in kept if columns[i].kind == "text"]
    while room > 0:
        hungry = [i for i in growing if widths[i] < needs[i].most]
        if not hungry:
            break
        index = min(hungry, key=lambda i: (widths[i] / columns[i].weight, columns[i].priority))
        widths[index] += 1
        room -= 1
    return [widths.get(i) for i in range(len(columns))]


def _lines(text: str, kind: Kind, width: int) -> str:
    if kind == "token" or len(text) <= width:
        return text.replace(_KEEP, " ")
    wrapped = textwrap.wrap(text, width, break_long_words=kind == "text", break_on_hyphens=kind == "text")
    return "\n".join(line.replace(_KEEP, " ") for line in wrapped)


def build_table(columns: Sequence[Column], rows: Sequence[Row], width: int | None) -> tuple[Table, int]:
    """The rich table of `rows` for a terminal `width` wide (None: every column at its widest), and
    the width it takes."""
    plain = [[_plain(value) for value in row] for row in rows]
    needs = [needs_of(column, (row[i] for row in plain)) for i, column in enumerate(columns)]
    widths: list[int | None] = [n.most for n in needs] if width is None else fit(columns, needs, width)
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1, 0, 0),
                  header_style="bold")
    shown = [i for i, w in enumerate(widths) if w is not None]
    for i in shown:
        table.add_column(_lines(columns[i].title, "words", widths[i] or 0), width=widths[i], no_wrap=True,
                         justify=columns[i].justify)
    for source, texts in zip(rows, plain, strict=True):
        table.add_row(*(Text(_lines(texts[i], columns[i].kind, widths[i] or 0), style=_style(source[i]))
                        for i in shown))
    return table, sum(widths[i] or 0 for i in shown) + GAP * (len(shown) - 1)


def print_table(columns: Sequence[Column], rows: Sequence[Row], *, wide: bool) -> None:
    """Print the table at the screen's width; with `wide`, every column at its widest."""
    table, table_width = build_table(columns, rows, None if wide else screen_width())
    console = Console(width=max(table_width, 1), highlight=False, file=io.StringIO(),
                      force_terminal=sys.stdout.isatty())
    with console.capture() as captured:
        console.print(table)
    # rich pads every line to the table's width: the padding is dropped, and the blank line under the table
    _write([line.rstrip() for line in captured.get().rstrip().splitlines()])


def _write(lines: Iterable[str]) -> None:
    """Lines whose data is already escaped, with relance's own styles (rich's colours, search's bold):
    written past bot/cli/kit.py's escaping `click.echo`, which would print the styles as escapes too;
    without the styles when the output is not a terminal."""
    text = "".join(f"{line}\n" for line in lines)
    sys.stdout.write(text if sys.stdout.isatty() else click.unstyle(text))
    sys.stdout.flush()


def _bold_marks(line: str) -> str:
    """`line` escaped (bot.core.text.printable), the search's marks around a matched word made bold."""
    pieces = [printable(piece) for piece in line.replace(MARK_END, MARK_START).split(MARK_START)]
    return "".join(piece if i % 2 == 0 else f"\x1b[1m{piece}\x1b[0m" for i, piece in enumerate(pieces))


def print_lines(lines: Iterable[str], *, wide: bool, continued: str | None = None) -> None:
    """Sentences beside a table, wrapped between words at the screen's width (as they are with `wide`):
    the terminal would otherwise cut a reference or a date in two at its edge. A continued line is
    indented two spaces more than its first (or by `continued`); the parts `kept_whole` marks are never
    broken; control characters are escaped, the words a search matched (its marks) are bold."""
    width = screen_width()
    out: list[str] = []
    for line in lines:
        if wide or len(line) <= width:
            out.append(line)
            continue
        indent = line[:len(line) - len(line.lstrip())]
        out += textwrap.wrap(line, width, subsequent_indent=indent + "  " if continued is None else continued,
                             break_long_words=False, break_on_hyphens=False)
    _write(_bold_marks(line.replace(_KEEP, " ")) for line in out)
