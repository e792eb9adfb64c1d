"""Full-text search over every stored question: the `questions_fts` index (SQLite FTS5, accents folded
by its `unicode61 remove_diacritics 2` tokenizer; contentless, written with each snapshot by
storage/snapshots.py; migrations m005, m011), ranked by bm25.

The index keeps no text, so the snippets of the hits shown are made by FTS5 itself from their stored
snapshots: the hits' texts go in a small FTS5 table in memory, searched with the same expression.

A user's query is never passed to FTS5 as syntax: it is read as words and "quoted phrases", each
turned into a quoted FTS5 string, so `"`, `-`, `*`, `:`, `NEAR(`, `AND`… are only words or
separators and cannot break or widen the query.
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from scrapers.errors import CannotRun
from storage.questions import all_questions
from storage.records import StoredQuestion
from storage.snapshots import FTS_COLUMNS, FTS_TOKENIZER, fts_values

# How much a match in each column weighs in bm25: a word of the title or the analysis (rubric) says
# more about the question than one of its text. The weights are given to bm25 in FTS_COLUMNS' order.
WEIGHT = {"title": 10.0, "rubric": 5.0, "author": 3.0, "ministry": 2.0, "text": 1.0}
WEIGHTS = tuple(WEIGHT[column] for column in FTS_COLUMNS)
# The columns of the snippets' table, in the order the index had before m011: when two columns give as
# good a snippet, FTS5 takes the first, and the snippets stay what they were.
SNIPPET_COLUMNS = ("title", "rubric", "author", "ministry", "text")
DEFAULT_LIMIT = 50
SNIPPET_TOKENS = 16  # words of context in a hit's snippet
# Around each word found in a snippet: control characters, which no stored text holds, so that the
# caller shows them as it likes (bold in a terminal) and never mistakes a text's own « » for them.
MARK_START, MARK_END = "\x02", "\x03"

# What the unicode61 tokenizer keeps of a text: runs of letters and digits. Everything else (spaces,
# punctuation, FTS5 operators' characters) only separates words.
_TOKEN = re.compile(r"[^\W_]+")
_QUOTED = re.compile(r'"([^"]*)"?')


class SearchError(CannotRun, ValueError):
    """A query that cannot be searched for: `query` and the problem."""

    def __init__(self, query: str, problem: str) -> None:
        self.query, self.problem = query, problem
        super().__init__(f"search {query!r}: {problem}")


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One question found: its `rank` (1 for the best match), a `snippet` of the text around the words
    found (each between `MARK_START` and `MARK_END`), and the question as stored."""

    rank: int
    ref: str
    snippet: str | None
    stored: StoredQuestion


def _phrase(words: Sequence[str]) -> str:
    # Tokens hold letters and digits only: nothing in them needs escaping inside an FTS5 string.
    return '"' + " ".join(words) + '"'


# A word of at least this many letters or digits also finds the longer words it begins: `caméra` finds
# « caméras », `vidéosurv` « vidéosurveillance ». Shorter ones (`l`, `2`) are matched whole.
PREFIX_FROM = 3


def _word(word: str) -> str:
    return _phrase([word]) + ("*" if len(word) >= PREFIX_FROM else "")


def match_expression(query: str) -> str:
    """The FTS5 expression for a user's query: every word, and every "quoted phrase" (its words in a
    row, matched whole), must be in the question; accents and case folded. A word outside quotes also
    finds the words it begins (plurals, a word typed in part): quote it to match it whole.

    `diamants "terminologie des diamants"` → `"diamants"* "terminologie des diamants"`; `col:x*` →
    `"col"* "x"`. Raises `SearchError` when the query holds no letter or digit.
    """
    parts: list[str] = []
    query = unicodedata.normalize("NFC", query)  # "é" typed as e + U+0301 is one letter, not a separator
    # Outside quotes, each run of letters and digits is a word; a quote opens a phrase, closed by
    # the next quote or the end of the query.
    at = 0
    for quoted in _QUOTED.finditer(query):
        parts += [_word(word) for word in _TOKEN.findall(query[at:quoted.start()])]
        if words := _TOKEN.findall(quoted.group(1)):
            parts.append(_phrase(words))
        at = quoted.end()
    parts += [_word(word) for word in _TOKEN.findall(query[at:])]
    if not parts:
        raise SearchError(query, "nothing to search for: give at least one word (letters or digits)")
    return " ".join(dict.fromkeys(parts))


