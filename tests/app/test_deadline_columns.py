"""Each stored question's deadlines kept beside it for SQL (migration m010, bot/app/database.py): computed
on every save, back-filled for rows stored without them, computed again when the rules change.

The questions are the real QANR5L17QE5268.json (published 25 March 2025: answer due 25 May 2025) and
transformations of it (tests/an_variants.py)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlite_utils import Database

from bot.app.database import deadline_columns, fill_deadlines, open_database
from bot.core.deadlines import PARIS, RULES_VERSION
from scrapers.an import parse_an_json
from scrapers.model import QuestionSnapshot
from storage.questions import save_check
from storage.records import Poll
from tests.an_variants import dump, qe_json, signaled_on, without_answer

NOON = datetime(2026, 4, 15, 12, tzinfo=PARIS)
URL = "https://www.assemblee-nationale.fr/dyn/opendata/QANR5L17QE5268.json"


def snapshot(document: dict[str, object] | None = None) -> QuestionSnapshot:
    return parse_an_json(dump(document or qe_json()), URL)


def columns(db: Database) -> tuple[str | None, str | None, str | None]:
    row = db.execute("SELECT answer_deadline, signal_deadline, deadline_rules FROM questions").fetchone()
    return row[0], row[1], row[2]


def save(db: Database, question: QuestionSnapshot, *, with_deadlines: bool) -> None:
    save_check(db, question, [], Poll(NOON, question.ref.uid, "an", URL, 200, "changed"),
               deadlines=deadline_columns(question) if with_deadlines else None)


def test_a_saved_question_carries_its_deadlines(tmp_path: Path) -> None:
    db = open_database(tmp_path / "relance.db")
    save(db, snapshot(), with_deadlines=True)
    assert columns(db) == ("2025-05-25", None, RULES_VERSION)
    # A signalée question (signalement of 10 June 2025, pending): the signalement's 10 days too.
    save(db, snapshot(signaled_on(without_answer(qe_json()), "2025-06-10")), with_deadlines=True)
    assert columns(db) == ("2025-05-25", "2025-06-20", RULES_VERSION)


def test_rows_without_deadlines_are_filled_when_the_database_is_opened(tmp_path: Path) -> None:
    path = tmp_path / "relance.db"
    db = open_database(path)
    save(db, snapshot(), with_deadlines=False)  # as a row stored before m010
    assert columns(db) == (None, None, None)
    db.close()
    db = open_database(path)
    assert columns(db) == ("2025-05-25", None, RULES_VERSION)
    assert fill_deadlines(db) == 0  # once done, nothing to do


def test_deadlines_from_other_rules_are_computed_again(tmp_path: Path) -> None:
    db = open_database(tmp_path / "relance.db")
    save(db, snapshot(), with_deadlines=True)
    db.execute("UPDATE questions SET answer_deadline = '2025-04-25', deadline_rules = 'older-rules'")
    assert fill_deadlines(db) == 1
    assert columns(db) == ("2025-05-25", None, RULES_VERSION)
