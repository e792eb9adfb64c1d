"""The statistics on the web: `/statistiques` (the table of `relance stats` with its chart and filters),
one page per ministry and per author, the questions behind any figure, and `/api/stats` (the JSON of
`relance stats --json`) with `/api/stats.csv` beside it. Every count comes from SQL (bot/app/stats.py)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date
from typing import Any

from flask import Blueprint, Response, jsonify, render_template, request, url_for
from flask.typing import ResponseReturnValue

from bot.app.stats import (
    BY,
    FIGURES,
    STAT_KEYS,
    BadArgs,
    BehindRow,
    StatsRequest,
    behind,
    delays,
    one_row,
    parse_request,
    rows_csv,
    stat_json,
    stats,
)
from bot.core.deadlines import today_in_paris
from bot.notify.i18n import _, n_
from bot.notify.wording import CHAMBER_NAMES
from bot.notify.wording.stats import (
    BY_FR,
    CHART_PARTS_FR,
    COLUMNS_FR,
    FIGURES_FR,
    GROUP_PAGE_FR,
    NO_QUESTIONS,
    RATES_NOTE,
    UNNAMED,
    chart_summary,
    median_fr,
    rate_fr,
)
from bot.web.charts import answers_chart
from bot.web.context import Refusal, db, now, site
from bot.web.stats_chart import PARTS, stats_chart
from scrapers.refs import parse_ref

bp = Blueprint("stats", __name__)
PAGE_SIZE = 50
# The pages of one group, by grouping: a ministry's and an author's have their own address.
GROUP_PAGES = {"ministry": "stats.ministry", "author": "stats.author"}


def _request() -> StatsRequest:
    try:
        return parse_request(request.args)
    except BadArgs as error:
        raise Refusal(400, _("Paramètre incorrect"), str(error),
                      link=(url_for("stats.statistics"), _("Toutes les statistiques"))) from None


def _page_number(args: Mapping[str, str]) -> int:
    value = (args.get("page") or "1").strip()
    if not value.isdigit() or int(value) < 1:
        raise Refusal(400, _("Paramètre incorrect"),
                      _("page={value} : un nombre à partir de 1", value=repr(value[:20])))
    return int(value)


def _today() -> date:
    return today_in_paris(now())


def _name(by: str, name: str | None) -> str:
    if name is None:
        return _(UNNAMED)
    return CHAMBER_NAMES.get(name, name) if by == "chamber" else name


def figure_link(req: StatsRequest, name: str | None, figure: str) -> str:
    """Where the questions behind one figure of a row are listed: its ministry's or author's page, else
    the list of `/statistiques/questions`; the row's filters (chamber, period) go along."""
    query: dict[str, Any] = {**req.args(), "figure": figure if figure != "questions" else None}
    if req.by in GROUP_PAGES and name is not None:
        query.pop("by", None)
        return url_for(GROUP_PAGES[req.by], name=name, **{k: v for k, v in query.items() if v})
    if name is not None:
        query["name"] = name
    return url_for("stats.questions", **{k: v for k, v in query.items() if v})


# --- /statistiques ---------------------------------------------------------------------------------


@bp.get("/statistiques")
def statistics() -> ResponseReturnValue:
    req = _request()
    rows = stats(site().config, db(), req, _today())
    chart = stats_chart(rows, lambda r: _name(req.by, r.name), lambda r, figure: figure_link(req, r.name, figure))
    return render_template("stats.html", req=req, rows=rows, chart=chart, by_names=BY_FR, columns=COLUMNS_FR,
                           chamber_names=CHAMBER_NAMES, name_of=lambda r: _name(req.by, r.name),
                           link=lambda r, figure: figure_link(req, r.name, figure), rate=rate_fr, median=median_fr,
                           parts=list(zip(PARTS, CHART_PARTS_FR, strict=True)), no_questions=_(NO_QUESTIONS),
                           rates_note=_(RATES_NOTE),
                           summary=chart_summary(chart.shown, chart.total_rows) if chart else "", groupings=BY,
                           api_args=req.args())


# --- the questions behind a figure -----------------------------------------------------------------


