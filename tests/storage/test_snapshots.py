"""Stored snapshots deflated, and the search index that keeps no copy of the texts (migration m011), on
real SQLite files holding the real questions of the samples: new rows are compressed BLOBs, rows written
as JSON text before m011 still read, the migration converts them and indexes them with the very same
snippets, and the index follows every change of a snapshot."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlite_utils import Database

from scrapers.an import parse_an_json
from scrapers.model import QuestionSnapshot
from storage.actors import save_renamed
from storage.db import migrations, open_db
from storage.questions import (
    all_questions,
    get_question,
    import_batch,
    iter_snapshots,
    list_events,
    save_check,
)
from storage.records import Event
from storage.search import match_expression, search_questions
from storage.snapshots import (
    DETAILS_ZLIB_1,
    ZLIB_1,
    StoredSnapshotError,
    decode_snapshot,
    encode_snapshot,
    pending_index_writes,
    snapshot_json,
    snapshot_text,
)
from tests.an_variants import dump, qe_json, transferred_to, without_answer
from tests.storage.test_storage import NOON, URL, event, poll, real_snapshots

AN_REF = "QANR5L17QE5268"


def stored_value(db: Database, ref: str) -> Any:
    return db.execute("SELECT data FROM snapshots WHERE ref = ?", [ref]).fetchone()[0]


def test_every_real_snapshot_round_trips_deflated() -> None:
    for snapshot in real_snapshots():
        value = encode_snapshot(snapshot)
        assert value[0] == ZLIB_1 and decode_snapshot(value) == snapshot
        assert snapshot_json(value) == snapshot_text(snapshot)


def test_new_rows_hold_a_compressed_blob(tmp_path: Path) -> None:
    db = open_db(tmp_path / "relance.db")
    pending = parse_an_json(dump(without_answer(qe_json())), URL)
    save_check(db, pending, [], poll(NOON))
    value = stored_value(db, AN_REF)
    assert isinstance(value, bytes) and value[0] == ZLIB_1
    # The real AN record, pending: 4,626 bytes of JSON kept in 1,783 (zlib with its preset dictionary).
    # A ratio, not a timing: zlib gives the same bytes for the same input.
    assert len(value) < 0.45 * len(snapshot_text(pending).encode())
    assert get_question(db, AN_REF).snapshot == pending  # type: ignore[union-attr]
    assert {"text", "rubric"}.isdisjoint(db.table("questions").columns_dict)


def test_unchanged_snapshot_is_not_written_again(tmp_path: Path) -> None:
    db = open_db(tmp_path / "relance.db")
    snapshot = parse_an_json(dump(qe_json()), URL)
    save_check(db, snapshot, [], poll(NOON))
    save_check(db, snapshot, [], poll(NOON + timedelta(hours=1), "unchanged"))
    stored = get_question(db, AN_REF)
    assert stored is not None and stored.last_change == NOON and stored.last_success == NOON + timedelta(hours=1)


def as_pre_m011_text(db: Database, ref: str) -> None:
    """The row as relance wrote it before m011: the snapshot as its JSON text (the same JSON
    `snapshot_text` writes), which a database migrated from then holds until m011 converts it."""
    value = stored_value(db, ref)
    db.execute("UPDATE snapshots SET data = ? WHERE ref = ?", [snapshot_json(value, ref), ref])


def test_rows_written_as_text_still_read(tmp_path: Path) -> None:
    db = open_db(tmp_path / "relance.db")
    snapshot = parse_an_json(dump(qe_json()), URL)
    save_check(db, snapshot, [], poll(NOON))
    as_pre_m011_text(db, AN_REF)
    assert isinstance(stored_value(db, AN_REF), str)
    assert get_question(db, AN_REF).snapshot == snapshot  # type: ignore[union-attr]
    assert list(iter_snapshots(db)) == [snapshot]
    # Read again unchanged: no change of state, and the row is written deflated from then on.
    save_check(db, snapshot, [], poll(NOON + timedelta(hours=1), "unchanged"))
    assert get_question(db, AN_REF).last_change == NOON  # type: ignore[union-attr]


def test_unreadable_stored_value_names_the_question(tmp_path: Path) -> None:
    db = open_db(tmp_path / "relance.db")
    save_check(db, parse_an_json(dump(qe_json()), URL), [], poll(NOON))
    truncated = stored_value(db, AN_REF)[:-10]  # a BLOB cut short (a disk fault, a bad copy)
    db.execute("UPDATE snapshots SET data = ? WHERE ref = ?", [truncated, AN_REF])
    # Issue 17: the question is listed as never read, with the problem as its error; nothing raises.
    found = get_question(db, AN_REF)
    assert found is not None and found.snapshot is None and found.status == "unknown"
    assert found.last_error is not None and found.last_error.startswith(f"stored snapshot of {AN_REF}: cannot inflate")
    with pytest.raises(StoredSnapshotError, match=f"stored snapshot of {AN_REF}: cannot inflate"):
        decode_snapshot(truncated, AN_REF)
    db.execute("UPDATE snapshots SET data = ? WHERE ref = ?", [b"\x09" + truncated[1:], AN_REF])
    (listed,) = all_questions(db)
    assert listed.snapshot is None and "unknown format '09'" in (listed.last_error or "")


# --- the migration -------------------------------------------------------------------------------------


def pre_m011_database(path: Path, snapshots: list[QuestionSnapshot]) -> Database:
    """A database as relance left it before m011, holding `snapshots`: migrated up to m011, each row
    written as the store wrote it then (the snapshot as JSON text, its text and rubric in their own
    columns, which the triggers of m005 copied into the search index)."""
    db = Database(sqlite3.connect(str(path)))
    migrations.apply(db, stop_before="m011_compact_store")
    for s in snapshots:
        db.execute("INSERT INTO questions (ref, chamber, status, title, author, ministry, rubric, text, snapshot, "
                   "first_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   [s.ref.uid, s.chamber, s.status, s.title, s.author.name, s.ministry.name if s.ministry else None,
                    s.rubric, s.text, snapshot_text(s), "2025-06-03T10:00:00+00:00"])
    db.conn.commit()
    return db


OLD_SNIPPET = ("SELECT q.ref, snippet(questions_fts, -1, char(2), char(3), '…', 16) FROM questions_fts "
               "JOIN questions q ON q.rowid = questions_fts.rowid WHERE questions_fts MATCH ? ORDER BY q.ref")


@pytest.mark.parametrize("query", ["diamants", "communes", "ministre intérieur", '"terminologie des diamants"',
                                   "Masson"])
def test_migration_converts_and_keeps_the_snippets(tmp_path: Path, query: str) -> None:
    snapshots = real_snapshots()
    old = pre_m011_database(tmp_path / "relance.db", snapshots)
    # The snippets FTS5 made before m011, from the text columns its index read.
    before = {ref: " ".join(snippet.split())
              for ref, snippet in old.execute(OLD_SNIPPET, [match_expression(query)]).fetchall()}
    assert before
    old.close()
    db = open_db(tmp_path / "relance.db")
    assert all(isinstance(value, bytes) for (value,) in db.execute("SELECT data FROM snapshots"))
    assert {"text", "rubric"}.isdisjoint(db.table("questions").columns_dict)
    assert [q.snapshot for q in all_questions(db)] == sorted(snapshots, key=lambda s: s.ref.uid)
    assert {hit.ref: hit.snippet for hit in search_questions(db, query)} == before


# --- the index follows the snapshot ------------------------------------------------------------------------


def test_the_index_follows_a_transfer_and_a_renaming(tmp_path: Path) -> None:
    db = open_db(tmp_path / "relance.db")
    asked = parse_an_json(dump(without_answer(qe_json())), URL)
    save_check(db, asked, [], poll(NOON))
    assert [h.ref for h in search_questions(db, "diamants", ministry="souveraineté")] == [AN_REF]
    # Transferred to another real ministry (tests/an_variants.transferred_to): the old ministry's words
    # no longer find it, the new one's do; the text's words still do, once.
    moved = parse_an_json(dump(transferred_to(without_answer(qe_json()), "Culture", "Ministère de la culture",
                                              "PO860180", "2025-01-10")), URL)
    save_check(db, moved, [], poll(NOON + timedelta(days=1)))
    assert search_questions(db, "diamants", ministry="souveraineté") == []
    assert [h.ref for h in search_questions(db, "diamants", ministry="culture")] == [AN_REF]
    # Renamed (storage.actors.save_renamed, as an import of the AN's actors does): the author's words.
    renamed = dataclasses.replace(moved, author=dataclasses.replace(moved.author, name="Olivia Autre"))
    save_renamed(db, [renamed])
    assert search_questions(db, "diamants", author="Grégoire") == []
    [hit] = search_questions(db, "diamants", author="autre")
    assert hit.stored.snapshot == renamed and hit.snippet and "diamants" in hit.snippet
    db.execute("INSERT INTO questions_fts (questions_fts) VALUES ('integrity-check')")



def test_an_import_batch_indexes_at_its_end_and_forgets_a_question_undone(tmp_path: Path) -> None:
    """Inside an import's batch (storage.questions.import_batch), the index is written once, at its end, in
    the order of the changes: a question stored then transferred in the same batch is found by its new
    ministry only; one whose write failed half-way (a naive instant in an event) leaves no entry."""
    db = open_db(tmp_path / "relance.db")
    asked = parse_an_json(dump(without_answer(qe_json())), URL)
    moved = parse_an_json(dump(transferred_to(without_answer(qe_json()), "Culture", "Ministère de la culture",
                                              "PO860180", "2025-01-10")), URL)
    other = real_snapshots()[2]  # the real Sénat question SEQ020238665, by Jean Louis Masson
    bad = dataclasses.replace(event(), ref=other.ref.uid, seen_at=NOON.replace(tzinfo=None))
    with import_batch(db):
        save_check(db, asked, [], poll(NOON))
        save_check(db, moved, [], poll(NOON + timedelta(days=1)))
        with pytest.raises(ValueError, match="naive"):
            save_check(db, other, [bad], dataclasses.replace(poll(NOON), ref=other.ref.uid))
        assert db.execute("SELECT count(*) FROM questions_fts").fetchone() == (0,)  # not yet
        pending = pending_index_writes(db)
        asked_of = asked.ministry.name if asked.ministry else None
        assert pending is not None and [(kind, values[-1]) for kind, _, values in pending] == [
            ("insert", asked_of), ("delete", asked_of), ("insert", "Ministère de la culture")]
    assert pending_index_writes(db) is None
    assert [q.ref for q in all_questions(db)] == [AN_REF]
    assert search_questions(db, "diamants", ministry="souveraineté") == []
    assert [h.ref for h in search_questions(db, "diamants", ministry="culture")] == [AN_REF]
    assert search_questions(db, "masson") == [] and db.execute("SELECT count(*) FROM questions_fts").fetchone() == (1,)
    db.execute("INSERT INTO questions_fts (questions_fts) VALUES ('integrity-check')")


def test_an_import_batch_that_fails_writes_nothing_to_the_index(tmp_path: Path) -> None:
    db = open_db(tmp_path / "relance.db")
    with pytest.raises(RuntimeError, match="stop"), import_batch(db):
        save_check(db, parse_an_json(dump(qe_json()), URL), [], poll(NOON))
        raise RuntimeError("stop")
    assert pending_index_writes(db) is None
    assert all_questions(db) == [] and db.execute("SELECT count(*) FROM questions_fts").fetchone() == (0,)

# --- the events' details ---------------------------------------------------------------------------------


def test_event_details_deflated_and_older_text_read(tmp_path: Path) -> None:
    db = open_db(tmp_path / "relance.db")
    snapshot = parse_an_json(dump(qe_json()), URL)
    details = {"author": snapshot.author.name, "ministry": snapshot.ministry.name if snapshot.ministry else None,
               "status": snapshot.status, "title": snapshot.title}
    published = Event(AN_REF, "published", "published", snapshot.published, NOON, details)
    save_check(db, snapshot, [published, event()], poll(NOON))
    values = [value for (value,) in db.execute("SELECT details FROM events ORDER BY id")]
    assert all(isinstance(value, bytes) and value[0] == DETAILS_ZLIB_1 for value in values)
    assert len(values[0]) < 0.6 * len(json.dumps(details, ensure_ascii=False).encode())
    assert [e.details for e in list_events(db)] == [details, {"page": "4348"}]
    # An event logged before its details were deflated: JSON text, read as it is.
    db.execute("UPDATE events SET details = ? WHERE kind = 'answered'", ['{"page": "4348"}'])
    assert list_events(db)[1].details == {"page": "4348"}
    db.execute("UPDATE events SET details = ? WHERE kind = 'published'", [values[0][:8]])
    with pytest.raises(StoredSnapshotError, match="event 1: cannot inflate its details"):
        list_events(db)
