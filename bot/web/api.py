"""The JSON API: the watched questions with the keys of `relance status --json` (and its filters),
one question, and the event log with the keys of `relance events --json`."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from bot.app.json_views import event_json
from bot.app.questions import BadArgs, parse_day, parse_filters, question_rows, watched_events, watched_questions
from bot.core.deadlines import today_in_paris
from bot.core.status import status_row
from bot.web.context import Refusal, db, now, site
from scrapers.refs import RefError, parse_ref

bp = Blueprint("api", __name__, url_prefix="/api")


def _json(value: object) -> ResponseReturnValue:
    response = jsonify(value)
    response.add_etag()
    return response.make_conditional(request)


def _bad(error: BadArgs) -> Refusal:
    return Refusal(400, "Paramètre incorrect", str(error))


@bp.get("/questions")
def questions() -> ResponseReturnValue:
    """?chamber=an|senat, ?tag=T, ?status=S, ?overdue=1, ?sort=COLUMN&order=asc|desc."""
    try:
        filters = parse_filters(request.args)
    except BadArgs as error:
        raise _bad(error) from None
    return _json(question_rows(watched_questions(site().config, db()), today_in_paris(now()), filters))


@bp.get("/questions/<ref>")
def question(ref: str) -> ResponseReturnValue:
    try:
        uid = parse_ref(ref).uid
    except RefError:
        raise Refusal(404, "Question introuvable", f"{ref[:80]!r} n'est pas une référence de question écrite.") \
            from None
    found = next((q for q in watched_questions(site().config, db()) if q.ref.uid == uid), None)
    if found is None:
        raise Refusal(404, "Question introuvable", f"{uid} n'est pas suivie par ce site.")
    return _json(status_row(found, today_in_paris(now())))


@bp.get("/events")
def events() -> ResponseReturnValue:
    """?since=YYYY-MM-DD (events seen that day or later, Paris time), ?ref=REF, ?tag=T; oldest first."""
    try:
        since = parse_day(request.args.get("since"), "since")
    except BadArgs as error:
        raise _bad(error) from None
    questions = watched_questions(site().config, db())
    if tag := (request.args.get("tag") or "").strip():
        questions = [q for q in questions if tag in q.tags]
    if ref := (request.args.get("ref") or "").strip():
        try:
            uid = parse_ref(ref).uid
        except RefError:
            raise _bad(BadArgs(f"ref={ref[:80]!r} : pas une référence de question écrite")) from None
        questions = [q for q in questions if q.ref.uid == uid]
    return _json([event_json(e) for e in watched_events(db(), questions, since)])
