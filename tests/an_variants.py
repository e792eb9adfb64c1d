"""AN open-data records in states no real sample shows, derived from the real QANR5L17QE5268.json.

Each transformation is one small function whose docstring names the real-world state it stands for.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from tests.conftest import sample_bytes


def qe_json() -> dict[str, Any]:
    """The real record: answered 2025-06-03, published 2025-03-25, not transferred, not signalée."""
    return json.loads(sample_bytes("an/QANR5L17QE5268.json"))  # type: ignore[no-any-return]


def dump(document: dict[str, Any]) -> bytes:
    return json.dumps(document).encode()


def without_answer(document: dict[str, Any]) -> dict[str, Any]:
    """A question still awaiting its answer: no answer text, no closure (both null, as the AN writes)."""
    d = copy.deepcopy(document)
    d["question"]["textesReponse"] = None
    d["question"]["cloture"] = None
    return d


def transferred_to(document: dict[str, Any], short: str, name: str, ref: str, day: str) -> dict[str, Any]:
    """The question handed to another ministry: a second attribution appended, so minAttrib is a list."""
    d = copy.deepcopy(document)
    first = d["question"]["minAttribs"]["minAttrib"]
    second = copy.deepcopy(first)
    second["infoJO"]["dateJO"] = day
    second["denomination"] = {"organeRef": ref, "abrege": short, "developpe": name}
    d["question"]["minAttribs"]["minAttrib"] = [first, second]
    return d


def signaled_on(document: dict[str, Any], day: str) -> dict[str, Any]:
    """A signalement by a group president, dated like the AN's other JO records (infoJO.dateJO)."""
    d = copy.deepcopy(document)
    d["question"]["signalement"] = {"dateDepotSignalement": day,
                                    "infoJO": {"typeJO": "JO_QUESTION", "dateJO": day, "pageJO": None}}
    return d


def renewed_on(document: dict[str, Any], *days: str) -> dict[str, Any]:
    """Renewals of an unanswered question, one JO record each (the XML sample shows one renewal)."""
    d = copy.deepcopy(document)
    d["question"]["renouvellements"] = {"renouvellement": [
        {"infoJO": {"typeJO": "JO_QUESTION", "dateJO": day}} for day in days]}
    return d


def closed_as(document: dict[str, Any], code: str, label: str, day: str) -> dict[str, Any]:
    """A question ended without an answer: no answer, a closure with this code and label."""
    d = without_answer(document)
    d["question"]["cloture"] = {"codeCloture": code, "libelleCloture": label, "dateCloture": day,
                                "infoJO": None}
    return d
