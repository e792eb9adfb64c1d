"""What the admin hears: the alarm of a source that keeps failing (bot/app/health.py), and the Sénat's
liste de rappel read against relance's own view (bot/core/rappel.py, bot/app/senat_rappel.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.notify.wording import (
    SOURCE_NAMES,
    advice_label,
    fr_count,
    local_time,
)
from storage.alarms import AlarmChange
from storage.records import SourceHealth

DOCTOR = "lancer `relance doctor`"


def source_alarm_text(change: AlarmChange, health: SourceHealth, since: datetime | None,
                      base_url: str | None) -> tuple[str, str]:
    """(subject, body) of one notice, in French: which source, since when, the last error, what to do."""
    name = SOURCE_NAMES.get(health.source, health.source)
    if change == "recovered":
        after = f", après une panne commencée le {local_time(since)}" if since else ""
        return (f"relance : {name} fonctionne de nouveau",
                f"{name} : fonctionne de nouveau — lecture réussie le {local_time(health.last_success)}{after}.\n"
                "Rien à faire.\n")
    what_to_do = f"vérifier que {base_url} répond, {DOCTOR}" if base_url else DOCTOR
    cycles = fr_count(health.failed_cycles, "cycle", "cycles")
    failing = f"en échec depuis {cycles} — dernière erreur : {health.last_error or '?'} — que faire : {what_to_do}."
    if change == "raised":
        subject = f"relance : {name} en échec depuis {cycles}"
        first = f"{name} : {failing}"
    else:
        subject = f"relance : rappel — {name} toujours en échec ({cycles})"
        first = f"Rappel — {name} : toujours {failing}"
    lines = [first, ""]
    if since:
        lines.append(f"Première lecture en échec : {local_time(since)}.")
    lines.append(f"Dernière lecture réussie : {local_time(health.last_success)}.")
    if change == "raised":
        lines.append("Tant que cela dure : un rappel par jour ; un avis quand la source fonctionnera de nouveau.")
    return subject, "\n".join(lines) + "\n"


# --- the Sénat's liste de rappel against relance (bot/core/rappel.py, bot/app/senat_rappel.py) ----------

RAPPEL_ADVICE = ("relire chaque question sur le site du Sénat (`relance fetch RÉFÉRENCE`) et comparer : l'une des "
                 "deux vues est à corriger ; `relance doctor` liste les désaccords en cours")


def rappel_alarm_text(lines: Sequence[tuple[str, str]], source: str) -> tuple[str, str]:
    """(subject, body) of the admin's notice of new disagreements: `lines` are (label, sentence)."""
    count = fr_count(len(lines), "désaccord", "désaccords")
    body = [f"La liste de rappel du Sénat ({source}) et relance ne sont pas d'accord sur "
            f"{fr_count(len(lines), 'question', 'questions')} :", ""]
    body += [f"- {label} : {sentence}" for label, sentence in lines]
    body += ["", f"{advice_label()} : {RAPPEL_ADVICE}."]
    return f"relance : {count} avec la liste de rappel du Sénat", "\n".join(body) + "\n"


def rappel_check_line(at: datetime, source: str, listed: int, disagreements: int) -> str:
    """What `relance doctor` says of the latest reading of the liste de rappel."""
    found = fr_count(disagreements, "désaccord", "désaccords") if disagreements else "aucun désaccord"
    return (f"lue le {local_time(at)} ({source}) : {fr_count(listed, 'question listée', 'questions listées')}, "
            f"{found} avec relance")


RAPPEL_NEVER_READ = ("jamais lue : `relance import senat --rappel` la compare à ce que relance tient pour "
                     "répondu, clos ou en retard")
