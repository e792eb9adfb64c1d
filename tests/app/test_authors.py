"""AN authors named from the AN's real AMO files, on the question's publication date: in the bulk
ingest, in the check cycle, and for questions stored before the actors arrived (renamed with no event).

The questions are the real QANR5L17QE5268.json, and copies of it renumbered and given another real
actor's acteurRef (tests/amo_files.py names each transformation). Expected names and groups are read
from the AMO files (../shared/samples/an/amo/SOURCES.md)."""

from __future__ import annotations

import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from sqlite_utils import Database

from bot.app.authors import name_author
from bot.app.check import check_once
from bot.app.config import Config, load_config
from bot.app.import_actors import import_actors
from bot.app.import_an import import_an
from bot.app.ingest import IngestReport, ingest
from bot.core.deadlines import PARIS
from scrapers.an import an_json_url, parse_an_json
from scrapers.model import Author, Ministry, QuestionSnapshot
from storage.db import open_db
from storage.followed import list_followed
from storage.questions import get_question, list_events
from storage.search import search_questions
from tests.amo_files import (
    DE_COURSON,
    GREGOIRE,
    LE_PEN,
    THOMIN,
    TREE_2025,
    TREE_2026,
    abridged_ministry,
    amo16_path,
    asked_by,
    text_without_author,
    tree_zip,
)
from tests.an_variants import dump, qe_json
from tests.app.an_archives import set_dates
from tests.conftest import ConfigFactory

NOW = datetime(2026, 5, 4, 9, 0, tzinfo=PARIS)
ECONOMY = "Ministère de l’économie, des finances et de la souveraineté industrielle et numérique"
ECONOMY_SHORT = "Économie, finances, souveraineté industrielle et numérique"


def snapshot_of(document: dict[str, Any]) -> QuestionSnapshot:
    uid = document["question"]["uid"]
    return parse_an_json(dump(document), f"https://www.assemblee-nationale.fr/dyn/opendata/{uid}.json")


def stored_author(db: Database, uid: str) -> Author:
    stored = get_question(db, uid)
    assert stored is not None and stored.snapshot is not None
    return stored.snapshot.author


@pytest.fixture
def config(make_config: ConfigFactory) -> Config:
    return load_config(make_config())


@pytest.fixture
def db(config: Config) -> Database:
    return open_db(config.storage.path)


def store(db: Database, snapshot: QuestionSnapshot, config: Config) -> IngestReport:
    report = IngestReport()
    ingest(db, snapshot, source="an-archive", url=snapshot.url, now=NOW, rules=config.follow, report=report)
    return report


# --- the 17th legislature: Olivia Grégoire, author of QE5268 --------------------------------------


def test_the_real_question_named_from_the_17th_tree(config: Config, db: Database, tmp_path: Path) -> None:
    import_actors(config, db, now=lambda: NOW, file=tree_zip(TREE_2025, tmp_path / "amo.zip"))
    # The text does not name her: the name comes from the actor PA721764, her group from her mandate
    # PM845550 (EPR from 2024-07-19), on the publication date, 2025-03-25.
    store(db, snapshot_of(text_without_author(qe_json())), config)
    assert stored_author(db, "QANR5L17QE5268") == Author(
        name="Olivia Grégoire", civility="Mme", group="EPR", group_name="Ensemble pour la République",
        actor_ref=GREGOIRE)


def test_without_actors_the_parser_reading_stays(db: Database) -> None:
    snapshot = snapshot_of(qe_json())
    assert name_author(db, snapshot) is snapshot
    assert snapshot.author == Author(name="Olivia Grégoire", civility="Mme", group="EPR",
                                     group_name="Ensemble pour la République", actor_ref=GREGOIRE)


# --- the 16th legislature: renumbered copies by other real actors ----------------------------------


@pytest.fixture
def amo16_db(config: Config, db: Database) -> Database:
    import_actors(config, db, now=lambda: NOW, file=amo16_path())
    return db


def by(actor_ref: str, number: int, published: date) -> QuestionSnapshot:
    document = asked_by(qe_json(), actor_ref, 16, number)
    set_dates(document, published, published.replace(year=published.year + 1))
    return snapshot_of(document)


