"""The pure parts of the web interface: the chart's geometry, the rate limiter, filters and sorting."""

from __future__ import annotations

from datetime import date

import pytest

from bot.app.questions import BadArgs, Filters, Page, Window, parse_day, parse_filters, parse_window
from bot.web.charts import HEIGHT, answers_chart
from bot.web.limits import Limit, SlidingWindow

# --- chart ------------------------------------------------------------------------------------------


def test_no_answer_no_chart() -> None:
    assert answers_chart([]) is None


def test_monthly_bars_with_empty_months_drawn() -> None:
    chart = answers_chart([(date(2025, 1, 10), False), (date(2025, 1, 20), True), (date(2025, 3, 3), False)])
    assert chart is not None and chart.period == "month"
    assert [(b.label, b.on_time, b.late) for b in chart.bars] == [("01/2025", 1, 1), ("02/2025", 0, 0),
                                                                   ("03/2025", 1, 0)]
    january, february, march = chart.bars
    assert january.title == "janvier 2025 : 2 réponses, dont 1 en retard"
    assert february.title == "février 2025 : 0 réponse" and february.on_time_height == february.late_height == 0
    # Heights are proportional; the late part sits on top of the on-time part.
    assert january.on_time_height == march.on_time_height == january.late_height > 0
    assert january.late_y + january.late_height == january.on_time_y
    assert january.on_time_y + january.on_time_height == chart.bottom == HEIGHT - 30
    assert [t.value for t in chart.ticks] == [0, 1, 2] and chart.ticks[-1].y == january.late_y
    assert chart.summary == ("Réponses publiées par mois, de janvier 2025 à mars 2025 : 3 réponses, dont 1 après "
                             "l'échéance.")


def test_a_long_span_is_drawn_per_year() -> None:
    chart = answers_chart([(date(2010, 10, 28), True), (date(2025, 6, 3), True), (date(2025, 1, 2), False)])
    assert chart is not None and chart.period == "year"
    assert [b.label for b in chart.bars] == [str(y) for y in range(2010, 2026)]
    assert (chart.bars[-1].on_time, chart.bars[-1].late) == (1, 1)
    assert sum(b.show_label for b in chart.bars) <= 10 and chart.bars[0].show_label
    assert all(0 < b.width <= 48 for b in chart.bars)
    assert all(chart.left <= b.x and b.x + b.width <= chart.right for b in chart.bars)


def test_ticks_are_round_numbers() -> None:
    chart = answers_chart([(date(2025, 5, 1), False)] * 37)
    assert chart is not None and [t.value for t in chart.ticks] == [0, 10, 20, 30, 40]


# --- rate limiter -----------------------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_sliding_window_refuses_then_lets_through_as_hits_age() -> None:
    clock = FakeClock()
    window = SlidingWindow(Limit(2, 60), clock=clock)
    assert window.hit("a") is None
    clock.now += 30
    assert window.hit("a") is None
    assert window.hit("a") == 30  # the first hit leaves the window in 30 s
    assert window.hit("b") is None  # keys are independent
    clock.now += 31
    assert window.hit("a") is None  # the first hit aged out; refused attempts were not counted
    assert window.hit("a") == 29


def test_sliding_window_memory_is_bounded() -> None:
    window = SlidingWindow(Limit(1, 60), clock=FakeClock(), max_keys=3)
    for key in "abcd":
        assert window.hit(key) is None
    assert window.hit("a") is None  # forgotten: the least recently used key went first
    assert window.hit("d") is not None


# --- filters and sorting ----------------------------------------------------------------------------


# Sorting, filtering and counting are SQL's (storage/listing.py): tests/web/test_web_paging.py.


def test_filters_round_trip_through_their_parameters() -> None:
    filters = parse_filters({"chamber": "senat", "tag": " vsa ", "overdue": "1", "sort": "published"})
    assert filters == Filters(chamber="senat", tag="vsa", overdue=True, sort="published", order="asc")
    assert parse_filters(filters.args()) == filters
    assert Filters().args() == {}
    assert filters.sorted_by("published") == {"chamber": "senat", "tag": "vsa", "overdue": "1", "sort": "published",
                                              "order": "desc"}


@pytest.mark.parametrize("args", [{"chamber": "x"}, {"status": "x"}, {"overdue": "x"}, {"sort": "x"},
                                  {"order": "x"}])
def test_bad_filters(args: dict[str, str]) -> None:
    with pytest.raises(BadArgs):
        parse_filters(args)


def test_parse_day() -> None:
    assert parse_day("2025-06-01", "since") == date(2025, 6, 1)
    assert parse_day(None, "since") is None and parse_day(" ", "since") is None
    for bad in ("2025-02-30", "2025-6-1", "20250601", "demain"):
        with pytest.raises(BadArgs):
            parse_day(bad, "since")


def test_pages_and_windows_from_their_parameters() -> None:
    assert parse_filters({"page": "3"}).page == 3 and Filters(page=3).args() == {"page": "3"}
    assert Filters(page=3).sorted_by("ref") == {"sort": "ref", "order": "asc"}  # a new order starts at page 1
    assert parse_filters({"ministry": " Ministère de l'économie "}).ministry == "Ministère de l'économie"
    assert parse_window({}) == Window(100, 0)
    assert parse_window({"limit": "20", "offset": "40"}) == Window(20, 40)
    assert parse_window({"limit": "20", "page": "3"}) == Window(20, 40)


@pytest.mark.parametrize("args", [{"page": "0"}, {"page": "x"}, {"limit": "0"}, {"limit": "1001"}, {"offset": "-1"},
                                  {"page": "2", "offset": "10"}])
def test_bad_pages_and_windows(args: dict[str, str]) -> None:
    with pytest.raises(BadArgs):
        parse_filters(args) if set(args) == {"page"} else parse_window(args)


def test_pager_numbers() -> None:
    assert Page([], 0, 1, 50).pages == 1 and Page([], 0, 1, 50).nearby() == [1]
    assert Page([], 1000, 10, 50).nearby() == [1, None, 8, 9, 10, 11, 12, None, 20]
    assert Page([], 120, 1, 50).nearby() == [1, 2, 3]
    assert Page([{}] * 20, 120, 3, 50).first == 101 and Page([{}] * 20, 120, 3, 50).last == 120
