"""senat.fr question pages: the text parser on the real page texts in samples/senat, the states no
sample shows (derived from a real text by a named transformation), HTML to text, the whole-page
path, bad input and properties.

Expected values are read from the samples and samples/senat/SOURCES.md.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import re
from collections.abc import Callable
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scrapers.model import Attribution, Closure, Ministry, ParseError, QuestionSnapshot
from scrapers.refs import QuestionRef, parse_ref
from scrapers.senat import (
    decode_page,
    display_name,
    html_to_text,
    parse_senat_page,
    parse_senat_text,
    senat_page_url,
)
from tests.conftest import sample_bytes
from tests.senat_pages import as_html_page

# The addresses the stored copies were taken from, as SOURCES.md records them (one with a trailing
# dot on the host, two on a senat.fr sub-host serving the same /questions/base/ pages).
URLS = {
    "SEQ091211244": "https://senat.fr/questions/base/2009/qSEQ091211244.html",
    "SEQ181007406": "https://senat.fr/questions/base/2018/qSEQ181007406.html",
    "SEQ130606725": "https://senat.fr/questions/base/2013/qSEQ130606725.html",
    "SEQ210723812": "https://senat.fr./questions/base/2021/qSEQ210723812.html",
    "SEQ220628479": "https://conferenceconsensuslogement.senat.fr/questions/base/2022/qSEQ220628479.html",
    "SEQ020238665": "https://conferenceconsensuslogement.senat.fr/questions/base/2002/qSEQ020238665.html",
    "SEQ201018049": "https://senat.fr/questions/base/2020/qSEQ201018049.html",
    # No address was recorded for the oral question n° 1335 (published 30/05/2024). Its real id
    # is an oral-question id, which parse_ref rightly refuses as not a written question; to test
    # the text parser on this page text, a written-question-shaped address with the same year,
    # month and number stands in for it. It is NOT the real address.
    "oral-1335-lagontrie": "https://www.senat.fr/questions/base/2024/qSEQ240501335.html",
}
NAMES = tuple(URLS)
SEARCH_PAGE = "senat/recherche-question.html"
SEARCH_URL = ("http://www.senat.fr/basile/rechercheQuestion.do?off=30&rch=qa&de=20150403"
              "&au=20160403&dp=1+an&radio=dp&appr=text&aff=ar&tri=dd&afd=ppr&afd=ppl&afd=pjl"
              "&afd=cvn&_na=QG")
INTERIEUR_2009 = "Ministère de l'intérieur, de l'outre-mer et des collectivités territoriales"
TRANSITION = "Ministère de la transition écologique et de la cohésion des territoires"


@functools.cache
def page_text(name: str) -> str:
    return sample_bytes(f"senat/{name}.page-text.txt").decode("utf-8")


def parse(name: str, text: str | None = None) -> QuestionSnapshot:
    return parse_senat_text(page_text(name) if text is None else text, URLS[name])


def lines_of(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


# --- the real page texts --------------------------------------------------------------------------

def test_answered_question_old_ministry_naming() -> None:
    snapshot = parse("SEQ091211244")
    assert snapshot.ref == QuestionRef("senat", 11244, year=2009, month=12)
    assert snapshot.url == URLS["SEQ091211244"]
    assert snapshot.status == "answered"
    assert snapshot.author.name == "Jean Louis Masson"
    assert snapshot.author.civility == "M."
    assert snapshot.author.constituency == "Moselle"
    assert snapshot.author.group == "NI"
    assert snapshot.published == date(2009, 12, 10)
    assert snapshot.published_page == "2853"
    assert snapshot.ministry_asked == Ministry(
        "ministre de l'intérieur, de l'outre-mer et des collectivités territoriales")
    assert snapshot.attributions == ()
    assert not snapshot.transferred
    assert snapshot.text is not None
    assert snapshot.text.startswith("M. Jean Louis Masson attire l'attention de M. le ministre")
    assert snapshot.text.endswith("quelle est la procédure à suivre.")
    answer = snapshot.answer
    assert answer is not None
    assert answer.date == date(2010, 10, 28)
    assert answer.page == "2836"
    assert answer.ministry == INTERIEUR_2009
    assert answer.spoken is None
    assert answer.text.startswith("L'honorable parlementaire est invité à se rapporter")
    assert "question n° 65771" in answer.text
    assert snapshot.closure is None
    assert snapshot.notes == ()
    assert snapshot.title is None
    assert snapshot.rubric is None


def test_excerpt_cut_in_the_answer_is_still_answered() -> None:
    """SEQ181007406 is cut mid-answer: no answer page, no "Page mise à jour le"."""
    snapshot = parse("SEQ181007406")
    assert snapshot.ref == QuestionRef("senat", 7406, year=2018, month=10)
    assert snapshot.status == "answered"
    assert snapshot.published == date(2018, 10, 25)
    assert snapshot.published_page == "5416"
    assert snapshot.ministry_asked == Ministry(
        "ministre auprès du Premier ministre, chargé des relations avec le Parlement")
    answer = snapshot.answer
    assert answer is not None
    assert answer.date == date(2018, 11, 1)
    assert answer.page is None
    assert answer.ministry == "Premier ministre - Relations avec le Parlement"
    assert answer.text.startswith("M. le ministre auprès du Premier ministre, chargé des relations")
    assert answer.text.endswith("le taux")  # the excerpt's trailing space is stripped


def test_transmitted_then_lapsed() -> None:
    snapshot = parse("SEQ130606725")
    assert snapshot.ref == QuestionRef("senat", 6725, year=2013, month=6)
    assert snapshot.status == "lapsed"
    assert snapshot.published == date(2013, 6, 6)
    assert snapshot.published_page == "1693"
    assert snapshot.attributions == (Attribution(Ministry("Ministère de l'intérieur"), None),)
    assert snapshot.closure == Closure(None, "La question est caduque", None)
    assert snapshot.closed is None  # the page gives no date for the lapse
    assert snapshot.answer is None
    # The text addresses "M. le ministre de l'intérieur" and the page says "Transmise au Ministère
    # de l'intérieur": the page's word is taken, a transfer (SOURCES.md: transferred, then lapsed).
    assert snapshot.ministry_asked == Ministry("ministre de l'intérieur")
    assert snapshot.transferred
    assert snapshot.ministry == Ministry("Ministère de l'intérieur")


def test_transferred_to_another_ministry_then_lapsed() -> None:
    snapshot = parse("SEQ210723812")
    assert snapshot.ref == QuestionRef("senat", 23812, year=2021, month=7)
    assert snapshot.status == "lapsed"
    assert snapshot.published == date(2021, 7, 15)
    assert snapshot.published_page == "4357"
    assert snapshot.ministry_asked == Ministry("ministre de l'intérieur")
    assert snapshot.attributions == (Attribution(Ministry(TRANSITION), None),)
    assert snapshot.transferred
    assert snapshot.ministry == Ministry(TRANSITION)
    assert snapshot.text is not None and "n°13179" in snapshot.text


def test_lapsed_group_rattache() -> None:
    snapshot = parse("SEQ220628479")
    assert snapshot.ref == QuestionRef("senat", 28479, year=2022, month=6)
    assert snapshot.status == "lapsed"
    assert snapshot.author.name == "Philippe Paul"
    assert snapshot.author.constituency == "Finistère"
    assert snapshot.author.group == "Les Républicains-R"
    assert snapshot.published == date(2022, 6, 30)
    assert snapshot.published_page == "3051"
    assert snapshot.ministry_asked == Ministry(
        "ministre délégué auprès de la Première ministre, chargé des relations avec le Parlement "
        "et de la vie démocratique")
    assert snapshot.attributions == ()


def test_lapsed_2002_question() -> None:
    snapshot = parse("SEQ020238665")
    assert snapshot.ref == QuestionRef("senat", 38665, year=2002, month=2)
    assert snapshot.status == "lapsed"
    assert snapshot.author.name == "Jean Louis Masson"
    assert snapshot.author.group == "RPR"
    assert snapshot.published == date(2002, 2, 21)
    assert snapshot.published_page == "537"
    assert snapshot.ministry_asked == Ministry("ministre de l'intérieur")
    assert snapshot.attributions == ()
    assert not snapshot.transferred


def test_withdrawn_reminder_question() -> None:
    snapshot = parse("SEQ201018049")
    assert snapshot.ref == QuestionRef("senat", 18049, year=2020, month=10)
    assert snapshot.status == "withdrawn"
    assert snapshot.author.civility == "Mme"
    assert snapshot.author.name == "Christine Herzog"
    assert snapshot.author.constituency == "Moselle"
    assert snapshot.author.group == "NI"
    assert snapshot.published == date(2020, 10, 1)
    assert snapshot.published_page == "4400"
    assert snapshot.ministry_asked == Ministry(
        "ministre de la cohésion des territoires et des relations avec les collectivités "
        "territoriales")
    assert snapshot.closure == Closure(
        None, "Cette question de rappel a été retirée à la suite de la réception de la réponse à "
        "la question qu'elle rappelait.", None)
    assert snapshot.notes == ("Voir la réponse à la question rappelée n°16698",)
    assert snapshot.answer is None


def test_oral_question_answered_in_a_public_sitting() -> None:
    snapshot = parse("oral-1335-lagontrie")
    assert snapshot.status == "answered"
    assert snapshot.title is None  # the first line is page chrome, not a heading
    assert snapshot.author.civility == "Mme"
    assert snapshot.author.name == "Marie-Pierre de La Gontrie"
    assert snapshot.author.constituency == "Paris"
    assert snapshot.author.group == "SER"
    assert snapshot.published == date(2024, 5, 30)
    assert snapshot.published_page == "2350"
    assert snapshot.ministry_asked == Ministry("ministre de l'intérieur et des outre-mer")
    text = snapshot.text
    assert text is not None
    assert text.startswith("Mme Marie-Pierre de La Gontrie demande à M. le ministre de l'intérieur")
    assert text.split("\n")[-1].startswith("Elle lui demande donc s'il va enfin")
    answer = snapshot.answer
    assert answer is not None
    assert answer.date == date(2024, 6, 5)
    assert answer.spoken == date(2024, 6, 4)
    assert answer.page == "3592"
    assert answer.ministry == (
        "Ministère auprès du ministre de l'intérieur et des outre-mer et du ministre de la "
        "transition écologique et de la cohésion des territoires, chargé des collectivités "
        "territoriales et de la ruralité")
    assert answer.text.startswith("M. le président. La parole est à Mme Marie-Pierre de La Gontrie")
    assert answer.text.endswith("dans les meilleures conditions.")
    assert "Réponse apportée" not in answer.text


@pytest.mark.parametrize("name", NAMES)
def test_texts_hold_no_page_markers_nor_blank_lines(name: str) -> None:
    snapshot = parse(name)
    texts = [snapshot.text or "", snapshot.answer.text if snapshot.answer else ""]
    for text in texts:
        assert text == text.strip()
        assert not any(line.startswith("- page") or not line for line in text.split("\n") if text)
        assert "Page mise à jour le" not in text


def test_every_sample_parses_to_its_known_state() -> None:
    states = {name: parse(name).status for name in NAMES}
    assert states == {
        "SEQ091211244": "answered", "SEQ181007406": "answered", "SEQ130606725": "lapsed",
        "SEQ210723812": "lapsed", "SEQ220628479": "lapsed", "SEQ020238665": "lapsed",
        "SEQ201018049": "withdrawn", "oral-1335-lagontrie": "answered",
    }


# --- states no sample shows, derived from a real text ---------------------------------------------

def without_line(text: str, line: str) -> str:
    assert line in text.split("\n"), f"{line!r} is not a line of the sample"
    return "\n".join(kept for kept in text.split("\n") if kept != line)


def before_lapse(text: str) -> str:
    """The question before it lapsed: published, no answer, still awaiting one (pending)."""
    return without_line(text, "La question est caduque")


def before_answer(text: str) -> str:
    """The question before its answer was published: the answer block (from "Réponse du …" to its
    "- page N") is gone, the rest of the page stays (pending)."""
    lines = text.split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith("Réponse du "))
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("- page "))
    return "\n".join(lines[:start] + lines[end + 1:])


def awaiting_answer_from(text: str, ministry: str) -> str:
    """A pending page as older pages word it: "En attente de réponse du {ministry}" after the
    question's "- page N" line."""
    lines = text.split("\n")
    at = next(i for i, line in enumerate(lines) if line.startswith("- page "))
    return "\n".join([*lines[:at + 1], f"En attente de réponse du {ministry}", *lines[at + 1:]])


