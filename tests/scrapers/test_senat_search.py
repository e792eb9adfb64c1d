"""senat.fr question search results (`/basile/rechercheQuestion.do`) on the real page in
samples/senat/recherche-question.html (April 2016, questions d'actualité, answered only, page 4),
and on pages derived from it by a named transformation. Expected values are read from the page
and samples/senat/SOURCES.md.
"""

from __future__ import annotations

import contextlib
import functools
import re
from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scrapers.model import ParseError
from scrapers.refs import QuestionRef
from scrapers.senat import SearchHit, SearchResults, parse_search_results, senat_search_url
from tests.conftest import sample_bytes

SEARCH_PAGE = "senat/recherche-question.html"
# The address the page was recorded from, as senapy's test names it (SOURCES.md).
SEARCH_URL = ("http://www.senat.fr/basile/rechercheQuestion.do?off=30&rch=qa&de=20150403"
              "&au=20160403&dp=1+an&radio=dp&appr=text&aff=ar&tri=dd&afd=ppr&afd=ppl&afd=pjl"
              "&afd=cvn&_na=QG")
AMENAGEMENT = ("Ministère de l'aménagement du territoire, de la ruralité et des collectivités "
               "territoriales")


def search_page() -> bytes:
    return sample_bytes(SEARCH_PAGE)


@functools.cache
def real_results() -> SearchResults:
    return parse_search_results(search_page(), SEARCH_URL)


def results(data: bytes | None = None) -> SearchResults:
    return real_results() if data is None else parse_search_results(data, SEARCH_URL)


def test_total_hits_and_next_page() -> None:
    found = results()
    assert found.total == 330
    assert len(found.hits) == 10
    assert found.next_url is not None
    # Page 4 (off=30) links pages 1-3 and 5-10: the next page is 5, off=40 (the site repeats the
    # original off=30 after it), not the "Suivant>>" jump to off=100.
    assert found.next_url.startswith("http://www.senat.fr/basile/rechercheQuestion.do?off=40&")
    assert parse_qs(urlsplit(found.next_url).query)["off"] == ["40", "30"]


def test_first_hit() -> None:
    hit = results().hits[0]
    assert hit.id == "qSEQ16030791G"
    assert hit.ref is None  # a question d'actualité (…G), not a written question
    assert hit.title == "Partenariat entre La Poste et l'État : maisons de services au public"
    assert hit.author == "M. Georges Labazée"
    assert hit.date == date(2016, 3, 18)
    assert hit.answered
    assert hit.ministry == AMENAGEMENT
    assert hit.url.startswith("http://www.senat.fr/basile/visio.do?id=qSEQ16030791G&idtable=")


def test_all_hits() -> None:
    hits = results().hits
    assert [hit.id for hit in hits] == [
        "qSEQ16030791G", "qSEQ16030792G", "qSEQ16030793G", "qSEQ16030794G", "qSEQ16030795G",
        "qSEQ16030773G", "qSEQ16030774G", "qSEQ16030775G", "qSEQ16030776G", "qSEQ16030777G"]
    assert [hit.date for hit in hits] == [date(2016, 3, 18)] * 5 + [date(2016, 3, 9)] * 5
    assert [hit.author for hit in hits] == [
        "M. Georges Labazée", "M. Jean-François Rapin", "M. Didier Marie", "Mme Nicole Duranton",
        "M. Philippe Adnot", "Mme Éliane Giraud", "Mme Chantal Jouanno", "Mme Catherine Deroche",
        "Mme Hermeline Malherbe", "Mme Marie-Christine Blandin"]
    assert all(hit.answered and hit.ref is None for hit in hits)
    assert hits[1].ministry == "Premier ministre"
    assert hits[5].title == "Hébergement d'urgence"
    assert hits[5].ministry == "Ministère du logement et de l'habitat durable"
    assert all(isinstance(hit, SearchHit) and hit.url.startswith("http://www.senat.fr/basile/")
               for hit in hits)


# --- pages derived from the real one --------------------------------------------------------------

def with_hit_id(page: bytes, old: bytes, new: bytes) -> bytes:
    """The same page where one hit is a written question: its id (in every link) is rewritten."""
    assert old in page
    return page.replace(old, new)


def unanswered_section(page: bytes) -> bytes:
    """The page's table as the section of questions awaiting an answer, as the search shows it
    when answered and unanswered questions are listed apart: its header says "sans réponse"
    and the hits carry no "Réponse du …"."""
    page = page.replace(b"<big>Questions avec r&eacute;ponses</big>",
                        b"<big>Questions sans r&eacute;ponse</big>")
    return re.sub(rb"<em>.*?</em>", b"", page, flags=re.DOTALL)


