"""The public pages: the watched questions as a paged table, one page per question, one page per tag.
Each reads only what it shows (`WatchedView`: counts, one page of rows, one question), never the
whole watched set."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from bot.app.questions import SORTS, BadArgs, Filters, WatchedView, parse_filters
from bot.core.deadlines import deadline_status, today_in_paris
from bot.core.status import WatchedQuestion, status_row
from bot.notify.i18n import _
from bot.notify.wording import capitalized, event_line, late_question_note, overdue_advice
from bot.web.charts import answers_chart
from bot.web.context import Refusal, db, now, site
from bot.web.forms import SubscribeForm
from scrapers.refs import RefError, parse_ref
from storage.notes import list_notes
from storage.questions import list_events

bp = Blueprint("pages", __name__)
HOME_OVERDUE = 10  # the late questions the home page lists


def _not_found(what: str) -> Refusal:
    return Refusal(404, _("Page introuvable"), what, link=(url_for("pages.questions"), _("Voir les questions suivies")))


def view() -> WatchedView:
    return WatchedView(site().config, db(), today_in_paris(now()))


@bp.get("/")
def home() -> ResponseReturnValue:
    watched = view()
    tags = watched.tags()
    form = SubscribeForm([t for t, _ in tags], watched) if site().mail else None
    return render_template("home.html", stats=watched.stats(), tags=tags, form=form,
                           overdue=watched.rows(Filters(overdue=True), limit=HOME_OVERDUE))


@bp.get("/questions")
def questions() -> ResponseReturnValue:
    try:
        filters = parse_filters(request.args)
    except BadArgs as error:
        raise Refusal(400, _("Filtre incorrect"), str(error), link=(url_for("pages.questions"), _("Tout afficher"))) \
            from None
    watched = view()
    return render_template("questions.html", page=watched.page(filters), filters=filters, sorts=SORTS,
                           total=watched.count(Filters()), tags=watched.tags(),
                           ministries=watched.ministries(Filters(chamber=filters.chamber, tag=filters.tag)))


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
        raise _not_found(_("« {text} » n'est pas une référence de question écrite.", text=ref[:80])) from None
    if uid != ref:
        return redirect(url_for("pages.question", ref=uid), 301)
    found = view().find(uid)
    if found is None:
        raise _not_found(_("La question {uid} n'est pas suivie par ce site.", uid=uid))
    today = today_in_paris(now())
    snapshot = found.stored.snapshot if found.stored else None
    events = list_events(db(), ref=uid)
    return render_template("question.html", question=found, row=status_row(found, today), snapshot=snapshot,
                           deadlines=deadline_status(snapshot, today) if snapshot else None,
                           events=[(e, capitalized(event_line(e.kind, e.details))) for e in reversed(events)],
                           advice=_advice(found, today), notes=list_notes(db(), uid))


@bp.get("/tags/<tag>")
def tag(tag: str) -> ResponseReturnValue:
    watched = view()
    tagged = Filters(tag=tag)
    stats = watched.stats(tagged)
    if not stats.total:
        raise _not_found(_("Aucune question suivie ne porte le thème « {tag} ».", tag=tag[:80]))
    try:
        asked = parse_filters(request.args)
    except BadArgs as error:
        raise Refusal(400, _("Tri incorrect"), str(error),
                      link=(url_for("pages.tag", tag=tag), _("Revenir au thème"))) from None
    # The tag is the page's own address: the table's links carry only its sorting and page.
    filters = Filters(sort=asked.sort, order=asked.order, page=asked.page)
    page = watched.page(Filters(tag=tag, sort=asked.sort, order=asked.order, page=asked.page))
    return render_template("tag.html", tag=tag, page=page, stats=stats,
                           chart=answers_chart(watched.answer_days(tagged)), filters=filters, sorts=SORTS)
