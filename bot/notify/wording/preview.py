"""What `relance notify --dry-run` says of each e-mail it would send, and when there is none."""

from __future__ import annotations

from collections.abc import Sequence

from bot.notify.wording import event_line
from scrapers.refs import RefError, parse_ref
from storage.records import Event

MESSAGE_KINDS_FR = {"confirmation": "demande de confirmation", "immediate": "avis immédiat",
                    "daily": "résumé quotidien", "weekly": "résumé hebdomadaire", "admin": "alarme de l'admin",
                    "access": "lien d'accès à l'abonnement", "channel": "avis de canal"}
NOTHING_DUE = ("Aucun e-mail à envoyer maintenant : rien en attente, et aucun résumé n'est dû à cette heure "
               "(ou il n'y a rien de nouveau pour ses abonnés).")


def _label(ref: str) -> str:
    try:
        return parse_ref(ref).label
    except RefError:
        return ref


def preview_heading(to: str, kind: str, subject: str, events: Sequence[Event]) -> str:
    """'--- à alice@… · résumé quotidien · « Résumé quotidien — relance : … »', then one line per event."""
    lines = [f"--- à {to} · {MESSAGE_KINDS_FR.get(kind, kind)} · « {subject} »"]
    lines += [f"    {_label(e.ref)} : {event_line(e.kind, e.details)}" for e in events]
    return "\n".join(lines)
