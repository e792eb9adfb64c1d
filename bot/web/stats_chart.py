"""The chart of `/statistiques`: one horizontal bar per row of the table (the first MAX_ROWS), split into
answered on time, answered late, pending past the deadline, and the rest (pending with the deadline
ahead, withdrawn, closed, lapsed), as plain geometry the template draws as an inline SVG, each part a
link to the questions behind it. Pure: no I/O, no clock, no JavaScript."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.notify.wording.stats import CHART_PARTS_FR, chart_row_title
from storage.stats import StatRow

MAX_ROWS = 15
WIDTH = 640
BAR_HEIGHT, NAME_HEIGHT, GAP = 16, 16, 10
ROW_HEIGHT = NAME_HEIGHT + BAR_HEIGHT + GAP
# (figure behind the part, how the template colours it); their words are CHART_PARTS_FR's.
PARTS = (("answered_on_time", "on-time"), ("answered_late", "late-answer"), ("overdue", "late-bar"), (None, "other"))


@dataclass(frozen=True, slots=True)
class Part:
    figure: str | None  # None: no single figure lists these questions; the part links to the whole row
    words: str
    kind: str
    count: int
    x: float
    width: float
    href: str


@dataclass(frozen=True, slots=True)
class Row:
    name: str
    href: str
    title: str
    y: float
    parts: tuple[Part, ...]

    @property
    def bar_y(self) -> float:
        return self.y + NAME_HEIGHT


@dataclass(frozen=True, slots=True)
class Chart:
    rows: tuple[Row, ...]
    width: int
    height: int
    shown: int
    total_rows: int
    bar_height: int = BAR_HEIGHT


def _counts(row: StatRow) -> tuple[int, int, int, int]:
    late = row.answered - row.answered_on_time
    return row.answered_on_time, late, row.overdue, row.questions - row.answered_on_time - late - row.overdue


def stats_chart(rows: Sequence[StatRow], name_of: Callable[[StatRow], str],
                link: Callable[[StatRow, str], str]) -> Chart | None:
    """`link(row, figure)`: the address of the questions behind one figure of a row. None for no row."""
    shown = rows[:MAX_ROWS]
    if not shown:
        return None
    scale = WIDTH / max(row.questions for row in shown)
    drawn = []
    for index, row in enumerate(shown):
        x, parts = 0.0, []
        for (figure, kind), words, count in zip(PARTS, CHART_PARTS_FR, _counts(row), strict=True):
            width = count * scale
            parts.append(Part(figure, words, kind, count, round(x, 2), round(width, 2),
                              link(row, figure or "questions")))
            x += width
        name = name_of(row)
        title = chart_row_title(name, [(p.count, p.words) for p in parts])
        drawn.append(Row(name=name, href=link(row, "questions"), title=title, y=index * ROW_HEIGHT,
                         parts=tuple(p for p in parts if p.count)))
    return Chart(rows=tuple(drawn), width=WIDTH, height=len(shown) * ROW_HEIGHT, shown=len(shown),
                 total_rows=len(rows))

