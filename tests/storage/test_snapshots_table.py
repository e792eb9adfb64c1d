"""The snapshots out of the questions' rows (migration m015): a database written before it, holding the
real questions of the samples, comes out with every stored value moved byte for byte into `snapshots`,
the rows' rowids (the search index's keys) unchanged, the same questions, search hits and snippets as a
database written after it, and a question never read still without a snapshot."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlite_utils import Database

from scrapers.an import parse_an_json
from scrapers.model import QuestionSnapshot
from storage.db import migrations, open_db
from storage.listing import stored_states
from storage.questions import _query_columns, all_questions, get_question, iter_snapshots, save_check, save_failure
from storage.search import search_questions
from storage.snapshots import encode_snapshot, index_snapshots
from tests.an_variants import dump, qe_json, without_answer
from tests.storage.test_storage import NOON, URL, poll, real_snapshots

NEVER_READ = "QANR5L17QE999999"  # a ref whose only read failed: a row, no snapshot


def pre_m015_database(path: Path, snapshots: list[QuestionSnapshot]) -> Database:
    """A database as relance left it before m015, holding `snapshots`: migrated up to m015, each row
    written as the store wrote it then (its deflated snapshot in `questions.snapshot`, its words in the
    search index under the row's rowid), and one question whose only read failed."""
    db = Database(sqlite3.connect(str(path)))
    migrations.apply(db, stop_before="m015_snapshots_table")
    for s in snapshots:
        row = {"ref": s.ref.uid, **_query_columns(s), "snapshot": encode_snapshot(s),
               "first_seen": "2025-06-03T08:00:00+00:00", "last_success": "2025-06-03T08:00:00+00:00"}
        rowid = db.execute(f"INSERT INTO questions ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                           list(row.values())).lastrowid
        assert rowid is not None
        index_snapshots(db, [(rowid, s)])
    db.execute("INSERT INTO questions (ref, status, first_seen, last_error) VALUES (?, 'unknown', ?, 'HTTP 500')",
               [NEVER_READ, "2025-06-03T08:00:00+00:00"])
    db.conn.commit()
    return db


@pytest.fixture
def migrated_and_fresh(tmp_path: Path) -> tuple[Database, Database, dict[str, bytes], dict[str, int]]:
    snapshots = real_snapshots()
    old = pre_m015_database(tmp_path / "old.db", snapshots)
    values = dict(old.execute("SELECT ref, snapshot FROM questions WHERE snapshot IS NOT NULL").fetchall())
    rowids = dict(old.execute("SELECT ref, rowid FROM questions").fetchall())
    assert "questions_listing" in {index.name for index in old.table("questions").indexes}
    old.close()
    fresh = open_db(tmp_path / "fresh.db")
    for s in snapshots:
        save_check(fresh, s, [], poll(NOON))
    save_failure(fresh, NEVER_READ, poll(NOON, "error", "HTTP 500"))
    return open_db(tmp_path / "old.db"), fresh, values, rowids


def test_migration_moves_every_snapshot(migrated_and_fresh: tuple[Database, Database, dict[str, bytes],
                                                                  dict[str, int]]) -> None:
    db, fresh, values, rowids = migrated_and_fresh
    assert dict(db.execute("SELECT ref, data FROM snapshots").fetchall()) == values
    assert dict(db.execute("SELECT ref, rowid FROM questions").fetchall()) == rowids
    assert "snapshot" not in db.table("questions").columns_dict
    assert "questions_listing" not in {index.name for index in db.table("questions").indexes}
    assert [q.snapshot for q in all_questions(db)] == [q.snapshot for q in all_questions(fresh)]
    assert list(iter_snapshots(db)) == list(iter_snapshots(fresh))
    never = get_question(db, NEVER_READ)
    assert never is not None and never.snapshot is None and never.last_error == "HTTP 500"
    # A status row of a question never read shows no status, as before (storage.listing.stored_states).
    assert stored_states(db, [NEVER_READ])[NEVER_READ][0] is None
    assert stored_states(fresh, [NEVER_READ])[NEVER_READ][0] is None


@pytest.mark.parametrize("query", ["diamants", "communes", "ministre intérieur", '"terminologie des diamants"',
                                   "Masson"])
def test_migrated_search_is_the_fresh_search(migrated_and_fresh: tuple[Database, Database, dict[str, bytes],
                                                                         dict[str, int]], query: str) -> None:
    db, fresh, _, _ = migrated_and_fresh
    found = [(hit.rank, hit.ref, hit.snippet) for hit in search_questions(db, query)]
    assert found and found == [(hit.rank, hit.ref, hit.snippet) for hit in search_questions(fresh, query)]


def test_a_new_snapshot_replaces_the_stored_one(migrated_and_fresh: tuple[Database, Database, dict[str, bytes],
                                                                           dict[str, int]]) -> None:
    db, _, values, _ = migrated_and_fresh
    # The real AN record stored answered; read again as it stood before its answer (tests/an_variants).
    pending = parse_an_json(dump(without_answer(qe_json())), URL)
    save_check(db, pending, [], poll(NOON))
    assert db.execute("SELECT count(*) FROM snapshots").fetchone()[0] == len(values)
    assert db.execute("SELECT data FROM snapshots WHERE ref = ?", [pending.ref.uid]).fetchone()[0] != \
        values[pending.ref.uid]
    assert get_question(db, pending.ref.uid).snapshot == pending  # type: ignore[union-attr]
