"""Every form of reference a user pastes becomes one canonical QuestionRef; anything else is refused."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scrapers.refs import QuestionRef, RefError, parse_ref

AN_17_5268 = QuestionRef("an", 5268, legislature=17)
AN_14_47351 = QuestionRef("an", 47351, legislature=14)
SENAT_3705 = QuestionRef("senat", 3705, year=2022, month=11)


@pytest.mark.parametrize("text, expected", [
    ("https://www.assemblee-nationale.fr/dyn/17/questions/QANR5L17QE5268", AN_17_5268),
    ("http://www.assemblee-nationale.fr/dyn/17/questions/QANR5L17QE5268?foo=1#x", AN_17_5268),
    ("https://www.assemblee-nationale.fr/dyn/opendata/QANR5L17QE5268.json", AN_17_5268),
    ("www.assemblee-nationale.fr/dyn/17/questions/QANR5L17QE5268/", AN_17_5268),
    ("QANR5L17QE5268", AN_17_5268),
    ("  qanr5l17qe5268 \n", AN_17_5268),
    ("AN 17-5268", AN_17_5268),
    ("an 17-5268", AN_17_5268),
    ("AN-17-5268", AN_17_5268),
    ("AN 17/5268", AN_17_5268),
    ("https://questions.assemblee-nationale.fr/q14/14-47351QE.htm", AN_14_47351),
    ("http://questions.assemblee-nationale.fr/q14/14-47351QE.htm/vue/xml", AN_14_47351),
    ("14-47351QE", AN_14_47351),
    ("https://www.senat.fr/questions/base/2022/qSEQ221103705.html", SENAT_3705),
    ("https://senat.fr./questions/base/2022/qSEQ221103705.html", SENAT_3705),
    ("https://www.senat.fr/basile/visio.do?id=qSEQ221103705&idtable=q1", SENAT_3705),
    ("SEQ221103705", SENAT_3705),
    ("qSEQ221103705", SENAT_3705),
    ("seq221103705", SENAT_3705),
    # What relance prints is accepted back: the label, and dashes a word processor put instead of '-'.
    ("Sénat 3705 (2022-11)", SENAT_3705),
    ("senat 3705 (2022-11)", SENAT_3705),
    ("SÉNAT 3705 ( 2022 - 11 )", SENAT_3705),
    ("AN 17\u20135268", AN_17_5268),
    ("AN 17\u20145268", AN_17_5268),
    ("14\u201147351QE", AN_14_47351),
])
def test_accepted_forms(text: str, expected: QuestionRef) -> None:
    assert parse_ref(text) == expected


def test_canonical_forms_are_the_official_identifiers() -> None:
    assert AN_17_5268.uid == "QANR5L17QE5268"
    assert str(AN_14_47351) == "QANR5L14QE47351"
    assert SENAT_3705.uid == "SEQ221103705"
    assert AN_17_5268.label == "AN 17-5268"
    assert SENAT_3705.label == "Sénat 3705 (2022-11)"


def test_public_urls_are_the_live_pages() -> None:
    assert AN_17_5268.public_url == "https://www.assemblee-nationale.fr/dyn/17/questions/QANR5L17QE5268"
    assert AN_14_47351.public_url == "https://questions.assemblee-nationale.fr/q14/14-47351QE.htm"
    assert SENAT_3705.public_url == "https://www.senat.fr/questions/base/2022/qSEQ221103705.html"


def test_senat_years_before_2000() -> None:
    assert parse_ref("SEQ020238665") == QuestionRef("senat", 38665, year=2002, month=2)
    assert parse_ref("SEQ981012345").year == 1998


@pytest.mark.parametrize("text, why", [
    ("", "empty"),
    ("hello", "not a written-question reference"),
    ("QANR5L16QG6", "type QG"),
    ("https://www.senat.fr/questions/base/2016/qSEQ16030791G.html", "kind G"),
    ("https://example.org/QANR5L17QE5268", "neither the AN nor the Sénat"),
    ("https://www.senat.fr/questions/base/2022/QANR5L17QE5268.html", "not a written-question"),
    ("SEQ221303705", "month"),
    ("AN 17-0", "out of range"),
    ("5268", "not a written-question reference"),
])
def test_refused_forms_name_the_accepted_ones(text: str, why: str) -> None:
    with pytest.raises(RefError) as caught:
        parse_ref(text)
    message = str(caught.value)
    assert why in message
    assert "accepted forms" in message and "SEQ221103705" in message and "AN 17-5268" in message
    assert "\n" not in message


@given(st.text(max_size=80))
def test_any_text_gives_a_ref_or_a_ref_error(text: str) -> None:
    try:
        ref = parse_ref(text)
    except RefError:
        return
    assert parse_ref(ref.uid) == ref


@given(st.integers(1, 30), st.integers(1, 999_999))
def test_an_round_trip(legislature: int, number: int) -> None:
    ref = QuestionRef("an", number, legislature=legislature)
    for form in (ref.uid, ref.label, ref.public_url):
        assert parse_ref(form) == ref


@given(st.integers(1978, 2077), st.integers(1, 12), st.integers(1, 99_999))
def test_senat_round_trip(year: int, month: int, number: int) -> None:
    ref = QuestionRef("senat", number, year=year, month=month)
    for form in (ref.uid, ref.public_url):
        assert parse_ref(form) == ref


@given(st.integers(1, 99999), st.integers(1978, 2077), st.integers(1, 12), st.integers(1, 30))
def test_every_label_relance_prints_reads_back_as_its_question(number: int, year: int, month: int,
                                                              legislature: int) -> None:
    senat = QuestionRef("senat", number, year=year, month=month)
    an = QuestionRef("an", number, legislature=legislature)
    assert parse_ref(senat.label) == senat and parse_ref(an.label) == an


def test_a_label_out_of_range_is_refused() -> None:
    with pytest.raises(RefError, match="out of range in the Sénat label"):
        parse_ref("Sénat 3705 (2022-13)")
