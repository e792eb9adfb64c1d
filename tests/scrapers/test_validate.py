"""Poisoned values from every source are that record's `ParseError`, naming where, the field and the
value (scrapers/validate.py): a JO date 9999-12-31, a lone surrogate, a terminal escape, a text of
millions of characters. Each poisoned input is a real sample with one value changed by a named step.
"""

from __future__ import annotations

import copy
import json
from datetime import date
from typing import Any

import pytest
import time_machine

from scrapers.an import parse_an_json, parse_an_xml
from scrapers.an_actors import parse_actor, parse_body
from scrapers.model import ParseError
from scrapers.senat import parse_senat_page, parse_senat_text
from scrapers.senat_csv import parse_senat_csv
from scrapers.validate import FIFTH_REPUBLIC, LONG_TEXT, clean_text, plausible_date
from tests.amo_files import DE_COURSON, amo16_json, amo16_member
from tests.an_variants import dump, qe_json
from tests.app.senat_rows import URL as CSV_URL
from tests.app.senat_rows import csv_bytes, masson_answered, paul_lapsed
from tests.conftest import sample_bytes
from tests.senat_pages import page_from_text, page_text

JSON_URL = "https://www.assemblee-nationale.fr/dyn/opendata/QANR5L17QE5268.json"
XML_URL = "https://questions.assemblee-nationale.fr/q14/14-47351QE.htm/vue/xml"
SENAT_URL = "https://www.senat.fr/questions/base/2009/qSEQ091211244.html"
SURROGATE = "\ud800"
ESCAPE = "\x1b[2J"  # clears a terminal: what a title must never carry to one


# --- the rules ------------------------------------------------------------------------------------

def test_the_plausible_range() -> None:
    assert plausible_date(date(2099, 12, 31), "u", "f") == date(2099, 12, 31)
    with pytest.raises(ParseError) as refused:
        plausible_date(date(2100, 1, 1), "u", "f")
    assert (refused.value.url, refused.value.found) == ("u", "2100-01-01")
    assert refused.value.field == "f (a date between 04/10/1958 and 31/12/2099)"
    with pytest.raises(ParseError):
        plausible_date(date(1958, 10, 3), "u", "f")
    assert plausible_date(FIFTH_REPUBLIC, "u", "f") == FIFTH_REPUBLIC


def test_the_range_does_not_depend_on_the_clock() -> None:
    """A re-import gives the same result on any day: a date years ahead of a clock set back is read."""
    with time_machine.travel(date(2010, 1, 1)):
        assert plausible_date(date(2025, 6, 3), "u", "f") == date(2025, 6, 3)


@pytest.mark.parametrize(("text", "what", "at"), [
    (f"Titre {SURROGATE} suite", "a lone surrogate U+D800", 7),
    (f"Titre{ESCAPE}", "a control character U+001B", 6),
    ("Titre\x00", "a control character U+0000", 6),
    ("Titre\rsuite", "a control character U+000D", 6),
    ("Titre\x85", "a control character U+0085", 6),
])
def test_texts_with_control_characters_are_refused(text: str, what: str, at: int) -> None:
    with pytest.raises(ParseError) as refused:
        clean_text(text, "https://example.org/q", "title")
    assert refused.value.field == f"title ({what} at character {at})"
    assert refused.value.url == "https://example.org/q"
    # The message shows the character escaped: printing it cannot move a terminal's cursor.
    assert "\x1b" not in str(refused.value) and SURROGATE not in str(refused.value)


def test_tabs_new_lines_and_windows_line_ends_are_text() -> None:
    text = "Ligne 1\r\nLigne 2\n\tretrait — « guillemets » œ €"
    assert clean_text(text, "u", "text") == text


def test_a_text_longer_than_its_cap_is_refused() -> None:
    with pytest.raises(ParseError, match="at most 1,000,000 characters"):
        clean_text("a" * (LONG_TEXT + 1), "u", "text", limit=LONG_TEXT)


# --- the AN's JSON and XML ------------------------------------------------------------------------

def answer_dated(document: dict[str, Any], day: str) -> dict[str, Any]:
    """The real record with its answer's JO date changed to `day` (as the trial's poisoned record)."""
    d = copy.deepcopy(document)
    d["question"]["textesReponse"]["texteReponse"]["infoJO"]["dateJO"] = day
    return d


def titled(document: dict[str, Any], title: str) -> dict[str, Any]:
    """The real record with `title` as its one analysis (the title the AN site shows)."""
    d = copy.deepcopy(document)
    d["question"]["indexationAN"]["analyses"]["analyse"] = title
    return d


