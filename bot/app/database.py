"""Opening the database for any entry point (a command, a web request, a scheduled job): migrated by
`storage.db.open_db`, then every stored question's deadlines brought up to date, so that what SQL
filters, sorts and counts by (late questions, paged tables, statistics) is the deadline engine's.

The deadlines are computed here, where the deadline engine (`bot.core.deadlines`) is known, and
stored beside each question (`storage.deadlines`): on every save (`deadline_columns`), and for rows
stored before or under other rules (`fill_deadlines`, one pass that finds nothing to do once done).
"""

from __future__ import annotations

from pathlib import Path

from sqlite_utils import Database

from bot.core.deadlines import RULES_VERSION, answer_deadline, signalement_deadline
from scrapers.model import QuestionSnapshot
from storage.db import open_db
from storage.deadlines import save_deadlines, stale_deadlines
from storage.records import DeadlineColumns

BATCH = 1000


def deadline_columns(snapshot: QuestionSnapshot) -> DeadlineColumns:
    answer, signal = answer_deadline(snapshot), signalement_deadline(snapshot)
    return DeadlineColumns(answer=answer.date if answer else None, signal=signal.date if signal else None,
                           rules=RULES_VERSION)


def fill_deadlines(db: Database) -> int:
    """Compute the deadlines of every stored question that lacks them or has them from other rules;
    returns how many were written."""
    written = 0
    while stale := stale_deadlines(db, RULES_VERSION, BATCH):
        written += save_deadlines(db, [(q.ref, deadline_columns(q.snapshot)) for q in stale if q.snapshot])
    return written


def open_database(path: str | Path) -> Database:
    """The database at `path`, migrated, with every question's deadlines current."""
    db = open_db(path)
    fill_deadlines(db)
    return db
