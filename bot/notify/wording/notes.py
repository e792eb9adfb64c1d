"""The words of notes on questions (`relance note`, `show`, the question page, the digest card) and of a
question taken out of a follow rule (`relance remove` on what a rule found, `relance add` bringing it
back, `relance follow list`). Each message comes from the catalogs (bot/notify/i18n.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.core.deadlines import PARIS
from bot.notify.i18n import _, n_
from bot.notify.wording import fr_date, fr_list

NOTE_MAX_CHARS = 2000


def notes_heading() -> str:
    """The block of `relance show` and of the question page."""
    return _("Notes")


def note_heading() -> str:
    """The digest card: the latest note only."""
    return _("Dernière note")


def note_time(at: datetime) -> str:
    """'3 décembre 2026 à 14:05', in Europe/Paris."""
    local = at.astimezone(PARIS)
    hour = local.strftime("%H:%M")
    return _("{day} à {time}", day=fr_date(local.date()), time=hour)


def note_line(number: int, at: datetime, text: str) -> str:
    """One note as `relance note --list` and `relance show` print it: '2. 3 décembre 2026 à 14:05 : …'."""
    return _("{number}. {when} : {text}", number=number, when=note_time(at), text=text)


def latest_note_line(at: datetime, text: str) -> str:
    """The note a digest card shows: the latest one, dated."""
    return _("{day} : {text}", day=fr_date(at.astimezone(PARIS).date()), text=text)


def note_kept(label: str, number: int) -> str:
    return _("{label} : note {number} enregistrée", label=label, number=number)


def note_deleted(label: str, number: int, at: datetime, text: str) -> str:
    return _("{label} : note {number} supprimée ({when} : {text})", label=label, number=number,
             when=note_time(at), text=text)


def no_such_note(label: str, number: int, numbers: Sequence[int]) -> str:
    have = (_("ses notes : {numbers}", numbers=", ".join(str(n) for n in numbers)) if numbers
            else _("elle n'a aucune note"))
    return _("{label} : pas de note n° {number} ({have} ; relance note {quoted} --list les montre)", label=label,
             number=number, have=have, quoted=repr(label))


def notes_count(label: str, count: int) -> str:
    if not count:
        return _("{label} : aucune note", label=label)
    return n_("{label} : {n} note", "{label} : {n} notes", count, label=label)


def empty_note() -> str:
    return _("note vide : écrire le texte de la note entre guillemets")


def note_too_long() -> str:
    return _("note trop longue (plus de {n} caractères)", n=NOTE_MAX_CHARS)


def note_control() -> str:
    return _("la note contient des caractères de contrôle")


def note_needs_text() -> str:
    return _("écrire le texte de la note, ou --list, ou --delete N")


def note_one_action() -> str:
    return _("une seule chose à la fois : un texte, --list ou --delete N")


def unknown_for_note(uid: str, label: str) -> str:
    return _("{uid} ({label}) : question inconnue de relance, ni suivie ni importée ; une note ne se garde que "
             "sur une question connue (relance add {uid} pour la suivre)", uid=uid, label=label)


# --- questions taken out of a follow rule -----------------------------------------------------------

def _rules(rules: Sequence[str]) -> str:
    """'la règle « A »', 'les règles « A » et « B »'."""
    names = fr_list([f"« {name} »" for name in rules])
    return n_("la règle {names}", "les règles {names}", len(rules), names=names)


def excluded_from(uid: str, rules: Sequence[str], path: str) -> str:
    """What `relance remove` says of a question a rule found: it is excluded from the rule, for good."""
    return _("{uid} exclue de {rules} dans {path} : elle n'y sera plus trouvée", uid=uid, rules=_rules(rules),
             path=path)


def watch_removed(uid: str, path: str) -> str:
    return _("{uid} retirée de la liste de suivi de {path}", uid=uid, path=path)


def no_longer_watched(uid: str) -> str:
    return _("{uid} n'est plus suivie ; son historique reste enregistré", uid=uid)


def exclusion_lifted(uid: str, rules: Sequence[str], path: str) -> str:
    """What `relance add` says of a question a rule excluded: the rule may find it again."""
    return _("{uid} n'est plus exclue de {rules} dans {path}", uid=uid, rules=_rules(rules), path=path)


def not_watched(uid: str) -> str:
    return _("{quoted} n'est ni dans la liste de suivi ni trouvée par une règle de suivi", quoted=repr(uid))


def already_excluded(uid: str, rules: Sequence[str]) -> str:
    return _("{quoted} n'est plus suivie : déjà exclue de {rules} (relance add {uid} la suit de nouveau)",
             quoted=repr(uid), rules=_rules(rules), uid=uid)


def excluded_line(count: int) -> str:
    """`relance follow list`, under a rule: the questions it no longer finds."""
    return n_("  exclues ({n} question) : ", "  exclues ({n} questions) : ", count)


def notes_block(notes: Sequence[tuple[int, datetime, str]]) -> list[str]:
    """The lines `relance show` prints under the history: 'Notes :', then each note numbered; none without notes."""
    if not notes:
        return []
    return [_("{heading} :", heading=notes_heading()), *(f"  {note_line(number, at, text)}"
                                                         for number, at, text in notes)]
