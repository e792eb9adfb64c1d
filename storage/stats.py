"""The answer statistics over every stored question, counted in SQL: per ministry (its current holder,
or the one asked), author, political group, chamber or tag, how many questions were answered, on time,
are pending, overdue; the rates and the median delay; and the questions behind each figure.

Lateness is read from the deadline columns (m010) that the app layer keeps current: an answer is on
time when published on or before `answer_deadline`; a pending question is overdue once its answer or
signalement deadline is before `today` (a Europe/Paris date the caller gives). Nothing here loads a
snapshot: every figure is one query over the `questions` table's columns.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from sqlite_utils import Database

By = Literal["ministry", "ministry_asked", "author", "group", "chamber", "tag"]
# The column each grouping reads; `t.tag` comes from the watched set's tags (`_TAGGED`).
BY_COLUMNS: dict[str, str] = {"ministry": "q.ministry", "ministry_asked": "q.ministry_asked", "author": "q.author",
                              "group": "q.author_group", "chamber": "q.chamber", "tag": "t.tag"}
# The figures of a row whose questions can be listed; `answered_late` is drawn by the charts.
Figure = Literal["questions", "answered", "answered_on_time", "answered_late", "pending", "overdue"]
FIGURES: tuple[str, ...] = ("questions", "answered", "answered_on_time", "answered_late", "pending", "overdue")
RATE_DIGITS = 4

# Each condition is 0 or 1, never NULL (a missing date makes it 0), so that it can be summed and sorted on.
# A question read at least once, in one of the states a source gives (not `unknown`: never read).
_READ = "q.status IN ('pending', 'answered', 'withdrawn', 'closed', 'lapsed')"
_ANSWERED = "q.status = 'answered'"
_ON_TIME = "coalesce(q.status = 'answered' AND q.answered <= q.answer_deadline, 0)"
_LATE = "coalesce(q.status = 'answered' AND q.answered > q.answer_deadline, 0)"
_PENDING = "q.status = 'pending'"
_OVERDUE = "(q.status = 'pending' AND coalesce(q.answer_deadline < :today OR q.signal_deadline < :today, 0))"
# Whose fate against the deadline is settled: the deadline has passed, or an answer came before it.
_JUDGED = f"coalesce(q.answer_deadline < :today OR {_ON_TIME}, 0)"
_DAYS = ("CASE WHEN q.status = 'answered' AND q.published IS NOT NULL AND q.answered IS NOT NULL "
         "THEN julianday(q.answered) - julianday(q.published) END")
_FIGURE_WHERE = {"questions": "1", "answered": _ANSWERED, "answered_on_time": _ON_TIME, "answered_late": _LATE,
                 "pending": _PENDING, "overdue": _OVERDUE}
# The watched set's (tag, ref) pairs: the config's [[watch]] tags, given as one JSON parameter, and the
# tags follow rules gave (the `followed` table); a question in several tags counts in each.
_TAGGED = ("tagged(tag, ref) AS (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') "
           "FROM json_each(:config_tags) UNION SELECT t.value, f.ref FROM followed f, json_each(f.tags) t)")


@dataclass(frozen=True, slots=True)
class Scope:
    """Which questions count: one chamber or both, published within [since, until] (either may be open),
    and, for a page of one row, only that row's group (`name`; None is the group with no name)."""

    chamber: str | None = None
    since: date | None = None
    until: date | None = None
    one_group: bool = False
    name: str | None = None


@dataclass(frozen=True, slots=True)
class StatRow:
    """One row of `relance stats`; its fields, in this order, are the JSON keys and the CSV columns."""

    name: str | None
    questions: int
    answered: int
    answered_on_time: int
    pending: int
    overdue: int
    answer_rate: float | None
    on_time_rate: float | None
    median_days_to_answer: float | None


STAT_KEYS: tuple[str, ...] = tuple(StatRow.__dataclass_fields__)


@dataclass(frozen=True, slots=True)
class BehindRow:
    """A question behind a figure, from its columns only (no snapshot)."""

    ref: str
    chamber: str
    title: str | None
    author: str | None
    ministry: str | None
    published: str | None
    status: str
    answered: str | None
    answer_deadline: str | None
    signal_deadline: str | None
    overdue: bool


def _where(by: str, scope: Scope, params: dict[str, Any]) -> str:
    clauses = [_READ]
    if scope.chamber is not None:
        clauses.append("q.chamber = :chamber")
        params["chamber"] = scope.chamber
    if scope.since is not None:
        clauses.append("q.published >= :since")
        params["since"] = scope.since.isoformat()
    if scope.until is not None:
        clauses.append("q.published <= :until")
        params["until"] = scope.until.isoformat()
    if scope.one_group:
        clauses.append(f"{BY_COLUMNS[by]} IS :name")
        params["name"] = scope.name
    return " AND ".join(clauses)


