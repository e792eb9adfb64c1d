"""Every value a source gives, checked where it is read, so that one poisoned record is that record's
`ParseError` and never a crash further on (a year 10000 in the deadline engine, a lone surrogate that
SQLite cannot encode, a terminal escape sequence in a title).

The one place of these rules; every parser calls it (AN JSON and XML, the AN archive through the JSON
reader, the senat.fr page, the Sénat CSV, the AMO actors and bodies):

- a date lies between `earliest` and `LATEST`, 31 December 2099. For a question (its publication,
  answer, transfers, signalements…) `earliest` is 4 October 1958, the Constitution of the Fifth
  Republic, before which no written question relance reads exists; for the AMO's actors and bodies it
  is 1 January 1800 (the AMO writes 1899-12-31 and 1900-01-01 as "date unknown"). The upper bound is a
  fixed date, not "today plus a margin": the parsers stay pure functions of their input (an import
  gives the same result whatever the day and the machine's clock, a clock set back refuses nothing
  true), and the deadline engine's arithmetic (months and years added to a date) stays far inside the
  calendar, which 9999-12-31 left;
- a text is Unicode without lone surrogates and without control characters but the tab, the line
  feed and a carriage return before a line feed (Windows line ends);
- a text is at most `SHORT_TEXT` characters (a title, a name, a ministry, a label) or `LONG_TEXT` (the
  question's and the answer's texts, a note), and a snapshot holds at most `MAX_ITEMS` attributions,
  signalements, renewals or notes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

from scrapers.model import ParseError, QuestionSnapshot

FIFTH_REPUBLIC = date(1958, 10, 4)  # the earliest date of a question
AMO_EARLIEST = date(1800, 1, 1)  # the earliest date of an actor's mandate or a body
LATEST = date(2099, 12, 31)  # the latest date of anything a source gives
SHORT_TEXT = 10_000  # characters: a title, a name, a ministry, a label, a page
LONG_TEXT = 1_000_000  # characters: a question's or an answer's text, a note
MAX_ITEMS = 1_000  # attributions, signalements, renewals or notes of one question

# C0 controls but \t and \n, a \r not before \n, DEL, C1 controls, and any surrogate (only lone ones
# can be in a str: a pair is one character).
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]|\r(?!\n)")


def plausible_date(value: date, where: str, field: str, *, earliest: date = FIFTH_REPUBLIC) -> date:
    """`value`, or a `ParseError` naming `where` and `field` when it is outside the plausible range."""
    if not earliest <= value <= LATEST:
        raise ParseError(where, f"{field} (a date between {earliest:%d/%m/%Y} and {LATEST:%d/%m/%Y})",
                         value.isoformat())
    return value


def clean_text(value: str, where: str, field: str, *, limit: int = SHORT_TEXT) -> str:
    """`value`, or a `ParseError` naming `where`, `field` and the place of the fault when it holds a
    control character or a lone surrogate, or is longer than `limit` characters."""
    if len(value) > limit:
        raise ParseError(where, f"{field} (at most {limit:,} characters, found {len(value):,})", value[:60])
    found = _FORBIDDEN.search(value)
    if found is not None:
        at = found.start()
        what = "a lone surrogate" if "\ud800" <= value[at] <= "\udfff" else "a control character"
        # The excerpt is shown through repr() by ParseError: the character itself never reaches a terminal.
        raise ParseError(where, f"{field} ({what} U+{ord(value[at]):04X} at character {at + 1})",
                         value[max(0, at - 30):at + 30])
    return value


def checked_snapshot(snapshot: QuestionSnapshot) -> QuestionSnapshot:
    """`snapshot` when every date and text in it is plausible; else the `ParseError` of the first
    value that is not, naming the snapshot's URL and the field as relance names it (`answer.date`,
    `attributions[1].ministry.name`)."""
    where = snapshot.url
    for field, count in _collections(snapshot):
        if count > MAX_ITEMS:
            raise ParseError(where, f"{field} (at most {MAX_ITEMS} items)", f"{count} items")
    for field, day in _dates(snapshot):
        plausible_date(day, where, field)
    for field, text, limit in _texts(snapshot):
        clean_text(text, where, field, limit=limit)
    return snapshot


def _collections(s: QuestionSnapshot) -> Iterator[tuple[str, int]]:
    yield from (("attributions", len(s.attributions)), ("signaled", len(s.signaled)),
                ("renewed", len(s.renewed)), ("notes", len(s.notes)))


def _dates(s: QuestionSnapshot) -> Iterator[tuple[str, date]]:
    candidates: list[tuple[str, date | None]] = [("published", s.published)]
    candidates += [(f"attributions[{i}].date", a.date) for i, a in enumerate(s.attributions)]
    candidates += [(f"signaled[{i}]", d) for i, d in enumerate(s.signaled)]
    candidates += [(f"renewed[{i}]", d) for i, d in enumerate(s.renewed)]
    if s.answer is not None:
        candidates += [("answer.date", s.answer.date), ("answer.spoken", s.answer.spoken)]
    if s.closure is not None:
        candidates.append(("closure.date", s.closure.date))
    yield from ((field, day) for field, day in candidates if day is not None)


def _texts(s: QuestionSnapshot) -> Iterator[tuple[str, str, int]]:
    short: list[tuple[str, str | None]] = [
        ("title", s.title), ("rubric", s.rubric), ("published_page", s.published_page),
        ("author.name", s.author.name), ("author.civility", s.author.civility), ("author.group", s.author.group),
        ("author.group_name", s.author.group_name), ("author.constituency", s.author.constituency),
        ("author.actor_ref", s.author.actor_ref)]
    ministries = [("ministry_asked", s.ministry_asked)] + [
        (f"attributions[{i}].ministry", a.ministry) for i, a in enumerate(s.attributions)]
    for field, ministry in ministries:
        if ministry is not None:
            short += [(f"{field}.name", ministry.name), (f"{field}.short", ministry.short),
                      (f"{field}.id", ministry.id)]
    long: list[tuple[str, str | None]] = [("text", s.text)] + [(f"notes[{i}]", n) for i, n in enumerate(s.notes)]
    if s.answer is not None:
        short += [("answer.page", s.answer.page), ("answer.ministry", s.answer.ministry)]
        long.append(("answer.text", s.answer.text))
    if s.closure is not None:
        short += [("closure.code", s.closure.code), ("closure.label", s.closure.label)]
    yield from ((field, text, SHORT_TEXT) for field, text in short if text is not None)
    yield from ((field, text, LONG_TEXT) for field, text in long if text is not None)
