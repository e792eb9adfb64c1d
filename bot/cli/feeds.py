"""`relance feed atom|ical`: the very feeds the web serves (`bot.app.feeds`), on standard output."""

from __future__ import annotations

import sys

import click

from bot.app.feeds import deadlines_calendar, events_feed
from bot.app.questions import WatchedView
from bot.cli.kit import Context, now, one_line_errors, pass_context
from bot.core.deadlines import today_in_paris


@click.group()
def feed() -> None:
    """Des flux auxquels s'abonner : les événements en Atom, les échéances en iCalendar."""


def _view(context: Context) -> WatchedView:
    return WatchedView(context.config, context.database(), today_in_paris(now()))


@feed.command("atom")
@click.option("--tag", help="Seulement les questions suivies avec ce thème.")
@pass_context
@one_line_errors
def feed_atom(context: Context, tag: str | None) -> None:
    """Un flux Atom des événements, du plus récent au plus ancien, sur la sortie standard."""
    document = events_feed(_view(context), tag=tag, now=now(), base_url=context.config.web.base_url)
    sys.stdout.buffer.write(document.body)


@feed.command("ical")
@click.option("--tag", help="Seulement les questions suivies avec ce thème.")
@pass_context
@one_line_errors
def feed_ical(context: Context, tag: str | None) -> None:
    """Un fichier iCalendar avec un événement d'une journée par échéance des questions ouvertes, sur la
    sortie standard."""
    sys.stdout.buffer.write(deadlines_calendar(_view(context), tag=tag, now=now()).body)
