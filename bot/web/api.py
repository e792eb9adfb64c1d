"""The JSON API: the watched questions with the keys of `relance status --json` (and its filters), one
question, and the event log with the keys of `relance events --json`; each list also as CSV
(`/api/questions.csv`, `/api/events.csv`: the same parameters and paging, one column per JSON key, an
event's `details` as its JSON text).

Lists are paged in SQL: `?limit=N` (100 by default, at most 1000) from `?offset=K`, or `?page=P`. The
body stays a JSON list of the documented objects; the total and the links to the other pages are in
headers: `X-Total-Count`, and `Link` with `rel="next"` / `rel="prev"` (RFC 8288), as absolute URLs."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from flask import Blueprint, Response, jsonify, request
from flask.typing import ResponseReturnValue

from bot.app.json_views import EVENT_KEYS, event_json
from bot.app.questions import BadArgs, WatchedView, Window, parse_day, parse_filters, parse_window
from bot.app.stats import rows_csv, status_keys
from bot.core.deadlines import today_in_paris
from bot.core.status import status_row
from bot.notify.i18n import _
from bot.web.context import Refusal, absolute_url, db, now, site
from scrapers.refs import RefError, parse_ref

bp = Blueprint("api", __name__, url_prefix="/api")


def _json(value: object, headers: dict[str, str] | None = None) -> ResponseReturnValue:
    response = jsonify(value)
    response.headers.update(headers or {})
    # The validator covers the paging headers too: the same rows with another total are another answer.
    digest = hashlib.sha256(response.get_data() + repr(sorted((headers or {}).items())).encode()).hexdigest()
    response.set_etag(digest[:32])
    return response.make_conditional(request)


def _bad(error: BadArgs) -> Refusal:
    return Refusal(400, _("Paramètre incorrect"), str(error))


def _window() -> Window:
    try:
        return parse_window(request.args)
    except BadArgs as error:
        raise _bad(error) from None


def _paging(endpoint: str, window: Window, shown: int, total: int) -> dict[str, str]:
    """X-Total-Count, and a Link header to the next and previous pages (the same parameters otherwise)."""
    kept: dict[str, Any] = {k: v for k, v in request.args.items() if k not in ("limit", "offset", "page")}
    links = []
    if window.offset + shown < total:
        links.append((window.offset + window.limit, "next"))
    if window.offset > 0:
        links.append((max(0, window.offset - window.limit), "prev"))
    headers = {"X-Total-Count": str(total)}
    if links:
        headers["Link"] = ", ".join(f'<{absolute_url(endpoint, **kept, limit=window.limit, offset=offset)}>; '
                                    f'rel="{rel}"' for offset, rel in links)
    return headers


def _view() -> WatchedView:
    return WatchedView(site().config, db(), today_in_paris(now()))


def _csv(rows: list[dict[str, Any]], columns: Sequence[str], headers: dict[str, str], name: str
         ) -> ResponseReturnValue:
    """The rows as CSV (a header row of `columns`), with the JSON list's paging headers and a validator."""
    response = Response(rows_csv(rows, columns), mimetype="text/csv")
    response.headers.update(headers)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    response.add_etag()
    return response.make_conditional(request)


@bp.get("/questions")
def questions() -> ResponseReturnValue:
    """?chamber=an|senat, ?tag=T, ?status=S, ?ministry=M, ?overdue=1, ?sort=COLUMN&order=asc|desc; paged."""
    return _json(*_questions("api.questions"))


@bp.get("/questions.csv")
def questions_csv() -> ResponseReturnValue:
    rows, headers = _questions("api.questions_csv")
    return _csv(rows, status_keys(), headers, "questions")


def _questions(endpoint: str) -> tuple[list[dict[str, Any]], dict[str, str]]:
    window = _window()
    try:
        filters = parse_filters({k: v for k, v in request.args.items() if k != "page"})
    except BadArgs as error:
        raise _bad(error) from None
    view = _view()
    rows = view.rows(filters, limit=window.limit, offset=window.offset)
    return rows, _paging(endpoint, window, len(rows), view.count(filters))


@bp.get("/questions/<ref>")
def question(ref: str) -> ResponseReturnValue:
    try:
        uid = parse_ref(ref).uid
    except RefError:
        raise Refusal(404, _("Question introuvable"), _("{ref} n'est pas une référence de question écrite.",
                                                        ref=repr(ref[:80]))) from None
    found = _view().find(uid)
    if found is None:
        raise Refusal(404, _("Question introuvable"), _("{uid} n'est pas suivie par ce site.", uid=uid))
    return _json(status_row(found, today_in_paris(now())))


@bp.get("/events")
def events() -> ResponseReturnValue:
    """?since=YYYY-MM-DD (events seen that day or later, Paris time), ?ref=REF, ?tag=T; oldest first; paged."""
    return _json(*_events("api.events"))


@bp.get("/events.csv")
def events_csv() -> ResponseReturnValue:
    rows, headers = _events("api.events_csv")
    return _csv(rows, EVENT_KEYS, headers, "evenements")


def _events(endpoint: str) -> tuple[list[dict[str, Any]], dict[str, str]]:
    window = _window()
    try:
        since = parse_day(request.args.get("since"), "since")
    except BadArgs as error:
        raise _bad(error) from None
    tag = (request.args.get("tag") or "").strip() or None
    uid = None
    if ref := (request.args.get("ref") or "").strip():
        try:
            uid = parse_ref(ref).uid
        except RefError:
            raise _bad(BadArgs(_("ref={ref} : pas une référence de question écrite", ref=repr(ref[:80])))) from None
    view = _view()
    found = view.events(tag=tag, ref=uid, since=since, limit=window.limit, offset=window.offset)
    total = view.count_events(tag=tag, ref=uid, since=since)
    return [event_json(e) for e in found], _paging(endpoint, window, len(found), total)
