"""The statistics' test archive: 20 AN questions of the 16th legislature derived from the real
QANR5L17QE5268.json (tests/app/an_archives.py, tests/an_variants.py, tests/amo_files.py) with a known
spread of answers, by two real deputies of the real AMO file, to three real ministries of its bodies,
imported by the real `relance import actors` and `relance import an`; plus the real Sénat page of
SEQ091211244 (answered late), for the chamber.

On TODAY (5 January 2024; the three ministries and both deputies' groups are those of the AMO file on
every date below, before the government of 9 January 2024): 8 answered on time, 4 answered late, 5
pending past their deadline, 3 pending with their deadline ahead. Every expected figure of the tests is
counted by hand from this table, not from the code's output.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from bot.app.config import Config
from bot.app.import_actors import import_actors
from bot.app.import_an import import_an
from bot.app.ingest import IngestReport, ingest
from bot.core.deadlines import PARIS
from scrapers.senat import parse_senat_text
from storage.db import open_db
from tests.amo_files import DE_COURSON, THOMIN, asked_by, subset_zip
from tests.an_variants import qe_json, transferred_to, without_answer
from tests.app.an_archives import set_dates, write_archive
from tests.senat_pages import page_text

TODAY = datetime(2024, 1, 5, 10, 0, tzinfo=PARIS)

# Real ministries of the AMO file's bodies (organe/PO….json: uid, libelleAbrege, libelle), open from
# July 2022 to 9 January 2024.
INTERIOR = ("PO801854", "Intérieur et outre-mer", "Ministère de l’intérieur et des outre-mer")
AGRICULTURE = ("PO791613", "Agriculture et souveraineté alimentaire",
               "Ministère de l’agriculture et de la souveraineté alimentaire")
ECONOMY = ("PO791591", "Économie, finances, souveraineté industrielle et numérique",
           "Ministère de l’économie, des finances et de la souveraineté industrielle et numérique")
# Mélanie Thomin: SOC (PO800496 to 18 October 2023, then PO830170); Charles de Courson: LIOT (PO800532).
AMO_MEMBERS = (THOMIN, DE_COURSON, "PO800496", "PO830170", "PO800532", INTERIOR[0], AGRICULTURE[0], ECONOMY[0])
THOMIN_NAME, DE_COURSON_NAME = "Mélanie Thomin", "Charles de Courson"


@dataclass(frozen=True, slots=True)
class Planned:
    number: int
    author: str  # an actor ref
    asked: tuple[str, str, str]
    published: date
    answered: date | None = None
    transferred: tuple[tuple[str, str, str], date] | None = None  # to whom, on which day


d = date
# Deadlines are two months after publication (Règlement de l'AN, art. 135). Days to answer in comments.
PLAN = (
    Planned(1, THOMIN, INTERIOR, d(2023, 2, 7), d(2023, 3, 21)),  # on time, 42 days
    Planned(2, THOMIN, INTERIOR, d(2023, 3, 14), d(2023, 5, 9)),  # on time, 56
    Planned(3, THOMIN, INTERIOR, d(2023, 5, 2), d(2023, 8, 1)),  # late (deadline 2 July), 91
    Planned(4, THOMIN, INTERIOR, d(2023, 6, 6)),  # pending, overdue since 6 August
    Planned(5, THOMIN, ECONOMY, d(2023, 9, 12), d(2023, 10, 10), (INTERIOR, d(2023, 9, 26))),  # on time, 28
    Planned(6, THOMIN, ECONOMY, d(2023, 10, 3), None, (INTERIOR, d(2023, 10, 17))),  # overdue since 3 December
    Planned(7, DE_COURSON, INTERIOR, d(2023, 11, 14)),  # pending, deadline 14 January 2024 ahead
    Planned(8, DE_COURSON, INTERIOR, d(2023, 4, 4), d(2023, 6, 4)),  # on time: on the deadline day, 61
    Planned(9, THOMIN, AGRICULTURE, d(2023, 1, 10), d(2023, 2, 14)),  # on time, 35
    Planned(10, THOMIN, AGRICULTURE, d(2023, 2, 21), d(2023, 6, 20)),  # late (deadline 21 April), 119
    Planned(11, THOMIN, AGRICULTURE, d(2023, 7, 4)),  # overdue
    Planned(12, DE_COURSON, AGRICULTURE, d(2023, 3, 7), d(2023, 4, 25)),  # on time, 49
    Planned(13, DE_COURSON, AGRICULTURE, d(2023, 9, 19), d(2023, 12, 12)),  # late (deadline 19 November), 84
    Planned(14, DE_COURSON, AGRICULTURE, d(2023, 11, 21)),  # pending, deadline 21 January 2024 ahead
    Planned(15, THOMIN, AGRICULTURE, d(2023, 8, 22)),  # overdue
    Planned(16, THOMIN, ECONOMY, d(2023, 5, 16), d(2023, 6, 27)),  # on time, 42
    Planned(17, DE_COURSON, ECONOMY, d(2023, 6, 13), d(2023, 10, 31)),  # late (deadline 13 August), 140
    Planned(18, DE_COURSON, ECONOMY, d(2023, 9, 5)),  # overdue
    Planned(19, THOMIN, ECONOMY, d(2023, 12, 12)),  # pending, deadline 12 February 2024 ahead
    Planned(20, DE_COURSON, ECONOMY, d(2023, 10, 17), d(2023, 11, 28)),  # on time, 42
)
NUMBER_BASE = 90000  # question n is QANR5L16QE{90000 + n}
SENAT = "SEQ091211244"  # the real page: published 10 December 2009, answered 28 October 2010 (322 days)
SENAT_URL = "https://www.senat.fr/questions/base/2009/qSEQ091211244.html"


def uid(number: int) -> str:
    return f"QANR5L16QE{NUMBER_BASE + number}"


def asked_to(document: dict[str, Any], ministry: tuple[str, str, str]) -> dict[str, Any]:
    """A question addressed to another ministry: `minInt` and its one attribution name that ministry
    (ref, abridged and full labels, as the AN writes them for QE5268's)."""
    doc = copy.deepcopy(document)
    ref, short, name = ministry
    doc["question"]["minInt"] = {"organeRef": ref, "abrege": short, "developpe": name}
    doc["question"]["minAttribs"]["minAttrib"]["denomination"] = {"organeRef": ref, "abrege": short, "developpe": name}
    return doc


def planned_document(plan: Planned) -> dict[str, Any]:
    document = qe_json() if plan.answered is not None else without_answer(qe_json())
    document = asked_to(asked_by(document, plan.author, 16, NUMBER_BASE + plan.number), plan.asked)
    set_dates(document, plan.published, plan.answered)
    if plan.transferred is not None:
        (ref, short, name), day = plan.transferred
        document = transferred_to(document, short, name, ref, day.isoformat())
    return document


def build(config: Config, folder: Path) -> None:
    """Fill the config's database: the AMO members, the 20 questions through `import an --file`, the
    Sénat page through the bulk ingest (as a Sénat CSV row would store it)."""
    db = open_db(config.storage.path)
    import_actors(config, db, now=lambda: TODAY, file=subset_zip(folder / "amo.zip", AMO_MEMBERS))
    archive = write_archive(folder / "Questions_ecrites.json.zip", [planned_document(p) for p in PLAN])
    report = import_an(config, db, now=lambda: TODAY, file=archive)
    assert report.new == len(PLAN), report
    senat = parse_senat_text(page_text(SENAT), SENAT_URL)
    ingest(db, senat, source="senat-csv", url=SENAT_URL, now=TODAY, rules=config.follow, report=IngestReport())
    db.close()
