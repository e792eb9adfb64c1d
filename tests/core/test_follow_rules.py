"""Follow rules on real questions: the matcher (accents, case, punctuation, author, ministry, chamber)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from bot.app.config import load_config
from bot.core.follow import has_words, matching_rules, rule_matches
from tests.follow_questions import (
    BUNDLED,
    DOSSUS_UID,
    LAGONTRIE_UID,
    an,
    dossus,
    lagontrie,
    real_questions,
    rule,
    senat,
)
from tests.senat_pages import PAGE_TEXTS


def test_the_derived_dossus_question_reads_as_its_nossenateurs_text_says() -> None:
    q = dossus()
    assert (q.ref.uid, q.status, q.published, q.author.name) == (DOSSUS_UID, "pending", date(2022, 11, 10),
                                                               "Thomas Dossus")
    assert q.title == "Utilisation illégale des algorithmes de vidéosurveillance par les polices municipales"
    assert q.ministry_asked is not None and q.ministry_asked.name == "ministre de l'intérieur et des outre-mer"
    assert q.text is not None and q.text.startswith("M. Thomas Dossus interroge M. le ministre de l'intérieur")
    assert q.text.endswith("pour définir ses futures politiques publiques.")



# --- the matcher -----------------------------------------------------------------------------------
# Decision: a keyword is words in a row; accents, case and whatever spaces or punctuation stand between
# the words are ignored, as SQLite's full-text search does: "reconnaissance-faciale" is the phrase
# "reconnaissance faciale". Words are whole: no prefix, no singular for a plural.

@pytest.mark.parametrize("keyword", ["reconnaissance faciale", "RECONNAISSANCE FACIALE", "Reconnaissance Faciale",
                                     "reconnaissance-faciale", "reconnaissance   faciale", "reconnaissance, faciale"])
def test_a_phrase_matches_whatever_its_case_and_punctuation(keyword: str) -> None:
    # La Gontrie: "… l'usage de la reconnaissance faciale par les forces de sécurité intérieure …"
    assert rule_matches(rule(keywords=[keyword]), lagontrie())


@pytest.mark.parametrize("keyword", ["reconnaissance facial", "faciale reconnaissance", "reconnaissance fac",
                                     "econnaissance faciale"])
def test_a_phrase_is_whole_words_in_their_order(keyword: str) -> None:
    assert not rule_matches(rule(keywords=[keyword]), lagontrie())


@pytest.mark.parametrize(("keyword", "found"), [
    ("vidéosurveillance", True),  # "des algorithmes de vidéosurveillance"
    ("videosurveillance", True),  # accents folded
    ("VIDEOSURVEILLANCE", True),
    ("vidéo surveillance", True),  # "pour la vidéo-surveillance"
    ("video-surveillance", True),
    ("caméras augmentées", True),  # "des caméras « augmentées »": guillemets are punctuation
    ("cameras augmentees", True),
    ("vidéosurv", False),  # no prefix
    ("vidéosurveillances", False),
    ("reconnaissance faciale", False),
])
def test_video_surveillance_with_and_without_accents(keyword: str, found: bool) -> None:
    assert rule_matches(rule(keywords=[keyword]), dossus()) is found


def test_any_keyword_and_title_or_text() -> None:
    q = an()
    assert q.title == "Révision de la terminologie des diamants synthétiques"
    assert rule_matches(rule(keywords=["DIAMANTS SYNTHETIQUES"]), q)
    assert rule_matches(rule(keywords=["reconnaissance faciale", "pierres gemmes"]), q)  # text: "pierres gemmes"
    assert rule_matches(rule(keywords=["diamant naturel"]), q)  # "… le marché du diamant naturel"
    assert not rule_matches(rule(keywords=["diamants naturels"]), q)  # the plural is another word
    assert rule_matches(rule(keywords=["commerce et artisanat"]), q)  # the rubric (analysis)


@pytest.mark.parametrize(("author", "found"), [
    ("Grégoire", True), ("gregoire", True), ("Olivia GRÉGOIRE", True), ("Grégoire Olivia", True),
    ("Grég", False), ("Masson", False),
])
def test_author_words_accents_and_case_folded(author: str, found: bool) -> None:
    assert rule_matches(rule(author=author), an()) is found


def test_author_in_the_senat_and_whole_words_only() -> None:
    # The Sénat writes "MASSON Jean Louis", relance "Jean Louis Masson"; the text says "Jean-Louis".
    masson = [uid for uid in PAGE_TEXTS if rule_matches(rule(author="Jean-Louis Masson"), senat(uid))]
    assert masson == ["SEQ020238665", "SEQ091211244", "SEQ130606725", "SEQ181007406", "SEQ210723812"]
    assert has_words("masson", "Jean Louis Masson") and not has_words("masson", "Jean Massonnet")


def test_ministry_asked_or_holding() -> None:
    transferred = senat("SEQ210723812")  # asked: ministre de l'intérieur; transferred to the transition écologique
    assert rule_matches(rule(ministry="intérieur"), transferred)
    assert rule_matches(rule(ministry="Transition écologique"), transferred)
    assert not rule_matches(rule(ministry="économie"), transferred)
    assert rule_matches(rule(ministry="ECONOMIE"), an())


def test_every_condition_must_hold_and_the_chamber_too() -> None:
    mairie = rule(author="Masson", keywords=["mairie"], chamber="senat")
    assert [q.ref.uid for q in real_questions() if rule_matches(mairie, q)] == ["SEQ210723812"]
    assert not rule_matches(rule(keywords=["reconnaissance faciale"], chamber="an"), lagontrie())
    assert rule_matches(rule(keywords=["reconnaissance faciale"], chamber="senat"), lagontrie())
    assert not rule_matches(rule(keywords=["diamants"], chamber="senat"), an())


def test_the_bundled_rules_find_the_facial_recognition_and_vsa_questions_only() -> None:
    rules = load_config(BUNDLED).follow
    assert [r.name for r in rules] == ["Reconnaissance faciale", "Vidéosurveillance algorithmique"]
    assert all(r.tags == ("vsa",) and r.chamber is None for r in rules)  # both chambers
    found = {q.ref.uid: [r.name for r in matching_rules(rules, q)] for q in real_questions()}
    assert {uid: names for uid, names in found.items() if names} == {
        LAGONTRIE_UID: ["Reconnaissance faciale"], DOSSUS_UID: ["Vidéosurveillance algorithmique"]}


@pytest.mark.parametrize(("fields", "problem"), [
    ({"tags": ["x"]}, "donner au moins l'un de keywords, author ou ministry"),
    ({"keywords": ["«»"]}, "le mot-clé \"«»\" n'a ni lettre ni chiffre"),
    ({"keywords": [" "]}, "n'a ni lettre ni chiffre"),
    ({"author": "-"}, "author = \"-\" : ni lettre ni chiffre"),
])
def test_a_rule_that_would_match_everything_is_refused(fields: dict[str, Any], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        rule(**fields)