def older_design(text: str) -> str:
    """The page in the older design's wording: each heading ends "publiée dans le JO Sénat du
    dd/mm/yyyy - page N" and the separate "- page N" line that followed it goes."""
    lines = text.split("\n")
    for at, line in enumerate(lines):
        if match := re.search(r" publiée le (\d\d/\d\d/\d{4})$", line):
            page_at = next(i for i in range(at, len(lines)) if lines[i].startswith("- page "))
            page = lines[page_at].removeprefix("- page ")
            lines[at] = line[:match.start()] + f" publiée dans le JO Sénat du {match[1]} - page {page}"
            lines[page_at] = ""
    return "\n".join(lines)


def older_design_two_lines(text: str) -> str:
    """The older design with "publiée dans le JO Sénat du … - page N" on its own line under the
    "Question de …" / "Réponse du …" line it completes."""
    return re.sub(r" (publiée dans le JO Sénat du )", r"\n\1", older_design(text))


def converted_to_oral(text: str) -> str:
    """A question its author had converted into an oral question (older wording) instead of
    letting it lapse: closed."""
    return text.replace("La question est caduque", "Transformée en QOSD")


def withdrawn_for_cause(text: str) -> str:
    """A question withdrawn in the older design's wording ("La question a été retirée pour cause
    de …"), standing where the reminder's withdrawal sentence was."""
    return re.sub(r"Cette question de rappel a été retirée[^\n]*",
                  "La question a été retirée pour cause de fin de mandat.", text)


