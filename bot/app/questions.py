"""The watched questions as people browse them (`relance status`, the web pages, the API): their rows
(the very `status_row` of `relance status --json`) with filters and sorting, a tag's counts, the events.
Everything takes the database and `now` from the caller."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from typing import Any, Literal

from sqlite_utils import Database

from bot.app.config import Config
from bot.app.watched import watched
from bot.core.deadlines import PARIS
from bot.core.status import WatchedQuestion, select_rows, status_row
from bot.notify.wording import CHAMBER_NAMES as CHAMBERS
from bot.notify.wording import STATUS_FR
from scrapers.errors import CannotRun
from storage.questions import all_questions, list_events
from storage.records import ADMIN_EVENT_KINDS, Event

Order = Literal["asc", "desc"]
# The columns a table sorts on, with their French names; `delay` is days late, or minus days left.
SORTS = {"ref": "Référence", "chamber": "Chambre", "author": "Auteur", "ministry": "Ministère",
         "published": "Publiée", "deadline": "Échéance", "status": "État", "delay": "Retard",
         "checked": "Vérifiée"}
DEFAULT_SORT = "delay"  # the most overdue first: what a watchdog looks for
DEFAULT_ORDER: Order = "desc"
MAX_TAG_LENGTH = 100
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_TRUE, _FALSE = ("1", "true", "on", "oui"), ("", "0", "false", "off", "non")


class BadArgs(CannotRun, ValueError):
    """A query parameter relance cannot use (an unknown chamber, a malformed date…): a 400."""


# --- the watched set ----------------------------------------------------------------------------


def watched_questions(config: Config, db: Database) -> list[WatchedQuestion]:
    entries = watched(config, db)
    stored = {q.ref: q for q in all_questions(db, [w.ref.uid for w in entries])}
    return [WatchedQuestion(w.ref, w.tags, stored.get(w.ref.uid)) for w in entries]


def tag_counts(questions: Sequence[WatchedQuestion]) -> list[tuple[str, int]]:
    """Every tag of the watched set with its number of questions, in alphabetical order."""
    counts: dict[str, int] = {}
    for question in questions:
        for tag in question.tags:
            counts[tag] = counts.get(tag, 0) + 1
    return sorted(counts.items(), key=lambda pair: pair[0].casefold())


# --- filters and sorting ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Filters:
    chamber: str | None = None
    tag: str | None = None
    status: str | None = None
    overdue: bool = False
    sort: str = DEFAULT_SORT
    order: Order = DEFAULT_ORDER

    def args(self, **changes: Any) -> dict[str, str]:
        """The query parameters that give these filters (changed by `changes`), defaults left out."""
        f = replace(self, **changes)
        found = {"chamber": f.chamber, "tag": f.tag, "status": f.status, "overdue": "1" if f.overdue else None,
                 "sort": f.sort if f.sort != DEFAULT_SORT else None,
                 "order": f.order if (f.sort, f.order) != (DEFAULT_SORT, DEFAULT_ORDER) else None}
        return {key: value for key, value in found.items() if value}

    def sorted_by(self, column: str) -> dict[str, str]:
        """The parameters of a column header's link: sort on it, or flip the order if it already is."""
        if column == self.sort:
            return self.args(order="asc" if self.order == "desc" else "desc")
        return self.args(sort=column, order="desc" if column in ("delay", "checked") else "asc")


def _one(args: Mapping[str, str], name: str) -> str | None:
    value = args.get(name)
    return value.strip() if value is not None and value.strip() else None


def parse_filters(args: Mapping[str, str]) -> Filters:
    """The filters of `/questions` and `/api/questions` from their query parameters; raises BadArgs."""
    chamber, tag, status = _one(args, "chamber"), _one(args, "tag"), _one(args, "status")
    if chamber is not None and chamber not in CHAMBERS:
        raise BadArgs(f"chamber={chamber!r} : choisir an ou senat")
    if status is not None and status not in STATUS_FR:
        raise BadArgs(f"status={status!r} : choisir parmi {', '.join(STATUS_FR)}")
    if tag is not None and len(tag) > MAX_TAG_LENGTH:
        raise BadArgs("tag : trop long")
    overdue = (args.get("overdue") or "").strip().lower()
    if overdue not in _TRUE + _FALSE:
        raise BadArgs(f"overdue={overdue!r} : 1 ou 0")
    sort = _one(args, "sort") or DEFAULT_SORT
    if sort not in SORTS:
        raise BadArgs(f"sort={sort!r} : choisir parmi {', '.join(SORTS)}")
    order = _one(args, "order") or ("desc" if sort in ("delay", "checked") else "asc")
    if order not in ("asc", "desc"):
        raise BadArgs(f"order={order!r} : asc ou desc")
    return Filters(chamber=chamber, tag=tag, status=status, overdue=overdue in _TRUE, sort=sort,
                   order="asc" if order == "asc" else "desc")