@pytest.mark.parametrize(("actor_ref", "published", "author"), [
    # Mélanie Thomin's three successive groups: NI, then SOC PO800496, then SOC PO830170.
    (THOMIN, date(2022, 6, 27), Author("Mélanie Thomin", "Mme", "NI", "Non inscrit", actor_ref=THOMIN)),
    (THOMIN, date(2022, 7, 13), Author("Mélanie Thomin", "Mme", "SOC",
                                       "Socialistes et apparentés (membre de l’intergroupe NUPES)", actor_ref=THOMIN)),
    (THOMIN, date(2023, 11, 7), Author("Mélanie Thomin", "Mme", "SOC", "Socialistes et apparentés",
                                       actor_ref=THOMIN)),
    (DE_COURSON, date(2023, 2, 14), Author("Charles de Courson", "M.", "LIOT",
                                           "Libertés, Indépendants, Outre-mer et Territoires", actor_ref=DE_COURSON)),
    # A group president: a Membre and a Président mandate on the same group, one answer.
    (LE_PEN, date(2023, 2, 14), Author("Marine Le Pen", "Mme", "RN", "Rassemblement National", actor_ref=LE_PEN)),
])
def test_renumbered_copies_by_other_actors(amo16_db: Database, config: Config, actor_ref: str, published: date,
                                           author: Author) -> None:
    snapshot = by(actor_ref, 90001, published)
    assert snapshot.author.name == "Olivia Grégoire"  # what the copied text says
    store(amo16_db, snapshot, config)
    assert stored_author(amo16_db, "QANR5L16QE90001") == author


def test_an_actor_the_files_do_not_hold_keeps_the_parser_reading(amo16_db: Database) -> None:
    snapshot = by("PA795962", 90002, date(2023, 2, 14))  # an actor of the 17th tree only
    assert name_author(amo16_db, snapshot) is snapshot


# --- actors arriving after the questions ------------------------------------------------------------


def test_actors_imported_after_the_questions_rename_them_with_no_event(config: Config, db: Database,
                                                                       tmp_path: Path) -> None:
    store(db, snapshot_of(text_without_author(qe_json())), config)
    assert stored_author(db, "QANR5L17QE5268").name is None
    events = list_events(db)
    assert search_questions(db, "diamants", author="Grégoire") == []

    report = import_actors(config, db, now=lambda: NOW, file=tree_zip(TREE_2025, tmp_path / "amo.zip"))
    assert (report.actors, report.bodies, report.skipped, report.renamed, report.matched) == (1, 5, 1, 1, 0)
    assert stored_author(db, "QANR5L17QE5268").name == "Olivia Grégoire"
    assert list_events(db) == events  # a name is not a change of state
    stored = get_question(db, "QANR5L17QE5268")
    assert stored is not None and stored.last_change == events[0].seen_at
    # The full-text index follows the stored author.
    assert [hit.ref for hit in search_questions(db, "diamants", author="Grégoire")] == ["QANR5L17QE5268"]
    # Imported again: nothing left to rename.
    assert import_actors(config, db, now=lambda: NOW, file=tree_zip(TREE_2025, tmp_path / "amo.zip")).renamed == 0


RULE = {"follow": [{"name": "Grégoire", "author": "Olivia Grégoire", "tags": ["economie"]}]}


def test_a_rule_by_author_finds_a_question_whose_text_does_not_name_her(make_config: ConfigFactory,
                                                                          tmp_path: Path) -> None:
    config = load_config(make_config(extra="", **RULE))
    db = open_db(config.storage.path)
    store(db, snapshot_of(text_without_author(qe_json())), config)
    assert list_followed(db) == []  # no actors yet: no author to find
    report = import_actors(config, db, now=lambda: NOW, file=tree_zip(TREE_2025, tmp_path / "amo.zip"))
    assert (report.renamed, report.matched) == (1, 1)
    assert [(f.ref, f.rules, f.tags) for f in list_followed(db)] == [("QANR5L17QE5268", ("Grégoire",), ("economie",))]
    assert [(e.kind, e.key) for e in report.events] == [("matched", "Grégoire")]
    # And a question read once the actors are known is found at once by the ingest.
    other = asked_by(text_without_author(qe_json()), GREGOIRE, 17, 9999)
    assert store(db, snapshot_of(other), config).matched == 1


