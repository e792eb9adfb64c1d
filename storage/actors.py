"""The AN's actors (deputies, senators, ministers), their dated mandates and the bodies they sit in,
as the AN's AMO open data gives them (`relance import actors`); and the look-ups that name a
question's author and ministry from them.

An import upserts: an actor read again has their mandates replaced by the new file's (the AN renews
mandate ids between two files of the same tree); a body read again is updated, and a body absent from
a newer file is kept (the current AMO10 tree drops closed ministries that old questions still name).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlite_utils import Database

from scrapers.an_actors import Actor, Body
from scrapers.model import QuestionSnapshot
from storage.db import BUSY_TIMEOUT_MS, StorageError
from storage.questions import _snapshot_columns, reindex
from storage.snapshots import HAS_SNAPSHOT, write_snapshot

_ACTOR_COLUMNS = ("uid", "civility", "first_name", "surname", "name")
_MANDATE_COLUMNS = ("uid", "organ_ref", "actor", "organ_type", "quality", "start", "end", "legislature")
_BODY_COLUMNS = ("uid", "type", "name", "short", "abbreviation", "start", "end", "parent")


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _insert(db: Database, table: str, columns: Sequence[str], rows: Sequence[tuple[object, ...]]) -> None:
    # Plain SQL and executemany: an AMO zip holds tens of thousands of mandates.
    names = ", ".join(f'"{c}"' for c in columns)
    db.conn.executemany(f"INSERT OR REPLACE INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})", rows)


def save_actors(db: Database, actors: Sequence[Actor]) -> int:
    """Upsert `actors` and replace each one's mandates, in one transaction. Returns the mandates written."""
    mandates = [(m.uid, ref, a.uid, m.organ_type, m.quality, _iso(m.start), _iso(m.end), m.legislature)
                for a in actors for m in a.mandates for ref in (m.organ_refs or ("",))]
    with db.atomic():
        db.conn.executemany("DELETE FROM mandates WHERE actor = ?", [(a.uid,) for a in actors])
        _insert(db, "actors", _ACTOR_COLUMNS, [(a.uid, a.civility, a.first_name, a.surname, a.name) for a in actors])
        _insert(db, "mandates", _MANDATE_COLUMNS, mandates)
    return sum(len(a.mandates) for a in actors)


def save_bodies(db: Database, bodies: Sequence[Body]) -> None:
    with db.atomic():
        _insert(db, "bodies", _BODY_COLUMNS, [(b.uid, b.type, b.name, b.short, b.abbreviation, _iso(b.start),
                                               _iso(b.end), b.parent) for b in bodies])


@dataclass(frozen=True, slots=True)
class AuthorOn:
    """An actor's name, and the political group they were in on a given day (None when no group
    mandate covers that day; `group` and `group_name` None too when that group's body is unknown)."""

    name: str
    civility: str | None
    group_ref: str | None
    # The group's abridged name as the AN's question records write it (`groupe.abrege`): its
    # libelleAbrege (SOC for PO830170, whose libelleAbrev is SOC-A), else its libelleAbrev.
    group: str | None
    group_name: str | None  # its libelle


def author_on(db: Database, actor_ref: str, day: date) -> AuthorOn | None:
    """The actor `actor_ref` and their group on `day`; None when the actor is unknown. A member's
    mandate is preferred when several group mandates cover the day (a group's president holds a
    `Membre` and a `Président` mandate on the same group), then the latest begun."""
    actor = db.execute("SELECT name, civility FROM actors WHERE uid = ?", [actor_ref]).fetchone()
    if actor is None:
        return None
    when = day.isoformat()
    group = db.execute(
        "SELECT m.organ_ref, coalesce(b.short, b.abbreviation), b.name FROM mandates m "
        "LEFT JOIN bodies b ON b.uid = m.organ_ref "
        "WHERE m.actor = ? AND m.organ_type = 'GP' AND (m.start IS NULL OR m.start <= ?) "
        "AND (m.end IS NULL OR m.end >= ?) ORDER BY m.quality = 'Membre' DESC, m.start DESC LIMIT 1",
        [actor_ref, when, when]).fetchone()
    ref, short, name = group if group else (None, None, None)
    return AuthorOn(name=actor[0], civility=actor[1], group_ref=ref, group=short, group_name=name)


def get_body(db: Database, uid: str) -> Body | None:
    """The body `uid` (a group, a ministry…) as last imported; None when no import brought it."""
    row = db.execute(f"SELECT {', '.join(_BODY_COLUMNS)} FROM bodies WHERE uid = ?", [uid]).fetchone()
    if row is None:
        return None
    uid, kind, name, short, abbreviation, start, end, parent = row
    return Body(uid=uid, type=kind, name=name, short=short, abbreviation=abbreviation,
                start=date.fromisoformat(start) if start else None, end=date.fromisoformat(end) if end else None,
                parent=parent)


@dataclass(frozen=True, slots=True)
class ActorCounts:
    actors: int
    mandates: int
    bodies: int


def actor_counts(db: Database) -> ActorCounts:
    (actors,), (mandates,), (bodies,) = (db.execute(sql).fetchone() for sql in (
        "SELECT count(*) FROM actors", "SELECT count(DISTINCT uid) FROM mandates", "SELECT count(*) FROM bodies"))
    return ActorCounts(actors, mandates, bodies)


def actor_counts_on_file(path: Path) -> ActorCounts | None:
    """`actor_counts` of the database at `path`, read without changing it (no migration, for
    `relance doctor`); None when it holds no actors table yet."""
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            if not conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'actors'").fetchone():
                return None
            return actor_counts(Database(conn))
        finally:
            conn.close()
    except sqlite3.Error as error:
        raise StorageError(path, f"{type(error).__name__}: {error}") from None


# --- stored AN questions, renamed ------------------------------------------------------------------


def an_question_refs(db: Database) -> list[str]:
    """The refs of every stored AN question with a snapshot, in ref order."""
    return [ref for (ref,) in db.execute(
        f"SELECT ref FROM questions WHERE chamber = 'an' AND {HAS_SNAPSHOT} ORDER BY ref")]


def save_renamed(db: Database, snapshots: Iterable[QuestionSnapshot]) -> int:
    """Store snapshots that differ from the stored ones by their names only (author, group,
    ministries): the snapshot, the columns and the search index entry (storage/snapshots.py) are updated,
    nothing else: no event, no poll, not a change of state (`last_change` stays). Returns how many."""
    count = 0
    with db.atomic():
        for snapshot in snapshots:
            columns = _snapshot_columns(snapshot)
            reindex(db, snapshot)
            db.execute("UPDATE questions SET author = ?, ministry = ?, ministry_asked = ?, author_group = ? "
                       "WHERE ref = ?",
                       [columns["author"], columns["ministry"], columns["ministry_asked"], columns["author_group"],
                        snapshot.ref.uid])
            write_snapshot(db, snapshot.ref.uid, columns["snapshot"])
            count += 1
    return count
