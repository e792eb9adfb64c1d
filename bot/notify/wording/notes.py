"""The words of notes on questions (`relance note`, `show`, the question page, the digest card) and of a
question taken out of a follow rule (`relance remove` on what a rule found, `relance add` bringing it
back, `relance follow list`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.core.deadlines import PARIS
from bot.notify.wording import fr_count, fr_date, fr_list

NOTES_HEADING = "Notes"  # the block of `relance show` and of the question page
NOTE_HEADING = "Dernière note"  # the digest card: the latest note only
NO_NOTES = "aucune note"
NOTE_MAX_CHARS = 2000


def note_time(at: datetime) -> str:
    """'3 décembre 2026 à 14:05', in Europe/Paris."""
    local = at.astimezone(PARIS)
    return f"{fr_date(local.date())} à {local:%H:%M}"


def note_line(number: int, at: datetime, text: str) -> str:
    """One note as `relance note --list` and `relance show` print it: '2. 3 décembre 2026 à 14:05 : …'."""
    return f"{number}. {note_time(at)} : {text}"


def latest_note_line(at: datetime, text: str) -> str:
    """The note a digest card shows: the latest one, dated."""
    return f"{fr_date(at.astimezone(PARIS).date())} : {text}"


def note_kept(label: str, number: int) -> str:
    return f"{label} : note {number} enregistrée"


def note_deleted(label: str, number: int, at: datetime, text: str) -> str:
    return f"{label} : note {number} supprimée ({note_time(at)} : {text})"


def no_such_note(label: str, number: int, numbers: Sequence[int]) -> str:
    have = (f"ses notes : {', '.join(str(n) for n in numbers)}" if numbers
            else "elle n'a aucune note")
    return f"{label} : pas de note n° {number} ({have} ; relance note {label!r} --list les montre)"


def notes_count(label: str, count: int) -> str:
    return f"{label} : {fr_count(count, 'note', 'notes')}" if count else f"{label} : {NO_NOTES}"


EMPTY_NOTE = "note vide : écrire le texte de la note entre guillemets"
NOTE_TOO_LONG = f"note trop longue (plus de {NOTE_MAX_CHARS} caractères)"
NOTE_CONTROL = "la note contient des caractères de contrôle"
NOTE_NEEDS_TEXT = "écrire le texte de la note, ou --list, ou --delete N"
NOTE_ONE_ACTION = "une seule chose à la fois : un texte, --list ou --delete N"


def unknown_for_note(uid: str, label: str) -> str:
    return (f"{uid} ({label}) : question inconnue de relance, ni suivie ni importée ; une note ne se garde que "
            f"sur une question connue (relance add {uid} pour la suivre)")


# --- questions taken out of a follow rule -----------------------------------------------------------

def excluded_from(uid: str, rules: Sequence[str], path: str) -> str:
    """What `relance remove` says of a question a rule found: it is excluded from the rule, for good."""
    names = fr_list([f"« {name} »" for name in rules])
    which = "la règle" if len(rules) == 1 else "les règles"
    return f"{uid} exclue de {which} {names} dans {path} : elle n'y sera plus trouvée"


def watch_removed(uid: str, path: str) -> str:
    return f"{uid} retirée de la liste de suivi de {path}"


def no_longer_watched(uid: str) -> str:
    return f"{uid} n'est plus suivie ; son historique reste enregistré"


def exclusion_lifted(uid: str, rules: Sequence[str], path: str) -> str:
    """What `relance add` says of a question a rule excluded: the rule may find it again."""
    names = fr_list([f"« {name} »" for name in rules])
    which = "la règle" if len(rules) == 1 else "les règles"
    return f"{uid} n'est plus exclue de {which} {names} dans {path}"


def not_watched(uid: str) -> str:
    return f"{uid!r} n'est ni dans la liste de suivi ni trouvée par une règle de suivi"


def excluded_line(count: int) -> str:
    """`relance follow list`, under a rule: the questions it no longer finds."""
    return f"  exclues ({fr_count(count, 'question', 'questions')}) : "


def notes_block(notes: Sequence[tuple[int, datetime, str]]) -> list[str]:
    """The lines `relance show` prints under the history: 'Notes :', then each note numbered; none without notes."""
    if not notes:
        return []
    return [f"{NOTES_HEADING} :", *(f"  {note_line(number, at, text)}" for number, at, text in notes)]


def already_excluded(uid: str, rules: Sequence[str]) -> str:
    names = fr_list([f"« {name} »" for name in rules])
    which = "la règle" if len(rules) == 1 else "les règles"
    return f"{uid!r} n'est plus suivie : déjà exclue de {which} {names} (relance add {uid} la suit de nouveau)"
