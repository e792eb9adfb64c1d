"""Notes on questions: what the user did about one (`relance note REF "signalement demandé le 3/12"`),
dated, kept in the database (table `notes`, m017), never in config.toml.

Each question numbers its notes 1, 2, 3… in the order they were written; a note keeps its number when
another is deleted (the next note takes one more than the highest left), so `--delete N` deletes what
`--list` showed as N.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlite_utils import Database

from storage.instants import instant_text as _text


@dataclass(frozen=True, slots=True)
class Note:
    ref: str
    number: int  # the question's own numbering, from 1
    at: datetime  # when it was written (aware)
    text: str


def _note(row: dict[str, object]) -> Note:
    return Note(str(row["ref"]), int(str(row["number"])), datetime.fromisoformat(str(row["at"])), str(row["text"]))


def add_note(db: Database, ref: str, text: str, at: datetime) -> Note:
    """Keep `text` as the next note of `ref`, written at `at`."""
    with db.atomic():
        highest = db.execute("SELECT max(number) FROM notes WHERE ref = ?", [ref]).fetchone()[0]
        note = Note(ref, (highest or 0) + 1, at, text)
        db.table("notes").insert({"ref": ref, "number": note.number, "at": _text(at), "text": text})
    return note


def list_notes(db: Database, ref: str) -> list[Note]:
    """The notes of `ref`, oldest first."""
    return [_note(row) for row in db.table("notes").rows_where("ref = ?", [ref], order_by="number")]


def latest_notes(db: Database, refs: Iterable[str]) -> dict[str, Note]:
    """The latest note of each of `refs` that has one."""
    wanted = sorted(set(refs))
    found: dict[str, Note] = {}
    for start in range(0, len(wanted), 500):  # well under SQLite's limit of bound parameters
        chunk = wanted[start:start + 500]
        marks = ", ".join("?" * len(chunk))
        rows = db.execute(f"SELECT ref, number, at, text FROM notes AS n WHERE ref IN ({marks}) AND number = "
                          "(SELECT max(number) FROM notes WHERE ref = n.ref)", chunk).fetchall()
        found.update({row[0]: _note(dict(zip(("ref", "number", "at", "text"), row, strict=True))) for row in rows})
    return found


def delete_note(db: Database, ref: str, number: int) -> Note | None:
    """Delete note `number` of `ref` and return it; None when there is no such note."""
    with db.atomic():
        rows = list(db.table("notes").rows_where("ref = ? AND number = ?", [ref, number]))
        if not rows:
            return None
        db.execute("DELETE FROM notes WHERE ref = ? AND number = ?", [ref, number])
    return _note(rows[0])
