"""`relance stats`: the answer statistics over every stored question, as a table, JSON or CSV."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import click

from bot.app.stats import BY, STAT_KEYS, StatRow, checked_request, rows_csv, stat_json, stats
from bot.cli.kit import DAY, Context, now, one_line_errors, pass_context, print_json
from bot.cli.table import WIDE, Column, print_lines, print_table
from bot.cli.views import ministry_cell
from bot.core.deadlines import today_in_paris
from bot.notify.i18n import _
from bot.notify.wording import CHAMBER_NAMES
from bot.notify.wording.stats import BY_FR, COLUMNS_FR, NO_QUESTIONS, RATES_NOTE, UNNAMED, median_fr, rate_fr


def _name(row: StatRow, by: str) -> str:
    if row.name is None:
        return _(UNNAMED)
    return CHAMBER_NAMES.get(row.name, row.name) if by == "chamber" else row.name


# What a narrow terminal keeps first: the group's name, how many questions, the two rates, the overdue.
_PRIORITY = {"questions": 2, "answer_rate": 3, "on_time_rate": 4, "overdue": 5, "answered": 6,
             "answered_on_time": 7, "pending": 8, "median_days_to_answer": 9}


def render_stats(rows: Sequence[StatRow], by: str, *, wide: bool) -> None:
    """The statistics as a table at the terminal's width: a ministry's name abridged (in full with
    --wide) and wrapped, the figures never cut, the least wanted figures left out when they do not fit."""
    columns = (Column(BY_FR[by], 1, "text", min_width=16, easy_width=24),
               *(Column(COLUMNS_FR[key], _PRIORITY[key], justify="right") for key in STAT_KEYS[1:]))
    ministries = by in ("ministry", "ministry_asked")
    print_table(columns, [[ministry_cell(row.name, wide=wide) if ministries and row.name else _name(row, by),
                           *(str(n) for n in (row.questions, row.answered, row.answered_on_time, row.pending,
                                              row.overdue)),
                           rate_fr(row.answer_rate), rate_fr(row.on_time_rate), median_fr(row.median_days_to_answer)]
                          for row in rows], wide=wide)
    print_lines([_(NO_QUESTIONS) if not rows else _(RATES_NOTE)], wide=wide)


@click.command("stats")
@click.option("--by", "by", type=click.Choice(BY), default="ministry", show_default=True,
              help="Grouper par le ministère qui détient la question aujourd'hui, le ministère interrogé, "
                   "l'auteur, le groupe politique de l'auteur, la chambre, ou les thèmes des questions suivies.")
@click.option("--chamber", type=click.Choice(["an", "senat"]), help="Une seule chambre.")
@click.option("--since", type=DAY,
              help="Seulement les questions publiées ce jour ou après (AAAA-MM-JJ).")
@click.option("--until", type=DAY,
              help="Seulement les questions publiées ce jour ou avant (AAAA-MM-JJ).")
@click.option("--json", "as_json", is_flag=True, help="Afficher une liste d'objets JSON.")
@click.option("--csv", "as_csv", is_flag=True, help="Afficher du CSV, les clés JSON pour colonnes.")
@WIDE
@pass_context
@one_line_errors
def stats_command(context: Context, *, by: str, chamber: str | None, since: datetime | None,
                  until: datetime | None, as_json: bool, as_csv: bool, wide: bool) -> None:
    """Statistiques des réponses sur toutes les questions enregistrées : par groupe, les questions, les
    répondues (dans les délais), en attente, en retard, les taux de réponse et dans les délais, le délai
    médian en jours de la publication à la réponse ; les groupes aux plus de questions d'abord."""
    if as_json and as_csv:
        raise click.UsageError(_("--json et --csv : choisir l'un des deux"))
    request = checked_request(by, chamber, since.date() if since else None, until.date() if until else None)
    rows = stats(context.config, context.database(), request, today_in_paris(now()))
    if as_json:
        print_json([stat_json(row) for row in rows])
    elif as_csv:
        click.echo(rows_csv([stat_json(row) for row in rows], STAT_KEYS), nl=False)
    else:
        render_stats(rows, by, wide=wide)

