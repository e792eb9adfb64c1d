"""The AN's AMO files of the tests: the real 16th-legislature zip as it is, the real 17th-legislature
AMO10 trees packed into a zip (a packaging step: the files are the real ones, byte for byte), and
small zips of chosen real members with named transformations for states no real file shows.

Each transformation is one small function whose docstring names the real-world state it stands for.
"""

from __future__ import annotations

import copy
import json
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from tests.conftest import sample_path

AMO16 = "an/amo/AMO20_dep_sen_min_tous_mandats_et_organes.json.zip"
TREE_2025 = "an/amo/amo10-l17-2025-07"
TREE_2026 = "an/amo/amo10-l17-2026-04"

THOMIN = "PA793816"  # Mme Mélanie Thomin: NI, then SOC PO800496, then SOC PO830170
GREGOIRE = "PA721764"  # Mme Olivia Grégoire: EPR PO845407 from 2024-07-19
LE_PEN = "PA720614"  # Mme Marine Le Pen: RN PO800520, Membre and Président from 2022-06-29
DE_COURSON = "PA942"  # M. Charles de Courson


def amo16_path() -> Path:
    return sample_path(AMO16)


def tree_zip(tree: str, target: Path) -> Path:
    """The real AMO10 tree `tree` (its json/… files, deport included) packed into the zip `target`,
    members named from the tree's root (`json/acteur/PA721764.json`), as the AN ships it."""
    root = sample_path(f"{tree}/json/acteur/{GREGOIRE}.json").parent.parent.parent
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(root.rglob("*.json")):
            archive.writestr(path.relative_to(root).as_posix(), path.read_bytes())
    return target


def amo16_member(name: str) -> bytes:
    """A member of the real 16th zip: `PA793816` → json/acteur/PA793816.json, `PO800496` → json/organe/…"""
    folder = "acteur" if name.startswith("PA") else "organe"
    with zipfile.ZipFile(amo16_path()) as archive:
        return archive.read(f"json/{folder}/{name}.json")


def amo16_json(name: str) -> dict[str, Any]:
    return json.loads(amo16_member(name))  # type: ignore[no-any-return]


def member_name(uid: str) -> str:
    return f"json/{'acteur' if uid.startswith('PA') else 'organe'}/{uid}.json"


def subset_zip(target: Path, uids: Iterable[str], extra: Mapping[str, bytes] = {}) -> Path:
    """A zip of the real 16th zip's members `uids` (byte copies), then the `extra` members given."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for uid in uids:
            archive.writestr(member_name(uid), amo16_member(uid))
        for name, data in extra.items():
            archive.writestr(name, data)
    return target


# --- transformations of real members --------------------------------------------------------------


def truncated(data: bytes) -> bytes:
    """A member cut in the middle, as an interrupted copy of the AN's file would leave it."""
    return data[: len(data) // 2]


def only_group_mandates(actor: dict[str, Any]) -> dict[str, Any]:
    """The actor with only their political group mandates (the others dropped), as a lighter AMO
    export of the groups alone would list them."""
    a = copy.deepcopy(actor)
    a["acteur"]["mandats"]["mandat"] = [m for m in a["acteur"]["mandats"]["mandat"] if m["typeOrgane"] == "GP"]
    return a


def single_mandate(actor: dict[str, Any], uid: str) -> dict[str, Any]:
    """The actor with one mandate only, which the AN writes as an object rather than a list of one
    (reported of real AMO files; not seen in the samples)."""
    a = copy.deepcopy(actor)
    a["acteur"]["mandats"]["mandat"] = next(m for m in a["acteur"]["mandats"]["mandat"] if m["uid"] == uid)
    return a


def nil_civility(actor: dict[str, Any]) -> dict[str, Any]:
    """The actor's civility written as the XML schema's nil object, as the real files write other
    absent values (`trigramme`, `dateDeces`)."""
    a = copy.deepcopy(actor)
    a["acteur"]["etatCivil"]["ident"]["civ"] = {"@xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance",
                                                "@xsi:nil": "true"}
    return a


def dump(document: Mapping[str, Any]) -> bytes:
    return json.dumps(document).encode()


# --- AN questions by other real actors: transformations of the real QANR5L17QE5268.json -----------


def asked_by(document: dict[str, Any], actor_ref: str, legislature: int, number: int) -> dict[str, Any]:
    """Another question of `legislature`, number `number`, asked by the real actor `actor_ref`: only
    the uid, the numbers and the author's acteurRef change. Its text still opens « Mme Olivia Grégoire
    interroge… » and its group is still EPR: what the AN's actors say must win over both."""
    d = copy.deepcopy(document)
    q = d["question"]
    q["uid"] = f"QANR5L{legislature}QE{number}"
    q["identifiant"]["legislature"] = str(legislature)
    q["identifiant"]["numero"] = str(number)
    q["auteur"]["identite"]["acteurRef"] = actor_ref
    return d


def text_without_author(document: dict[str, Any]) -> dict[str, Any]:
    """A question whose text does not open with its author's name (« Interroge M. le ministre… »): the
    parser then finds no author in it, as relance showed `Auteur : —` for such questions."""
    d = copy.deepcopy(document)
    text = d["question"]["textesQuestion"]["texteQuestion"]["texte"]
    d["question"]["textesQuestion"]["texteQuestion"]["texte"] = "I" + text[text.index("interroge") + 1:]
    return d


def abridged_ministry(document: dict[str, Any]) -> dict[str, Any]:
    """The ministry asked given by its ref and its abridged label only (`developpe` nil, as the AN
    writes absent values): its full name then comes from the AN's bodies, when they hold it."""
    d = copy.deepcopy(document)
    d["question"]["minInt"]["developpe"] = None
    return d
