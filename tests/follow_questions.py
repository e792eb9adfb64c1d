"""Real questions for the follow-rule tests: the real AN sample (QANR5L17QE5268, diamants
synthétiques), the real Sénat page texts (tests/senat_pages.py), the real page text of Marie-Pierre de
La Gontrie's question on facial recognition, and one derived question, `dossus()`, documented below:
the Sénat's algorithmic video-surveillance question. Also the copy of the bundled config and the
database the tests share."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlite_utils import Database

from bot.app.config import FollowRule
from bot.app.ingest import IngestReport, ingest
from bot.core.deadlines import PARIS
from bot.main import main
from scrapers.an import parse_an_json
from scrapers.model import QuestionSnapshot
from scrapers.senat import parse_senat_text
from storage.db import open_db
from tests.conftest import PROJECT, sample_bytes
from tests.senat_pages import PAGE_TEXTS, page_text

BUNDLED = PROJECT / "config.toml"
NOW = datetime(2025, 6, 9, 8, 0, tzinfo=PARIS)  # a Monday morning
AN_UID = "QANR5L17QE5268"
AN_JSON_URL = f"https://www.assemblee-nationale.fr/dyn/opendata/{AN_UID}.json"
LAGONTRIE_UID = "SEQ240501335"
DOSSUS_UID = "SEQ221103705"


# --- the questions ---------------------------------------------------------------------------------

def senat_url(uid: str) -> str:
    yy = int(uid[3:5])
    return f"https://www.senat.fr/questions/base/{1900 + yy if yy >= 78 else 2000 + yy}/q{uid}.html"


def an() -> QuestionSnapshot:
    """Olivia Grégoire's question on the terminology of synthetic diamonds, answered 3 June 2025."""
    return parse_an_json(sample_bytes("an/QANR5L17QE5268.json"), AN_JSON_URL)


def senat(uid: str) -> QuestionSnapshot:
    return parse_senat_text(page_text(uid), senat_url(uid))


def lagontrie() -> QuestionSnapshot:
    """Marie-Pierre de La Gontrie on the use of facial recognition by the police, 30 May 2024."""
    return parse_senat_text(sample_bytes("senat/oral-1335-lagontrie.page-text.txt").decode("utf-8"),
                            senat_url(LAGONTRIE_UID))


def dossus_text() -> str:
    """Thomas Dossus's written question n° 3705 (SEQ221103705, which the bundled config watches) as a
    senat.fr page text. Only its NosSénateurs text was recorded (senat/SOURCES.md), so it is derived
    from the real page text of SEQ020238665, a question to the same ministry, by one transformation:
    - above the heading, the question's title as NosSénateurs gives it (the parser reads a title there);
    - the heading names Thomas Dossus and the day NosSénateurs gives, "soumise le 10 novembre 2022"
      (his department and group are not in the samples, so the heading has none: the parser allows it);
    - the question's paragraph is replaced by the NosSénateurs text's question paragraphs, verbatim;
    - the "- page 537" line and "La question est caduque" are left out: NosSénateurs gives no JO page
      and says "Cette question n'a pas encore de réponse", so the question is pending.
    """
    nos = sample_bytes("senat/SEQ221103705.nossenateurs-text.txt").decode("utf-8").split("\n")
    start = next(i for i, line in enumerate(nos) if line.startswith("M. Thomas Dossus interroge"))
    question = "\n".join(nos[start:nos.index("Réponse", start)]).strip()
    title = "Utilisation illégale des algorithmes de vidéosurveillance par les polices municipales"
    assert title in nos
    lines = page_text("SEQ020238665").split("\n")
    assert lines[0].startswith("Question de M. MASSON Jean Louis") and lines[2].startswith("M. Jean-Louis Masson")
    kept = [line for line in lines[3:] if line not in ("- page 537", "La question est caduque")]
    return "\n".join([title, "", "Question de M. DOSSUS Thomas publiée le 10/11/2022", "", question, *kept])


def dossus() -> QuestionSnapshot:
    return parse_senat_text(dossus_text(), senat_url(DOSSUS_UID))


def real_questions() -> list[QuestionSnapshot]:
    """Every real question of the samples, and the derived Dossus question."""
    return [an(), *(senat(uid) for uid in PAGE_TEXTS), lagontrie(), dossus()]


def rule(**fields: Any) -> FollowRule:
    return FollowRule.model_validate({"name": "test", **fields})


# --- found questions become watched ------------------------------------------------------------------

def ingest_all(db: Database, rules: tuple[FollowRule, ...], now: datetime = NOW,
               questions: list[QuestionSnapshot] | None = None) -> IngestReport:
    report = IngestReport()
    for q in real_questions() if questions is None else questions:
        ingest(db, q, source="test-import", url=q.url, now=now, rules=rules, report=report)
    return report


@pytest.fixture
def config_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the real bundled config.toml, its database in tmp_path."""
    path = tmp_path / "config.toml"
    path.write_bytes(BUNDLED.read_bytes())
    monkeypatch.setenv("RELANCE_DB", str(tmp_path / "relance.db"))
    return path


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = open_db(tmp_path / "relance.db")
    yield database
    database.close()




def run_cli(config: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--config", str(config), *args])