def _sort_value(row: Mapping[str, Any], sort: str) -> Any:
    if sort == "ref":
        return (row["chamber"], row["legislature"] or 0, row["number"])
    if sort == "delay":
        if row["days_overdue"]:
            return row["days_overdue"]
        return -row["days_left"] if row["days_left"] is not None else None
    if sort == "checked":
        return row["last_checked"]
    if sort == "status":
        return STATUS_FR[row["status"]]
    value = row[sort]
    return value.casefold() if isinstance(value, str) else value


def sort_rows(rows: Sequence[dict[str, Any]], sort: str, order: Order) -> list[dict[str, Any]]:
    """Rows sorted on one column; rows without a value come last either way, in reference order."""
    by_ref = sorted(rows, key=lambda r: _sort_value(r, "ref"))
    known = [r for r in by_ref if _sort_value(r, sort) is not None]
    unknown = [r for r in by_ref if _sort_value(r, sort) is None]
    return sorted(known, key=lambda r: _sort_value(r, sort), reverse=order == "desc") + unknown


def question_rows(questions: Sequence[WatchedQuestion], today: date, filters: Filters) -> list[dict[str, Any]]:
    rows = select_rows([status_row(q, today) for q in questions], overdue=filters.overdue, chamber=filters.chamber,
                       tag=filters.tag)
    if filters.status is not None:
        rows = [r for r in rows if r["status"] == filters.status]
    return sort_rows(rows, filters.sort, filters.order)


# --- a tag's counts -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TagStats:
    total: int
    answered: int
    pending: int
    overdue: int  # pending past a deadline
    ended: int  # withdrawn, closed or lapsed without an answer
    unknown: int  # never read yet
    answered_on_time: int
    answered_late: int

    @property
    def on_time_share(self) -> float | None:
        """The share of answers published on or before their deadline; None before any answer."""
        judged = self.answered_on_time + self.answered_late
        return self.answered_on_time / judged if judged else None


def tag_stats(rows: Sequence[Mapping[str, Any]]) -> TagStats:
    answered = [r for r in rows if r["status"] == "answered"]
    judged = [r for r in answered if r["deadline"] is not None]
    return TagStats(total=len(rows), answered=len(answered), pending=sum(r["status"] == "pending" for r in rows),
                    overdue=sum(bool(r["overdue"]) for r in rows),
                    ended=sum(r["status"] in ("withdrawn", "closed", "lapsed") for r in rows),
                    unknown=sum(r["status"] == "unknown" for r in rows),
                    answered_on_time=sum(not r["days_overdue"] for r in judged),
                    answered_late=sum(bool(r["days_overdue"]) for r in judged))


def answer_days(rows: Sequence[Mapping[str, Any]]) -> list[tuple[date, bool]]:
    """(answer day, late) of every answered row: what the tag's chart draws."""
    return [(date.fromisoformat(r["answered"]), bool(r["days_overdue"])) for r in rows
            if r["status"] == "answered" and r["answered"]]


# --- events -------------------------------------------------------------------------------------


def parse_day(value: str | None, name: str) -> date | None:
    if value is None or not value.strip():
        return None
    if not _DAY.fullmatch(value.strip()):
        raise BadArgs(f"{name}={value!r} : une date AAAA-MM-JJ")
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise BadArgs(f"{name}={value!r} : une date AAAA-MM-JJ") from None


def watched_events(db: Database, questions: Sequence[WatchedQuestion], since: date | None = None) -> list[Event]:
    """The events of `questions`, oldest first, seen on or after the day `since` (Paris); not the admin's
    own kinds (`ADMIN_EVENT_KINDS`): feeds and the API tell what subscribers are told."""
    refs = {q.ref.uid for q in questions}
    start = datetime.combine(since, time.min, PARIS) if since else None
    return [e for e in list_events(db, since=start) if e.ref in refs and e.kind not in ADMIN_EVENT_KINDS]