def test_an_json_far_future_date_is_the_records_error() -> None:
    with pytest.raises(ParseError) as refused:
        parse_an_json(dump(answer_dated(qe_json(), "9999-12-31")), JSON_URL)
    assert refused.value.url == JSON_URL
    assert refused.value.field == "texteReponse.infoJO.dateJO (a date between 04/10/1958 and 31/12/2099)"
    assert refused.value.found == "9999-12-31"


def test_an_json_lone_surrogate_in_the_title_is_the_records_error() -> None:
    data = dump(titled(qe_json(), f"Révision {SURROGATE} des diamants"))
    assert b"\\ud800" in data  # valid JSON: the escape of a lone surrogate
    with pytest.raises(ParseError) as refused:
        parse_an_json(data, JSON_URL)
    assert refused.value.field == "title (a lone surrogate U+D800 at character 10)"


def test_an_json_escape_in_the_answer_is_the_records_error() -> None:
    d = qe_json()
    d["question"]["textesReponse"]["texteReponse"]["texte"] += ESCAPE
    with pytest.raises(ParseError, match=r"answer\.text \(a control character U\+001B"):
        parse_an_json(dump(d), JSON_URL)


def test_an_xml_far_future_date_is_the_records_error() -> None:
    xml = sample_bytes("an/q14-47351QE.vue.xml").decode("utf-8")
    published = "<DATE_JO>07/01/2014</DATE_JO>"
    assert published in xml
    with pytest.raises(ParseError) as refused:
        parse_an_xml(xml.replace(published, "<DATE_JO>31/12/9999</DATE_JO>", 1).encode(), XML_URL)
    assert refused.value.found == "9999-12-31"


# --- the Sénat's page and CSV ---------------------------------------------------------------------

def test_senat_page_far_future_answer_is_the_records_error() -> None:
    text = page_text("SEQ091211244").replace("publiée le 28/10/2010", "publiée le 28/10/9999")
    with pytest.raises(ParseError) as refused:
        parse_senat_text(text, SENAT_URL)
    assert refused.value.field.startswith("answer publication date (a date between")
    assert refused.value.found == "9999-10-28"


def test_senat_page_escape_in_the_text_is_the_records_error() -> None:
    text = page_text("SEQ091211244").replace("fusion-association", f"fusion{ESCAPE}association")
    with pytest.raises(ParseError, match=r"text \(a control character U\+001B"):
        parse_senat_page(page_from_text(text), SENAT_URL)


def test_senat_csv_poisoned_rows_are_set_aside_and_the_others_read() -> None:
    far = masson_answered() | {"Date de réponse JO": "31/12/9999"}
    escaped = paul_lapsed() | {"Titre": f"Titre{ESCAPE}"}
    good = masson_answered() | {"Référence": "SEQ091211245", "URL Question": ""}
    read = parse_senat_csv(csv_bytes([far, escaped, good]), CSV_URL)
    assert [row.id for row in read.rows] == ["SEQ091211245"]
    by_line = {rejected.line: rejected for rejected in read.rejected}
    assert by_line[2].column == "Date de réponse JO" and by_line[2].value == "31/12/9999"
    assert by_line[2].problem.startswith("not a plausible date")
    assert by_line[3].column == "Titre" and by_line[3].value == f"Titre{ESCAPE}"
    assert by_line[3].problem == "a control character U+001B at character 6"
    assert "\x1b" not in str(by_line[3])  # shown through repr()


# --- the AMO ----------------------------------------------------------------------------------------

def test_amo_far_future_mandate_is_the_members_error() -> None:
    actor = amo16_json(DE_COURSON)
    mandates = actor["acteur"]["mandats"]["mandat"]
    mandates[0]["dateDebut"] = "9999-12-31"
    with pytest.raises(ParseError) as refused:
        parse_actor(json.dumps(actor).encode(), "amo.zip#json/acteur/PA942.json")
    assert refused.value.field.startswith("mandats.mandat[0].dateDebut (a date between 01/01/1800 and")


def test_amo_placeholder_dates_of_1899_are_read() -> None:
    """The real AMO writes 1899-12-31 as a body's start (json/organe/PO211490.json of the 16th zip)."""
    body = parse_body(amo16_member("PO211490"), "amo.zip#json/organe/PO211490.json")
    assert body.start == date(1899, 12, 31)


def test_amo_surrogate_in_a_name_is_the_members_error() -> None:
    actor = amo16_json(DE_COURSON)
    actor["acteur"]["etatCivil"]["ident"]["nom"] = f"Courson{SURROGATE}"
    with pytest.raises(ParseError, match=r"etatCivil\.ident\.nom \(a lone surrogate"):
        parse_actor(json.dumps(actor).encode(), "amo.zip#json/acteur/PA942.json")

