"""Status rows from the stored columns (`bot.core.status.stored_status_row`, `WatchedView.status_rows`):
the very rows `status_row` computes from the decoded snapshots, on any day, without decoding one; a row
whose columns cannot tell (deadlines stored under other rules) is decoded instead.

The database is test_web_paging's: the web tests' real snapshots (AN 17-5268, the two real Sénat pages,
a question never read) and 60 AN questions derived from the real QANR5L17QE5268.json, some answered
late, some signaled (tests/web/test_web_paging.py `derived_snapshot`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from typing import Any

import pytest

import bot.app.questions
from bot.app.config import load_config
from bot.app.database import open_database
from bot.app.questions import WATCHED_ORDER, Filters, WatchedView, watched_questions
from bot.cli.views import rows_json
from bot.core.status import status_row
from storage.db import open_db
from storage.questions import all_questions
from tests.web import seeded
from tests.web.seeded import AN, NEVER_READ, SENAT_PENDING, Site
from tests.web.test_web_paging import DERIVED, big

site, clock = seeded.site, seeded.clock
__all__ = ["big"]  # the fixture, imported to be used here
# Days around the derived questions' deadlines (published from December 2024 to June 2025): before most
# of them, the deadline of the signalement of question 9035 (4 June), the test site's today, long after all.
DAYS = (date(2025, 1, 20), date(2025, 6, 4), date(2025, 6, 10), date(2026, 3, 1))


def decoded_rows(site: Site, today: date) -> list[dict[str, Any]]:
    db = open_database(site.db_path)
    try:
        return [status_row(q, today) for q in watched_questions(load_config(site.config), db)]
    finally:
        db.close()


def column_rows(site: Site, today: date, monkeypatch: pytest.MonkeyPatch) -> tuple[list[dict[str, Any]], list[str]]:
    """(WatchedView's rows in the watched set's order, the refs whose snapshot it decoded)."""
    decoded: list[str] = []

    def counted(db: Any, refs: Iterable[str] | None = None) -> Any:
        wanted = list(refs or [])
        decoded.extend(wanted)
        return all_questions(db, wanted)

    monkeypatch.setattr(bot.app.questions, "all_questions", counted)
    db = open_db(site.db_path)  # as the web opens it: the columns as stored
    try:
        return WatchedView(load_config(site.config), db, today).rows(Filters(sort=WATCHED_ORDER)), decoded
    finally:
        db.close()


@pytest.mark.parametrize("today", DAYS)
def test_rows_from_the_columns_are_those_of_the_snapshots(big: Site, today: date,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    expected = decoded_rows(big, today)
    rows, decoded = column_rows(big, today, monkeypatch)
    assert decoded == []  # no snapshot decoded
    assert len(rows) == len(expected) == DERIVED + 4
    assert rows == expected
    assert any(r["signaled"] for r in rows) and any(r["days_overdue"] for r in rows)
    never = next(r for r in rows if r["ref"] == NEVER_READ)
    assert never["status"] == "unknown" and never["deadline"] is None


def test_a_row_stored_under_other_rules_is_decoded(big: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """The state of a row saved before the deadline rules changed, not yet brought up to date (the pass
    at the opening of the database does it): its columns cannot be trusted, its snapshot can."""
    expected = decoded_rows(big, date(2025, 6, 10))
    db = open_db(big.db_path)  # without the pass that brings stale deadlines up to date, as the web opens it
    try:
        db.execute("UPDATE questions SET deadline_rules = 'older-rules', answer_deadline = '2025-05-01' "
                   "WHERE ref IN (?, ?)", [AN, SENAT_PENDING])
        db.conn.commit()
    finally:
        db.close()
    rows, decoded = column_rows(big, date(2025, 6, 10), monkeypatch)
    assert sorted(decoded) == sorted([AN, SENAT_PENDING])
    assert rows == expected
    an = next(r for r in rows if r["ref"] == AN)
    assert an["deadline"] == "2025-05-25" and an["days_overdue"] == 9  # from the snapshot, not the column


def test_status_json_text_is_that_of_json_dumps(big: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    rows, _ = column_rows(big, date(2025, 6, 10), monkeypatch)
    assert any("é" in str(r["deadline_rule"]) for r in rows)  # non-ASCII text kept as it is
    assert rows_json(rows) == json.dumps(rows, ensure_ascii=False, indent=2)
    assert rows_json([]) == "[]" and rows_json([{"odd": 1.5}]) == json.dumps([{"odd": 1.5}], indent=2)
