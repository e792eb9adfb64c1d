"""The feeds, the same from `relance feed` and from the web: the events as Atom, the open questions'
deadlines as iCalendar, each a document with what a conditional GET compares (ETag, Last-Modified)."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from urllib.parse import quote

from sqlite_utils import Database

from bot.app.questions import watched_events
from bot.core.deadlines import PARIS, today_in_paris
from bot.core.status import WatchedQuestion
from bot.notify.content import item_from_event
from bot.notify.feeds import atom_feed, ical_deadlines
from storage.records import Event


@dataclass(frozen=True, slots=True)
class Document:
    """A feed's bytes and what a conditional GET compares: the ETag (a digest of the bytes) and the
    Last-Modified instant (the newest change it shows, and at least the start of today, since
    deadlines read 'passed' or 'in N days' from today)."""

    body: bytes
    etag: str
    last_modified: datetime


def _document(body: bytes, instants: Collection[datetime], today: date) -> Document:
    midnight = datetime.combine(today, time.min, PARIS)
    return Document(body, hashlib.sha256(body).hexdigest()[:32], max([midnight, *instants]))


def _changes(questions: Sequence[WatchedQuestion], events: Sequence[Event]) -> list[datetime]:
    return [e.seen_at for e in events] + [q.stored.last_change for q in questions
                                          if q.stored is not None and q.stored.last_change is not None]


def feed_url(base_url: str, name: str, tag: str | None) -> str:
    return f"{base_url.rstrip('/')}/feeds/{name}" + (f"?tag={quote(tag, safe='')}" if tag else "")


def events_feed(db: Database, questions: Sequence[WatchedQuestion], *, tag: str | None, now: datetime,
                base_url: str) -> Document:
    """The Atom feed of the events of `questions` (already narrowed to `tag`), newest first."""
    today = today_in_paris(now)
    events = watched_events(db, questions)
    snapshots = {q.ref.uid: q.stored.snapshot if q.stored else None for q in questions}
    items = [item_from_event(e, snapshots.get(e.ref), today) for e in events]
    changes = _changes(questions, events)
    updated = max(changes, default=datetime.combine(today, time.min, PARIS))
    url = feed_url(base_url, "events.atom", tag)
    body = atom_feed(items, feed_id=url, title="relance : questions écrites suivies" + (f" ({tag})" if tag else ""),
                     self_url=url, updated=updated)
    return _document(body, changes, today)


def deadlines_calendar(db: Database, questions: Sequence[WatchedQuestion], *, now: datetime) -> Document:
    """The iCalendar of the open questions' deadlines; DTSTAMP is the newest change, so the same
    state gives the same bytes."""
    today = today_in_paris(now)
    events = watched_events(db, questions)
    sequence: dict[str, int] = {}
    for event in events:
        sequence[event.ref] = max(sequence.get(event.ref, 0), event.id or 0)
    changes = _changes(questions, events)
    stamp = max(changes, default=datetime.combine(today, time.min, PARIS))
    body = ical_deadlines(questions, today=today, stamp=stamp, sequence_of=sequence)
    return _document(body, changes, today)
