"""The public pages: the watched questions as a table, one page per question, one page per tag."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from bot.app.questions import (
    SORTS,
    BadArgs,
    Filters,
    answer_days,
    parse_filters,
    question_rows,
    tag_counts,
    tag_stats,
    watched_questions,
)
from bot.core.deadlines import deadline_status, today_in_paris
from bot.core.status import WatchedQuestion, status_row
from bot.notify.wording import capitalized, event_line, late_question_note, overdue_advice
from bot.web.charts import answers_chart
from bot.web.context import Refusal, db, now, site
from bot.web.forms import SubscribeForm
from scrapers.refs import RefError, parse_ref
from storage.questions import list_events

bp = Blueprint("pages", __name__)


def _not_found(what: str) -> Refusal:
    return Refusal(404, "Page introuvable", what, link=(url_for("pages.questions"), "Voir les questions suivies"))


@bp.get("/")
def home() -> ResponseReturnValue:
    questions = watched_questions(site().config, db())
    today = today_in_paris(now())
    rows = question_rows(questions, today, Filters())
    tags = tag_counts(questions)
    form = SubscribeForm([t for t, _ in tags], {q.ref.uid for q in questions}) if site().mail else None
    return render_template("home.html", stats=tag_stats(rows), tags=tags, form=form,
                           overdue=[r for r in rows if r["overdue"]][:10])


@bp.get("/questions")
def questions() -> ResponseReturnValue:
    try:
        filters = parse_filters(request.args)
    except BadArgs as error:
        raise Refusal(400, "Filtre incorrect", str(error), link=(url_for("pages.questions"), "Tout afficher")) \
            from None
    watched = watched_questions(site().config, db())
    rows = question_rows(watched, today_in_paris(now()), filters)
    return render_template("questions.html", rows=rows, filters=filters, sorts=SORTS, total=len(watched),
                           tags=tag_counts(watched))


def _advice(question: WatchedQuestion, today: date) -> tuple[str | None, str | None] | None:
    """(what to do, what happens by itself) when the question is late now and still unanswered."""
    snapshot = question.stored.snapshot if question.stored else None
    if snapshot is None or snapshot.status != "pending":
        return None
    status = deadline_status(snapshot, today)
    if not (status.overdue or status.signaled_overdue):
        return None
    return (overdue_advice(snapshot.chamber, signaled_overdue=status.signaled_overdue),
            late_question_note(snapshot.chamber))


@bp.get("/questions/<ref>")
def question(ref: str) -> ResponseReturnValue:
    try:
        uid = parse_ref(ref).uid
    except RefError:
        raise _not_found(f"« {ref[:80]} » n'est pas une référence de question écrite.") from None
    if uid != ref:
        return redirect(url_for("pages.question", ref=uid), 301)
    found = next((q for q in watched_questions(site().config, db()) if q.ref.uid == uid), None)
    if found is None:
        raise _not_found(f"La question {uid} n'est pas suivie par ce site.")
    today = today_in_paris(now())
    snapshot = found.stored.snapshot if found.stored else None
    events = list_events(db(), ref=uid)
    return render_template("question.html", question=found, row=status_row(found, today), snapshot=snapshot,
                           deadlines=deadline_status(snapshot, today) if snapshot else None,
                           events=[(e, capitalized(event_line(e.kind, e.details))) for e in reversed(events)],
                           advice=_advice(found, today))


@bp.get("/tags/<tag>")
def tag(tag: str) -> ResponseReturnValue:
    questions = watched_questions(site().config, db())
    tagged = [q for q in questions if tag in q.tags]
    if not tagged:
        raise _not_found(f"Aucune question suivie ne porte le thème « {tag[:80]} ».")
    try:
        filters = parse_filters(request.args)
    except BadArgs as error:
        raise Refusal(400, "Tri incorrect", str(error), link=(url_for("pages.tag", tag=tag), "Revenir au thème")) \
            from None
    rows = question_rows(tagged, today_in_paris(now()), Filters(sort=filters.sort, order=filters.order))
    return render_template("tag.html", tag=tag, rows=rows, stats=tag_stats(rows),
                           chart=answers_chart(answer_days(rows)), filters=Filters(sort=filters.sort,
                                                                                   order=filters.order),
                           sorts=SORTS)
