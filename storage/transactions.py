"""Write transactions that wait their turn: each begins IMMEDIATE, and one bounded retry policy covers a
database another process keeps locked for longer than SQLite's busy timeout.

Why IMMEDIATE: a deferred transaction (plain BEGIN) reads first and asks for the write lock at its first
write; if another connection committed in between, its snapshot is stale and SQLite answers "database is
locked" at once, without waiting for the busy timeout (waiting could not help). BEGIN IMMEDIATE takes the
write lock before reading anything, so it waits in SQLite's busy handler like any other writer, and once
it holds the lock nothing in the transaction can be refused for being busy.

`Store` is the `Database` that `storage.db.open_db` returns: its `atomic()` (called by every storage module
and by sqlite-utils' own table methods) is `write_transaction`, so every write of the CLI, the service and
the web goes through the one policy below.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from typing import TypeVar

from sqlite_utils import Database
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    stop_after_delay,
    wait_exponential_jitter,
)

from scrapers.errors import CannotRun

T = TypeVar("T")

# SQLite waits its busy timeout (storage.db.BUSY_TIMEOUT_MS) inside an attempt. A refusal that came sooner
# (a lock SQLite's busy handler cannot wait for: WAL recovery, a snapshot gone stale) is tried again after a
# short random pause, at most ATTEMPTS times; no new attempt begins once the busy timeout (at least
# SHORTEST_WAIT_S) has passed, so a stuck process holds a command or a web request about that long, not
# three times as long.
ATTEMPTS = 3
FIRST_PAUSE_S = 0.05
LONGEST_PAUSE_S = 1.0
SHORTEST_WAIT_S = 1.0

_BUSY_CODES = {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED}
_BUSY_WORDS = ("database is locked", "database is busy", "database table is locked")


class DatabaseBusy(CannotRun, sqlite3.OperationalError):
    """Another connection kept the database's write lock through every attempt: names the file and how
    long relance waited. Nothing was written (the transaction never began), so trying again is safe.
    Still an `sqlite3.OperationalError`, so that the callers that handled SQLite's own refusal handle it."""

    def __init__(self, path: str, problem: str, *, waited_s: float = 0.0, attempts: int = 1) -> None:
        self.path, self.problem, self.waited_s, self.attempts = path, problem, waited_s, attempts
        super().__init__(f"database {path}: {problem}; nothing was written, try again once it is done")


def is_busy(error: BaseException) -> bool:
    """Whether `error` is SQLite refusing because another connection holds a lock (worth waiting for)."""
    if not isinstance(error, sqlite3.OperationalError):
        return False
    code = getattr(error, "sqlite_errorcode", None)
    if isinstance(code, int) and code & 0xFF in _BUSY_CODES:
        return True
    return any(words in str(error).lower() for words in _BUSY_WORDS)


def _path(db: Database) -> str:
    found = db.execute("PRAGMA database_list").fetchone()
    return str(found[2]) if found is not None and found[2] else ":memory:"


def _busy_timeout_s(db: Database) -> float:
    return float(db.execute("PRAGMA busy_timeout").fetchone()[0]) / 1000


def when_busy(db: Database, work: Callable[[], T]) -> T:
    """Run `work` (a whole unit: it must begin its own transaction) under the one retry policy: again after
    a short pause while SQLite says busy, within ATTEMPTS and the busy timeout, then `DatabaseBusy`."""
    started = time.monotonic()

    def give_up(state: RetryCallState) -> T:
        error = state.outcome.exception() if state.outcome is not None else None
        assert isinstance(error, sqlite3.Error)  # only busy errors are retried
        waited = time.monotonic() - started
        raise DatabaseBusy(_path(db), f"another process kept it locked for {waited:.1f} s "
                                      f"({state.attempt_number} attempt(s): {error})",
                           waited_s=waited, attempts=state.attempt_number) from None

    pauses = wait_exponential_jitter(multiplier=FIRST_PAUSE_S, max=LONGEST_PAUSE_S, jitter=FIRST_PAUSE_S)
    stop = stop_after_attempt(ATTEMPTS) | stop_after_delay(max(_busy_timeout_s(db), SHORTEST_WAIT_S))
    retrying = Retrying(retry=retry_if_exception(is_busy), stop=stop, wait=pauses, retry_error_callback=give_up)
    return retrying(work)


def begin_immediate(db: Database) -> None:
    """Take the write lock now (waiting under the retry policy), opening a transaction on `db`."""
    when_busy(db, lambda: db.conn.execute("BEGIN IMMEDIATE"))


@contextmanager
def write_transaction(db: Database) -> Iterator[Database]:
    """One write transaction: BEGIN IMMEDIATE, the block, COMMIT (ROLLBACK on any error). Inside a
    transaction already open on `db` (an import's batch around one question's writes), a savepoint of it:
    the outer transaction holds the lock, and undoes this one too if it fails."""
    if db.conn.in_transaction:
        with Database.atomic(db):
            yield db
        return
    begin_immediate(db)
    try:
        yield db
    except BaseException:
        db.rollback()
        raise
    try:
        db.conn.execute("COMMIT")
    except BaseException:
        db.rollback()
        raise


class Store(Database):
    """sqlite-utils' `Database` whose transactions begin IMMEDIATE under the one retry policy."""

    @contextmanager
    def atomic(self) -> Generator[Database, None, None]:
        with write_transaction(self) as db:
            yield db

    def begin(self) -> None:
        begin_immediate(self)
