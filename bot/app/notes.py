"""Notes on questions, the one use case behind `relance note`, `relance show`, the question page and the
digest card: keep a dated note of what was done about a question, list them, delete one.

A note is kept on a question relance knows: one it stored (read, imported, found by a rule) or one the
config watches, even before its first read. REF is any form `scrapers.refs.parse_ref` accepts.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from bot.app.config import Config
from bot.core.deadlines import PARIS
from bot.notify.wording.notes import (
    NOTE_MAX_CHARS,
    empty_note,
    no_such_note,
    note_control,
    note_too_long,
    unknown_for_note,
)
from scrapers.errors import CannotRun
from scrapers.refs import QuestionRef, parse_ref
from storage.notes import Note, add_note, delete_note, list_notes
from storage.questions import get_question

__all__ = ["Note", "NoteError", "delete_question_note", "note_json", "note_question", "question_notes"]

_ALLOWED_CONTROLS = {"\n", "\t"}  # a note typed over several lines keeps them


class NoteError(CannotRun):
    """A note that cannot be kept or found: names the question and the problem, in French."""


@dataclass(frozen=True, slots=True)
class NoteChange:
    ref: QuestionRef
    note: Note


def _known(config: Config, db: Database, text: str) -> QuestionRef:
    ref = parse_ref(text)
    if get_question(db, ref.uid) is None and all(watch.ref != ref.uid for watch in config.watch):
        raise NoteError(unknown_for_note(ref.uid, ref.label))
    return ref


def _clean(ref: QuestionRef, text: str) -> str:
    cleaned = text.strip()
    if not cleaned:
        raise NoteError(f"{ref.label} : {empty_note()}")
    if len(cleaned) > NOTE_MAX_CHARS:
        raise NoteError(f"{ref.label} : {note_too_long()}")
    if any(unicodedata.category(c) in ("Cc", "Cs") and c not in _ALLOWED_CONTROLS for c in cleaned):
        raise NoteError(f"{ref.label} : {note_control()}")
    return cleaned


def note_question(config: Config, db: Database, ref_text: str, text: str, now: datetime) -> NoteChange:
    """Keep `text` as a new note on the question `ref_text`, dated `now`."""
    ref = _known(config, db, ref_text)
    return NoteChange(ref, add_note(db, ref.uid, _clean(ref, text), now))


def question_notes(config: Config, db: Database, ref_text: str) -> tuple[QuestionRef, list[Note]]:
    """The question and its notes, oldest first."""
    ref = _known(config, db, ref_text)
    return ref, list_notes(db, ref.uid)


def delete_question_note(config: Config, db: Database, ref_text: str, number: int) -> NoteChange:
    """Delete note `number` of the question; `NoteError` naming the notes it has when there is none."""
    ref = _known(config, db, ref_text)
    deleted = delete_note(db, ref.uid, number)
    if deleted is None:
        raise NoteError(no_such_note(ref.label, number, [n.number for n in list_notes(db, ref.uid)]))
    return NoteChange(ref, deleted)


def note_json(note: Note) -> dict[str, Any]:
    """A note in `show --json`'s `notes`: {id, at, text}; `at` in Europe/Paris, `id` what --delete takes."""
    return {"id": note.number, "at": note.at.astimezone(PARIS).isoformat(timespec="seconds"), "text": note.text}