def older_reminder_note(text: str) -> str:
    """The reminder's link to the question it reminds, in the older wording."""
    return text.replace("Voir la réponse à la question rappelée n°16698",
                        "Rappelle la question n° 16698")


def answered_in_sitting_only(text: str) -> str:
    """An oral answer given in the sitting but not yet printed in the JO: only the line
    "Réponse apportée en séance publique le …", no "Réponse du … publiée le …" heading."""
    return "\n".join(line for line in text.split("\n") if not line.startswith("Réponse du "))


def test_pending_question_before_lapse() -> None:
    snapshot = parse("SEQ020238665", before_lapse(page_text("SEQ020238665")))
    assert snapshot.status == "pending"
    assert snapshot.closure is None
    assert snapshot.answer is None
    assert snapshot.published == date(2002, 2, 21)
    assert snapshot.published_page == "537"
    assert snapshot.ministry == Ministry("ministre de l'intérieur")


def test_pending_question_before_answer() -> None:
    snapshot = parse("SEQ091211244", before_answer(page_text("SEQ091211244")))
    assert snapshot.status == "pending"
    assert snapshot.answer is None
    assert snapshot.published_page == "2853"
    assert snapshot.notes == ()


def test_pending_with_awaiting_line() -> None:
    text = awaiting_answer_from(before_lapse(page_text("SEQ020238665")), "Ministère de l'intérieur")
    snapshot = parse("SEQ020238665", text)
    assert snapshot.status == "pending"
    # With no transfer shown, the ministry awaited is the one asked, named as the page names it.
    assert snapshot.ministry_asked == Ministry("Ministère de l'intérieur")
    assert snapshot.attributions == ()
    assert not snapshot.transferred


