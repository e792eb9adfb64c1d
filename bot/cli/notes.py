"""`relance note REF "texte"`, `relance note REF --list`, `relance note REF --delete N`: dated notes of
what was done about a question, kept in the database. Added to the `relance` group in bot/cli/__init__.py."""

from __future__ import annotations

import click

from bot.app.notes import delete_question_note, note_question, question_notes
from bot.cli.kit import Context, now, one_line_errors, pass_context
from bot.notify.wording.notes import (
    NOTE_NEEDS_TEXT,
    NOTE_ONE_ACTION,
    note_deleted,
    note_kept,
    note_line,
    notes_count,
)


@click.command("note")
@click.argument("ref")
@click.argument("text", nargs=-1)
@click.option("--list", "as_list", is_flag=True, help="Print the question's notes, numbered.")
@click.option("--delete", "number", type=click.IntRange(min=1), help="Delete note N (its number in --list).")
@pass_context
@one_line_errors
def note(context: Context, ref: str, text: tuple[str, ...], as_list: bool, number: int | None) -> None:
    """Keep a dated note on a question (what was done about it), list its notes, or delete one.

    relance note 'AN 17-5268' "signalement demandé le 3/12" keeps the note, dated now (Europe/Paris);
    --list prints the notes numbered; --delete N deletes note N. Notes are shown by show, on the web
    question page and in the digests.
    """
    if sum((bool(text), as_list, number is not None)) > 1:
        raise click.UsageError(NOTE_ONE_ACTION)
    db = context.database()
    if as_list:
        question, notes = question_notes(context.config, db, ref)
        click.echo(notes_count(question.label, len(notes)))
        for kept in notes:
            click.echo(f"  {note_line(kept.number, kept.at, kept.text)}")
    elif number is not None:
        change = delete_question_note(context.config, db, ref, number)
        click.echo(note_deleted(change.ref.label, change.note.number, change.note.at, change.note.text))
    elif text:
        change = note_question(context.config, db, ref, " ".join(text), now())
        click.echo(note_kept(change.ref.label, change.note.number))
    else:
        raise click.UsageError(NOTE_NEEDS_TEXT)