def _listing(req: StatsRequest, name: str | None, figure: str) -> dict[str, Any]:
    """The values every list of questions behind a figure renders: the page of rows, its links."""
    page = _page_number(request.args)
    try:
        total, rows = behind(site().config, db(), req, name, figure=figure, today=_today(), limit=PAGE_SIZE,
                             offset=(page - 1) * PAGE_SIZE)
    except BadArgs as error:
        raise Refusal(400, _("Paramètre incorrect"), str(error)) from None
    pages = max(1, math.ceil(total / PAGE_SIZE))
    if page > pages:
        raise Refusal(404, _("Page introuvable"), n_("Il n'y a que {n} page de questions.",
                                                     "Il n'y a que {n} pages de questions.", pages))
    args = {k: v for k, v in request.args.items() if k != "page"}
    return {"total": total, "questions": [_row(r) for r in rows], "page": page, "pages": pages,
            "previous": {**args, "page": str(page - 1)} if page > 1 else None,
            "next": {**args, "page": str(page + 1)} if page < pages else None,
            "figure": figure, "figure_words": FIGURES_FR[figure], "figures": FIGURES, "figures_fr": FIGURES_FR}


def _days_between(start: str | None, end: str | date | None) -> int | None:
    if start is None or end is None:
        return None
    end_day = date.fromisoformat(end) if isinstance(end, str) else end
    return (end_day - date.fromisoformat(start)).days


def _row(row: BehindRow) -> dict[str, Any]:
    """A question of a list, with its delay: days late now (overdue), days after the deadline (answered
    late), days from publication to answer."""
    deadline = min(d for d in (row.answer_deadline, row.signal_deadline) if d) if row.overdue else row.answer_deadline
    late_by = _days_between(deadline, _today()) if row.overdue else None
    answered_after = _days_between(row.answer_deadline, row.answered) if row.status == "answered" else None
    return {"row": row, "url": parse_ref(row.ref).public_url, "deadline": deadline, "late_by": late_by,
            "answered_late_by": answered_after if answered_after is not None and answered_after > 0 else None,
            "days_to_answer": _days_between(row.published, row.answered) if row.status == "answered" else None}


def _figure() -> str:
    return (request.args.get("figure") or "questions").strip()


def _group_page(by: str, name: str) -> ResponseReturnValue:
    """A ministry's or an author's page (`by`): the one template, in the words of its kind."""
    req = _request()
    req = StatsRequest(by=by, chamber=req.chamber, since=req.since, until=req.until)
    row = one_row(site().config, db(), req, name, _today())
    if row is None:
        raise Refusal(404, _("Page introuvable"), _("Aucune question enregistrée pour « {name} » avec ces filtres.",
                                                    name=name[:120]),
                      link=(url_for("stats.statistics", by=by), _("Toutes les statistiques")))
    chart = answers_chart(delays(site().config, db(), req, name, _today()))
    kind, about = GROUP_PAGE_FR[by]
    return render_template("stats_group.html", name=name, kind=kind, about=about, endpoint=GROUP_PAGES[by],
                           req=req, row=row, chart=chart, columns=COLUMNS_FR, rate=rate_fr,
                           median=median_fr, link=lambda figure: figure_link(req, name, figure),
                           rates_note=_(RATES_NOTE), listing=_listing(req, name, _figure()))


@bp.get("/statistiques/ministere/<path:name>")
def ministry(name: str) -> ResponseReturnValue:
    """A ministry (holding the questions now): its figures, its answers over time, its questions."""
    return _group_page("ministry", name)


@bp.get("/statistiques/auteur/<path:name>")
def author(name: str) -> ResponseReturnValue:
    """An author: their figures, the answers they got over time, their questions."""
    return _group_page("author", name)


@bp.get("/statistiques/questions")
def questions() -> ResponseReturnValue:
    """?by=…&name=… (no name: the questions with no value for the grouping), &figure=…, and the filters of
    `/statistiques`: the questions behind one figure of its table."""
    req = _request()
    name = request.args.get("name")
    return render_template("stats_questions.html", req=req, name=_name(req.by, name), by_names=BY_FR,
                           listing=_listing(req, name, _figure()))


# --- the API --------------------------------------------------------------------------------------


def _api_rows() -> list[dict[str, Any]]:
    try:
        req = parse_request(request.args)
    except BadArgs as error:
        raise Refusal(400, _("Paramètre incorrect"), str(error)) from None
    return [stat_json(r) for r in stats(site().config, db(), req, _today())]


@bp.get("/api/stats")
def api_stats() -> ResponseReturnValue:
    """?by=ministry|ministry_asked|author|group|chamber|tag, ?chamber=an|senat, ?since=, ?until= (YYYY-MM-DD)."""
    response = jsonify(_api_rows())
    response.add_etag()
    return response.make_conditional(request)


@bp.get("/api/stats.csv")
def api_stats_csv() -> ResponseReturnValue:
    """The same rows as `/api/stats`, as CSV with its keys as columns."""
    response = Response(rows_csv(_api_rows(), STAT_KEYS), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="statistiques.csv"'
    response.add_etag()
    return response.make_conditional(request)

