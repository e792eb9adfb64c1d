"""AN parsers on the real samples; states no sample shows are derived from them by named transformations.

Expected values are read from the samples and ../shared/samples/an/SOURCES.md, not from the parser.
"""

from __future__ import annotations

import contextlib
import copy
import re
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scrapers.an import an_json_url, an_xml_url, author_from_text, parse_an_json, parse_an_xml, plain_text
from scrapers.model import ParseError
from scrapers.refs import parse_ref
from tests.an_variants import closed_as, dump, qe_json, renewed_on, signaled_on, transferred_to, without_answer
from tests.conftest import sample_bytes

JSON_URL = "https://www.assemblee-nationale.fr/dyn/opendata/QANR5L17QE5268.json"
XML_URL = "https://questions.assemblee-nationale.fr/q14/14-47351QE.htm/vue/xml"


def qe_xml() -> str:
    return sample_bytes("an/q14-47351QE.vue.xml").decode("utf-8")


# --- the real JSON sample: answered, not transferred, not signalée ------------------------------

def test_json_sample_answered() -> None:
    s = parse_an_json(sample_bytes("an/QANR5L17QE5268.json"), JSON_URL)
    assert s.ref == parse_ref("AN 17-5268")
    assert (s.chamber, s.legislature, s.number) == ("an", 17, 5268)
    assert s.url == JSON_URL
    assert s.status == "answered"
    assert s.title == "Révision de la terminologie des diamants synthétiques"
    assert s.rubric == "commerce et artisanat"
    assert s.author.name == "Olivia Grégoire" and s.author.civility == "Mme"
    assert (s.author.group, s.author.group_name) == ("EPR", "Ensemble pour la République")
    assert s.author.actor_ref == "PA721764"
    assert s.ministry_asked is not None and s.ministry_asked.id == "PO855083"
    assert s.ministry_asked.name == ("Ministère de l’économie, des finances et de la souveraineté "
                                     "industrielle et numérique")
    assert s.ministry_asked.short == "Économie, finances, souveraineté industrielle et numérique"
    assert [(a.ministry.id, a.date) for a in s.attributions] == [("PO855083", date(2025, 3, 25))]
    assert not s.transferred
    assert s.ministry == s.ministry_asked
    assert (s.published, s.published_page) == (date(2025, 3, 25), "1958")
    assert s.text is not None and s.text.startswith("Mme Olivia Grégoire interroge M. le ministre")
    assert "« laboratory-grown diamond »" in s.text and "<em>" not in s.text
    assert s.answer is not None
    assert (s.answer.date, s.answer.page) == (date(2025, 6, 3), "4348")
    assert s.answer.text.startswith("À la suite de la sollicitation d'un opérateur")
    assert "consomaation" in s.answer.text  # the source's own typo is kept
    assert "décret n° 2002-65 du 14 janvier 2002" in s.answer.text  # no-break spaces made plain
    assert "\xa0" not in s.answer.text
    assert s.answered == date(2025, 6, 3) and s.answer_hash == s.answer.text_hash
    assert s.closure is not None
    assert (s.closure.code, s.closure.label, s.closure.date) == ("REP_PUB", "Réponse publiée", date(2025, 6, 3))
    assert s.signaled == () and s.renewed == ()
    assert s.closed is None


def test_question_au_gouvernement_is_refused() -> None:
    url = "https://www.assemblee-nationale.fr/dyn/opendata/QANR5L16QG6.json"
    with pytest.raises(ParseError) as caught:
        parse_an_json(sample_bytes("an/QANR5L16QG6.json"), url)
    assert caught.value.field == "type" and "QG" in caught.value.found and url in str(caught.value)


# --- states derived from the real JSON sample ---------------------------------------------------

def test_pending() -> None:
    s = parse_an_json(dump(without_answer(qe_json())), JSON_URL)
    assert s.status == "pending"
    assert s.answer is None and s.answered is None and s.closure is None and s.closed is None


