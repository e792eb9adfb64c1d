"""The words of the answer statistics (`relance stats`, `/statistiques`, the ministry and author pages):
the groupings, the columns, the figures whose questions a page lists. Tables and sequences of words
are read in the current language; the plain constants are `N_` marks, translated where shown (`_(X)`)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import overload

from babel.numbers import format_decimal, format_percent

from bot.notify.i18n import N_, Translated, _
from bot.notify.wording import locale

BY_FR = Translated({"ministry": N_("Ministère attributaire"), "ministry_asked": N_("Ministère interrogé"),
                    "author": N_("Auteur"), "group": N_("Groupe politique"), "chamber": N_("Chambre"),
                    "tag": N_("Thème")})
# The columns of a row, in the order of its JSON keys (after `name`, titled by BY_FR).
COLUMNS_FR = Translated({"questions": N_("Questions"), "answered": N_("Répondues"),
                         "answered_on_time": N_("Dans les délais"), "pending": N_("En attente"),
                         "overdue": N_("En retard"), "answer_rate": N_("Taux de réponse"),
                         "on_time_rate": N_("Taux dans les délais"),
                         "median_days_to_answer": N_("Délai médian (jours)")})
# The questions behind a figure, as a list's title says them.
FIGURES_FR = Translated({"questions": N_("toutes les questions"), "answered": N_("les questions répondues"),
                         "answered_on_time": N_("les questions répondues dans les délais"),
                         "answered_late": N_("les questions répondues après l'échéance"),
                         "pending": N_("les questions en attente"),
                         "overdue": N_("les questions en attente dont l'échéance est passée")})
# A ministry's or an author's page: what its breadcrumb calls it, and what its questions are.
_GROUP_KIND = Translated({"ministry": N_("ministère"), "author": N_("auteur")})
_GROUP_ABOUT = Translated({
    "ministry": N_("Les questions écrites que ce ministère détient aujourd'hui, après les transferts."),
    "author": N_("Les questions écrites de cet auteur et les réponses qu'elles ont reçues.")})


class _GroupPages(Mapping[str, tuple[str, str]]):
    """(what the breadcrumb calls the group, what its questions are), read in the current language."""

    def __getitem__(self, by: str) -> tuple[str, str]:
        return _GROUP_KIND[by], _GROUP_ABOUT[by]

    def __iter__(self) -> Iterator[str]:
        return iter(_GROUP_KIND)

    def __len__(self) -> int:
        return len(_GROUP_KIND)


GROUP_PAGE_FR: Mapping[str, tuple[str, str]] = _GroupPages()
# Read where they are shown: `_(UNNAMED)`, `_(NO_QUESTIONS)`, `_(RATES_NOTE)`.
UNNAMED = N_("(non renseigné)")
NO_QUESTIONS = N_("Aucune question enregistrée ne correspond.")
RATES_NOTE = N_("Taux de réponse : questions répondues sur questions posées. Taux dans les délais : réponses "
                "publiées au plus tard à l'échéance, sur les questions dont l'échéance est passée ou qui ont déjà "
                "reçu leur réponse. Délai médian : de la publication au JO à la réponse, pour les questions "
                "répondues.")


def rate_fr(value: float | None) -> str:
    """'47,1 %' (one decimal at most, French spacing), '—' when there is nothing to divide by."""
    return "—" if value is None else format_percent(value, "#,##0.#\u00a0%", locale=locale())


def median_fr(value: float | None) -> str:
    """'56', '66,5', '—' for no answer."""
    return "—" if value is None else format_decimal(value, format="#,##0.#", locale=locale())


class _Words(Sequence[str]):
    """A fixed sequence of messages, each read in the current language."""

    def __init__(self, *messages: str) -> None:
        self._messages = messages

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...
    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        if isinstance(index, slice):
            return [_(message) for message in self._messages[index]]
        return _(self._messages[index])

    def __len__(self) -> int:
        return len(self._messages)


# The parts of a bar of `/statistiques`' chart, in the order drawn (left to right).
CHART_PARTS_FR: Sequence[str] = _Words(N_("répondues dans les délais"), N_("répondues après l'échéance"),
                                       N_("en attente, échéance passée"),
                                       N_("autres (échéance à venir, retirées, clôturées, caduques)"))


def chart_row_title(name: str, parts: list[tuple[int, str]]) -> str:
    """A bar's tooltip and accessible name: 'Ministère… : 4 répondues dans les délais, 1 …'."""
    return _("{name} : {parts}", name=name, parts=", ".join(f"{count} {words}" for count, words in parts if count))


def chart_summary(shown: int, rows: int) -> str:
    if rows > shown:
        return _("Pour chaque ligne du tableau (les {shown} premières sur {rows}), ses questions : répondues dans "
                 "les délais, répondues après l'échéance, en attente après l'échéance, autres. Chaque partie mène "
                 "aux questions qu'elle compte.", shown=shown, rows=rows)
    return _("Pour chaque ligne du tableau, ses questions : répondues dans les délais, répondues après l'échéance, "
             "en attente après l'échéance, autres. Chaque partie mène aux questions qu'elle compte.")