def _column_filter(column: str, text: str, what: str) -> str:
    """Every word of `text` in `column` (accents and case folded, in any order): `author : "masson"`."""
    words = _TOKEN.findall(unicodedata.normalize("NFC", text))
    if not words:
        raise SearchError(text, f"the {what} filter holds no letter or digit")
    return " AND ".join(f"{column} : {_phrase([word])}" for word in words)


def search_expression(query: str, *, author: str | None = None, ministry: str | None = None) -> str:
    """The FTS5 expression of a search: the words of `query` (`match_expression`), and every word of
    `author` and of `ministry` in those columns. `query` may be empty when an author or a ministry is
    given (a saved search of the web: every question of an author). Raises `SearchError`."""
    filters = [_column_filter(column, text, column) for column, text in (("author", author), ("ministry", ministry))
               if text is not None]
    if not query.strip() and filters:
        return " AND ".join(filters)
    return " AND ".join([f"({match_expression(query)})" if filters else match_expression(query), *filters])


def search_questions(db: Database, query: str, *, chamber: str | None = None, author: str | None = None,
                     ministry: str | None = None, status: str | None = None,
                     limit: int = DEFAULT_LIMIT) -> list[SearchHit]:
    """The stored questions that hold every word of `query`, best first (bm25, weighted by column).

    `author` and `ministry` keep the questions whose author (the ministry now holding them) has every
    word given, accents and case folded; `chamber` ("an", "senat") and `status` ("pending",
    "answered"…) are exact. Raises `SearchError` for a query with no word."""
    expression = search_expression(query, author=author, ministry=ministry)
    where = ["questions_fts MATCH ?"]
    params: list[Any] = [expression]
    if chamber is not None:
        where.append("q.chamber = ?")
        params.append(chamber)
    if status is not None:
        where.append("q.status = ?")
        params.append(status)
    weights = ", ".join(str(w) for w in WEIGHTS)
    refs = [ref for (ref,) in db.execute(
        f"SELECT q.ref FROM questions_fts JOIN questions q ON q.rowid = questions_fts.rowid "
        f"WHERE {' AND '.join(where)} ORDER BY bm25(questions_fts, {weights}), q.ref LIMIT ?",
        [*params, limit]).fetchall()]
    stored = {question.ref: question for question in all_questions(db, refs)}
    snippets = _snippets(expression, [stored[ref] for ref in refs])
    return [SearchHit(rank, ref, " ".join(snippet.split()) if (snippet := snippets.get(ref)) else None, stored[ref])
            for rank, ref in enumerate(refs, start=1)]


def _snippets(expression: str, hits: Sequence[StoredQuestion]) -> dict[str, str | None]:
    """FTS5's snippet of each hit, from its stored snapshot, in a table in memory indexed the same way."""
    columns = ", ".join(SNIPPET_COLUMNS)
    memory = sqlite3.connect(":memory:")
    try:
        memory.execute(f"CREATE VIRTUAL TABLE hits USING fts5({columns}, tokenize='{FTS_TOKENIZER}')")
        order = [FTS_COLUMNS.index(column) for column in SNIPPET_COLUMNS]
        memory.executemany(f"INSERT INTO hits (rowid, {columns}) VALUES (?{', ?' * len(order)})",
                           [(i, *(values[k] for k in order)) for i, hit in enumerate(hits) if hit.snapshot
                            for values in [fts_values(hit.snapshot)]])
        found = dict(memory.execute(f"SELECT rowid, snippet(hits, -1, char(2), char(3), '…', {SNIPPET_TOKENS}) "
                                    "FROM hits WHERE hits MATCH ?", [expression]).fetchall())
    finally:
        memory.close()
    return {hit.ref: found.get(i) for i, hit in enumerate(hits)}
