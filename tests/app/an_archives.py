"""The AN archives of the tests, derived from the real QANR5L17QE5268.json: renumbered (uid and
numero), moved to another legislature, dated (publication, answer and closure dates moved), or without
its answer (tests/an_variants.py); the real QANR5L16QG6.json as it is. Nothing else in a record is
invented; bench/import.py builds its archive with the same functions.

Archives come in the AN's two layouts: one file per question (`write_archive`, in any folder), or one
file holding the list of every question (`list_file`, in each wrapper such an export plausibly has:
the real 14th-legislature file is not in the samples)."""

from __future__ import annotations

import copy
import json
import zipfile
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

from bot.core.deadlines import PARIS
from tests.an_variants import dump, qe_json, without_answer
from tests.conftest import sample_bytes

# --- the archives: derived from the real record -------------------------------------------------


def renumbered(document: dict[str, Any], number: int) -> dict[str, Any]:
    """Another question of the same legislature: the real record under uid QANR5L17QE{number}."""
    d = copy.deepcopy(document)
    set_number(d, number)
    return d


def set_number(document: dict[str, Any], number: int) -> None:
    q = document["question"]
    q["uid"] = f"QANR5L{q['identifiant']['legislature']}QE{number}"
    q["identifiant"]["numero"] = str(number)


def in_legislature(document: dict[str, Any], legislature: int, number: int) -> dict[str, Any]:
    """A question of another legislature (the 14th's single file holds them): the real record under
    uid QANR5L{legislature}QE{number}, its identifiant moved with it."""
    d = copy.deepcopy(document)
    d["question"]["identifiant"]["legislature"] = str(legislature)
    set_number(d, number)
    return d


def qg_json() -> dict[str, Any]:
    """The real QANR5L16QG6.json: a question au gouvernement (QG), same schema, not a written question."""
    return json.loads(sample_bytes("an/QANR5L16QG6.json"))  # type: ignore[no-any-return]


def set_dates(document: dict[str, Any], published: date, answered: date | None) -> None:
    """Publication on `published` (the question's JO date, and its attribution's, as in the real record,
    where both are 2025-03-25); when the record has its answer, the answer and the closure on `answered`
    (both 2025-06-03 in the real record)."""
    q = document["question"]
    q["textesQuestion"]["texteQuestion"]["infoJO"]["dateJO"] = published.isoformat()
    q["minAttribs"]["minAttrib"]["infoJO"]["dateJO"] = published.isoformat()
    if q["textesReponse"] is not None:
        assert answered is not None, "the record has an answer: give its date"
        q["textesReponse"]["texteReponse"]["infoJO"]["dateJO"] = answered.isoformat()
        q["cloture"]["dateCloture"] = answered.isoformat()
        q["cloture"]["infoJO"]["dateJO"] = answered.isoformat()


def derived(number: int, published: date, answered: date | None) -> dict[str, Any]:
    """Question `number`: the real record renumbered, dated, and without its answer when `answered`
    is None."""
    document = qe_json() if answered is not None else without_answer(qe_json())
    set_number(document, number)
    set_dates(document, published, answered)
    return document


def uid_of(document: Mapping[str, Any]) -> str:
    return str(document["question"]["uid"])


def write_archive(path: Path, documents: Iterable[dict[str, Any] | tuple[str, bytes]], folder: str = "json") -> Path:
    """A zip as the AN's: each record deflated under {folder}/{uid}.json; (name, bytes) pairs as they are."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in documents:
            if isinstance(item, tuple):
                archive.writestr(item[0], item[1])
            else:
                archive.writestr(f"{folder}/{uid_of(item)}.json", dump(item))
    return path


# The wrappers a file holding every question may have: a list of the per-question documents, a list
# of the question objects, an object whose one key holds that list, and the AN's export shape
# `{"questions": {"question": [...]}}` (the XML's <questions><question>… written as JSON).
WRAPPERS = ("documents", "objects", "keyed", "questions")


def list_file(documents: Iterable[dict[str, Any]], wrapper: str) -> bytes:
    """One JSON file holding the list of `documents` (each `{"question": {...}}`) in `wrapper`."""
    documents = list(documents)
    objects = [document["question"] for document in documents]
    whole = {"documents": documents, "objects": objects, "keyed": {"questions": objects},
             "questions": {"questions": {"question": objects}}}[wrapper]
    return json.dumps(whole).encode()


def corrupted(path: Path, member: str) -> Path:
    """The archive with one byte of `member`'s compressed data flipped: its CRC-32 no longer matches."""
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(member)
    data = bytearray(path.read_bytes())
    header = info.header_offset
    name_length, extra_length = int.from_bytes(data[header + 26:header + 28], "little"), int.from_bytes(
        data[header + 28:header + 30], "little")
    data[header + 30 + name_length + extra_length + info.compress_size // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    return path


PUBLISHED = date(2025, 4, 10)  # the pending variants' publication: their deadline is 2025-06-10
TODAY = datetime(2025, 6, 5, 10, tzinfo=PARIS)


def pending(number: int) -> dict[str, Any]:
    return derived(number, PUBLISHED, None)


def answered(number: int, day: date = date(2025, 6, 3)) -> dict[str, Any]:
    return derived(number, PUBLISHED, day)