# --- ministries ---------------------------------------------------------------------------------------


def test_the_ministry_named_from_the_bodies_else_the_question_labels(config: Config, db: Database,
                                                                      tmp_path: Path) -> None:
    snapshot = snapshot_of(abridged_ministry(qe_json()))
    assert snapshot.ministry_asked == Ministry(ECONOMY_SHORT, ECONOMY_SHORT, "PO855083")
    # The 2026 tree dropped the closed ministry PO855083: the question's own labels stay.
    import_actors(config, db, now=lambda: NOW, file=tree_zip(TREE_2026, tmp_path / "2026.zip"))
    named = name_author(db, snapshot)
    assert named.ministry_asked == snapshot.ministry_asked
    assert named.author.name == "Olivia Grégoire"
    # The 2025 tree holds it: its full name, by its ref.
    import_actors(config, db, now=lambda: NOW, file=tree_zip(TREE_2025, tmp_path / "2025.zip"))
    named = name_author(db, snapshot)
    assert named.ministry_asked == Ministry(ECONOMY, ECONOMY_SHORT, "PO855083")
    assert named.attributions[-1].ministry == Ministry(ECONOMY, ECONOMY_SHORT, "PO855083")
    assert named.answer is not None and named.answer.ministry == ECONOMY
    assert not named.transferred


# --- the check cycle names the same way --------------------------------------------------------------


def test_a_renamed_question_is_not_changed_for_the_next_check(make_config: ConfigFactory, httpserver: HTTPServer,
                                                               tmp_path: Path) -> None:
    path = "/dyn/opendata/QANR5L17QE5268.json"
    httpserver.expect_request(path).respond_with_data(dump(text_without_author(qe_json())),
                                                      content_type="application/json")
    site = httpserver.url_for("").rstrip("/")
    config = load_config(make_config(site=site, watch=["AN 17-5268"]))
    db = open_db(config.storage.path)
    first = check_once(config, db, now=lambda: NOW)
    assert (first.checked, first.changed) == (1, 1)
    assert stored_author(db, "QANR5L17QE5268").name is None

    import_actors(config, db, now=lambda: NOW, file=tree_zip(TREE_2025, tmp_path / "amo.zip"))
    assert stored_author(db, "QANR5L17QE5268").name == "Olivia Grégoire"
    events = list_events(db)
    # An answered question is read again after [check] recheck_closed_days (7).
    again = check_once(config, db, now=lambda: NOW + timedelta(days=8))
    assert (again.checked, again.changed, again.events) == (1, 0, [])
    assert list_events(db) == events
    stored = get_question(db, "QANR5L17QE5268")
    assert stored is not None and stored.snapshot is not None
    assert stored.snapshot.url == an_json_url(stored.snapshot.ref, site)
    assert stored.snapshot.author.group == "EPR"


def test_the_archive_import_names_and_finds_by_author(make_config: ConfigFactory, tmp_path: Path) -> None:
    """`relance import an --file`: the archive's questions are named from the actors imported before,
    and a rule by author finds one whose text does not name its author."""
    config = load_config(make_config(**RULE))
    db = open_db(config.storage.path)
    import_actors(config, db, now=lambda: NOW, file=tree_zip(TREE_2025, tmp_path / "amo.zip"))
    archive = tmp_path / "Questions_ecrites.json.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("json/QANR5L17QE5268.json", dump(text_without_author(qe_json())))
    report = import_an(config, db, now=lambda: NOW, file=archive)
    assert (report.read, report.new, report.matched) == (1, 1, 1)
    assert stored_author(db, "QANR5L17QE5268").name == "Olivia Grégoire"
    assert [f.ref for f in list_followed(db)] == ["QANR5L17QE5268"]
