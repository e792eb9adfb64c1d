"""senat.fr question pages, properties: any bytes, any cut and any mix of real lines is read into a
snapshot or refused with a `ParseError`, never anything else.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scrapers.model import ParseError, QuestionSnapshot
from scrapers.senat import (
    parse_senat_page,
)
from tests.conftest import sample_bytes
from tests.scrapers.senat_samples import (
    NAMES,
    SEARCH_PAGE,
    URLS,
    page_text,
    parse,
)
from tests.senat_pages import as_html_page

# --- properties -----------------------------------------------------------------------------------

FAST = settings(max_examples=150, deadline=None)


def parses_or_parse_error(read: Callable[[], QuestionSnapshot]) -> None:
    with contextlib.suppress(ParseError):
        assert isinstance(read(), QuestionSnapshot)


@FAST
@given(st.binary(max_size=3000))
def test_random_bytes_give_a_snapshot_or_a_parse_error(data: bytes) -> None:
    parses_or_parse_error(lambda: parse_senat_page(data, URLS["SEQ091211244"]))


@FAST
@given(st.sampled_from(NAMES), st.data())
def test_truncated_texts_give_a_snapshot_or_a_parse_error(name: str, data: st.DataObject) -> None:
    text = page_text(name)
    cut = data.draw(st.integers(0, len(text)))
    parses_or_parse_error(lambda: parse(name, text[:cut]))


@functools.cache
def all_sample_lines() -> list[str]:
    return sorted({line for name in NAMES for line in page_text(name).split("\n")})


@FAST
@given(st.data())
def test_real_lines_in_any_order_give_a_snapshot_or_a_parse_error(data: st.DataObject) -> None:
    """Lines of the real pages shuffled and mixed with random text: headings out of order, two
    answers, markers inside texts… every mix is read or refused with a ParseError."""
    line = st.sampled_from(all_sample_lines()) | st.text(max_size=40)
    text = "\n".join(data.draw(st.lists(line, max_size=25)))
    parses_or_parse_error(lambda: parse("SEQ091211244", text))


@FAST
@given(st.sampled_from(NAMES), st.data())
def test_texts_cut_after_the_heading_at_a_line_end_always_parse(name: str,
                                                                data: st.DataObject) -> None:
    """An excerpt cut at a line end, like SEQ181007406, is read, whatever it still holds."""
    lines = page_text(name).split("\n")
    heading = next(i for i, line in enumerate(lines) if line.startswith("Question de "))
    cut = data.draw(st.integers(heading + 1, len(lines)))
    snapshot = parse(name, "\n".join(lines[:cut]))
    assert snapshot.published == parse(name).published


@FAST
@given(st.sampled_from(NAMES), st.data())
def test_truncated_html_pages_give_a_snapshot_or_a_parse_error(name: str,
                                                               data: st.DataObject) -> None:
    page = as_html_page(page_text(name)).encode("cp1252")
    cut = data.draw(st.integers(0, len(page)))
    parses_or_parse_error(lambda: parse_senat_page(page[:cut], URLS[name]))


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_truncated_search_page_is_never_a_question(data: st.DataObject) -> None:
    page = sample_bytes(SEARCH_PAGE)
    cut = data.draw(st.integers(0, len(page)))
    with pytest.raises(ParseError):
        parse_senat_page(page[:cut], URLS["SEQ091211244"])