def test_transferred_keeps_the_dated_attributions() -> None:
    doc = transferred_to(without_answer(qe_json()), "Comptes publics", "Ministère chargé des comptes publics",
                         "PO999999", "2025-05-06")
    s = parse_an_json(dump(doc), JSON_URL)
    assert s.transferred and s.status == "pending"
    assert s.ministry is not None and s.ministry.name == "Ministère chargé des comptes publics"
    assert [a.date for a in s.attributions] == [date(2025, 3, 25), date(2025, 5, 6)]
    assert s.ministry_asked is not None and s.ministry_asked.id == "PO855083"


def test_signaled() -> None:
    s = parse_an_json(dump(signaled_on(without_answer(qe_json()), "2025-06-10")), JSON_URL)
    assert s.signaled == (date(2025, 6, 10),)


def test_renewed() -> None:
    s = parse_an_json(dump(renewed_on(without_answer(qe_json()), "2025-07-01", "2025-10-07")), JSON_URL)
    assert s.renewed == (date(2025, 7, 1), date(2025, 10, 7))


def test_closed_at_end_of_mandate_by_its_known_label() -> None:
    # The label of QANR5L15QE44415's page ("Fin de mandat"); its open-data code was never seen.
    s = parse_an_json(dump(closed_as(qe_json(), "FIN_MANDAT", "Fin de mandat", "2025-07-01")), JSON_URL)
    assert s.status == "closed" and s.closed == date(2025, 7, 1)
    assert s.closure is not None and (s.closure.code, s.closure.label) == ("FIN_MANDAT", "Fin de mandat")


def test_unknown_closure_code_is_an_error_not_a_guess() -> None:
    doc = closed_as(qe_json(), "RET_AUT", "Retrait par l'auteur", "2025-07-01")
    with pytest.raises(ParseError) as caught:
        parse_an_json(dump(doc), JSON_URL)
    assert caught.value.field == "closure code" and "RET_AUT" in caught.value.found


def test_closure_codes_from_config_map_new_codes() -> None:
    doc = closed_as(qe_json(), "RET_AUT", "Retrait par l'auteur", "2025-07-01")
    s = parse_an_json(dump(doc), JSON_URL, closure_codes={"RET_AUT": "withdrawn"})
    assert s.status == "withdrawn" and s.closed == date(2025, 7, 1)


def test_republished_answer_takes_the_last() -> None:
    """An erratum: the answer published twice, as a list, the second text corrected."""
    d = qe_json()
    first = d["question"]["textesReponse"]["texteReponse"]
    second = copy.deepcopy(first)
    second["infoJO"]["dateJO"] = "2025-06-17"
    second["texte"] = first["texte"].replace("consomaation", "consommation")
    d["question"]["textesReponse"]["texteReponse"] = [first, second]
    s = parse_an_json(dump(d), JSON_URL)
    assert s.answer is not None and s.answer.date == date(2025, 6, 17)
    assert "consommation" in s.answer.text
    assert s.answer.text_hash != parse_an_json(dump(qe_json()), JSON_URL).answer_hash


def test_dates_with_an_offset_are_dates() -> None:
    d = qe_json()
    d["question"]["textesQuestion"]["texteQuestion"]["infoJO"]["dateJO"] = "2025-03-25+01:00"
    assert parse_an_json(dump(d), JSON_URL).published == date(2025, 3, 25)


def test_analyses_as_a_list() -> None:
    d = qe_json()
    d["question"]["indexationAN"]["analyses"]["analyse"] = ["Diamants", "terminologie"]
    assert parse_an_json(dump(d), JSON_URL).title == "Diamants. terminologie"


