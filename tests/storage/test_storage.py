"""The store on a real SQLite file: migrations, WAL, one transaction per question, an event log
whose natural key makes a re-run add nothing, and snapshots kept whole."""

from __future__ import annotations

import dataclasses
import os
import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.deadlines import PARIS
from scrapers.an import parse_an_json, parse_an_xml
from scrapers.model import QuestionSnapshot
from scrapers.senat import parse_senat_text
from scrapers.serialize import snapshot_from_dict, snapshot_to_dict
from storage.db import StorageError, database_path, migrations, open_db
from storage.questions import (
    all_questions,
    get_question,
    list_events,
    recent_polls,
    save_check,
    save_failure,
    source_health,
)
from storage.records import Event, Poll
from tests.an_variants import dump, qe_json, without_answer
from tests.conftest import sample_bytes
from tests.senat_pages import PAGE_TEXTS, page_text, page_url_path

URL = "https://www.assemblee-nationale.fr/dyn/opendata/QANR5L17QE5268.json"
NOON = datetime(2025, 6, 3, 12, 0, tzinfo=PARIS)


def real_snapshots() -> list[QuestionSnapshot]:
    found = [parse_an_json(sample_bytes("an/QANR5L17QE5268.json"), URL),
             parse_an_xml(sample_bytes("an/q14-47351QE.vue.xml"), "https://questions.assemblee-nationale.fr/x")]
    found += [parse_senat_text(page_text(uid), f"https://www.senat.fr{page_url_path(uid)}") for uid in PAGE_TEXTS]
    return found


def test_snapshots_round_trip_through_json() -> None:
    for snapshot in real_snapshots():
        assert snapshot_from_dict(snapshot_to_dict(snapshot)) == snapshot


def poll(at: datetime, outcome: str = "changed", error: str | None = None) -> Poll:
    return Poll(at=at, ref="QANR5L17QE5268", source="an", url=URL, http_status=None if error else 200,
                outcome=outcome, error=error)  # type: ignore[arg-type]


def event(kind: str = "answered", key: str = "2025-06-03", at: datetime = NOON) -> Event:
    return Event("QANR5L17QE5268", kind, key, date(2025, 6, 3), at, {"page": "4348"})  # type: ignore[arg-type]


def test_schema_wal_and_reopen(tmp_path: Path) -> None:
    db = open_db(tmp_path / "relance.db")
    assert {"questions", "events", "polls"} <= set(db.table_names())
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.close()
    again = open_db(tmp_path / "relance.db")  # migrations already applied: nothing to do
    applied = [m.name for m in migrations.applied(again)]
    assert applied[:2] == ["m001_questions_events_polls", "m002_cycles_subscribers_ledger"]
    # Applied in the order they are defined, each once (issue 15's numbers were given out ahead of time,
    # so m011 is defined after m013).
    assert len(set(applied)) == len(applied) and migrations.pending(again) == []


def test_rerun_adds_no_event(tmp_path: Path) -> None:
    db = open_db(tmp_path / "relance.db")
    snapshot = parse_an_json(sample_bytes("an/QANR5L17QE5268.json"), URL)
    assert [e.kind for e in save_check(db, snapshot, [event()], poll(NOON))] == ["answered"]
    later = NOON + timedelta(hours=2)
    assert save_check(db, snapshot, [event(at=later)], poll(later, "unchanged")) == []
    assert [e.kind for e in list_events(db)] == ["answered"]
    assert len(recent_polls(db, "QANR5L17QE5268")) == 2
    stored = get_question(db, "QANR5L17QE5268")
    assert stored is not None and stored.snapshot == snapshot
    assert stored.first_seen == NOON and stored.last_success == later and stored.last_change == NOON


def test_failure_keeps_the_state(tmp_path: Path) -> None:
    db = open_db(tmp_path / "relance.db")
    snapshot = parse_an_json(dump(without_answer(qe_json())), URL)
    save_check(db, snapshot, [], poll(NOON))
    save_failure(db, "QANR5L17QE5268", poll(NOON + timedelta(hours=2), "error", "TransportError: refused"))
    stored = get_question(db, "QANR5L17QE5268")
    assert stored is not None and stored.snapshot == snapshot and stored.last_success == NOON
    assert stored.last_error == "TransportError: refused"
    [health] = source_health(db)
    assert (health.source, health.last_success) == ("an", NOON)


def test_never_read_question_is_unknown(tmp_path: Path) -> None:
    db = open_db(tmp_path / "relance.db")
    save_failure(db, "SEQ221103705", Poll(NOON, "SEQ221103705", "senat", "u", None, "error", "boom"))
    [stored] = all_questions(db)
    assert stored.snapshot is None and stored.status == "unknown" and stored.last_error == "boom"


