"""Write transactions wait their turn (issue 17): BEGIN IMMEDIATE on a real SQLite file, the savepoint
inside an open transaction, and the one bounded retry when another connection keeps the lock."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlite_utils import Database

from scrapers.errors import CannotRun
from storage.db import open_db
from storage.transactions import DatabaseBusy, is_busy, when_busy, write_transaction


@pytest.fixture
def path(tmp_path: Path) -> Path:
    db = open_db(tmp_path / "relance.db")
    db.execute("CREATE TABLE counter (name TEXT PRIMARY KEY, value INTEGER NOT NULL)")
    db.execute("INSERT INTO counter VALUES ('n', 0)")
    db.close()
    return tmp_path / "relance.db"


@pytest.fixture
def holder(path: Path) -> Iterator[sqlite3.Connection]:
    """A second connection (as another process would be) that holds the write lock until it commits."""
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("UPDATE counter SET value = value + 100")
    yield conn
    if conn.in_transaction:
        conn.execute("ROLLBACK")
    conn.close()


def _read_then_write(db: Database, reading: threading.Event, go_on: threading.Event) -> None:
    with db.atomic():
        value = db.execute("SELECT value FROM counter").fetchone()[0]
        reading.set()
        go_on.wait(5)
        db.execute("UPDATE counter SET value = ?", [value + 1])


def _commit_beside(path: Path, reading: threading.Event, go_on: threading.Event) -> None:
    reading.wait(5)
    other = open_db(path)
    go_on.set()  # let the first transaction write while this one waits for (or takes) the lock
    with other.atomic():
        other.execute("UPDATE counter SET value = value + 10")
    other.close()


def test_a_deferred_transaction_that_read_fails_at_once_when_another_commits(path: Path) -> None:
    """The defect of issue 17, with sqlite-utils' plain Database (BEGIN DEFERRED): the reader's snapshot is
    stale once the other connection commits, and SQLite refuses its write without waiting."""
    db = Database(sqlite3.connect(str(path), timeout=10, check_same_thread=False))
    with db.atomic():
        db.execute("SELECT value FROM counter").fetchone()
        other = open_db(path)
        other.execute("UPDATE counter SET value = value + 10")  # commits: the first snapshot is now stale
        other.close()
        with pytest.raises(sqlite3.OperationalError) as refused:
            db.execute("UPDATE counter SET value = value + 1")
        assert is_busy(refused.value)


def test_a_read_then_write_transaction_waits_its_turn(path: Path) -> None:
    """The same interleaving through open_db's Store: the first transaction took the lock at BEGIN, the
    second one waits for it, and both increments land."""
    db = open_db(path)
    reading, go_on = threading.Event(), threading.Event()
    beside = threading.Thread(target=_commit_beside, args=(path, reading, go_on))
    beside.start()
    _read_then_write(db, reading, go_on)
    beside.join(20)
    assert db.execute("SELECT value FROM counter").fetchone()[0] == 11


def test_every_transaction_of_a_store_begins_immediate(path: Path) -> None:
    """Those of the storage modules (db.atomic()) and those sqlite-utils opens itself (table.insert)."""
    db = open_db(path)
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    with db.atomic():
        db.execute("UPDATE counter SET value = 1")
    db.table("counter").insert({"name": "m", "value": 2})
    begins = [s for s in statements if s.upper().startswith("BEGIN")]
    assert begins == ["BEGIN IMMEDIATE", "BEGIN IMMEDIATE"]


def test_inside_an_open_transaction_a_failed_block_undoes_only_itself(path: Path) -> None:
    db = open_db(path)
    with write_transaction(db):
        db.execute("UPDATE counter SET value = 1")
        with pytest.raises(ValueError), write_transaction(db):
            db.execute("UPDATE counter SET value = 2")
            raise ValueError("this block fails")
        assert db.execute("SELECT value FROM counter").fetchone()[0] == 1
    assert db.execute("SELECT value FROM counter").fetchone()[0] == 1
    assert not db.conn.in_transaction


def test_an_error_rolls_the_whole_transaction_back(path: Path) -> None:
    db = open_db(path)
    with pytest.raises(ValueError), db.atomic():
        db.execute("UPDATE counter SET value = 5")
        raise ValueError("the block fails")
    assert not db.conn.in_transaction
    assert db.execute("SELECT value FROM counter").fetchone()[0] == 0


def test_a_lock_held_beyond_the_busy_timeout_is_tried_again(path: Path, holder: sqlite3.Connection) -> None:
    """The first attempt really meets the other connection's lock (busy timeout 0 here); the holder
    commits before the second, which takes the lock."""
    db = open_db(path)
    db.execute("PRAGMA busy_timeout = 0")
    calls: list[int] = []

    def begin() -> None:
        calls.append(len(calls))
        if len(calls) == 2:
            holder.execute("COMMIT")
        db.conn.execute("BEGIN IMMEDIATE")

    when_busy(db, begin)
    db.execute("UPDATE counter SET value = value + 1")
    db.conn.execute("COMMIT")
    assert calls == [0, 1]
    assert db.execute("SELECT value FROM counter").fetchone()[0] == 101


def test_a_lock_never_released_is_one_error_naming_the_file(path: Path, holder: sqlite3.Connection) -> None:
    db = open_db(path)
    db.execute("PRAGMA busy_timeout = 20")
    with pytest.raises(DatabaseBusy) as busy, db.atomic():
        db.execute("UPDATE counter SET value = value + 1")
    assert isinstance(busy.value, CannotRun)  # the CLI prints it as one line, exit 1
    # A busy timeout of 20 ms: the attempts stop at the first of ATTEMPTS and SHORTEST_WAIT_S.
    assert str(path) in str(busy.value) and "locked" in str(busy.value) and "attempt(s)" in str(busy.value)
    assert not db.conn.in_transaction
    holder.execute("COMMIT")
    assert db.execute("SELECT value FROM counter").fetchone()[0] == 100  # the holder's write only


def test_an_error_that_is_not_busy_is_not_retried(path: Path) -> None:
    db = open_db(path)
    calls: list[int] = []

    def broken() -> None:
        calls.append(1)
        db.execute("UPDATE no_such_table SET x = 1")

    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        when_busy(db, broken)
    assert calls == [1]


def test_no_new_attempt_once_the_busy_timeout_has_passed(path: Path, holder: sqlite3.Connection) -> None:
    """SQLite waited its whole busy timeout in the first attempt: trying again would hold a command (or a
    web request) twice or three times as long for a lock that is not let go."""
    db = open_db(path)
    db.execute("PRAGMA busy_timeout = 1500")
    started = time.monotonic()
    with pytest.raises(DatabaseBusy, match=r"\(1 attempt\(s\)"), db.atomic():
        db.execute("UPDATE counter SET value = value + 1")
    assert time.monotonic() - started >= 1.5
