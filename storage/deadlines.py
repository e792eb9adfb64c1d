"""Each stored question's deadlines, kept beside it (migration m010) so that SQL can filter, sort and
count by them: the late questions, the paged tables, the statistics.

The dates are the deadline engine's (`bot.core.deadlines`), which storage does not know: the app layer
computes them and passes them in (`save_check(..., deadlines=)`, `save_deadlines`). A row whose
`deadline_rules` is NULL (stored before m010, or saved without them) or another fingerprint than the
current rules' is listed by `stale_deadlines`, so the app computes it again.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlite_utils import Database

from storage.questions import _deadline_values, all_questions
from storage.records import DeadlineColumns, StoredQuestion
from storage.snapshots import HAS_SNAPSHOT


def stale_deadlines(db: Database, rules: str, limit: int = 1000) -> list[StoredQuestion]:
    """Up to `limit` stored questions (with a snapshot) whose deadlines were not computed with `rules`."""
    # Three seeks on the index of deadline_rules (NULL, below, above the current fingerprint) rather
    # than a scan of every row: on a store that is up to date, as it is but after an upgrade, this
    # costs nothing however many questions it holds.
    refs = [ref for (ref,) in db.execute(
        f"SELECT ref FROM questions WHERE deadline_rules IS NULL AND {HAS_SNAPSHOT} "
        "UNION ALL SELECT ref FROM questions WHERE deadline_rules < ? "
        "UNION ALL SELECT ref FROM questions WHERE deadline_rules > ? LIMIT ?", [rules, rules, limit])]
    return all_questions(db, refs)


def save_deadlines(db: Database, rows: Iterable[tuple[str, DeadlineColumns]]) -> int:
    """Store computed deadlines (one transaction); returns how many rows were written."""
    values = [(*_deadline_values(columns).values(), ref) for ref, columns in rows]
    with db.atomic():
        db.conn.executemany("UPDATE questions SET answer_deadline = ?, signal_deadline = ?, "
                            "deadline_rules = ? WHERE ref = ?", values)
    return len(values)
