"""The words of the answer statistics (`relance stats`, `/statistiques`, the ministry and author pages):
the groupings, the columns, the figures whose questions a page lists."""

from __future__ import annotations

from babel.numbers import format_decimal, format_percent

from bot.notify.wording import locale

BY_FR = {"ministry": "Ministère attributaire", "ministry_asked": "Ministère interrogé", "author": "Auteur",
         "group": "Groupe politique", "chamber": "Chambre", "tag": "Thème"}
# The columns of a row, in the order of its JSON keys (after `name`, titled by BY_FR).
COLUMNS_FR = {"questions": "Questions", "answered": "Répondues", "answered_on_time": "Dans les délais",
              "pending": "En attente", "overdue": "En retard", "answer_rate": "Taux de réponse",
              "on_time_rate": "Taux dans les délais", "median_days_to_answer": "Délai médian (jours)"}
# The questions behind a figure, as a list's title says them.
FIGURES_FR = {"questions": "toutes les questions", "answered": "les questions répondues",
              "answered_on_time": "les questions répondues dans les délais",
              "answered_late": "les questions répondues après l'échéance", "pending": "les questions en attente",
              "overdue": "les questions en attente dont l'échéance est passée"}
# A ministry's or an author's page: what its breadcrumb calls it, and what its questions are.
GROUP_PAGE_FR = {"ministry": ("ministère", "Les questions écrites que ce ministère détient aujourd'hui, après les "
                                           "transferts."),
                 "author": ("auteur", "Les questions écrites de cet auteur et les réponses qu'elles ont reçues.")}
UNNAMED = "(non renseigné)"
NO_QUESTIONS = "Aucune question enregistrée ne correspond."
RATES_NOTE = ("Taux de réponse : questions répondues sur questions posées. Taux dans les délais : réponses "
              "publiées au plus tard à l'échéance, sur les questions dont l'échéance est passée ou qui ont déjà "
              "reçu leur réponse. Délai médian : de la publication au JO à la réponse, pour les questions répondues.")


def rate_fr(value: float | None) -> str:
    """'47,1 %' (one decimal at most, French spacing), '—' when there is nothing to divide by."""
    return "—" if value is None else format_percent(value, "#,##0.#\u00a0%", locale=locale())


def median_fr(value: float | None) -> str:
    """'56', '66,5', '—' for no answer."""
    return "—" if value is None else format_decimal(value, format="#,##0.#", locale=locale())


# The parts of a bar of `/statistiques`' chart, in the order drawn (left to right).
CHART_PARTS_FR = ("répondues dans les délais", "répondues après l'échéance", "en attente, échéance passée",
                  "autres (échéance à venir, retirées, clôturées, caduques)")


def chart_row_title(name: str, parts: list[tuple[int, str]]) -> str:
    """A bar's tooltip and accessible name: 'Ministère… : 4 répondues dans les délais, 1 …'."""
    return f"{name} : " + ", ".join(f"{count} {words}" for count, words in parts if count)


def chart_summary(shown: int, rows: int) -> str:
    more = f" (les {shown} premières sur {rows})" if rows > shown else ""
    return (f"Pour chaque ligne du tableau{more}, ses questions : répondues dans les délais, répondues après "
            "l'échéance, en attente après l'échéance, autres. Chaque partie mène aux questions qu'elle compte.")
