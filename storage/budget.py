"""The request budget's memory: the requests sent to each site per day (Europe/Paris), and when each
bulk source (the AN's archive of a legislature, the Sénat's CSV) was last read whole or confirmed
unchanged, which tells the check cycle whose state is already current.

Both tables are small: one row per site and day, one row per bulk source.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlite_utils import Database

from storage.db import BUSY_TIMEOUT_MS, StorageError
from storage.instants import instant_from, instant_text

# --- requests per site and day ------------------------------------------------------------------


def add_requests(db: Database, day: date, counts: Mapping[str, int]) -> None:
    """Add `counts` (requests by host) to `day`'s."""
    rows = [(day.isoformat(), host, n) for host, n in counts.items() if n]
    if not rows:
        return
    with db.atomic():
        db.conn.executemany("INSERT INTO requests_per_day (day, host, count) VALUES (?, ?, ?) "
                            "ON CONFLICT(day, host) DO UPDATE SET count = count + excluded.count", rows)


def requests_on(db: Database, day: date) -> dict[str, int]:
    """The requests sent on `day`, by host, most first."""
    return dict(db.execute(
        "SELECT host, count FROM requests_per_day WHERE day = ? ORDER BY count DESC, host", [day.isoformat()]))


def requests_on_file(path: Path, days: tuple[date, ...]) -> dict[date, dict[str, int]] | None:
    """`requests_on` for each of `days`, from the database at `path` read without changing it (no
    migration, for `relance doctor`); None when it has no such table yet."""
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            if not conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'requests_per_day'"
                                ).fetchone():
                return None
            db = Database(conn)
            return {day: requests_on(db, day) for day in days}
        finally:
            conn.close()
    except sqlite3.Error as error:
        raise StorageError(path, f"{type(error).__name__}: {error}") from None


# --- bulk reads ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BulkRead:
    """The last time a bulk source was read whole, or found unchanged (304), without error.

    `source` is the polls' name of it (`an-archive`, `senat-csv`); `scope` what part of it (the AN's
    legislature, as text; '' for the Sénat's CSV); `covers_from` the first publication day it holds
    (the CSV's twelve months), None when it holds every question of its scope."""

    source: str
    scope: str
    at: datetime
    covers_from: date | None = None


def record_bulk_read(db: Database, read: BulkRead) -> None:
    with db.atomic():
        db.execute("INSERT INTO bulk_reads (source, scope, at, covers_from) VALUES (?, ?, ?, ?) "
                   "ON CONFLICT(source, scope) DO UPDATE SET at = excluded.at, covers_from = excluded.covers_from",
                   [read.source, read.scope, instant_text(read.at),
                    read.covers_from.isoformat() if read.covers_from else None])


def bulk_reads(db: Database) -> dict[tuple[str, str], BulkRead]:
    """Every bulk source's last read, by (source, scope)."""
    found: dict[tuple[str, str], BulkRead] = {}
    for source, scope, at, covers_from in db.execute("SELECT source, scope, at, covers_from FROM bulk_reads"):
        when = instant_from(at)
        assert when is not None
        found[(source, scope)] = BulkRead(source, scope, when,
                                          date.fromisoformat(covers_from) if covers_from else None)
    return found