@pytest.mark.parametrize("mutate, field", [
    (lambda d: d["question"]["textesQuestion"]["texteQuestion"]["infoJO"].update(dateJO="25/03/2025"),
     "texteQuestion.infoJO.dateJO"),
    (lambda d: d["question"]["textesQuestion"]["texteQuestion"]["infoJO"].update(dateJO="2025-02-30"),
     "texteQuestion.infoJO.dateJO"),
    (lambda d: d["question"].pop("textesQuestion"), "textesQuestion"),
    (lambda d: d["question"].pop("identifiant"), "identifiant"),
    (lambda d: d["question"]["identifiant"].update(numero="5269"), "identifiant.numero"),
    (lambda d: d["question"].update(uid="nonsense"), "identifier"),
    (lambda d: d["question"]["cloture"].update(dateCloture="hier"), "cloture.dateCloture"),
    (lambda d: d.pop("question"), "question"),
])
def test_bad_fields_name_url_and_field(mutate: Any, field: str) -> None:
    d = qe_json()
    mutate(d)
    with pytest.raises(ParseError) as caught:
        parse_an_json(dump(d), JSON_URL)
    assert caught.value.field == field
    assert JSON_URL in str(caught.value) and field in str(caught.value)


def test_html_error_page_is_not_json() -> None:
    with pytest.raises(ParseError) as caught:
        parse_an_json(b"<html><head><title>503 Service Unavailable</title></head></html>", JSON_URL)
    assert caught.value.field == "JSON document"


# --- the real XML sample: answered, renewed, re-attributed to the same ministry ------------------

def test_xml_sample_answered_and_renewed() -> None:
    s = parse_an_xml(qe_xml().encode(), XML_URL)
    assert s.ref == parse_ref("https://questions.assemblee-nationale.fr/q14/14-47351QE.htm")
    assert s.status == "answered"
    assert s.author.name == "François Cornut-Gentille" and s.author.civility == "M."
    assert (s.author.group, s.author.group_name) == ("LES-REP", "Les Républicains")
    assert s.author.constituency == "Haute-Marne (2e circonscription)"
    assert s.author.actor_ref == "923"
    assert s.rubric == "défense"
    assert s.title == "équipements militaires. vieillissement. bilan"
    assert s.ministry_asked is not None and s.ministry_asked.name == "Ministère de la défense"
    assert [(a.ministry.id, a.date) for a in s.attributions] == [
        ("653280", date(2014, 1, 7)), ("700737", date(2014, 4, 3))]
    assert not s.transferred  # same ministry under a new id after the change of government
    assert (s.published, s.published_page) == (date(2014, 1, 7), "18")
    assert s.text is not None and s.text.startswith("M. François Cornut-Gentille interroge M. le ministre")
    assert s.renewed == (date(2014, 4, 15),)
    assert s.signaled == ()
    assert s.answer is not None and (s.answer.date, s.answer.page) == (date(2014, 5, 13), "3858")
    assert s.answer.text.startswith("Les données relatives aux équipements du génie")
    assert "<td" not in s.answer.text and "VAB Génie 314 302" in s.answer.text
    assert s.closure is not None and (s.closure.code, s.closure.date) == ("REP_PUB", date(2014, 5, 13))


def xml_without_answer(xml: str) -> str:
    """An unanswered legacy question: the REPONSE and CLOTURE elements removed."""
    xml = re.sub(r"<REPONSE>.*?</REPONSE>", "", xml, flags=re.S)
    return re.sub(r"<CLOTURE>.*?</CLOTURE>", "", xml, flags=re.S)


def xml_signaled(xml: str, day: str) -> str:
    """The empty SIGNALEMENT of the sample filled with a JO date (dd/mm/yyyy like the other dates)."""
    return xml.replace("<SIGNALEMENT>\n        <DATE_JO/>", f"<SIGNALEMENT>\n        <DATE_JO>{day}</DATE_JO>")


def xml_transferred(xml: str) -> str:
    """The second attribution handed to another ministry instead of the same one under a new id."""
    return xml.replace("<ABREGE>Défense</ABREGE>\n            <DEVELOPPE>Ministère de la défense</DEVELOPPE>\n"
                       "            <ID_MINA>700737</ID_MINA>",
                       "<ABREGE>Intérieur</ABREGE>\n            <DEVELOPPE>Ministère de l'intérieur"
                       "</DEVELOPPE>\n            <ID_MINA>700738</ID_MINA>")


