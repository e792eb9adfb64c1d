"""Health records: the state of each source's alarm, and a read-only look at the database file.

An alarm's state change and the notices it sends are written in one transaction, through the
delivery ledger: a notice is queued exactly when the state says it was, never twice, never lost.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from sqlite_utils import Database

from storage.db import BUSY_TIMEOUT_MS, StorageError, migrations
from storage.instants import instant_from as _instant
from storage.instants import instant_text as _text
from storage.ledger import BuildMessage, Message, Recipient, queue_message

AlarmChange = Literal["raised", "reminded", "recovered"]


@dataclass(frozen=True, slots=True)
class Alarm:
    """A source's current (or last) alarm: active while `recovered_at` is None."""

    source: str
    failing_since: datetime | None  # the first failed read of the streak that raised it
    raised_at: datetime
    last_notice_at: datetime  # the alarm itself, or its latest reminder
    recovered_at: datetime | None

    @property
    def active(self) -> bool:
        return self.recovered_at is None


@dataclass(frozen=True, slots=True)
class Notice:
    """One notice to queue with an alarm's state change: to whom, and how to build it from its row id."""

    recipient: Recipient
    build: BuildMessage


def _alarm(row: dict[str, Any]) -> Alarm:
    raised, last = _instant(row["raised_at"]), _instant(row["last_notice_at"])
    assert raised is not None and last is not None
    return Alarm(source=row["source"], failing_since=_instant(row["failing_since"]), raised_at=raised,
                 last_notice_at=last, recovered_at=_instant(row["recovered_at"]))


def get_alarms(db: Database) -> dict[str, Alarm]:
    return {row["source"]: _alarm(row) for row in db.table("alarms").rows}


def failing_since(db: Database, source: str) -> datetime | None:
    """When the current failure streak of `source` began: its first failed read after its last success (a
    question missing from the site, a `missing` poll, is neither)."""
    row = db.execute(
        "SELECT min(at) FROM polls WHERE source = ? AND outcome = 'error' AND id > "
        "coalesce((SELECT max(id) FROM polls WHERE source = ? AND outcome IN ('changed', 'unchanged')), 0)",
        [source, source]).fetchone()
    return _instant(row[0])


def record_alarm_change(db: Database, source: str, change: AlarmChange, *, now: datetime,
                        notices: Sequence[Notice], since: datetime | None = None) -> list[Message]:
    """Move the alarm of `source` on (`raised`: a new alarm failing since `since`; `reminded`; `recovered`)
    and queue its `notices` (kind `admin`, carrying no event), in one transaction."""
    at = _text(now)
    with db.atomic():
        table = db.table("alarms")
        if change == "raised":
            table.upsert({"source": source, "failing_since": _text(since) if since else None, "raised_at": at,
                          "last_notice_at": at, "recovered_at": None}, pk="source")
        elif change == "reminded":
            table.update(source, {"last_notice_at": at})
        else:
            table.update(source, {"last_notice_at": at, "recovered_at": at})
        return [queue_message(db, recipient=n.recipient, kind="admin", events=[], build=n.build, now=now)
                for n in notices]


# ---------------------------------------------------------------------------------------------- the file

@dataclass(frozen=True, slots=True)
class DatabaseInfo:
    """What `relance doctor` reports of the database file, read without changing it."""

    path: Path
    size: int  # bytes, the main file
    wal_size: int  # bytes of the -wal file beside it (0 when none)
    journal_mode: str
    integrity: tuple[str, ...]  # ("ok",) when PRAGMA integrity_check finds nothing wrong
    pending: tuple[str, ...]  # migrations not applied yet
    given_up: int  # messages given up after being refused for good too often


def inspect_database(path: Path) -> DatabaseInfo:
    """Open the existing database at `path` without migrating it; raises StorageError when it is not a
    usable SQLite database."""
    try:
        # mode=rw: never create a file that is not there; no migration is applied here.
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    except sqlite3.Error as error:
        raise StorageError(path, f"{type(error).__name__}: {error}") from None
    try:
        journal_mode = str(conn.execute("PRAGMA journal_mode").fetchone()[0])
        integrity = tuple(str(row[0]) for row in conn.execute("PRAGMA integrity_check(20)").fetchall())
        pending = tuple(m.name for m in migrations.pending(Database(conn)))
        given_up = _given_up(conn)
    except sqlite3.Error as error:
        raise StorageError(path, f"{type(error).__name__}: {error}") from None
    finally:
        conn.close()
    wal = path.with_name(path.name + "-wal")
    return DatabaseInfo(path=path, size=path.stat().st_size, wal_size=wal.stat().st_size if wal.exists() else 0,
                        journal_mode=journal_mode, integrity=integrity, pending=pending, given_up=given_up)


def _given_up(conn: sqlite3.Connection) -> int:
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'messages'").fetchone():
        return 0  # a database from before the ledger: nothing was ever sent
    return int(conn.execute("SELECT count(*) FROM messages WHERE state = 'given_up'").fetchone()[0])