def mixed_list_one_unanswered(page: bytes) -> bytes:
    """A list mixing answered and unanswered questions (no section header): the first hit's
    "Réponse du …" is gone."""
    page = re.sub(rb"<th scope=\"col\"><big>Questions avec r&eacute;ponses</big>.*?</th>", b"",
                  page, count=1, flags=re.DOTALL)
    first_hit = page.index(b'<div class="document')
    return page[:first_hit] + re.sub(rb"<em>.*?</em>", b"", page[first_hit:], count=1,
                                     flags=re.DOTALL)


def without_results_count(page: bytes) -> bytes:
    """A page whose results count block is missing (a changed design, or an error page)."""
    assert b'class="results-number-global"' in page
    return page.replace(b'class="results-number-global"', b'class="results-number-unknown"')


def test_hit_of_a_written_question_has_a_ref() -> None:
    page = with_hit_id(search_page(), b"qSEQ16030791G", b"qSEQ221103705")
    hit = results(page).hits[0]
    assert hit.id == "qSEQ221103705"
    assert hit.ref == QuestionRef("senat", 3705, year=2022, month=11)
    assert all(other.ref is None for other in results(page).hits[1:])


def test_unanswered_section() -> None:
    found = results(unanswered_section(search_page()))
    assert len(found.hits) == 10
    assert not any(hit.answered for hit in found.hits)
    assert all(hit.ministry is None for hit in found.hits)
    assert found.hits[0].author == "M. Georges Labazée"


def test_mixed_list_reads_each_hit() -> None:
    hits = results(mixed_list_one_unanswered(search_page())).hits
    assert [hit.answered for hit in hits] == [False] + [True] * 9
    assert hits[0].ministry is None
    assert hits[1].ministry == "Premier ministre"


def test_page_without_results_count() -> None:
    with pytest.raises(ParseError) as error:
        results(without_results_count(search_page()))
    assert SEARCH_URL in str(error.value)
    assert "results count" in str(error.value)


def test_question_page_text_is_not_a_search_page() -> None:
    text = sample_bytes("senat/SEQ091211244.page-text.txt")
    with pytest.raises(ParseError, match="results count"):
        parse_search_results(text, SEARCH_URL, "utf-8")


def test_declared_charset() -> None:
    # The page is ISO-8859-1 and says so in its <meta>; a header saying the same changes nothing.
    assert parse_search_results(search_page(), SEARCH_URL, "ISO-8859-1") == results()


def test_search_url() -> None:
    assert senat_search_url(rch="qa", off=30, afd=["ppr", "ppl"], _na="QE") == (
        "https://www.senat.fr/basile/rechercheQuestion.do?rch=qa&off=30&afd=ppr&afd=ppl&_na=QE")
    assert senat_search_url("http://127.0.0.1:5000/", off=0).startswith(
        "http://127.0.0.1:5000/basile/rechercheQuestion.do?off=0")


# --- properties -----------------------------------------------------------------------------------

def reads_or_parse_error(data: bytes) -> None:
    with contextlib.suppress(ParseError):
        assert isinstance(parse_search_results(data, SEARCH_URL), SearchResults)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=3000))
def test_random_bytes_give_results_or_a_parse_error(data: bytes) -> None:
    reads_or_parse_error(data)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_truncated_page_gives_results_or_a_parse_error(data: st.DataObject) -> None:
    page = search_page()
    reads_or_parse_error(page[:data.draw(st.integers(0, len(page)))])


# Each read of the whole page takes ~50 ms (BeautifulSoup building a 166 kB tree): few examples.
@settings(max_examples=30, deadline=None)
@given(st.data())
def test_truncated_results_area_gives_results_or_a_parse_error(data: st.DataObject) -> None:
    """Cuts inside the hits and the page links, where a reader has the most to get wrong."""
    page = search_page()
    start = page.index(b'class="results-number-global"')
    end = page.index(b"Suivant&gt;&gt;") + 40
    reads_or_parse_error(page[:data.draw(st.integers(start, end))])


@settings(max_examples=30, deadline=None)
@given(st.data(), st.binary(min_size=1, max_size=40))
def test_corrupted_page_gives_results_or_a_parse_error(data: st.DataObject, junk: bytes) -> None:
    """The real page with random bytes spliced into its results area."""
    page = search_page()
    start = page.index(b'class="results-number-global"')
    at = data.draw(st.integers(start, page.index(b"Suivant&gt;&gt;") + 40))
    reads_or_parse_error(page[:at] + junk + page[at:])
