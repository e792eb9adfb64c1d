"""Feeds over HTTP: the events as Atom, the open questions' deadlines as iCalendar, all or per tag.

Each answer carries an ETag (a digest of its bytes) and a Last-Modified date, and a conditional GET
(If-None-Match, else If-Modified-Since) that finds nothing new gets a bodiless 304: readers and
calendars can poll often for the price of a few headers.
"""

from __future__ import annotations

from collections.abc import Callable
from time import monotonic

from flask import Blueprint, Response, request
from flask.typing import ResponseReturnValue

from bot.app.feeds import Document, deadlines_calendar, events_feed
from bot.app.questions import Filters, WatchedView
from bot.core.deadlines import today_in_paris
from bot.notify.i18n import _
from bot.web.context import Refusal, db, now, site

bp = Blueprint("feeds", __name__, url_prefix="/feeds")
MAX_AGE_SECONDS = 300


def _view() -> tuple[WatchedView, str | None]:
    view = WatchedView(site().config, db(), today_in_paris(now()))
    tag = (request.args.get("tag") or "").strip() or None
    if tag is not None and not view.count(Filters(tag=tag)):
        raise Refusal(404, _("Thème inconnu"), _("Aucune question suivie ne porte le thème « {tag} ».", tag=tag[:80]))
    return view, tag


def _made(name: str, view: WatchedView, tag: str | None, make: Callable[[], Document]) -> Document:
    """The feed `name` (of `tag`) as `make` makes it, or as it was made less than MAX_AGE_SECONDS ago (what
    its Cache-Control lets any reader keep) from the same state: the same day, the same latest event, the
    same newest change and number of the watched questions (of `tag`)."""
    state = (name, tag, view.today, view.newest_event(), view.last_change(Filters(tag=tag)),
             view.count(Filters(tag=tag)))
    documents = site().documents
    found = documents.get(state)
    if found is not None and monotonic() - found[0] < MAX_AGE_SECONDS:
        document: Document = found[1]
        return document
    document = make()
    for key in [key for key, (made, _document) in list(documents.items()) if monotonic() - made >= MAX_AGE_SECONDS]:
        documents.pop(key, None)
    documents[state] = (monotonic(), document)
    return document


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
    document = _made("atom", view, tag, lambda: events_feed(view, tag=tag, now=now(), base_url=site().base_url))
    return _conditional(document, "application/atom+xml")


@bp.get("/deadlines.ics")
def deadlines_ics() -> ResponseReturnValue:
    view, tag = _view()
    return _conditional(_made("ical", view, tag, lambda: deadlines_calendar(view, tag=tag, now=now())),
                        "text/calendar")
