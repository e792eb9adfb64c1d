"""Open relance's SQLite database: one file, WAL mode, schema brought up to date by migrations.

The database is the only memory relance has; `storage/` is the only package that speaks SQL.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from sqlite_utils import Database, Migrations

DEFAULT_PATH = "relance.db"
BUSY_TIMEOUT_MS = 10_000  # wait this long for another process's write before giving up

migrations = Migrations("relance")


class StorageError(Exception):
    """The database cannot be used: names the file and the problem."""

    def __init__(self, path: str | Path, problem: str) -> None:
        self.path, self.problem = str(path), problem
        super().__init__(f"database {path}: {problem}")


def database_path(configured: str | None) -> Path:
    """`$RELANCE_DB` wins over the config's `[storage] path`."""
    return Path(os.environ.get("RELANCE_DB") or configured or DEFAULT_PATH)


def open_db(path: str | Path) -> Database:
    """Open (creating if needed) the database at `path`, in WAL mode, migrated to the current schema."""
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        db = Database(sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False))
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        db.execute("PRAGMA foreign_keys = ON")
        db.enable_wal()
        migrations.apply(db)
    except (sqlite3.Error, OSError) as error:
        raise StorageError(path, f"{type(error).__name__}: {error}") from None
    return db


@migrations()
def m001_questions_events_polls(db: Database) -> None:
    db.table("questions").create({
        "ref": str, "chamber": str, "legislature": int, "number": int, "status": str, "title": str,
        "author": str, "ministry": str, "published": str, "answered": str, "signaled": str, "closed": str,
        "answer_hash": str, "snapshot": str, "first_seen": str, "last_checked": str, "last_success": str,
        "last_error": str, "last_change": str,
    }, pk="ref")
    db.table("events").create({
        "id": int, "ref": str, "kind": str, "key": str, "official_date": str, "seen_at": str, "details": str,
    }, pk="id", not_null={"ref", "kind", "key", "seen_at"})
    # The natural key of an event: a re-run that sees the same fact adds nothing.
    db.table("events").create_index(["ref", "kind", "key"], unique=True)
    db.table("events").create_index(["seen_at"])
    db.table("polls").create({
        "id": int, "at": str, "ref": str, "source": str, "url": str, "http_status": int, "outcome": str,
        "error": str,
    }, pk="id", not_null={"at", "source", "outcome"})
    db.table("polls").create_index(["ref", "at"])
    db.table("polls").create_index(["source", "at"])