def test_transferred_pending_awaiting_another_ministry() -> None:
    text = awaiting_answer_from(before_lapse(page_text("SEQ130606725")), INTERIEUR_2009)
    snapshot = parse("SEQ130606725", text)
    assert snapshot.status == "pending"
    assert snapshot.attributions == (Attribution(Ministry("Ministère de l'intérieur"), None),
                                     Attribution(Ministry(INTERIEUR_2009), None))
    assert snapshot.ministry == Ministry(INTERIEUR_2009)


def test_transferred_and_pending() -> None:
    text = before_lapse(page_text("SEQ210723812"))
    snapshot = parse("SEQ210723812", text)
    assert snapshot.status == "pending"
    assert snapshot.transferred
    assert snapshot.ministry == Ministry(TRANSITION)
    # Saying again which ministry must answer does not add a second attribution.
    again = parse("SEQ210723812", awaiting_answer_from(text, TRANSITION))
    assert again.attributions == snapshot.attributions


@pytest.mark.parametrize("transform", [older_design, older_design_two_lines])
def test_older_design_wording(transform: Callable[[str], str]) -> None:
    current = parse("SEQ091211244")
    older = parse("SEQ091211244", transform(page_text("SEQ091211244")))
    assert older == current  # the same facts, worded the older way


def test_older_design_pending_and_transferred() -> None:
    text = older_design(before_lapse(page_text("SEQ210723812")))
    assert "\n- page" not in text
    snapshot = parse("SEQ210723812", text)
    assert snapshot.status == "pending"
    assert snapshot.published_page == "4357"
    assert snapshot.attributions == (Attribution(Ministry(TRANSITION), None),)
    assert snapshot.text is not None and snapshot.text.endswith("n°13846 et n°18498 susvisées.")


