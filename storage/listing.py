"""The watched questions as pages show them, in SQL: only the rows a page shows are read.

The watched set is the config's [[watch]] entries (loaded into a temporary table of the connection,
`load_watch`, with the followed tags of those refs already merged in) united with the `followed` table
(questions follow rules found), joined with `questions`. Filtering, sorting, counting and paging happen
here; lateness comes from the stored deadline columns (`answer_deadline`, `signal_deadline`, m010):
a question is overdue when it is pending and one of them is before today (Europe/Paris, passed in).
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from sqlite_utils import Database

from storage.instants import instant_from, instant_text, stored_day
from storage.questions import MISSING, event_from_row
from storage.records import Event
from storage.snapshots import HAS_SNAPSHOT

Order = Literal["asc", "desc"]
WATCH_TABLE = "temp.relance_watch"
LISTING_TABLE = "temp.relance_listing"


@dataclass(frozen=True, slots=True)
class WatchEntry:
    """A [[watch]] entry of the config: its ref's parts (a never-read question has no stored row to give
    them) and its tags, the followed table's already merged in."""

    ref: str
    tags: tuple[str, ...]
    chamber: str
    legislature: int | None
    number: int


@dataclass(frozen=True, slots=True)
class Query:
    """Which watched rows, in which order. `today` is the Paris date lateness is judged on;
    `status_order`: the statuses in the order a sort on `status` shows them (the caller's labels' order)."""

    today: date
    chamber: str | None = None
    tag: str | None = None
    status: str | None = None
    ministry: str | None = None
    overdue: bool = False
    sort: str = "delay"
    order: Order = "desc"
    status_order: tuple[str, ...] = ()


