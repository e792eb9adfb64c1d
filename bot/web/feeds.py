"""Feeds over HTTP: the events as Atom, the open questions' deadlines as iCalendar, all or per tag.

Each answer carries an ETag (a digest of its bytes) and a Last-Modified date, and a conditional GET
(If-None-Match, else If-Modified-Since) that finds nothing new gets a bodiless 304: readers and
calendars can poll often for the price of a few headers.
"""

from __future__ import annotations

from flask import Blueprint, Response, request
from flask.typing import ResponseReturnValue

from bot.app.feeds import Document, deadlines_calendar, events_feed
from bot.app.questions import Filters, WatchedView
from bot.core.deadlines import today_in_paris
from bot.web.context import Refusal, db, now, site

bp = Blueprint("feeds", __name__, url_prefix="/feeds")
MAX_AGE_SECONDS = 300


def _view() -> tuple[WatchedView, str | None]:
    view = WatchedView(site().config, db(), today_in_paris(now()))
    tag = (request.args.get("tag") or "").strip() or None
    if tag is not None and not view.count(Filters(tag=tag)):
        raise Refusal(404, "Thème inconnu", f"Aucune question suivie ne porte le thème « {tag[:80]} ».")
    return view, tag


def _conditional(document: Document, mimetype: str) -> ResponseReturnValue:
    response = Response(document.body, mimetype=mimetype)
    response.set_etag(document.etag)
    response.last_modified = document.last_modified
    response.cache_control.public = True
    response.cache_control.max_age = MAX_AGE_SECONDS
    return response.make_conditional(request)


@bp.get("/events.atom")
def events_atom() -> ResponseReturnValue:
    view, tag = _view()
    document = events_feed(view, tag=tag, now=now(), base_url=site().base_url)
    return _conditional(document, "application/atom+xml")


@bp.get("/deadlines.ics")
def deadlines_ics() -> ResponseReturnValue:
    view, tag = _view()
    return _conditional(deadlines_calendar(view, tag=tag, now=now()), "text/calendar")
