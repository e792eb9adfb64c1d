"""The shared language of relance: what a written question looks like once read from a chamber.

Every parser returns a `QuestionSnapshot`; storage keeps them and the bot compares them. All types
are frozen so a snapshot can be hashed, compared and passed around without defensive copies.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from scrapers.errors import SourceFailed
from scrapers.refs import QuestionRef

Chamber = Literal["an", "senat"]
Status = Literal["pending", "answered", "withdrawn", "closed", "lapsed"]
STATUSES: tuple[Status, ...] = ("pending", "answered", "withdrawn", "closed", "lapsed")


class ParseError(SourceFailed, ValueError):
    """A source document that cannot be read as a question: names the URL, the field and what was found."""

    def __init__(self, url: str, field: str, found: str) -> None:
        self.url = url
        self.field = field
        self.found = found if len(found) <= 120 else found[:117] + "..."
        super().__init__(f"{url}: cannot read {field}: found {self.found!r}")


@dataclass(frozen=True, slots=True)
class Ministry:
    """A ministry as the chamber names it: `name` is the full name, `short` the abbreviation if any."""

    name: str
    short: str | None = None
    id: str | None = None

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class Attribution:
    """The ministry holding the question from `date` on (None where the source gives no date)."""

    ministry: Ministry
    date: dt.date | None


@dataclass(frozen=True, slots=True)
class Author:
    name: str | None
    civility: str | None = None
    group: str | None = None
    group_name: str | None = None
    constituency: str | None = None
    actor_ref: str | None = None


@dataclass(frozen=True, slots=True)
class Answer:
    date: dt.date
    page: str | None
    text: str
    ministry: str | None = None
    # Date of the public sitting where an oral answer was given (Sénat oral questions).
    spoken: dt.date | None = None

    @property
    def text_hash(self) -> str:
        return text_hash(self.text)


@dataclass(frozen=True, slots=True)
class Closure:
    """How a question ended, as the source says it: code (AN) and label, with the date if given."""

    code: str | None
    label: str
    date: dt.date | None


@dataclass(frozen=True, slots=True)
class QuestionSnapshot:
    ref: QuestionRef
    url: str
    status: Status
    title: str | None
    rubric: str | None
    author: Author
    ministry_asked: Ministry | None
    attributions: tuple[Attribution, ...]
    text: str | None
    published: date | None
    published_page: str | None
    answer: Answer | None
    signaled: tuple[date, ...] = ()
    renewed: tuple[date, ...] = ()
    closure: Closure | None = None
    # Free-form remarks the page carries that change nothing to the state (e.g. "Rappelle la question n° …").
    notes: tuple[str, ...] = field(default=())

    @property
    def chamber(self) -> Chamber:
        return self.ref.chamber

    @property
    def legislature(self) -> int | None:
        return self.ref.legislature

    @property
    def number(self) -> int:
        return self.ref.number

    @property
    def ministry(self) -> Ministry | None:
        """The ministry holding the question now: the last attribution, else the one asked."""
        if self.attributions:
            return self.attributions[-1].ministry
        return self.ministry_asked

    @property
    def transferred(self) -> bool:
        """True when a ministry other than the one asked holds or held the question."""
        names = {normalize_ministry(a.ministry.name) for a in self.attributions}
        if self.ministry_asked is not None:
            names.add(normalize_ministry(self.ministry_asked.name))
        return len(names) > 1

    @property
    def answered(self) -> date | None:
        return self.answer.date if self.answer else None

    @property
    def answer_hash(self) -> str | None:
        return self.answer.text_hash if self.answer else None

    @property
    def closed(self) -> date | None:
        """The date the question ended for a reason other than an answer (None when open or answered)."""
        if self.status in ("withdrawn", "closed", "lapsed") and self.closure is not None:
            return self.closure.date
        return None


def text_hash(text: str) -> str:
    """A stable fingerprint of a text, blind to whitespace differences between two renderings."""
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()[:16]


def normalize_ministry(name: str) -> str:
    return " ".join(name.replace("’", "'").lower().split())