def followed_tags(db: Database, refs: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """The tags the follow rules gave to those of `refs` they found."""
    found: dict[str, tuple[str, ...]] = {}
    for start in range(0, len(refs), 500):  # SQLite limits the number of bound parameters
        chunk = list(refs[start:start + 500])
        marks = ", ".join("?" * len(chunk))
        for ref, tags in db.execute(f"SELECT ref, tags FROM followed WHERE ref IN ({marks})", chunk):
            found[ref] = tuple(json.loads(tags))
    return found


@dataclass(frozen=True, slots=True)
class _Loaded:
    key: str  # names the entries loaded
    version: tuple[int, int]  # `_version` once loaded (and joined)
    joined: bool


# What each connection's temporary tables hold, kept beside it as long as it lives.
_LOADED: weakref.WeakKeyDictionary[Database, _Loaded] = weakref.WeakKeyDictionary()


def _version(db: Database) -> tuple[int, int]:
    """Changes whenever a connection commits: another one (SQLite's data_version: `relance run`, a command)
    or this one (its count of rows changed)."""
    return int(db.execute("PRAGMA data_version").fetchone()[0]), db.conn.total_changes


def loaded(db: Database, key: str) -> tuple[bool, bool]:
    """Whether this connection's temporary tables still hold the entries `key` names (`load_watch`) and
    their join with the store (`join_watched`), nothing having been written to the database since. A
    connection kept from one web request to the next loads and joins again only after a change."""
    found = _LOADED.get(db)
    fresh = found is not None and found.key == key and found.version == _version(db)
    return fresh, fresh and found is not None and found.joined


def load_watch(db: Database, entries: Sequence[WatchEntry], key: str = "") -> None:
    """(Re)load the config's entries into this connection's temporary table, in their order; `join_watched`
    then joins them with the store. `key` names the entries, for `loaded`."""
    outside = not db.conn.in_transaction
    db.execute(f"DROP TABLE IF EXISTS {WATCH_TABLE}")
    db.execute(f"CREATE TABLE {WATCH_TABLE} (ref TEXT PRIMARY KEY, tags TEXT NOT NULL, position INTEGER NOT NULL, "
               "chamber TEXT NOT NULL, legislature INTEGER, number INTEGER NOT NULL)")
    db.conn.executemany(f"INSERT OR IGNORE INTO {WATCH_TABLE} VALUES (?, ?, ?, ?, ?, ?)",
                        [(e.ref, json.dumps(list(e.tags), ensure_ascii=False), i, e.chamber, e.legislature, e.number)
                         for i, e in enumerate(entries)])
    db.execute(f"DROP TABLE IF EXISTS {LISTING_TABLE}")
    _LOADED[db] = _Loaded(key, _version(db), joined=False)
    if outside:  # the inserts opened a transaction: end it, or the caller's later writes would stay in it
        db.conn.commit()
    db.conn.create_function("relance_fold", 1, _fold, deterministic=True)


def join_watched(db: Database) -> None:
    """Join the loaded watched set with the stored questions as they are now, into the temporary table
    every listing below reads (once for the many queries of a page); again to see later changes."""
    outside = not db.conn.in_transaction
    db.execute(f"DROP TABLE IF EXISTS {LISTING_TABLE}")
    db.execute(f"CREATE TABLE {LISTING_TABLE} AS {_JOINED}")
    previous = _LOADED.get(db)
    if previous is not None:
        _LOADED[db] = _Loaded(previous.key, _version(db), joined=True)
    if outside:
        db.conn.commit()


def _fold(value: str | None) -> str | None:
    return value.casefold() if value is not None else None


# The watched set: the config's entries, then the questions rules found that the config does not list,
# with the columns of `questions` the listings read (from the table's rows, by primary key: they hold no
# snapshot since m015, many rows to a page).
_UNION = (f"SELECT ref, tags, position, chamber, legislature, number FROM {WATCH_TABLE} UNION ALL "
          f"SELECT f.ref, f.tags, NULL, NULL, NULL, NULL FROM followed f "
          f"WHERE NOT EXISTS (SELECT 1 FROM {WATCH_TABLE} c WHERE c.ref = f.ref)")
_JOINED = (f"WITH watched(ref, tags, position, w_chamber, w_legislature, w_number) AS ({_UNION}) "
           "SELECT w.ref, w.tags, w.position, w.w_chamber, w.w_legislature, w.w_number, q.status, q.answer_deadline, "
           "q.signal_deadline, q.answered, q.published, q.chamber, q.legislature, q.number, q.ministry, q.author, "
           "q.last_checked, q.last_change "
           "FROM watched w LEFT JOIN questions q ON q.ref = w.ref")
# Every listing reads that join, made once by `join_watched` into a temporary table: a page's counts, rows
# and menus each scan it in memory instead of joining the store again.
_WATCHED = f"WITH watched AS (SELECT * FROM {LISTING_TABLE}) "
_FROM = "FROM watched w"
# The events need only the watched refs and tags: the union, not the join.
_WATCHED_REFS = f"WITH watched(ref, tags, position, w_chamber, w_legislature, w_number) AS ({_UNION}) "
_CHAMBER = "coalesce(w.w_chamber, w.chamber, CASE WHEN w.ref LIKE 'SEQ%' THEN 'senat' ELSE 'an' END)"
_STATUS = "coalesce(w.status, 'unknown')"
_OVERDUE = ("coalesce(w.status = 'pending' AND (w.answer_deadline < :today OR w.signal_deadline < :today), 0)")
# A pending question's binding deadline: the earliest not passed, else the earliest passed (bot.core.deadlines).
_UPCOMING = ("coalesce(min(CASE WHEN w.answer_deadline >= :today THEN w.answer_deadline END, "
             "CASE WHEN w.signal_deadline >= :today THEN w.signal_deadline END), "
             "CASE WHEN w.answer_deadline >= :today THEN w.answer_deadline END, "
             "CASE WHEN w.signal_deadline >= :today THEN w.signal_deadline END)")
_EARLIEST = "coalesce(min(w.answer_deadline, w.signal_deadline), w.answer_deadline, w.signal_deadline)"
_DEADLINE = (f"CASE WHEN w.status = 'pending' THEN coalesce({_UPCOMING}, {_EARLIEST}) "
             "ELSE w.answer_deadline END")
# Days late (positive) or minus days left, as the table's `delay` column: a pending question against its
# binding deadline, an answered one by how late its answer came (nothing when on time).
_DELAY = (f"CASE WHEN w.status = 'pending' THEN CASE WHEN {_UPCOMING} IS NOT NULL "
          f"THEN CAST(julianday(:today) - julianday({_UPCOMING}) AS INTEGER) "
          f"WHEN {_EARLIEST} IS NOT NULL THEN CAST(julianday(:today) - julianday({_EARLIEST}) AS INTEGER) END "
          "WHEN w.status = 'answered' AND w.answered > w.answer_deadline "
          "THEN CAST(julianday(w.answered) - julianday(w.answer_deadline) AS INTEGER) END")
_REF_ORDER = (f"{_CHAMBER}, coalesce(w.w_legislature, w.legislature, 0), coalesce(w.w_number, w.number), w.ref")


def _sort_keys(query: Query, params: dict[str, Any]) -> list[tuple[str, Order]]:
    """(expression, direction) pairs, the first ones the column's, then the reference order."""
    direction: Order = query.order
    if query.sort == "ref":
        return [(_CHAMBER, direction), ("coalesce(w.w_legislature, w.legislature, 0)", direction),
                ("coalesce(w.w_number, w.number)", direction)]
    if query.sort == "delay":  # the questions late now first, then as the delay says
        return [(_OVERDUE, direction), (_DELAY, direction)]
    if query.sort == "status":
        ranks = " ".join(f"WHEN :status_{i} THEN {i}" for i in range(len(query.status_order)))
        params.update({f"status_{i}": s for i, s in enumerate(query.status_order)})
        return [(f"CASE {_STATUS} {ranks} END", direction)]
    column = {"chamber": _CHAMBER, "author": "relance_fold(w.author)", "ministry": "relance_fold(w.ministry)",
              "published": "w.published", "deadline": _DEADLINE, "checked": "w.last_checked"}[query.sort]
    return [(column, direction)]


def _where(query: Query) -> tuple[str, dict[str, Any]]:
    conditions: list[str] = []
    params: dict[str, Any] = {"today": query.today.isoformat()}
    if query.chamber is not None:
        conditions.append(f"{_CHAMBER} = :chamber")
        params["chamber"] = query.chamber
    if query.status is not None:
        conditions.append(f"{_STATUS} = :status")
        params["status"] = query.status
    if query.tag is not None:
        conditions.append("EXISTS (SELECT 1 FROM json_each(w.tags) WHERE json_each.value = :tag)")
        params["tag"] = query.tag
    if query.ministry is not None:
        conditions.append("w.ministry = :ministry")
        params["ministry"] = query.ministry
    if query.overdue:
        conditions.append(f"{_OVERDUE}")
    return (" WHERE " + " AND ".join(conditions)) if conditions else "", params


def count_watched(db: Database, query: Query) -> int:
    where, params = _where(query)
    row = db.execute(f"{_WATCHED} SELECT count(*) {_FROM}{where}", params).fetchone()
    return int(row[0])


def watched_page(db: Database, query: Query, *, limit: int | None, offset: int = 0
                 ) -> list[tuple[str, tuple[str, ...]]]:
    """(ref, tags) of the rows of one page, in the query's order; rows without a value for the sorted
    column come last either way, and ties go in reference order."""
    where, params = _where(query)
    if query.sort == "watched":  # the watched set's own order: the config's entries, then the rules' by ref
        order = "coalesce(w.position, 1000000000), w.ref"
    else:
        keys = _sort_keys(query, params)
        nulls = [f"({keys[-1][0]}) IS NULL"] if query.sort != "ref" else []
        order = ", ".join([*nulls, *(f"{expression} {direction.upper()}" for expression, direction in keys),
                           _REF_ORDER])
    params.update({"limit": -1 if limit is None else limit, "offset": offset})
    rows = db.execute(f"{_WATCHED} SELECT w.ref, w.tags {_FROM}{where} ORDER BY {order} "
                      "LIMIT :limit OFFSET :offset", params).fetchall()
    return [(ref, tuple(json.loads(tags))) for ref, tags in rows]


# What a status row shows of a stored question (bot.core.status.StoredState), without its snapshot: the
# status is NULL when there is no snapshot (a question never read), as a row without one shows.
_STATE = (f"ref, CASE WHEN {HAS_SNAPSHOT} THEN status END, title, author, ministry, published, answered, "
          f"signaled, answer_deadline, signal_deadline, deadline_rules, last_checked, last_error, {MISSING}")


def stored_states(db: Database, refs: Sequence[str]) -> dict[str, tuple[Any, ...]]:
    """For each of `refs` stored, its columns in the order of `bot.core.status.StoredState` (dates as ISO
    text, `missing` as 0 or 1), read by primary key."""
    found: dict[str, tuple[Any, ...]] = {}
    for start in range(0, len(refs), 500):  # SQLite limits the number of bound parameters
        chunk = list(refs[start:start + 500])
        marks = ", ".join("?" * len(chunk))
        for ref, *columns in db.execute(f"SELECT {_STATE} FROM questions WHERE ref IN ({marks})", chunk):
            found[ref] = tuple(columns)
    return found


def watched_tags(db: Database, ref: str) -> tuple[str, ...] | None:
    """The tags of `ref` when it is watched (its config entry's, or the rules'), else None."""
    row = db.execute(f"SELECT tags FROM {WATCH_TABLE} WHERE ref = ?", [ref]).fetchone() or \
        db.execute("SELECT tags FROM followed WHERE ref = ?", [ref]).fetchone()
    return tuple(json.loads(row[0])) if row else None


# --- counts -------------------------------------------------------------------------------------


def tag_counts(db: Database) -> dict[str, int]:
    """Every tag of the watched set with its number of questions."""
    rows = db.execute(f"{_WATCHED} SELECT j.value, count(*) FROM watched w, json_each(w.tags) j "
                      "GROUP BY j.value").fetchall()
    return {str(tag): int(count) for tag, count in rows}


def ministry_counts(db: Database, query: Query) -> dict[str, int]:
    """The current ministries of the rows `query` selects (its own ministry filter left aside)."""
    where, params = _where(Query(query.today, chamber=query.chamber, tag=query.tag, status=query.status,
                                 overdue=query.overdue))
    rows = db.execute(f"{_WATCHED} SELECT w.ministry, count(*) {_FROM}{where} "
                      f"{'AND' if where else 'WHERE'} w.ministry IS NOT NULL GROUP BY w.ministry", params).fetchall()
    return {str(name): int(count) for name, count in rows}


def watched_counts(db: Database, query: Query) -> dict[str, int]:
    """How many of the rows `query` selects are in each state: total, answered, pending, overdue, ended
    (withdrawn, closed, lapsed), unknown, answered on time and late (answers with a deadline)."""
    where, params = _where(query)
    row = db.execute(
        f"{_WATCHED} SELECT count(*), sum({_STATUS} = 'answered'), sum({_STATUS} = 'pending'), sum({_OVERDUE}), "
        f"sum({_STATUS} IN ('withdrawn', 'closed', 'lapsed')), sum({_STATUS} = 'unknown'), "
        "sum(w.status = 'answered' AND w.answer_deadline IS NOT NULL "
        "AND NOT coalesce(w.answered > w.answer_deadline, 0)), "
        "sum(w.status = 'answered' AND w.answer_deadline IS NOT NULL AND w.answered > w.answer_deadline) "
        f"{_FROM}{where}", params).fetchone()
    names = ("total", "answered", "pending", "overdue", "ended", "unknown", "answered_on_time", "answered_late")
    return {name: int(value or 0) for name, value in zip(names, row, strict=True)}


def answer_days(db: Database, query: Query) -> list[tuple[date, bool]]:
    """(answer day, late) of every answered row `query` selects."""
    where, params = _where(query)
    rows = db.execute(f"{_WATCHED} SELECT w.answered, coalesce(w.answered > w.answer_deadline, 0) {_FROM}{where} "
                      f"{'AND' if where else 'WHERE'} w.status = 'answered' AND w.answered IS NOT NULL "
                      "ORDER BY w.answered", params).fetchall()
    # A stored answer day no date reads is left out of the counts, not an error of the statistics (issue 17).
    return [(day, bool(late)) for text, late in rows if (day := stored_day(text)) is not None]


def last_change(db: Database, query: Query) -> datetime | None:
    """The newest change of the rows `query` selects (a question leaving the calendar changes it too)."""
    where, params = _where(query)
    return instant_from(db.execute(f"{_WATCHED} SELECT max(w.last_change) {_FROM}{where}", params).fetchone()[0])


def open_refs(db: Database, query: Query, limit: int) -> list[tuple[str, tuple[str, ...]]]:
    """(ref, tags) of up to `limit` pending rows of `query`: those with the latest deadlines (the
    upcoming ones and the most recently passed), the calendar's questions."""
    where, params = _where(query)
    params["limit"] = limit
    rows = db.execute(
        f"{_WATCHED} SELECT w.ref, w.tags {_FROM}{where} {'AND' if where else 'WHERE'} w.status = 'pending' "
        "AND coalesce(w.answer_deadline, w.signal_deadline) IS NOT NULL ORDER BY "
        "coalesce(max(w.answer_deadline, w.signal_deadline), w.answer_deadline, w.signal_deadline) DESC, w.ref "
        "LIMIT :limit", params).fetchall()
    return [(ref, tuple(json.loads(tags))) for ref, tags in rows]


# --- events -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EventQuery:
    """Events of the watched questions (of `tag`, or of `ref` alone), seen at or after `since`, not of
    the `hidden` kinds."""

    hidden: frozenset[str]
    tag: str | None = None
    ref: str | None = None
    since: datetime | None = None


def _event_where(query: EventQuery) -> tuple[str, dict[str, Any]]:
    params: dict[str, Any] = {f"kind_{i}": kind for i, kind in enumerate(sorted(query.hidden))}
    conditions = [f"e.kind NOT IN ({', '.join(':' + name for name in params)})"] if params else []
    watched = "SELECT w.ref FROM watched w"
    if query.tag is not None:
        watched += " WHERE EXISTS (SELECT 1 FROM json_each(w.tags) WHERE json_each.value = :tag)"
        params["tag"] = query.tag
    conditions.append(f"e.ref IN ({watched})")
    if query.ref is not None:
        conditions.append("e.ref = :ref")
        params["ref"] = query.ref
    if query.since is not None:
        conditions.append("e.seen_at >= :since")
        params["since"] = instant_text(query.since)
    return " WHERE " + " AND ".join(conditions), params


def newest_event_id(db: Database) -> int:
    """The id of the latest event of any question (0 before any): it grows with every event recorded."""
    return int(db.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0])


