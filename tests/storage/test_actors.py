"""The actors' store on the AN's real AMO files: who the author of a real question was, and in which
group, on the question's date; what a newer import replaces and what it keeps. Expected values are
read from the files (../shared/samples/an/amo/SOURCES.md), not from the store."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlite_utils import Database

from scrapers.an_actors import Actor, AmoArchive, Body
from storage.actors import actor_counts, author_on, get_body, save_actors, save_bodies
from storage.db import open_db
from tests.amo_files import GREGOIRE, LE_PEN, THOMIN, TREE_2025, TREE_2026, amo16_path, tree_zip
from tests.conftest import sample_bytes


def load(db: Database, path: Path) -> None:
    with AmoArchive(path) as archive:
        records = list(archive.records())
    save_actors(db, [r for r in records if isinstance(r, Actor)])
    save_bodies(db, [r for r in records if isinstance(r, Body)])


@pytest.fixture(scope="module")
def amo16_db(tmp_path_factory: pytest.TempPathFactory) -> Database:
    db = open_db(tmp_path_factory.mktemp("amo16") / "relance.db")
    load(db, amo16_path())
    return db


def test_counts(amo16_db: Database) -> None:
    counts = actor_counts(amo16_db)
    assert (counts.actors, counts.bodies) == (1075, 798)
    assert counts.mandates > 20_000  # every mandate of 1,075 careers, some over decades


def test_the_author_of_the_real_qg_on_its_date(amo16_db: Database) -> None:
    """QANR5L16QG6.json names its author by ref only (PA793816) and its group by ref (PO800496), on
    2022-07-13 (its JO date; a QG's text sits in the answer)."""
    q = json.loads(sample_bytes("an/QANR5L16QG6.json"))["question"]
    day = date.fromisoformat(q["textesReponse"]["texteReponse"]["infoJO"]["dateJO"])
    found = author_on(amo16_db, q["auteur"]["identite"]["acteurRef"], day)
    assert found is not None
    assert (found.civility, found.name) == ("Mme", "Mélanie Thomin")
    assert found.group_ref == q["auteur"]["groupe"]["organeRef"] == "PO800496"
    assert (found.group, found.group_name) == ("SOC", q["auteur"]["groupe"]["developpe"])


@pytest.mark.parametrize(("day", "group_ref", "group"), [
    (date(2022, 6, 22), "PO793087", "NI"),  # the first week: non-inscrite
    (date(2022, 6, 28), "PO793087", "NI"),  # the last day of that mandate (dates are inclusive)
    (date(2022, 6, 29), "PO800496", "SOC"),
    (date(2023, 10, 18), "PO800496", "SOC"),
    (date(2023, 10, 19), "PO830170", "SOC"),  # re-formed: libelleAbrege SOC (libelleAbrev SOC-A)
    (date(2024, 6, 9), "PO830170", "SOC"),
])
def test_the_group_on_each_day(amo16_db: Database, day: date, group_ref: str, group: str) -> None:
    found = author_on(amo16_db, THOMIN, day)
    assert found is not None and (found.group_ref, found.group) == (group_ref, group)


def test_no_group_outside_the_mandates(amo16_db: Database) -> None:
    found = author_on(amo16_db, THOMIN, date(2021, 1, 1))
    assert found is not None and found.name == "Mélanie Thomin"
    assert (found.group_ref, found.group, found.group_name) == (None, None, None)


def test_a_group_president_has_one_group(amo16_db: Database) -> None:
    """Marine Le Pen holds a Membre and a Président mandate on the RN group from 2022-06-29."""
    found = author_on(amo16_db, LE_PEN, date(2023, 3, 1))
    assert found is not None
    assert (found.civility, found.name, found.group_ref, found.group, found.group_name) == (
        "Mme", "Marine Le Pen", "PO800520", "RN", "Rassemblement National")


def test_an_unknown_actor(amo16_db: Database) -> None:
    # PA795962, whose déport the 17th tree records, is in no file of the 16th zip.
    assert author_on(amo16_db, "PA795962", date(2023, 3, 1)) is None


def test_ministries_that_share_a_name_are_told_apart_by_ref(amo16_db: Database) -> None:
    first, second = get_body(amo16_db, "PO791605"), get_body(amo16_db, "PO826644")
    assert first is not None and second is not None
    assert first.short == second.short == "Santé et prévention"
    assert (first.end, second.start) == (date(2023, 7, 20), date(2023, 7, 21))
    assert get_body(amo16_db, "PO999999999") is None


def test_a_newer_import_replaces_the_mandates_and_keeps_dropped_bodies(tmp_path: Path) -> None:
    db = open_db(tmp_path / "relance.db")
    load(db, tree_zip(TREE_2025, tmp_path / "2025.zip"))
    before = {uid for (uid,) in db.execute("SELECT uid FROM mandates WHERE actor = ?", [GREGOIRE])}
    load(db, tree_zip(TREE_2026, tmp_path / "2026.zip"))
    after = {uid for (uid,) in db.execute("SELECT uid FROM mandates WHERE actor = ?", [GREGOIRE])}
    # Renewed mandate ids: PARPOL PM853871 became PM875994, COMPER PM871448 became PM880522.
    assert {"PM853871", "PM871448"} <= before and not {"PM853871", "PM871448"} & after
    assert {"PM875994", "PM880522", "PM845550", "PM843416"} <= after
    assert len(after) == 14
    # The 2026 tree dropped the closed ministry PO855083; the store keeps what the 2025 one said.
    ministry = get_body(db, "PO855083")
    assert ministry is not None and ministry.short == "Économie, finances, souveraineté industrielle et numérique"
    government = get_body(db, "PO855052")
    assert government is not None and government.end == date(2025, 9, 9)  # updated by the newer file
    found = author_on(db, GREGOIRE, date(2025, 3, 25))
    assert found is not None and (found.name, found.group, found.group_name) == (
        "Olivia Grégoire", "EPR", "Ensemble pour la République")
