"""Poison records (issue 17): stored values no view expects, written into a database of real snapshots
(tests/web/seeded.py) through the storage API or straight in SQL, as a bad source, an older relance or a
hand edit could leave them. Each one is a small transformation of a real snapshot, named in `POISONS`."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from collections.abc import Callable
from datetime import date
from pathlib import Path

from scrapers.model import QuestionSnapshot
from storage.db import open_db
from storage.questions import save_check
from storage.records import Poll
from storage.snapshots import encode_json, snapshot_json
from tests.web.seeded import AN, AN_URL, SENAT_PENDING, SENAT_PENDING_URL, an_answered, at, senat_pending

FAR = date(9999, 12, 31)  # the date of issue 17: its deadline, two months on, is in the year 10000
YEAR_ONE = date(1, 1, 1)  # before the Fifth Republic: no rule applies
MALFORMED = "2025-13-45"  # a string no date reads


def _stored(db_path: Path, snapshot: QuestionSnapshot, url: str) -> None:
    """As a check that read `snapshot` records it: through the storage API, deadlines left to compute."""
    db = open_db(db_path)
    try:
        save_check(db, snapshot, [], Poll(at(date(2025, 6, 9)), snapshot.ref.uid, snapshot.chamber, url, 200,
                                          "changed"))
    finally:
        db.close()


def _far_dates(db_path: Path) -> None:
    """The pending Sénat question published on 31/12/9999 and the AN one signaled then and answered then."""
    _stored(db_path, dataclasses.replace(senat_pending(), published=FAR), SENAT_PENDING_URL)
    answered = an_answered()
    assert answered.answer is not None
    far_answer = dataclasses.replace(answered.answer, date=FAR)
    _stored(db_path, dataclasses.replace(answered, signaled=(FAR,), answer=far_answer), AN_URL)


def _year_one(db_path: Path) -> None:
    _stored(db_path, dataclasses.replace(senat_pending(), published=YEAR_ONE), SENAT_PENDING_URL)
    answered = an_answered()
    assert answered.answer is not None
    _stored(db_path, dataclasses.replace(answered, published=YEAR_ONE,
                                         answer=dataclasses.replace(answered.answer, date=YEAR_ONE)), AN_URL)


def _rewrite_snapshot(conn: sqlite3.Connection, ref: str, change: Callable[[dict[str, object]], None]) -> None:
    (value,) = conn.execute("SELECT data FROM snapshots WHERE ref = ?", [ref]).fetchone()
    data = json.loads(snapshot_json(value, ref))
    change(data)
    conn.execute("UPDATE snapshots SET data = ? WHERE ref = ?", [encode_json(json.dumps(data, sort_keys=True)), ref])


def _malformed(db_path: Path) -> None:
    """Straight in SQL: a date no parser reads in the columns (the deadlines' too) and in the snapshots."""
    with sqlite3.connect(db_path) as conn:
        conn.execute("UPDATE questions SET published = ?, answer_deadline = ?, signal_deadline = ? WHERE ref = ?",
                     [MALFORMED, MALFORMED, "31/12/9999", SENAT_PENDING])
        conn.execute("UPDATE questions SET answered = ?, signaled = ?, closed = ? WHERE ref = ?",
                     ["n/a", "0000-00-00", MALFORMED, AN])
        _rewrite_snapshot(conn, SENAT_PENDING, lambda d: d.update(published=MALFORMED, signaled=["9999-99-99"]))
        _rewrite_snapshot(conn, AN, lambda d: d.update(published="hier"))
    conn.close()


POISONS: dict[str, Callable[[Path], None]] = {"far": _far_dates, "year-one": _year_one, "malformed": _malformed}
