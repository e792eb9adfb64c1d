"""The searches subscribers follow (the web's search alerts). A search is what the web's search page
takes: words, a chamber, an author, a ministry; it is kept as one canonical query string per subscriber
(table `subscriber_searches`, m018) and matched against the stored questions, every one of them and not
only the watched ones, with the full-text search's own expression (storage/search.py): a question
stored later is found by a search saved earlier.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

from sqlite_utils import Database

from scrapers.errors import CannotRun
from storage.instants import instant_from, instant_text
from storage.questions import event_from_row
from storage.records import Event
from storage.search import SearchError, search_expression

FIELDS = ("q", "chamber", "author", "ministry")  # a search's query parameters, in its canonical order
CHAMBERS = ("an", "senat")
MAX_LENGTH = {"q": 200, "author": 120, "ministry": 300}
MAX_SEARCHES = 20  # a subscriber's searches: enough for anyone's interests, too few to flood the notify pass
_CHUNK = 500  # SQLite limits the number of bound parameters


class BadSearch(CannotRun, ValueError):
    """A search relance cannot keep: `field` (one of FIELDS, or "" for the whole) and the problem."""

    def __init__(self, field: str, problem: str) -> None:
        self.field, self.problem = field, problem
        super().__init__(f"search {field or 'query'}: {problem}")


def _clean(value: str | None) -> str | None:
    """One line, spaces collapsed, composed accents (é typed as e + U+0301 is é): two spellings of the
    same search give one query string."""
    if value is None:
        return None
    text = " ".join(unicodedata.normalize("NFC", value).split())
    return text or None


@dataclass(frozen=True, slots=True)
class SavedSearch:
    """Words (a quoted phrase stays one), and optionally a chamber (`an`, `senat`), an author's and a
    ministry's words; at least words, an author or a ministry."""

    words: str = ""
    chamber: str | None = None
    author: str | None = None
    ministry: str | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> SavedSearch:
        """The search of the query parameters `q`, `chamber`, `author`, `ministry` (the others are left
        aside), cleaned; raises BadSearch when it cannot be searched for."""
        values = {name: _clean(args.get(name)) for name in FIELDS}
        for name, limit in MAX_LENGTH.items():
            if len(values[name] or "") > limit:
                raise BadSearch(name, f"longer than {limit} characters")
        if values["chamber"] is not None and values["chamber"] not in CHAMBERS:
            raise BadSearch("chamber", f"{values['chamber']!r} is not one of {', '.join(CHAMBERS)}")
        found = cls(values["q"] or "", values["chamber"], values["author"], values["ministry"])
        found.expression()  # raises when there is nothing to search for
        return found

    @classmethod
    def from_query(cls, query: str) -> SavedSearch:
        """A search back from its query string (`query`)."""
        return cls.from_args(dict(parse_qsl(query)))

    def args(self) -> dict[str, str]:
        """Its query parameters, the empty ones left out, in canonical order."""
        values = {"q": self.words, "chamber": self.chamber, "author": self.author, "ministry": self.ministry}
        return {name: value for name, value in values.items() if value}

    @property
    def query(self) -> str:
        """The canonical query string: what is stored, and what the search page's and feed's links carry."""
        return urlencode(self.args())

    def expression(self) -> str:
        """The FTS5 expression of its words, author and ministry; raises BadSearch."""
        if not (self.words or self.author or self.ministry):
            raise BadSearch("", "give words, an author or a ministry")
        try:
            return search_expression(self.words, author=self.author, ministry=self.ministry)
        except SearchError as error:
            field = "q" if error.query == self.words else ("author" if error.query == self.author else "ministry")
            raise BadSearch(field, error.problem) from None


@dataclass(frozen=True, slots=True)
class FollowedSearch:
    """A search a subscriber follows: its row's id (what the manage page's remove button names)."""

    id: int
    search: SavedSearch
    created_at: datetime | None


# --- a subscriber's searches ----------------------------------------------------------------------


def searches_of(db: Database, subscriber_id: int) -> list[FollowedSearch]:
    """The searches a subscriber follows, in the order they were added."""
    rows = db.execute("SELECT id, query, created_at FROM subscriber_searches WHERE subscriber_id = ? ORDER BY id",
                      [subscriber_id]).fetchall()
    return [FollowedSearch(row_id, SavedSearch.from_query(query), instant_from(at)) for row_id, query, at in rows]


def follow_search(db: Database, subscriber_id: int, search: SavedSearch, now: datetime) -> bool:
    """Add a search to a subscriber's; False when they already follow it. Raises BadSearch past
    MAX_SEARCHES."""
    with db.atomic():
        if db.execute("SELECT 1 FROM subscriber_searches WHERE subscriber_id = ? AND query = ?",
                      [subscriber_id, search.query]).fetchone():
            return False
        count = db.execute("SELECT count(*) FROM subscriber_searches WHERE subscriber_id = ?",
                           [subscriber_id]).fetchone()[0]
        if count >= MAX_SEARCHES:
            raise BadSearch("", f"a subscriber follows at most {MAX_SEARCHES} searches")
        db.execute("INSERT INTO subscriber_searches (subscriber_id, query, created_at) VALUES (?, ?, ?)",
                   [subscriber_id, search.query, instant_text(now)])
    return True


