"""What the admin hears: the alarm of a source that keeps failing (bot/app/health.py), and the Sénat's
liste de rappel read against relance's own view (bot/core/rappel.py, bot/app/senat_rappel.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.notify.i18n import N_, _
from bot.notify.wording import (
    SOURCE_NAMES,
    advice_label,
    fr_count,
    local_time,
)
from storage.alarms import AlarmChange
from storage.records import SourceHealth


def _doctor() -> str:
    return _("lancer `relance doctor`")


def _recovered(name: str, health: SourceHealth, since: datetime | None) -> tuple[str, str]:
    after = _(", après une panne commencée le {time}", time=local_time(since)) if since else ""
    return (_("relance : {source} fonctionne de nouveau", source=name),
            _("{source} : fonctionne de nouveau — lecture réussie le {time}{after}.", source=name,
              time=local_time(health.last_success), after=after) + "\n" + _("Rien à faire.") + "\n")


def source_alarm_text(change: AlarmChange, health: SourceHealth, since: datetime | None,
                      base_url: str | None) -> tuple[str, str]:
    """(subject, body) of one notice: which source, since when, the last error, what to do."""
    name = SOURCE_NAMES.get(health.source, health.source)
    if change == "recovered":
        return _recovered(name, health, since)
    what_to_do = (_("vérifier que {url} répond, {doctor}", url=base_url, doctor=_doctor()) if base_url
                  else _doctor())
    cycles = fr_count(health.failed_cycles, "cycle", "cycles")
    error = health.last_error or "?"
    if change == "raised":
        subject = _("relance : {source} en échec depuis {cycles}", source=name, cycles=cycles)
        first = _("{source} : en échec depuis {cycles} — dernière erreur : {error} — que faire : {action}.",
                  source=name, cycles=cycles, error=error, action=what_to_do)
    else:
        subject = _("relance : rappel — {source} toujours en échec ({cycles})", source=name, cycles=cycles)
        first = _("Rappel — {source} : toujours en échec depuis {cycles} — dernière erreur : {error} — que faire : "
                  "{action}.", source=name, cycles=cycles, error=error, action=what_to_do)
    lines = [first, ""]
    if since:
        lines.append(_("Première lecture en échec : {time}.", time=local_time(since)))
    lines.append(_("Dernière lecture réussie : {time}.", time=local_time(health.last_success)))
    if change == "raised":
        lines.append(_("Tant que cela dure : un rappel par jour ; un avis quand la source fonctionnera de nouveau."))
    return subject, "\n".join(lines) + "\n"


# --- the Sénat's liste de rappel against relance (bot/core/rappel.py, bot/app/senat_rappel.py) ----------

# Read where it is shown: `_(RAPPEL_ADVICE)`.
RAPPEL_ADVICE = N_("relire chaque question sur le site du Sénat (`relance fetch RÉFÉRENCE`) et comparer : l'une "
                   "des deux vues est à corriger ; `relance doctor` liste les désaccords en cours")


def rappel_alarm_text(lines: Sequence[tuple[str, str]], source: str) -> tuple[str, str]:
    """(subject, body) of the admin's notice of new disagreements: `lines` are (label, sentence)."""
    count = fr_count(len(lines), "désaccord", "désaccords")
    body = [_("La liste de rappel du Sénat ({source}) et relance ne sont pas d'accord sur {questions} :",
              source=source, questions=fr_count(len(lines), "question", "questions")), ""]
    body += [_("- {label} : {sentence}", label=label, sentence=sentence) for label, sentence in lines]
    body += ["", _("{label} : {action}.", label=advice_label(), action=_(RAPPEL_ADVICE))]
    return _("relance : {count} avec la liste de rappel du Sénat", count=count), "\n".join(body) + "\n"


def rappel_check_line(at: datetime, source: str, listed: int, disagreements: int) -> str:
    """What `relance doctor` says of the latest reading of the liste de rappel."""
    found = fr_count(disagreements, "désaccord", "désaccords") if disagreements else _("aucun désaccord")
    return _("lue le {time} ({source}) : {listed}, {found} avec relance", time=local_time(at), source=source,
             listed=fr_count(listed, "question listée", "questions listées"), found=found)


# Read where it is shown: `_(RAPPEL_NEVER_READ)`.
RAPPEL_NEVER_READ = N_("jamais lue : `relance import senat --rappel` la compare à ce que relance tient pour "
                       "répondu, clos ou en retard")