def test_one_transaction_per_question(tmp_path: Path) -> None:
    """A write that fails half-way (here an event with a naive time) leaves nothing behind."""
    db = open_db(tmp_path / "relance.db")
    snapshot = parse_an_json(sample_bytes("an/QANR5L17QE5268.json"), URL)
    bad = dataclasses.replace(event(), seen_at=datetime(2025, 6, 3, 12))  # noqa: DTZ001 - the point of the test
    with pytest.raises(ValueError, match="naive"):
        save_check(db, snapshot, [event(kind="published", key="published"), bad], poll(NOON))
    assert get_question(db, "QANR5L17QE5268") is None
    assert list_events(db) == [] and recent_polls(db, "QANR5L17QE5268") == []


def test_events_since_compares_instants(tmp_path: Path) -> None:
    db = open_db(tmp_path / "relance.db")
    snapshot = parse_an_json(sample_bytes("an/QANR5L17QE5268.json"), URL)
    save_check(db, snapshot, [event("published", "published", NOON), event(at=NOON + timedelta(days=1))], poll(NOON))
    since = (NOON + timedelta(hours=1)).astimezone(UTC)
    assert [e.kind for e in list_events(db, since=since)] == ["answered"]
    assert list_events(db, since=since)[0].seen_at == NOON + timedelta(days=1)


def test_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "broken.db"
    path.write_bytes(b"garbage" * 1000)
    with pytest.raises(StorageError, match=str(path)):
        open_db(path)


def test_a_folder_that_is_a_file_is_named_with_what_to_do(tmp_path: Path) -> None:
    (tmp_path / "data").write_text("not a folder", encoding="utf-8")
    with pytest.raises(StorageError) as error:
        open_db(tmp_path / "data" / "relance.db")
    assert f"{tmp_path / 'data'} is a file, not a folder: move it, or set [storage] path" in str(error.value)


def test_a_read_only_folder_is_named_with_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What the folder's permissions say, as a user other than its owner sees them (root, which
    the tests may run as, is refused nothing: the permission check is what is stood in for)."""
    folder = tmp_path / "ro"
    folder.mkdir()
    (folder / "relance.db").write_bytes(b"garbage" * 1000)  # a file sqlite3 refuses, whoever runs it
    monkeypatch.setattr(os, "access", lambda *args, **kwargs: False)
    with pytest.raises(StorageError) as error:
        open_db(folder / "relance.db")
    message = str(error.value)
    assert message.startswith(f"database {folder / 'relance.db'}: ")
    assert f"{folder / 'relance.db'} is read-only for this user (uid {os.getuid()}): give it to the user that " \
           "runs relance (chown), or set [storage] path (or RELANCE_DB)" in message


def test_locked_by_another_writer_waits(tmp_path: Path) -> None:
    path = tmp_path / "relance.db"
    open_db(path).close()
    other = sqlite3.connect(path, timeout=0)
    other.execute("BEGIN IMMEDIATE")
    db = open_db(path)
    db.execute("PRAGMA busy_timeout = 100")
    snapshot = parse_an_json(sample_bytes("an/QANR5L17QE5268.json"), URL)
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        save_check(db, snapshot, [], poll(NOON))
    other.rollback()
    save_check(db, snapshot, [], poll(NOON))  # once released, the write goes through
    assert get_question(db, "QANR5L17QE5268") is not None


def test_database_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RELANCE_DB", raising=False)
    assert database_path("x.db") == Path("x.db") and database_path(None) == Path("relance.db")
    monkeypatch.setenv("RELANCE_DB", "/tmp/env.db")
    assert database_path("x.db") == Path("/tmp/env.db")


def test_one_question_undone_inside_an_import_batch(tmp_path: Path) -> None:
    """Inside a caller's transaction (an import's batch), a question whose write fails half-way is undone
    alone: the batch's other questions stay."""
    db = open_db(tmp_path / "relance.db")
    first, second = real_snapshots()[2:4]
    bad = dataclasses.replace(event(), ref=second.ref.uid, seen_at=datetime(2025, 6, 3, 12))  # noqa: DTZ001
    with db.atomic():
        save_check(db, first, [], dataclasses.replace(poll(NOON), ref=first.ref.uid))
        with pytest.raises(ValueError, match="naive"):
            save_check(db, second, [event(kind="published", key="published"), bad],
                       dataclasses.replace(poll(NOON), ref=second.ref.uid))
    assert [q.ref for q in all_questions(db)] == [first.ref.uid]
    assert list_events(db) == [] and recent_polls(db, second.ref.uid) == []