def set_searches(db: Database, subscriber_id: int, searches: Sequence[SavedSearch], now: datetime) -> None:
    """A subscriber's searches become `searches` (a pending request's choices, refreshed by a new one)."""
    with db.atomic():
        db.execute("DELETE FROM subscriber_searches WHERE subscriber_id = ?", [subscriber_id])
        db.conn.executemany("INSERT OR IGNORE INTO subscriber_searches (subscriber_id, query, created_at) "
                            "VALUES (?, ?, ?)", [(subscriber_id, s.query, instant_text(now))
                                                 for s in searches[:MAX_SEARCHES]])


def drop_search(db: Database, subscriber_id: int, search_id: int) -> bool:
    """Remove one of a subscriber's searches; False when it is not (or no longer) theirs."""
    with db.atomic():
        cursor = db.execute("DELETE FROM subscriber_searches WHERE id = ? AND subscriber_id = ?",
                            [search_id, subscriber_id])
    return bool(cursor.rowcount)


# --- matching -------------------------------------------------------------------------------------


def _found(search: SavedSearch) -> tuple[str, dict[str, Any]]:
    """A subquery of the refs of every stored question `search` finds, with its named parameters."""
    sql = ("SELECT q.ref FROM questions_fts JOIN questions q ON q.rowid = questions_fts.rowid "
           "WHERE questions_fts MATCH :expression")
    params: dict[str, Any] = {"expression": search.expression()}
    if search.chamber is not None:
        sql += " AND q.chamber = :chamber"
        params["chamber"] = search.chamber
    return sql, params


def _refs(refs: Sequence[str]) -> tuple[str, dict[str, str]]:
    """`:r0, :r1, …` and their values, for `ref IN (…)`."""
    return ", ".join(f":r{i}" for i in range(len(refs))), {f"r{i}": ref for i, ref in enumerate(refs)}


def matching(db: Database, searches: Iterable[SavedSearch], refs: Collection[str]) -> set[str]:
    """Those of `refs` that one of `searches` finds among the stored questions."""
    wanted, found = list(dict.fromkeys(refs)), set[str]()
    for search in searches:
        subquery, params = _found(search)
        for start in range(0, len(wanted), _CHUNK):
            if chunk := [ref for ref in wanted[start:start + _CHUNK] if ref not in found]:
                marks, named = _refs(chunk)
                found.update(ref for (ref,) in db.execute(
                    f"SELECT ref FROM questions WHERE ref IN ({marks}) AND ref IN ({subquery})", {**named, **params}))
    return found


def search_events(db: Database, search: SavedSearch, *, hidden: Collection[str], limit: int) -> list[Event]:
    """The latest `limit` events (newest first) of the stored questions `search` finds, not of the
    `hidden` kinds."""
    subquery, params = _found(search)
    kinds = {f"k{i}": kind for i, kind in enumerate(sorted(hidden))}
    cursor = db.execute(
        f"SELECT e.id, e.ref, e.kind, e.key, e.official_date, e.seen_at, e.details FROM events e "
        f"WHERE e.ref IN ({subquery}) AND e.kind NOT IN ({', '.join(':' + k for k in kinds)}) "
        "ORDER BY e.id DESC LIMIT :limit", {**params, **kinds, "limit": limit})
    names = [column[0] for column in cursor.description]
    return [event_from_row(dict(zip(names, row, strict=True))) for row in cursor.fetchall()]


# --- questions still late -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LateQuestion:
    """A stored question pending past one of its deadlines on `today`."""

    ref: str
    title: str | None
    answer_deadline: date | None
    signal_deadline: date | None

    def late_since(self, today: date) -> date:
        """The first of its deadlines passed: the day after it, the question became late."""
        passed = [d for d in (self.answer_deadline, self.signal_deadline) if d is not None and d < today]
        return min(passed)


_LATE = "status = 'pending' AND (answer_deadline < :today OR signal_deadline < :today)"
_LATE_COLUMNS = "ref, title, answer_deadline, signal_deadline"


def _late(row: Sequence[Any]) -> LateQuestion:
    ref, title, answer, signal = row
    return LateQuestion(ref, title, date.fromisoformat(answer) if answer else None,
                        date.fromisoformat(signal) if signal else None)


def late_questions(db: Database, refs: Collection[str], searches: Iterable[SavedSearch], today: date
                   ) -> list[LateQuestion]:
    """The stored questions pending past a deadline on `today` (Paris) among `refs` and those any of
    `searches` finds, each once, in no particular order."""
    found: dict[str, LateQuestion] = {}
    wanted = list(dict.fromkeys(refs))
    for start in range(0, len(wanted), _CHUNK):
        marks, named = _refs(wanted[start:start + _CHUNK])
        found.update((row[0], _late(row)) for row in db.execute(
            f"SELECT {_LATE_COLUMNS} FROM questions WHERE ref IN ({marks}) AND {_LATE}",
            {**named, "today": today.isoformat()}))
    for search in searches:
        subquery, params = _found(search)
        found.update((row[0], _late(row)) for row in db.execute(
            f"SELECT {_LATE_COLUMNS} FROM questions WHERE ref IN ({subquery}) AND {_LATE}",
            {**params, "today": today.isoformat()}))
    return list(found.values())
