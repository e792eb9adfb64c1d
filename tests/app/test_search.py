"""Full-text search over every stored question: a real SQLite file holding the real questions of the
samples (stored through `bot.app.ingest.ingest`, as the bulk imports store them), searched through
`storage.search` and `relance search`: ranking, accents, phrases, hostile queries, filters, JSON.

The questions are those of tests/test_follow.py: the real AN sample, the real Sénat page texts, the
real La Gontrie page text and the Dossus question derived there (documented in `dossus_text`).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
import time_machine
from click.testing import CliRunner, Result
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlite_utils import Database

from bot.app.ingest import IngestReport, ingest
from bot.core.deadlines import PARIS
from bot.main import main
from scrapers.an import parse_an_json
from storage.db import open_db
from storage.search import MARK_END, MARK_START, SearchError, match_expression, search_questions
from tests.an_variants import dump, qe_json, transferred_to, without_answer
from tests.conftest import ConfigFactory
from tests.follow_questions import AN_JSON_URL, AN_UID, DOSSUS_UID, LAGONTRIE_UID, NOW, real_questions

MASSON = ["SEQ020238665", "SEQ091211244", "SEQ130606725", "SEQ181007406", "SEQ210723812"]


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = open_db(tmp_path / "relance.db")
    report = IngestReport()
    for q in real_questions():
        ingest(database, q, source="test-import", url=q.url, now=NOW, rules=(), report=report)
    assert report.new == 10
    yield database
    database.close()


def refs(db: Database, query: str, **filters: str) -> list[str]:
    return [hit.ref for hit in search_questions(db, query, **filters)]  # type: ignore[arg-type]


# --- what is found, in which order -------------------------------------------------------------------

def test_more_occurrences_in_a_shorter_text_rank_first(db: Database) -> None:
    # "communes" in each text, by reading them: SEQ210723812 5 times in 254 words (the question is
    # about communes whose town hall stands in another commune), SEQ020238665 twice in 144 words,
    # Dossus twice in 420, SEQ130606725 once in 100, SEQ091211244 once in 107, La Gontrie once in 498.
    found = refs(db, "communes")
    assert sorted(found) == sorted(["SEQ210723812", "SEQ020238665", DOSSUS_UID, "SEQ130606725", "SEQ091211244",
                                    LAGONTRIE_UID])
    assert found[0] == "SEQ210723812"
    assert found.index("SEQ020238665") < found.index(DOSSUS_UID)
    assert found[-1] == LAGONTRIE_UID
    hits = search_questions(db, "communes")
    assert [hit.rank for hit in hits] == [1, 2, 3, 4, 5, 6]


def test_every_word_must_be_there(db: Database) -> None:
    assert refs(db, "reconnaissance faciale") == [LAGONTRIE_UID]
    assert refs(db, "communes mairie") == ["SEQ210723812"]
    assert refs(db, "diamants nomades") == []


@pytest.mark.parametrize("query", ["securite", "sécurité", "SÉCURITÉ", "Securité", "se\u0301curite\u0301"])
def test_accents_and_case_are_folded(db: Database, query: str) -> None:
    # La Gontrie: "sécurité" 3 times ("forces de sécurité intérieure"); Dossus once ("le ministre
    # chargé de la sécurité").
    assert refs(db, query) == [LAGONTRIE_UID, DOSSUS_UID]


def test_phrases_keep_their_order(db: Database) -> None:
    assert refs(db, '"forces de securite interieure"') == [LAGONTRIE_UID]
    assert refs(db, '"interieure securite"') == []
    assert refs(db, "reconnaissance-faciale") == [LAGONTRIE_UID]  # a hyphenated word is a phrase
    assert refs(db, '"terminologie des diamants" synthetiques') == [AN_UID]


def test_a_word_finds_the_words_it_begins_and_quotes_match_whole(db: Database) -> None:
    # « caméras »: Dossus's question (twice) and La Gontrie's (three times), as their texts read.
    assert sorted(refs(db, "caméra")) == sorted([LAGONTRIE_UID, DOSSUS_UID])
    assert refs(db, '"caméra"') == []  # quoted: the word itself only, and neither text has it singular
    # « vidéosurveillance », typed in part.
    assert DOSSUS_UID in refs(db, "vidéosurv")
    assert refs(db, "camera", chamber="an") == []


def test_author_and_ministry_are_searched_too(db: Database) -> None:
    assert refs(db, "gregoire") == [AN_UID]
    assert sorted(refs(db, "masson")) == MASSON


def test_a_snippet_marks_the_words_found(db: Database) -> None:
    [hit] = search_questions(db, "reconnaissance faciale")
    assert hit.snippet is not None
    assert f"{MARK_START}reconnaissance{MARK_END} {MARK_START}faciale{MARK_END}" in hit.snippet
    assert hit.stored.snapshot is not None and hit.stored.snapshot.author.name == "Marie-Pierre de La Gontrie"


def test_the_index_follows_a_question_that_changes(db: Database) -> None:
    moved = parse_an_json(dump(transferred_to(without_answer(qe_json()), "Comptes publics",
                                              "Ministère chargé des comptes publics", "PO999999", "2025-05-06")),
                          AN_JSON_URL)
    ingest(db, moved, source="test-import", url=AN_JSON_URL, now=NOW, rules=(), report=IngestReport())
    assert refs(db, "diamants", ministry="comptes publics") == [AN_UID]
    assert refs(db, "diamants", ministry="économie") == []
    assert refs(db, "diamants") == [AN_UID]  # one row, updated, not two


# --- the user's query is words, never FTS5 syntax --------------------------------------------------

@pytest.mark.parametrize(("query", "expression"), [
    ("diamants synthétiques", '"diamants"* "synthétiques"*'),
    ('"terminologie des diamants"', '"terminologie des diamants"'),
    ('diamants"', '"diamants"*'),  # an unclosed quote ends with the query
    ('"diamants', '"diamants"'),
    ("diamants*", '"diamants"*'),
    ("-diamants", '"diamants"*'),
    ("title:diamants", '"title"* "diamants"*'),
    ("NEAR(diamants synthétiques, 2)", '"NEAR"* "diamants"* "synthétiques"* "2"'),
    ("diamants AND OR NOT", '"diamants"* "AND"* "OR" "NOT"*'),
    ("l'État", '"l" "État"*'),
    ("diamants diamants", '"diamants"*'),
])
def test_the_query_becomes_quoted_words(query: str, expression: str) -> None:
    assert match_expression(query) == expression


@pytest.mark.parametrize(("query", "found"), [
    ('"', None), ("*", None), ('""', None), ("   ", None), ("-:()^", None), ("", None),
    # "qzx:" has a column filter's look: it is only a word, which no question's word begins.
    ("NEAR(", []), ("qzx:", []), ("diamants*", [AN_UID]), ("-diamants", [AN_UID]), ('diamants"', [AN_UID]),
    ("title:diamants", []),  # "title" is a word like another: no question has it
    ("NEAR(diamants synthetiques)", []),  # nor "near"
    ("diamants OR nomades", []),  # "or" is a word: every word must be there
    ("{author}: masson", []),
])
def test_hostile_queries_are_words_or_a_clear_error(db: Database, query: str, found: list[str] | None) -> None:
    if found is None:
        with pytest.raises(SearchError, match="nothing to search for: give at least one word"):
            search_questions(db, query)
    else:
        assert refs(db, query) == found


@settings(max_examples=200, deadline=None)
@given(query=st.text(alphabet=st.sampled_from(list('"*:-^()+{} NEARORANDNOTcol\'é\x00')) | st.characters(),
                     max_size=30))
def test_no_query_breaks_the_search(tmp_path_factory: pytest.TempPathFactory, query: str) -> None:
    database = shared_db(tmp_path_factory)
    try:
        search_questions(database, query)
    except SearchError:
        pass
    except sqlite3.Error as error:  # pragma: no cover - what this test is here to catch
        pytest.fail(f"{query!r} broke the FTS5 syntax: {error}")


_SHARED: dict[str, Database] = {}


def shared_db(factory: pytest.TempPathFactory) -> Database:
    """One database for every hypothesis example (a function-scoped fixture would be shared anyway)."""
    if "db" not in _SHARED:
        database = open_db(factory.mktemp("search") / "relance.db")
        for q in real_questions():
            ingest(database, q, source="test-import", url=q.url, now=NOW, rules=(), report=IngestReport())
        _SHARED["db"] = database
    return _SHARED["db"]


# --- filters, in SQL -------------------------------------------------------------------------------

def test_filters(db: Database) -> None:
    assert refs(db, "ministre", chamber="an") == [AN_UID]
    assert sorted(refs(db, "ministre", author="masson")) == MASSON
    assert sorted(refs(db, "ministre", author="MASSON Jean-Louis")) == MASSON  # words, any order
    assert refs(db, "ministre", author="mass") == []  # whole words
    # The ministry holding the question: SEQ210723812, asked of the intérieur, went to the transition écologique.
    assert sorted(refs(db, "ministre", ministry="intérieur")) == sorted(
        ["SEQ020238665", "SEQ091211244", "SEQ130606725", LAGONTRIE_UID, DOSSUS_UID])
    assert refs(db, "communes", ministry="transition ecologique") == ["SEQ210723812"]
    assert sorted(refs(db, "ministre", status="pending")) == [DOSSUS_UID]
    assert sorted(refs(db, "ministre", status="lapsed", author="masson")) == [
        "SEQ020238665", "SEQ130606725", "SEQ210723812"]
    with pytest.raises(SearchError, match="the author filter holds no letter or digit"):
        search_questions(db, "ministre", author="--")


def test_limit(db: Database) -> None:
    assert len(search_questions(db, "ministre", limit=3)) == 3
    assert len(search_questions(db, "ministre")) == 10


# --- relance search ----------------------------------------------------------------------------------

@pytest.fixture
def config(make_config: ConfigFactory, tmp_path: Path, db: Database, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = make_config(watch=[{"ref": "SEQ221103705", "tags": ["vsa"]}])
    monkeypatch.setenv("RELANCE_DB", str(tmp_path / "relance.db"))
    return path


def run(config: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--config", str(config), *args])


@time_machine.travel(datetime(2025, 6, 9, 10, 0, tzinfo=PARIS), tick=False)
def test_json_has_the_keys_of_status_plus_rank(config: Path) -> None:
    result = run(config, "search", "diamants synthetiques", "--json")
    assert result.exit_code == 0, result.output
    [row] = json.loads(result.output)
    status = json.loads(run(config, "status", "--json").output)
    assert set(row) == set(status[0]) | {"rank"}
    # Published 25/03/2025, due 25/05/2025 (2 months, Règlement de l'Assemblée nationale, art. 135),
    # answered 03/06/2025: 9 days late.
    assert {k: row[k] for k in ("ref", "rank", "status", "deadline", "answered", "days_overdue", "url", "tags")} == {
        "ref": AN_UID, "rank": 1, "status": "answered", "deadline": "2025-05-25", "answered": "2025-06-03",
        "days_overdue": 9, "url": "https://www.assemblee-nationale.fr/dyn/17/questions/QANR5L17QE5268", "tags": []}
    assert (row["title"], row["author"]) == ("Révision de la terminologie des diamants synthétiques", "Olivia Grégoire")
    [watched] = json.loads(run(config, "search", "polices municipales", "--json").output)
    assert (watched["ref"], watched["tags"], watched["deadline"], watched["days_overdue"]) == (
        DOSSUS_UID, ["vsa"], "2023-01-10", 881)


@time_machine.travel(datetime(2025, 6, 9, 10, 0, tzinfo=PARIS), tick=False)
def test_text_output(config: Path) -> None:
    result = run(config, "search", "communes", "--chamber", "senat", "--status", "pending")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    # 80 columns when not a terminal: the label, the state, the deadline and the delay are never cut,
    # the lines wrap between them (bot/cli/table.py); the ministry abridged.
    assert lines[:5] == [
        "  1. Sénat 3705 (2022-11) · en attente · échéance 10/01/2023 · retard 881 j ·",
        "     suivie",
        "     Utilisation illégale des algorithmes de vidéosurveillance par les polices",
        "     municipales",
        "     Thomas Dossus · Intérieur et outre-mer"]
    assert lines[-2:] == ["     https://www.senat.fr/questions/base/2022/qSEQ221103705.html", "1 question trouvée"]
    assert "communes" in " ".join(lines[5:-2]) and all(len(line) <= 80 for line in lines)
    assert "\x1b" not in result.output and MARK_START not in result.output  # no terminal: no bold
    wide = run(config, "search", "communes", "--chamber", "senat", "--status", "pending", "--wide").output
    assert wide.splitlines()[:3] == [
        "  1. Sénat 3705 (2022-11) · en attente · échéance 10/01/2023 · retard 881 j · suivie",
        "     Utilisation illégale des algorithmes de vidéosurveillance par les polices municipales",
        "     Thomas Dossus · ministre de l'intérieur et des outre-mer"]
    nothing = run(config, "search", "diamants", "--chamber", "senat")
    assert nothing.output.startswith("aucune question enregistrée n'a ces mots")


@pytest.mark.parametrize("query", ["", "   ", '"', "*", ":-"])
def test_an_empty_query_is_one_line_and_code_1(config: Path, query: str) -> None:
    result = run(config, "search", query)
    assert result.exit_code == 1
    assert result.output == (f"relance: recherche {query!r} : rien à chercher : donner au moins un mot "
                             "(lettres ou chiffres)\n")
