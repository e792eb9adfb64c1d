"""The Sénat's liste de rappel as relance last compared it with its own view (`relance import senat
--rappel`): the disagreements are events (kind `rappel_disagrees`, stored once by their natural key),
and each reading is one row of `rappel_checks` naming the events it found, the latest row being the
current view `relance doctor` shows. The admin's notice of the new ones is queued in the same
transaction, through the delivery ledger, as a source alarm's is.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlite_utils import Database

from storage.alarms import Notice
from storage.db import BUSY_TIMEOUT_MS, StorageError
from storage.instants import instant_from as _instant
from storage.instants import instant_text as _text
from storage.ledger import Message, queue_message
from storage.questions import add_events, event_from_row
from storage.records import Event


@dataclass(frozen=True, slots=True)
class RappelCheck:
    """One reading of the liste de rappel: when, from where, how many written questions it listed, and
    the disagreements found then (events, in the order found)."""

    at: datetime
    source: str
    listed: int
    disagreements: tuple[Event, ...]


@dataclass(frozen=True, slots=True)
class RecordedCheck:
    new: list[Event]  # disagreements the log did not hold yet
    current: list[Event]  # every disagreement of this reading, with its id
    messages: list[Message]  # the admin's notices queued for the new ones


def _existing(db: Database, event: Event) -> Event:
    row = db.execute("SELECT * FROM events WHERE ref = ? AND kind = ? AND key = ?",
                     [event.ref, event.kind, event.key]).fetchone()
    columns = [c[0] for c in db.execute("SELECT * FROM events LIMIT 0").description]
    return event_from_row(dict(zip(columns, row, strict=True)))


def record_rappel_check(db: Database, *, at: datetime, source: str, listed: int, disagreements: Sequence[Event],
                        notices: Callable[[list[Event]], Sequence[Notice]]) -> RecordedCheck:
    """In one transaction: add the disagreement events the log does not hold (a re-import adds none),
    record this reading with all of them, and queue `notices(new events)` (kind `admin`) carrying the
    new ones, so each is told to the admin once."""
    with db.atomic():
        new = add_events(db, disagreements)
        added = {(e.ref, e.key): e for e in new}
        current = [added.get((e.ref, e.key)) or _existing(db, e) for e in disagreements]
        db.table("rappel_checks").insert({"at": _text(at), "source": source, "listed": listed,
                                          "disagreements": json.dumps([e.id for e in current])})
        messages = [queue_message(db, recipient=n.recipient, kind="admin", events=new, build=n.build, now=at)
                    for n in (notices(new) if new else ())]
    return RecordedCheck(new, current, messages)


def latest_rappel_check(path: Path) -> RappelCheck | None:
    """The latest reading recorded in the database at `path`, read without changing it (no migration);
    None when the liste de rappel was never read (or the database predates it)."""
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    except sqlite3.Error as error:
        raise StorageError(path, f"{type(error).__name__}: {error}") from None
    conn.row_factory = sqlite3.Row
    try:
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'rappel_checks'").fetchone():
            return None
        row = conn.execute("SELECT * FROM rappel_checks ORDER BY id DESC LIMIT 1").fetchone()
        if row is None:
            return None
        ids = [int(i) for i in json.loads(row["disagreements"])]
        by_id = {r["id"]: event_from_row(dict(r)) for r in conn.execute(
            f"SELECT * FROM events WHERE id IN ({', '.join('?' * len(ids))})", ids)} if ids else {}
    except sqlite3.Error as error:
        raise StorageError(path, f"{type(error).__name__}: {error}") from None
    finally:
        conn.close()
    at = _instant(row["at"])
    assert at is not None
    return RappelCheck(at=at, source=row["source"], listed=row["listed"],
                       disagreements=tuple(by_id[i] for i in ids if i in by_id))
