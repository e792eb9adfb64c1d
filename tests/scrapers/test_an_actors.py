"""The AMO reader on the AN's real files: the 16th-legislature zip and the 17th's AMO10 trees (packed
into a zip); broken and unusual members are derived from real ones by the named transformations of
tests/amo_files.py. Expected values are read from the files and their SOURCES.md, not from the reader.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from scrapers.an_actors import Actor, AmoArchive, AmoFileError, Body, MemberError, parse_actor, parse_body
from scrapers.model import ParseError
from tests.amo_files import (
    DE_COURSON,
    GREGOIRE,
    THOMIN,
    TREE_2025,
    TREE_2026,
    amo16_json,
    amo16_member,
    amo16_path,
    dump,
    member_name,
    nil_civility,
    single_mandate,
    subset_zip,
    tree_zip,
    truncated,
)


def read_all(path: Path) -> tuple[dict[str, Actor], dict[str, Body], list[MemberError], int]:
    with AmoArchive(path) as archive:
        records = list(archive.records())
        skipped = archive.skipped
    actors = {r.uid: r for r in records if isinstance(r, Actor)}
    bodies = {r.uid: r for r in records if isinstance(r, Body)}
    return actors, bodies, [r for r in records if isinstance(r, MemberError)], skipped


@pytest.fixture(scope="module")
def amo16() -> tuple[dict[str, Actor], dict[str, Body], list[MemberError], int]:
    return read_all(amo16_path())


def test_the_16th_zip_whole(amo16: tuple[dict[str, Actor], dict[str, Body], list[MemberError], int]) -> None:
    actors, bodies, errors, skipped = amo16
    assert (len(actors), len(bodies), errors, skipped) == (1075, 798, [], 0)


def test_melanie_thomin_and_her_three_group_mandates(
        amo16: tuple[dict[str, Actor], dict[str, Body], list[MemberError], int]) -> None:
    thomin = amo16[0][THOMIN]
    assert (thomin.civility, thomin.first_name, thomin.surname, thomin.name) == (
        "Mme", "Mélanie", "Thomin", "Mélanie Thomin")
    groups = sorted((m.start, m.end, m.organ_refs, m.quality, m.uid) for m in thomin.mandates
                    if m.organ_type == "GP")
    assert groups == [
        (date(2022, 6, 22), date(2022, 6, 28), ("PO793087",), "Député non-inscrit", "PM796549"),
        (date(2022, 6, 29), date(2023, 10, 18), ("PO800496",), "Membre", "PM800909"),
        (date(2023, 10, 19), date(2024, 6, 9), ("PO830170",), "Membre", "PM830180"),
    ]
    assembly = next(m for m in thomin.mandates if m.uid == "PM796548")  # the QG's mandatRef
    assert (assembly.organ_type, assembly.legislature, assembly.organ_refs) == ("ASSEMBLEE", 16, ("PO791932",))
    # A PARPOL mandate has a nil legislature.
    assert next(m for m in thomin.mandates if m.uid == "PM806983").legislature is None


def test_names_as_the_an_writes_them(amo16: tuple[dict[str, Actor], dict[str, Body], list[MemberError], int]) -> None:
    assert amo16[0][DE_COURSON].name == "Charles de Courson"
    assert amo16[0][DE_COURSON].civility == "M."


def test_bodies(amo16: tuple[dict[str, Actor], dict[str, Body], list[MemberError], int]) -> None:
    bodies = amo16[1]
    soc = bodies["PO800496"]
    assert (soc.type, soc.name, soc.short, soc.abbreviation, soc.start, soc.end) == (
        "GP", "Socialistes et apparentés (membre de l’intergroupe NUPES)", "SOC", "SOC", date(2022, 6, 28),
        date(2023, 10, 18))
    # Three ministries share one abridged name: only the ref tells them apart.
    health = [bodies[ref] for ref in ("PO791605", "PO826644", "PO834740")]
    assert {b.short for b in health} == {"Santé et prévention"}
    assert {b.type for b in health} == {"MINISTERE"}
    assert health[0].parent == "PO791579"  # the Borne government
    assert bodies["PO791579"].type == "GOUVERNEMENT" and bodies["PO791579"].short == "BORNE"


def test_a_mandate_in_several_bodies(amo16: tuple[dict[str, Actor], dict[str, Body], list[MemberError], int]) -> None:
    mission = next(m for m in amo16[0]["PA794878"].mandates if m.uid == "PM838822")
    assert mission.organ_refs == ("PO833675", "PO833679", "PO833683", "PO834742", "PO834744")


def test_the_17th_tree_of_july_2025(tmp_path: Path) -> None:
    actors, bodies, errors, skipped = read_all(tree_zip(TREE_2025, tmp_path / "amo10.zip"))
    assert errors == []
    assert skipped == 1  # deport/DPTR5L17PA795962D0001.json: neither actor nor body
    gregoire = actors[GREGOIRE]
    assert (gregoire.civility, gregoire.name) == ("Mme", "Olivia Grégoire")
    group = next(m for m in gregoire.mandates if m.uid == "PM845550")
    assert (group.organ_type, group.organ_refs, group.quality, group.start, group.end) == (
        "GP", ("PO845407",), "Membre", date(2024, 7, 19), None)
    assert set(bodies) == {"PO838901", "PO840056", "PO845407", "PO855052", "PO855083"}
    assert bodies["PO845407"].abbreviation == "EPR"
    assert bodies["PO855083"].name == ("Ministère de l’économie, des finances et de la souveraineté "
                                       "industrielle et numérique")


def test_the_17th_tree_of_april_2026_has_dropped_a_closed_ministry(tmp_path: Path) -> None:
    actors, bodies, errors, skipped = read_all(tree_zip(TREE_2026, tmp_path / "amo10.zip"))
    assert (errors, skipped, list(actors)) == ([], 0, [GREGOIRE])
    assert "PO855083" not in bodies
    assert bodies["PO855052"].end == date(2025, 9, 9)  # the Bayrou government, closed


def test_a_broken_member_is_reported_and_the_others_read(tmp_path: Path) -> None:
    path = subset_zip(tmp_path / "amo.zip", [THOMIN, "PO800496"],
                      {member_name(DE_COURSON): truncated(amo16_member(DE_COURSON))})
    actors, bodies, errors, _ = read_all(path)
    assert list(actors) == [THOMIN] and list(bodies) == ["PO800496"]
    assert [e.member for e in errors] == ["json/acteur/PA942.json"]
    assert "amo.zip#json/acteur/PA942.json" in errors[0].error and "JSON document" in errors[0].error


def test_a_member_holding_another_actor_is_refused(tmp_path: Path) -> None:
    path = subset_zip(tmp_path / "amo.zip", [], {member_name(DE_COURSON): amo16_member(THOMIN)})
    with AmoArchive(path) as archive:
        (error,) = list(archive.records())
    assert isinstance(error, MemberError) and "holds PA793816, but is named after PA942" in error.error


def test_a_single_mandate_written_as_an_object() -> None:
    actor = parse_actor(dump(single_mandate(amo16_json(THOMIN), "PM800909")), "x#member")
    assert [(m.uid, m.organ_refs) for m in actor.mandates] == [("PM800909", ("PO800496",))]


def test_a_nil_written_as_an_object() -> None:
    assert parse_actor(dump(nil_civility(amo16_json(THOMIN))), "x#member").civility is None


def test_a_field_of_the_wrong_shape_names_the_member_and_the_field() -> None:
    document = amo16_json(THOMIN)
    document["acteur"]["mandats"]["mandat"][0]["dateDebut"] = "02/12/2022"
    with pytest.raises(ParseError, match=r"x#member: cannot read mandats\.mandat\[0\]\.dateDebut: found '02/12/2022'"):
        parse_actor(dump(document), "x#member")
    with pytest.raises(ParseError, match="no 'organe' object"):
        parse_body(amo16_member(THOMIN), "x#member")


def test_not_a_zip_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "amo.zip"
    path.write_bytes(amo16_member(THOMIN))
    with pytest.raises(AmoFileError, match=r"amo\.zip: not a zip archive"):
        AmoArchive(path)
    with pytest.raises(AmoFileError, match="no such file"):
        AmoArchive(tmp_path / "absent.zip")


def test_a_zip_without_actors_is_refused(tmp_path: Path) -> None:
    path = subset_zip(tmp_path / "amo.zip", ["PO800496", "PO830170"])
    with pytest.raises(AmoFileError, match=r"no acteur/PA…\.json member"):
        AmoArchive(path)
