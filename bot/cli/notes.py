"""`relance note REF "texte"`, `relance note REF --list`, `relance note REF --delete N`: dated notes of
what was done about a question, kept in the database. Added to the `relance` group in bot/cli/__init__.py."""

from __future__ import annotations

import click

from bot.app.notes import delete_question_note, note_question, question_notes
from bot.cli.kit import Context, now, one_line_errors, pass_context
from bot.notify.wording.notes import (
    note_deleted,
    note_kept,
    note_line,
    note_needs_text,
    note_one_action,
    notes_count,
)


@click.command("note")
@click.argument("ref")
@click.argument("text", nargs=-1)
@click.option("--list", "as_list", is_flag=True, help="Afficher les notes de la question, numérotées.")
@click.option("--delete", "number", type=click.IntRange(min=1), help="Supprimer la note N (son numéro dans --list).")
@pass_context
@one_line_errors
def note(context: Context, ref: str, text: tuple[str, ...], as_list: bool, number: int | None) -> None:
    """Garder une note datée sur une question (ce qui a été fait), lister ses notes, ou en supprimer une.

    relance note 'AN 17-5268' "signalement demandé le 3/12" garde la note, datée de maintenant (heure de
    Paris) ; --list affiche les notes numérotées ; --delete N supprime la note N. Les notes s'affichent
    dans show, sur la page web de la question et dans les résumés par e-mail.
    """
    if sum((bool(text), as_list, number is not None)) > 1:
        raise click.UsageError(note_one_action())
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
        raise click.UsageError(note_needs_text())