def test_older_design_converted_into_an_oral_question() -> None:
    snapshot = parse("SEQ020238665", older_design(converted_to_oral(page_text("SEQ020238665"))))
    assert snapshot.status == "closed"
    assert snapshot.closure == Closure(None, "Transformée en QOSD", None)


def test_older_design_withdrawn_and_reminder_note() -> None:
    text = older_reminder_note(withdrawn_for_cause(older_design(page_text("SEQ201018049"))))
    snapshot = parse("SEQ201018049", text)
    assert snapshot.status == "withdrawn"
    assert snapshot.closure == Closure(
        None, "La question a été retirée pour cause de fin de mandat.", None)
    assert snapshot.notes == ("Rappelle la question n° 16698",)


def test_oral_answer_not_yet_in_the_jo() -> None:
    snapshot = parse("oral-1335-lagontrie", answered_in_sitting_only(page_text("oral-1335-lagontrie")))
    assert snapshot.status == "answered"
    assert snapshot.answer is not None
    assert snapshot.answer.date == snapshot.answer.spoken == date(2024, 6, 4)
    assert snapshot.answer.ministry is None
    assert snapshot.answer.page == "3592"


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


# --- html_to_text on the real search page ---------------------------------------------------------

def test_html_to_text_on_the_real_search_page() -> None:
    text = html_to_text(decode_page(sample_bytes(SEARCH_PAGE), None))
    lines = text.split("\n")
    # A hit: the title link and the <small> are inline, so one line; the <br> breaks before the
    # <em> with the answer; the date is in the next table cell.
    hit = lines.index("Partenariat entre La Poste et l'État : maisons de services au public "
                      "Question n° 0791G posée par M. Georges Labazée")
    assert lines[hit + 1] == ("Réponse du Ministère de l'aménagement du territoire, de la ruralité "
                              "et des collectivités territoriales")
    assert lines[hit + 2] == "18/03/2016"
    assert lines[hit - 1] == "Date"
    assert lines[hit - 2] == "Questions avec réponses [330 réponses]"
    assert "330 questions dans une recherche depuis 1 an" in lines
    assert "Votre résultat de recherche :" in lines
    assert "Hébergement d'urgence Question n° 0773G posée par Mme Éliane Giraud" in lines
    assert "1 2 3 4 5 6 7 8 9 10 Suivant>>" in lines  # &nbsp; runs and &gt; decoded
    assert "Accueil > Recherche > Recherche de questions" in lines