def _from(by: str, config_tags: Iterable[tuple[str, str]], params: dict[str, Any]) -> tuple[str, str]:
    """(the WITH clause, the FROM clause) of a query grouped `by`."""
    if by not in BY_COLUMNS:
        raise ValueError(f"unknown grouping {by!r}: one of {', '.join(BY_COLUMNS)}")
    if by != "tag":
        return "", "questions q"
    params["config_tags"] = json.dumps([list(pair) for pair in config_tags], ensure_ascii=False)
    return f"{_TAGGED}, ", "questions q JOIN tagged t ON t.ref = q.ref"


def stats_by(db: Database, by: str, today: date, scope: Scope = Scope(),
             config_tags: Iterable[tuple[str, str]] = ()) -> list[StatRow]:
    """One row per group of the stored questions in `scope`, most questions first (then by name).
    `config_tags`: the (tag, ref) pairs of the config's [[watch]] tables, for `by="tag"`."""
    params: dict[str, Any] = {"today": today.isoformat()}
    with_tagged, source = _from(by, config_tags, params)
    key = BY_COLUMNS[by]
    sql = f"""WITH {with_tagged}facts AS (
        SELECT {key} AS name, {_ANSWERED} AS answered, {_ON_TIME} AS on_time, {_PENDING} AS pending,
               {_OVERDUE} AS overdue, {_JUDGED} AS judged, {_DAYS} AS days
        FROM {source} WHERE {_where(by, scope, params)}),
      ranked AS (
        SELECT name, days, row_number() OVER (PARTITION BY name ORDER BY days) AS n,
               count(*) OVER (PARTITION BY name) AS c
        FROM facts WHERE days IS NOT NULL),
      medians AS (SELECT name, avg(days) AS median FROM ranked WHERE n IN ((c + 1) / 2, (c + 2) / 2) GROUP BY name)
    SELECT f.name, count(*), sum(f.answered), sum(f.on_time), sum(f.pending), sum(f.overdue),
           round(1.0 * sum(f.answered) / count(*), {RATE_DIGITS}),
           CASE WHEN sum(f.judged) > 0 THEN round(1.0 * sum(f.on_time) / sum(f.judged), {RATE_DIGITS}) END,
           (SELECT m.median FROM medians m WHERE m.name IS f.name)
    FROM facts f GROUP BY f.name ORDER BY count(*) DESC, f.name"""
    return [StatRow(*row) for row in db.execute(sql, params).fetchall()]


def questions_behind(db: Database, by: str, today: date, scope: Scope, figure: str = "questions", *,
                     config_tags: Iterable[tuple[str, str]] = (), limit: int = 100,
                     offset: int = 0) -> tuple[int, list[BehindRow]]:
    """(how many, a page of) the questions a figure of `stats_by` counts: the late ones first (most days
    late first), then pending ones by nearest deadline, then the others, latest published first."""
    if figure not in _FIGURE_WHERE:
        raise ValueError(f"unknown figure {figure!r}: one of {', '.join(FIGURES)}")
    params: dict[str, Any] = {"today": today.isoformat(), "limit": limit, "offset": offset}
    with_tagged, source = _from(by, config_tags, params)
    where = f"{_where(by, scope, params)} AND {_FIGURE_WHERE[figure]}"
    prefix = f"WITH {with_tagged.removesuffix(', ')} " if with_tagged else ""
    total = db.execute(f"{prefix}SELECT count(*) FROM {source} WHERE {where}", params).fetchone()[0]
    rows = db.execute(
        f"""{prefix}SELECT q.ref, q.chamber, q.title, q.author, q.ministry, q.published, q.status, q.answered,
               q.answer_deadline, q.signal_deadline, {_OVERDUE} AS overdue
        FROM {source} WHERE {where}
        ORDER BY overdue DESC, CASE WHEN {_OVERDUE} THEN min(coalesce(q.answer_deadline, '9'),
                                                             coalesce(q.signal_deadline, '9')) END,
                 {_LATE} DESC, {_PENDING} DESC,
                 CASE WHEN {_PENDING} THEN q.answer_deadline END, q.published DESC, q.ref
        LIMIT :limit OFFSET :offset""", params).fetchall()
    return total, [BehindRow(ref=r[0], chamber=r[1], title=r[2], author=r[3], ministry=r[4], published=r[5],
                             status=r[6], answered=r[7], answer_deadline=r[8], signal_deadline=r[9],
                             overdue=bool(r[10]))
                   for r in rows]


def answer_delays(db: Database, by: str, today: date, scope: Scope,
                  config_tags: Iterable[tuple[str, str]] = ()) -> list[tuple[str, bool]]:
    """(answer day, whether after the deadline) of every answered question in `scope`: one row of two
    columns per answer, what a page's chart of answers over time draws."""
    params: dict[str, Any] = {"today": today.isoformat()}
    with_tagged, source = _from(by, config_tags, params)
    prefix = f"WITH {with_tagged.removesuffix(', ')} " if with_tagged else ""
    rows = db.execute(f"{prefix}SELECT q.answered, {_LATE} FROM {source} "
                      f"WHERE {_where(by, scope, params)} AND {_ANSWERED} AND q.answered IS NOT NULL "
                      "ORDER BY q.answered", params).fetchall()
    return [(answered, bool(late)) for answered, late in rows]

