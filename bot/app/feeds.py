"""The feeds, the same from `relance feed` and from the web: the latest events as Atom, the open
questions' deadlines as iCalendar, each a document with what a conditional GET compares (ETag,
Last-Modified). Each reads only what it shows, in SQL (`WatchedView`): the latest FEED_EVENTS events,
the CALENDAR_QUESTIONS open questions with the latest deadlines."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from urllib.parse import quote

from bot.app.questions import Filters, WatchedView
from bot.core.deadlines import PARIS, today_in_paris
from bot.core.status import WatchedQuestion
from bot.notify.content import item_from_event
from bot.notify.feeds import CALENDAR_NAME, atom_feed, ical_deadlines
from bot.notify.i18n import _
from bot.notify.wording.tags import tag_label
from storage.records import Event

FEED_EVENTS = 50  # the Atom feed's entries: the latest events
CALENDAR_QUESTIONS = 100  # the calendar's open questions: those with the latest deadlines


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


def events_feed(view: WatchedView, *, tag: str | None, now: datetime, base_url: str) -> Document:
    """The Atom feed of the latest FEED_EVENTS events of the watched questions (of `tag`), newest first."""
    today = today_in_paris(now)
    events = list(reversed(view.events(tag=tag, limit=FEED_EVENTS, newest_first=True)))
    questions = view.questions(list({e.ref: () for e in events}.items()))
    snapshots = {q.ref.uid: q.stored.snapshot if q.stored else None for q in questions}
    items = [item_from_event(e, snapshots.get(e.ref), today) for e in events]
    changes = _changes(questions, events)
    updated = max(changes, default=datetime.combine(today, time.min, PARIS))
    url = feed_url(base_url, "events.atom", tag)
    title = _("relance : questions écrites suivies ({tag})", tag=tag_label(tag, view.config.tag_labels)) if tag \
        else _("relance : questions écrites suivies")
    body = atom_feed(items, feed_id=url, title=title, self_url=url, updated=updated)
    return _document(body, changes, today)


def deadlines_calendar(view: WatchedView, *, tag: str | None, now: datetime) -> Document:
    """The iCalendar of the open questions' deadlines (of `tag`; the CALENDAR_QUESTIONS with the latest
    deadlines); DTSTAMP is the newest change, so the same state gives the same bytes."""
    today = today_in_paris(now)
    questions = view.open_questions(tag, CALENDAR_QUESTIONS)
    sequence = view.sequences([q.ref.uid for q in questions])
    newest = view.last_change(Filters(tag=tag))  # also a question that has just left the calendar
    changes = _changes(questions, []) + ([newest] if newest is not None else [])
    stamp = max(changes, default=datetime.combine(today, time.min, PARIS))
    labels = view.config.tag_labels
    name = _("{name} ({tag})", name=_(CALENDAR_NAME), tag=tag_label(tag, labels)) if tag else _(CALENDAR_NAME)
    body = ical_deadlines(questions, today=today, stamp=stamp, sequence_of=sequence, name=name, tag_labels=labels)
    return _document(body, changes, today)