def test_html_to_text_layout_rules() -> None:
    text = html_to_text(decode_page(sample_bytes(SEARCH_PAGE), None))
    lines = text.split("\n")
    assert "hasJS" not in text  # script bodies are not shown
    assert "\xa0" not in text and "&nbsp;" not in text and "&eacute;" not in text
    assert all(line == line.strip() and "  " not in line for line in lines)
    assert "" not in (lines[0], lines[-1])
    assert not any(a == b == "" for a, b in itertools.pairwise(lines))


# --- the whole-page path --------------------------------------------------------------------------

ISO_META = '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">'


@pytest.mark.parametrize("name", NAMES)
def test_html_to_text_keeps_the_lines_of_a_page(name: str) -> None:
    assert lines_of(html_to_text(as_html_page(page_text(name)))) == [
        " ".join(line.split()) for line in lines_of(page_text(name))]


@pytest.mark.parametrize("name", NAMES)
def test_whole_page_utf8_and_windows_1252(name: str) -> None:
    expected = parse(name)
    page = as_html_page(page_text(name))
    url = URLS[name]
    assert parse_senat_page(page.encode("utf-8"), url, "utf-8") == expected
    # senat.fr's own encoding, with no charset anywhere: the windows-1252 fallback.
    assert parse_senat_page(page.encode("cp1252"), url) == expected
    # Declared as ISO-8859-1 in the HTTP header, or in the page's <meta> like the search page.
    assert parse_senat_page(page.encode("cp1252"), url, "ISO-8859-1") == expected
    assert parse_senat_page(as_html_page(page_text(name), ISO_META).encode("cp1252"), url) == expected


def test_utf8_bytes_without_a_declared_charset_are_not_guessed() -> None:
    """UTF-8 bytes with no charset read as windows-1252: "publiée" becomes "publiÃ©e", so the
    heading is not found and the error says so instead of returning garbled fields."""
    page = as_html_page(page_text("SEQ130606725")).encode("utf-8")
    with pytest.raises(ParseError, match="page design not recognised"):
        parse_senat_page(page, URLS["SEQ130606725"])


def test_decode_page() -> None:
    search = sample_bytes(SEARCH_PAGE)
    assert "posée par" in decode_page(search, None)  # raw Latin-1 bytes, per the <meta>
    assert "posée par" in decode_page(search, "iso-8859-1")
    assert "posée par" in decode_page(search, "no-such-charset")
    # ISO-8859-1 is read as windows-1252, as browsers do: 0x92 is a typographic apostrophe.
    assert decode_page("l’intérieur".encode("cp1252"), "iso-8859-1") == "l’intérieur"
    assert decode_page("l’intérieur".encode("cp1252"), None) == "l’intérieur"
    assert decode_page(b"\xef\xbb\xbfl\xc3\xa9", "iso-8859-1") == "lé"  # a BOM wins
    assert decode_page(b"caf\xe9", "utf-8") == "caf\ufffd"  # bad bytes never raise
    assert decode_page(b"x", "rot13") == "x"  # not a charset: the fallback


def test_page_url() -> None:
    ref = parse_ref("SEQ221103705")
    assert senat_page_url(ref) == "https://www.senat.fr/questions/base/2022/qSEQ221103705.html"
    assert senat_page_url(ref, "http://127.0.0.1:8080/") == (
        "http://127.0.0.1:8080/questions/base/2022/qSEQ221103705.html")
    for name in (name for name in NAMES if name.startswith("SEQ")):
        assert parse_ref(senat_page_url(parse_ref(name))) == parse_ref(name)
    with pytest.raises(ValueError):
        senat_page_url(parse_ref("QANR5L17QE5268"))


@pytest.mark.parametrize(("written", "shown"), [
    ("MASSON Jean Louis", "Jean Louis Masson"),
    ("HERZOG Christine", "Christine Herzog"),
    ("PAUL Philippe", "Philippe Paul"),
    ("LABAZÉE Georges", "Georges Labazée"),  # as the search page's senator list writes it
    ("Marie-Pierre de La Gontrie", "Marie-Pierre de La Gontrie"),
    ("de LA GONTRIE Marie-Pierre", "Marie-Pierre de La Gontrie"),
])
def test_display_name(written: str, shown: str) -> None:
    assert display_name(written) == shown


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