def test_xml_pending_signaled_transferred() -> None:
    xml = xml_transferred(xml_signaled(xml_without_answer(qe_xml()), "29/04/2014"))
    s = parse_an_xml(xml.encode(), XML_URL)
    assert s.status == "pending" and s.answer is None and s.closure is None
    assert s.signaled == (date(2014, 4, 29),)
    assert s.transferred and s.ministry is not None and s.ministry.name == "Ministère de l'intérieur"


def test_xml_error_page_with_status_200() -> None:
    page = b"<html><head><title>Error 503</title></head><body>Error 503</body></html>"
    with pytest.raises(ParseError) as caught:
        parse_an_xml(page, XML_URL)
    assert caught.value.field == "root element" and XML_URL in str(caught.value)


def test_xml_bad_date() -> None:
    with pytest.raises(ParseError) as caught:
        parse_an_xml(qe_xml().replace("<DATE_JO>07/01/2014</DATE_JO>", "<DATE_JO>7 janvier</DATE_JO>", 1).encode(),
                     XML_URL)
    assert caught.value.field == "DEPOT/DATE_JO"


# --- helpers --------------------------------------------------------------------------------------

def test_urls() -> None:
    assert an_json_url(parse_ref("AN 17-5268")) == JSON_URL
    assert an_json_url(parse_ref("AN 17-5268"), "http://127.0.0.1:8000/") == (
        "http://127.0.0.1:8000/dyn/opendata/QANR5L17QE5268.json")
    assert an_xml_url(parse_ref("14-47351QE")) == XML_URL


@pytest.mark.parametrize("text, expected", [
    ("Mme Olivia Grégoire interroge M. le ministre", ("Mme", "Olivia Grégoire")),
    ("M. François Cornut-Gentille interroge M. le ministre", ("M.", "François Cornut-Gentille")),
    ("Mme Marie-Pierre de La Gontrie demande à M. le ministre", ("Mme", "Marie-Pierre de La Gontrie")),
    ("M. Jean d'Ormesson attire l'attention", ("M.", "Jean d'Ormesson")),
    ("Le ministre", (None, None)),
])
def test_author_from_text(text: str, expected: tuple[str | None, str | None]) -> None:
    assert author_from_text(text) == expected


def test_plain_text() -> None:
    assert plain_text("a<em>b</em>&nbsp;c<br/>d\xa0e</br>f") == "ab c\nd e\nf"


# --- property tests: a snapshot or a ParseError, nothing else -----------------------------------

def _parses_or_parse_error(parser: Any, data: bytes, url: str) -> None:
    with contextlib.suppress(ParseError):
        parser(data, url)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_random_bytes(data: bytes) -> None:
    _parses_or_parse_error(parse_an_json, data, JSON_URL)
    _parses_or_parse_error(parse_an_xml, data, XML_URL)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_truncations_of_the_samples(data: st.DataObject) -> None:
    for parser, name, url in ((parse_an_json, "an/QANR5L17QE5268.json", JSON_URL),
                              (parse_an_json, "an/QANR5L16QG6.json", JSON_URL),
                              (parse_an_xml, "an/q14-47351QE.vue.xml", XML_URL)):
        whole = sample_bytes(name)
        cut = data.draw(st.integers(0, len(whole)))
        _parses_or_parse_error(parser, whole[:cut], url)


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_json_with_a_value_replaced(data: st.DataObject) -> None:
    """Any one value of the real record replaced by another JSON value: a snapshot or a ParseError."""
    document = qe_json()
    paths: list[list[Any]] = []

    def walk(node: Any, path: list[Any]) -> None:
        paths.append(path)
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, [*path, key])
    walk(document, [])
    path = data.draw(st.sampled_from(paths[1:]))
    replacement = data.draw(st.one_of(st.none(), st.integers(), st.text(max_size=12), st.lists(st.none()),
                                      st.dictionaries(st.text(max_size=3), st.none(), max_size=2)))
    node = document
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = replacement
    _parses_or_parse_error(parse_an_json, dump(document), JSON_URL)
