"""What `relance notify --dry-run` says of each e-mail it would send, and when there is none."""

from __future__ import annotations

from collections.abc import Sequence

from bot.notify.i18n import N_, Translated, _
from bot.notify.wording import event_line
from scrapers.refs import RefError, parse_ref
from storage.records import Event

MESSAGE_KINDS_FR = Translated({"confirmation": N_("demande de confirmation"), "immediate": N_("avis immédiat"),
                               "daily": N_("résumé quotidien"), "weekly": N_("résumé hebdomadaire"),
                               "admin": N_("alarme de l'admin"), "access": N_("lien d'accès à l'abonnement"),
                               "channel": N_("avis de canal")})
# Read where it is shown: `_(NOTHING_DUE)`.
NOTHING_DUE = N_("Aucun e-mail à envoyer maintenant : rien en attente, et aucun résumé n'est dû à cette heure "
                 "(ou il n'y a rien de nouveau pour ses abonnés).")


def _label(ref: str) -> str:
    try:
        return parse_ref(ref).label
    except RefError:
        return ref


def preview_heading(to: str, kind: str, subject: str, events: Sequence[Event]) -> str:
    """'--- à alice@… · résumé quotidien · « Résumé quotidien — relance : … »', then one line per event."""
    lines = [_("--- à {to} · {kind} · « {subject} »", to=to, kind=MESSAGE_KINDS_FR.get(kind, kind), subject=subject)]
    lines += [_("    {label} : {event}", label=_label(e.ref), event=event_line(e.kind, e.details)) for e in events]
    return "\n".join(lines)
