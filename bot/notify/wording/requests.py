"""What `relance doctor` says of the requests relance sent to each site (the request budget)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from bot.notify.i18n import N_, _
from bot.notify.wording import fr_count, fr_date

# Read where it is shown: `_(REQUESTS_NEVER_COUNTED)`.
REQUESTS_NEVER_COUNTED = N_("aucune requête comptée encore : `relance run` et `relance check` comptent celles "
                            "qu'ils envoient à chaque site")


def _day(when: str, day: date, counts: Mapping[str, int]) -> str:
    total = fr_count(sum(counts.values()), "requête", "requêtes")
    sites = ", ".join(f"{host} {n}" for host, n in sorted(counts.items(), key=lambda item: (-item[1], item[0])))
    if sites:
        return _("{when} ({day}) : {total} ({sites})", when=when, day=fr_date(day), total=total, sites=sites)
    return _("{when} ({day}) : {total}", when=when, day=fr_date(day), total=total)


def requests_line(today: date, counts_today: Mapping[str, int], yesterday: date,
                  counts_yesterday: Mapping[str, int]) -> str:
    """'aujourd'hui (5 juin 2025) : 3 requêtes (www.senat.fr 2, data.assemblee-nationale.fr 1) ; hier (…) : …'."""
    return _("{today} ; {yesterday}", today=_day(_("aujourd'hui"), today, counts_today),
             yesterday=_day(_("hier"), yesterday, counts_yesterday))
