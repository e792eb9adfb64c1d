"""The chart of a tag's page: answers per month (or per year over a long span), on time and late,
as plain geometry that the template draws as an inline SVG. Pure: no I/O, no clock, no JavaScript.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from babel.dates import format_date

from bot.notify.i18n import _
from bot.notify.wording import fr_count, locale

MAX_MONTHS = 24  # a longer span is drawn per year, so bars stay wide enough to read on a phone
MAX_LABELS = 10
WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 40, 8, 12, 30  # margins around the plot: axis labels live there
BAR_SHARE = 0.7  # of each slot; the rest is the gap between bars
MAX_BAR_WIDTH = 48  # a lone bar stays a bar, not a wall

Period = Literal["month", "year"]


@dataclass(frozen=True, slots=True)
class Bar:
    label: str  # under the axis: "06/2025" or "2025"
    name: str  # in words: "juin 2025" or "2025"
    title: str  # for screen readers and tooltips: "juin 2025 : 2 réponses, dont 1 en retard"
    on_time: int
    late: int
    x: float
    width: float
    on_time_y: float
    on_time_height: float
    late_y: float
    late_height: float
    show_label: bool

    @property
    def center(self) -> float:
        return self.x + self.width / 2


@dataclass(frozen=True, slots=True)
class Tick:
    value: int
    y: float


@dataclass(frozen=True, slots=True)
class Chart:
    period: Period
    bars: tuple[Bar, ...]
    ticks: tuple[Tick, ...]
    total: int
    late: int
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM

    @property
    def summary(self) -> str:
        first, last = self.bars[0].name, self.bars[-1].name
        count = fr_count(self.total, "réponse", "réponses")
        # One whole sentence per case, so that a translation may order its words as its language does.
        if self.period == "month" and first == last:
            return _("Réponses publiées par mois, en {first} : {count}, dont {late} après l'échéance.",
                     first=first, count=count, late=self.late)
        if self.period == "month":
            return _("Réponses publiées par mois, de {first} à {last} : {count}, dont {late} après l'échéance.",
                     first=first, last=last, count=count, late=self.late)
        if first == last:
            return _("Réponses publiées par année, en {first} : {count}, dont {late} après l'échéance.",
                     first=first, count=count, late=self.late)
        return _("Réponses publiées par année, de {first} à {last} : {count}, dont {late} après l'échéance.",
                 first=first, last=last, count=count, late=self.late)


def _months(first: date, last: date) -> list[tuple[int, int]]:
    keys, (year, month) = [], (first.year, first.month)
    while (year, month) <= (last.year, last.month):
        keys.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return keys


def _step(top: int) -> int:
    """A tick step of 1, 2 or 5 times a power of ten giving at most 5 ticks above zero."""
    for power in range(10):
        for base in (1, 2, 5):
            step = int(base * 10 ** power)
            if math.ceil(top / step) <= 5:
                return step
    return 10 ** 10  # pragma: no cover - more answers than relance will ever count


def _bar_title(name: str, on_time: int, late: int) -> str:
    count = fr_count(on_time + late, "réponse", "réponses")
    if late:
        return _("{name} : {count}, dont {late} en retard", name=name, count=count, late=late)
    return _("{name} : {count}", name=name, count=count)


def answers_chart(answers: Sequence[tuple[date, bool]]) -> Chart | None:
    """`answers`: (the day an answer was published, whether it came after the deadline). None when
    there is no answer to draw."""
    if not answers:
        return None
    first, last = min(d for d, _ in answers), max(d for d, _ in answers)
    months = _months(first, last)
    period: Period = "month" if len(months) <= MAX_MONTHS else "year"
    if period == "month":
        keys: list[tuple[int, int]] = months
    else:
        keys = [(year, 1) for year in range(first.year, last.year + 1)]
    counts = {key: [0, 0] for key in keys}
    for day, was_late in answers:
        counts[(day.year, day.month if period == "month" else 1)][1 if was_late else 0] += 1
    peak = max(on_time + late for on_time, late in counts.values())
    step = _step(peak)
    top_value = math.ceil(peak / step) * step
    plot_height = HEIGHT - BOTTOM - TOP
    scale = plot_height / top_value
    slot = (WIDTH - RIGHT - LEFT) / len(keys)
    every = math.ceil(len(keys) / MAX_LABELS)
    bars = []
    base = HEIGHT - BOTTOM
    for index, key in enumerate(keys):
        on_time, late = counts[key]
        day = date(key[0], key[1], 1)
        label = f"{key[1]:02d}/{key[0]}" if period == "month" else str(key[0])
        name = format_date(day, "MMMM yyyy", locale=locale()) if period == "month" else str(key[0])
        width = min(slot * BAR_SHARE, MAX_BAR_WIDTH)
        on_time_height, late_height = on_time * scale, late * scale
        bars.append(Bar(label=label, name=name, title=_bar_title(name, on_time, late), on_time=on_time, late=late,
                        x=round(LEFT + index * slot + (slot - width) / 2, 2), width=round(width, 2),
                        on_time_y=round(base - on_time_height, 2), on_time_height=round(on_time_height, 2),
                        late_y=round(base - on_time_height - late_height, 2), late_height=round(late_height, 2),
                        show_label=index % every == 0))
    ticks = tuple(Tick(value, round(base - value * scale, 2)) for value in range(0, top_value + 1, step))
    return Chart(period=period, bars=tuple(bars), ticks=ticks, total=len(answers),
                 late=sum(1 for _, was_late in answers if was_late))