def count_events(db: Database, query: EventQuery) -> int:
    where, params = _event_where(query)
    return int(db.execute(f"{_WATCHED_REFS} SELECT count(*) FROM events e{where}", params).fetchone()[0])


def watched_events(db: Database, query: EventQuery, *, limit: int | None, offset: int = 0,
                   newest_first: bool = False) -> list[Event]:
    """The events in the order relance saw them (or the newest first), one page of them."""
    where, params = _event_where(query)
    params.update({"limit": -1 if limit is None else limit, "offset": offset})
    cursor = db.execute(f"{_WATCHED_REFS} SELECT e.id, e.ref, e.kind, e.key, e.official_date, e.seen_at, e.details "
                        f"FROM events e{where} ORDER BY e.id {'DESC' if newest_first else 'ASC'} "
                        "LIMIT :limit OFFSET :offset", params)
    names = [column[0] for column in cursor.description]
    return [event_from_row(dict(zip(names, row, strict=True))) for row in cursor.fetchall()]


def event_sequences(db: Database, refs: Sequence[str], hidden: frozenset[str]) -> Mapping[str, int]:
    """The id of each of `refs`' latest event (not of the `hidden` kinds): a number that grows whenever
    the question changes."""
    kinds = sorted(hidden)
    found: dict[str, int] = {}
    for start in range(0, len(refs), 500):
        chunk = list(refs[start:start + 500])
        marks, kind_marks = ", ".join("?" * len(chunk)), ", ".join("?" * len(kinds))
        found.update({ref: int(last) for ref, last in db.execute(
            f"SELECT ref, max(id) FROM events WHERE ref IN ({marks}) AND kind NOT IN ({kind_marks}) GROUP BY ref",
            [*chunk, *kinds])})
    return found
