"""senat.fr question pages: bad input (a missing heading, bad dates, addresses that are not a Sénat
written question, the search page given as a question page) gives a `ParseError` naming it.
"""

from __future__ import annotations

import pytest

from scrapers.model import ParseError
from scrapers.refs import QuestionRef
from scrapers.senat import (
    parse_senat_page,
    parse_senat_text,
)
from tests.conftest import sample_bytes
from tests.scrapers.senat_samples import (
    INTERIEUR_2009,
    SEARCH_PAGE,
    URLS,
    page_text,
    parse,
)

# --- bad input ------------------------------------------------------------------------------------

def without_question_heading(text: str) -> str:
    """A page whose "Question de … publiée le …" line is missing (a design relance does not know)."""
    return "\n".join(line for line in text.split("\n") if not line.startswith("Question de "))


def test_missing_question_heading() -> None:
    with pytest.raises(ParseError) as error:
        parse("SEQ130606725", without_question_heading(page_text("SEQ130606725")))
    assert error.value.url == URLS["SEQ130606725"]
    assert URLS["SEQ130606725"] in str(error.value)
    assert "question heading" in str(error.value)
    assert "page design not recognised" in str(error.value)


@pytest.mark.parametrize("bad", ["31/02/2020", "1er octobre 2020", "2020-10-01"])
def test_bad_question_date(bad: str) -> None:
    text = page_text("SEQ201018049").replace("publiée le 01/10/2020", f"publiée le {bad}")
    with pytest.raises(ParseError) as error:
        parse("SEQ201018049", text)
    assert error.value.field.startswith("question publication date")
    assert error.value.found == bad
    assert URLS["SEQ201018049"] in str(error.value)


def test_answer_heading_without_date() -> None:
    text = page_text("SEQ091211244").replace(" publiée le 28/10/2010", "")
    with pytest.raises(ParseError) as error:
        parse("SEQ091211244", text)
    assert error.value.field.startswith("answer heading")
    assert error.value.found == f"Réponse du {INTERIEUR_2009}"


def test_answer_heading_with_bad_date() -> None:
    text = page_text("SEQ091211244").replace("publiée le 28/10/2010", "publiée le 28/13/2010")
    with pytest.raises(ParseError, match="answer publication date"):
        parse("SEQ091211244", text)


@pytest.mark.parametrize("url", [
    "https://www.assemblee-nationale.fr/dyn/17/questions/QANR5L17QE5268",
    "http://www.senat.fr/basile/visio.do?id=qSEQ16030791G",  # a question d'actualité (QG)
    "https://www.senat.fr/questions/base/2022/",
    "http://127.0.0.1:8080/questions/base/2016/qSEQ16030791G.html",  # a QG on another host
    "http://127.0.0.1:8080/basile/visio.do?id=qSEQ091211244",  # not a question page path
    "SEQ221103705",  # an id, not an address
    "",
])
def test_url_that_is_not_a_senat_written_question(url: str) -> None:
    with pytest.raises(ParseError) as error:
        parse_senat_text(page_text("SEQ091211244"), url)
    assert "Sénat written-question id in the URL" in str(error.value)


def test_url_on_another_host_serving_the_same_path() -> None:
    """A configured base URL (a mirror, a local test server) serves the same page paths."""
    url = "http://127.0.0.1:8080/questions/base/2009/qSEQ091211244.html"
    snapshot = parse_senat_text(page_text("SEQ091211244"), url)
    assert snapshot.ref == QuestionRef("senat", 11244, year=2009, month=12)
    assert snapshot.url == url


def test_empty_text() -> None:
    with pytest.raises(ParseError, match="page design not recognised"):
        parse_senat_text("", URLS["SEQ091211244"])


def test_search_page_given_as_a_question_page() -> None:
    url = URLS["SEQ091211244"]
    with pytest.raises(ParseError) as error:
        parse_senat_page(sample_bytes(SEARCH_PAGE), url)
    assert url in str(error.value)
    assert "page design not recognised" in str(error.value)
