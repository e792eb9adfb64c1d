"""The watched questions as people browse them (`relance status`, the web pages, the API, the feeds): pages
of their rows (the very `status_row` of `relance status --json`), filtered, sorted, counted and paged in
SQL (storage/listing.py), so that a page costs what it shows, not what the store holds; the events.
Everything takes the database and `today` (or `now`) from the caller."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from typing import Any, Literal

from sqlite_utils import Database

from bot.app.config import Config
from bot.app.watched import watched
from bot.core.deadlines import PARIS, RULES_VERSION
from bot.core.status import StoredState, WatchedQuestion, status_row, stored_status_row
from bot.notify.i18n import _
from bot.notify.wording import CHAMBER_NAMES as CHAMBERS
from bot.notify.wording import STATUS_FR
from scrapers.errors import CannotRun
from scrapers.refs import parse_ref
from storage import listing
from storage.instants import instant_from, stored_day
from storage.questions import all_questions
from storage.records import ADMIN_EVENT_KINDS, Event

Order = Literal["asc", "desc"]
# The columns a table sorts on, with their French names; `delay` is days late, or minus days left.
SORTS = {"ref": "Référence", "chamber": "Chambre", "author": "Auteur", "ministry": "Ministère",
         "published": "Publiée", "deadline": "Échéance", "status": "État", "delay": "Retard",
         "checked": "Vérifiée"}
DEFAULT_SORT = "delay"  # the questions late now first, the most overdue first: what a watchdog looks for
DEFAULT_ORDER: Order = "desc"
WATCHED_ORDER = "watched"  # not a column: the watched set's own order (`relance status`)
PAGE_SIZE = 50  # rows of a web table's page
API_LIMIT, API_MAX_LIMIT = 100, 1000  # rows of an API answer, by default and at most
MAX_TAG_LENGTH = 100
MAX_MINISTRY_LENGTH = 300
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_FR_DAY = re.compile(r"\d{2}/\d{2}/\d{4}")
_TRUE, _FALSE = ("1", "true", "on", "oui"), ("", "0", "false", "off", "non")
# A sort on the state shows the states in the alphabetical order of their French names.
_STATUS_ORDER = tuple(sorted(STATUS_FR, key=lambda status: STATUS_FR[status]))


class BadArgs(CannotRun, ValueError):
    """A query parameter relance cannot use (an unknown chamber, a malformed date…): a 400."""


# --- the watched set ----------------------------------------------------------------------------


def watched_questions(config: Config, db: Database) -> list[WatchedQuestion]:
    """Every watched question with its stored state, in the watched set's order: for the few callers
    that need them all at once (`relance show`'s tags); pages use `WatchedView`."""
    entries = watched(config, db)
    stored = {q.ref: q for q in all_questions(db, [w.ref.uid for w in entries])}
    return [WatchedQuestion(w.ref, w.tags, stored.get(w.ref.uid)) for w in entries]


# --- filters, sorting and pages -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Filters:
    chamber: str | None = None
    tag: str | None = None
    status: str | None = None
    ministry: str | None = None
    overdue: bool = False
    sort: str = DEFAULT_SORT
    order: Order = DEFAULT_ORDER
    page: int = 1  # of a web table, from 1

    def args(self, **changes: Any) -> dict[str, str]:
        """The query parameters that give these filters (changed by `changes`), defaults left out."""
        f = replace(self, **changes)
        found = {"chamber": f.chamber, "tag": f.tag, "status": f.status, "ministry": f.ministry,
                 "overdue": "1" if f.overdue else None, "sort": f.sort if f.sort != DEFAULT_SORT else None,
                 "order": f.order if (f.sort, f.order) != (DEFAULT_SORT, DEFAULT_ORDER) else None,
                 "page": str(f.page) if f.page > 1 else None}
        return {key: value for key, value in found.items() if value}

    def sorted_by(self, column: str) -> dict[str, str]:
        """The parameters of a column header's link: sort on it, or flip the order if it already is; the
        first page either way."""
        if column == self.sort:
            return self.args(order="asc" if self.order == "desc" else "desc", page=1)
        return self.args(sort=column, order="desc" if column in ("delay", "checked") else "asc", page=1)


def given(name: str, value: object) -> str:
    """A parameter as it was given, `name='value'`, for the sentence that refuses it."""
    return f"{name}={value!r}"


def _one(args: Mapping[str, str], name: str) -> str | None:
    value = args.get(name)
    return value.strip() if value is not None and value.strip() else None


def _count(args: Mapping[str, str], name: str, default: int, lowest: int, highest: int | None = None) -> int:
    """A whole-number parameter between `lowest` and `highest`; raises BadArgs."""
    value = _one(args, name)
    if value is None:
        return default
    if not value.isdigit() or int(value) < lowest or (highest is not None and int(value) > highest):
        shown = given(name, value[:20])
        raise BadArgs(_("{given} : un nombre entier, de {lowest} à {highest}", given=shown, lowest=lowest,
                        highest=highest) if highest is not None else
                      _("{given} : un nombre entier, {lowest} ou plus", given=shown, lowest=lowest))
    return int(value)


def parse_filters(args: Mapping[str, str]) -> Filters:
    """The filters of `/questions` and `/api/questions` from their query parameters; raises BadArgs."""
    chamber, tag, status = _one(args, "chamber"), _one(args, "tag"), _one(args, "status")
    ministry = _one(args, "ministry")
    if chamber is not None and chamber not in CHAMBERS:
        raise BadArgs(_("{given} : choisir an ou senat", given=given("chamber", chamber)))
    if status is not None and status not in STATUS_FR:
        raise BadArgs(_("{given} : choisir parmi {choices}", given=given("status", status),
                        choices=", ".join(STATUS_FR)))
    if tag is not None and len(tag) > MAX_TAG_LENGTH:
        raise BadArgs(_("{name} : trop long", name="tag"))
    if ministry is not None and len(ministry) > MAX_MINISTRY_LENGTH:
        raise BadArgs(_("{name} : trop long", name="ministry"))
    overdue = (args.get("overdue") or "").strip().lower()
    if overdue not in _TRUE + _FALSE:
        raise BadArgs(_("{given} : 1 ou 0", given=given("overdue", overdue)))
    sort = _one(args, "sort") or DEFAULT_SORT
    if sort not in SORTS:
        raise BadArgs(_("{given} : choisir parmi {choices}", given=given("sort", sort), choices=", ".join(SORTS)))
    order = _one(args, "order") or ("desc" if sort in ("delay", "checked") else "asc")
    if order not in ("asc", "desc"):
        raise BadArgs(_("{given} : asc ou desc", given=given("order", order)))
    return Filters(chamber=chamber, tag=tag, status=status, ministry=ministry, overdue=overdue in _TRUE, sort=sort,
                   order="asc" if order == "asc" else "desc", page=_count(args, "page", 1, 1))


@dataclass(frozen=True, slots=True)
class Window:
    """Which rows of a listing an API answer holds: `limit` rows from `offset`."""

    limit: int
    offset: int


def parse_window(args: Mapping[str, str]) -> Window:
    """`?limit=N` (1 to API_MAX_LIMIT, API_LIMIT by default) with `?offset=K`, or `?page=P` (pages of
    `limit` rows, from 1; not with offset); raises BadArgs."""
    limit = _count(args, "limit", API_LIMIT, 1, API_MAX_LIMIT)
    if _one(args, "page") is not None:
        if _one(args, "offset") is not None:
            raise BadArgs(_("page et offset : l'un ou l'autre"))
        return Window(limit, (_count(args, "page", 1, 1) - 1) * limit)
    return Window(limit, _count(args, "offset", 0, 0))


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a table: its rows and where it stands among all the rows the filters select."""

    rows: list[dict[str, Any]]
    total: int
    number: int
    size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def first(self) -> int:
        """The position of the page's first row, from 1 (0 on an empty page)."""
        return (self.number - 1) * self.size + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1 if self.rows else 0

    def nearby(self, around: int = 2) -> list[int | None]:
        """The page numbers a pager links to: the first, the last and those around this one; None
        where numbers are left out."""
        shown = sorted({1, self.pages, *range(max(1, self.number - around),
                                              min(self.pages, self.number + around) + 1)})
        found: list[int | None] = []
        previous = 0
        for number in shown:
            if number - previous > 1:
                found.append(None)
            found.append(number)
            previous = number
        return found


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


# --- the watched set, in SQL --------------------------------------------------------------------


class WatchedView:
    """The watched set over one connection, judged on `today` (Paris): the config's [[watch]] entries are
    loaded into the connection once, then every page, count and list is one SQL query that reads only
    the rows it shows. Make one per request (or command)."""

    def __init__(self, config: Config, db: Database, today: date) -> None:
        self.config, self.db, self.today = config, db, today
        key = watch_key(config)
        fresh, self._joined = listing.loaded(db, key)
        if fresh:  # a connection kept from an earlier request, the database unchanged since
            return
        refs = [w.question for w in config.watch]
        found = listing.followed_tags(db, [ref.uid for ref in refs])
        listing.load_watch(db, [listing.WatchEntry(
            ref.uid, tuple(dict.fromkeys([*w.tags, *found.get(ref.uid, ())])), ref.chamber, ref.legislature,
            ref.number) for ref, w in zip(refs, config.watch, strict=True)], key)

    @property
    def _db(self) -> Database:
        """The connection with the watched set joined with the store, once per view: for the listings."""
        if not self._joined:
            listing.join_watched(self.db)
            self._joined = True
        return self.db

    def _query(self, filters: Filters) -> listing.Query:
        return listing.Query(self.today, chamber=filters.chamber, tag=filters.tag, status=filters.status,
                             ministry=filters.ministry, overdue=filters.overdue, sort=filters.sort,
                             order=filters.order, status_order=_STATUS_ORDER)

    def questions(self, refs_and_tags: Sequence[tuple[str, tuple[str, ...]]]) -> list[WatchedQuestion]:
        """These watched questions with their stored state, in the order given."""
        stored = {q.ref: q for q in all_questions(self.db, [ref for ref, _ in refs_and_tags])}
        return [WatchedQuestion(parse_ref(ref), tags, stored.get(ref)) for ref, tags in refs_and_tags]

    def rows(self, filters: Filters, *, limit: int | None = None, offset: int = 0) -> list[dict[str, Any]]:
        """The status rows `filters` select, in their order: `limit` of them from `offset` (all: None)."""
        return self.status_rows(listing.watched_page(self._db, self._query(filters), limit=limit, offset=offset))

    def status_rows(self, refs_and_tags: Sequence[tuple[str, tuple[str, ...]]]) -> list[dict[str, Any]]:
        """The status rows of these watched questions, in the order given: from their stored columns,
        without decoding a snapshot but for the rows whose columns cannot tell (`stored_status_row`)."""
        states = listing.stored_states(self.db, [ref for ref, _ in refs_and_tags])
        rows: list[dict[str, Any] | None] = []
        for ref, tags in refs_and_tags:
            columns = states.get(ref)
            question = WatchedQuestion(parse_ref(ref), tags, None)
            rows.append(stored_status_row(question.ref, tags, _state(columns), RULES_VERSION, self.today)
                        if columns is not None else status_row(question, self.today))
        undecided = [i for i, row in enumerate(rows) if row is None]
        for i, question in zip(undecided, self.questions([refs_and_tags[i] for i in undecided]), strict=True):
            rows[i] = status_row(question, self.today)
        return [row for row in rows if row is not None]

    def count(self, filters: Filters) -> int:
        return listing.count_watched(self._db, self._query(filters))

    def page(self, filters: Filters, size: int = PAGE_SIZE) -> Page:
        """The page `filters.page` of the table; past the last page, an empty one."""
        return Page(self.rows(filters, limit=size, offset=(filters.page - 1) * size), self.count(filters),
                    filters.page, size)

    def stats(self, filters: Filters = Filters()) -> TagStats:
        return TagStats(**listing.watched_counts(self._db, self._query(filters)))

    def answer_days(self, filters: Filters = Filters()) -> list[tuple[date, bool]]:
        """(answer day, late) of every answered row: what a tag's chart draws."""
        return listing.answer_days(self._db, self._query(filters))

    def tags(self) -> list[tuple[str, int]]:
        """Every tag of the watched set with its number of questions, in alphabetical order."""
        return sorted(listing.tag_counts(self._db).items(), key=lambda pair: pair[0].casefold())

    def ministries(self, filters: Filters = Filters()) -> list[tuple[str, int]]:
        """The current ministries of the rows `filters` select, most questions first."""
        return sorted(listing.ministry_counts(self._db, self._query(filters)).items(),
                      key=lambda pair: (-pair[1], pair[0].casefold()))

    def find(self, uid: str) -> WatchedQuestion | None:
        """One watched question with its stored state, None when `uid` is not watched."""
        tags = listing.watched_tags(self.db, uid)
        return None if tags is None else self.questions([(uid, tags)])[0]

    def __contains__(self, uid: object) -> bool:
        return isinstance(uid, str) and listing.watched_tags(self.db, uid) is not None

    def open_questions(self, tag: str | None, limit: int) -> list[WatchedQuestion]:
        """Up to `limit` pending watched questions (of `tag`), those with the latest deadlines."""
        return self.questions(listing.open_refs(self._db, self._query(Filters(tag=tag)), limit))

    def last_change(self, filters: Filters = Filters()) -> datetime | None:
        """The newest change of a question `filters` select."""
        return listing.last_change(self._db, self._query(filters))

    def events(self, *, tag: str | None = None, ref: str | None = None, since: date | None = None,
               limit: int | None = None, offset: int = 0, newest_first: bool = False) -> list[Event]:
        """Events of the watched questions, oldest first (or the newest first), seen on or after the day
        `since` (Paris); not the admin's own kinds (`ADMIN_EVENT_KINDS`): feeds and the API tell what
        subscribers are told."""
        return listing.watched_events(self.db, _event_query(tag, ref, since), limit=limit, offset=offset,
                                      newest_first=newest_first)

    def count_events(self, *, tag: str | None = None, ref: str | None = None, since: date | None = None) -> int:
        return listing.count_events(self.db, _event_query(tag, ref, since))

    def newest_event(self) -> int:
        """The id of the latest event recorded, of any question: it grows with each one."""
        return listing.newest_event_id(self.db)

    def sequences(self, refs: Sequence[str]) -> Mapping[str, int]:
        """The id of each question's latest event told to subscribers: the calendar's SEQUENCE."""
        return listing.event_sequences(self.db, refs, frozenset(ADMIN_EVENT_KINDS))


def watch_key(config: Config) -> str:
    """A digest of the config's [[watch]] entries: what the connection's loaded watched set was made from."""
    return hashlib.sha256(repr([(w.question.uid, w.tags) for w in config.watch]).encode()).hexdigest()


def _state(columns: Sequence[Any]) -> StoredState:
    """A question's columns as `listing.stored_states` reads them."""
    (status, title, author, ministry, published, answered, signaled, answer_deadline, signal_deadline, rules,
     last_checked, last_error, missing) = columns
    # A stored value no date reads is that date unknown (issue 17), never an error of the whole page.
    day = stored_day
    return StoredState(status, title, author, ministry, day(published), day(answered), day(signaled),
                       day(answer_deadline), day(signal_deadline), rules, instant_from(last_checked), last_error,
                       bool(missing))


def _event_query(tag: str | None, ref: str | None, since: date | None) -> listing.EventQuery:
    start = datetime.combine(since, time.min, PARIS) if since else None
    return listing.EventQuery(hidden=frozenset(ADMIN_EVENT_KINDS), tag=tag, ref=ref, since=start)


# --- events -------------------------------------------------------------------------------------


def parse_day(value: str | None, name: str) -> date | None:
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        if _DAY.fullmatch(text):
            return date.fromisoformat(text)
        if _FR_DAY.fullmatch(text):  # as relance prints dates in French: 03/12/2026
            day, month, year = (int(part) for part in text.split("/"))
            return date(year, month, day)
    except ValueError:
        pass
    raise BadArgs(_("{given} : une date AAAA-MM-JJ ou JJ/MM/AAAA", given=given(name, value)))
