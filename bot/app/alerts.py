"""A saved search's own Atom feed: the latest events of every stored question the search finds (watched or
not), as a document with its validators, like the watched set's feed (bot/app/feeds.py)."""

from __future__ import annotations

import hashlib
from datetime import datetime, time

from sqlite_utils import Database

from bot.app.feeds import FEED_EVENTS, Document
from bot.core.deadlines import PARIS, today_in_paris
from bot.notify.content import item_from_event
from bot.notify.feeds import atom_feed
from bot.notify.wording.alerts import search_feed_title
from storage.questions import all_questions
from storage.records import ADMIN_EVENT_KINDS
from storage.searches import SavedSearch, search_events

SEARCH_FEED_PATH = "/recherche.atom"


def search_feed_url(base_url: str, search: SavedSearch) -> str:
    """The feed's address, its query the search's canonical one: the same search, the same feed."""
    return f"{base_url.rstrip('/')}{SEARCH_FEED_PATH}?{search.query}"


def search_feed(db: Database, search: SavedSearch, *, now: datetime, base_url: str) -> Document:
    """The Atom feed of the latest FEED_EVENTS events of the questions `search` finds, newest first; its
    id and self link keep the search's query."""
    today = today_in_paris(now)
    events = list(reversed(search_events(db, search, hidden=ADMIN_EVENT_KINDS, limit=FEED_EVENTS)))
    snapshots = {q.ref: q.snapshot for q in all_questions(db, {e.ref for e in events})}
    items = [item_from_event(e, snapshots.get(e.ref), today) for e in events]
    midnight = datetime.combine(today, time.min, PARIS)
    updated = max([e.seen_at for e in events], default=midnight)
    url = search_feed_url(base_url, search)
    body = atom_feed(items, feed_id=url, title=search_feed_title(search), self_url=url, updated=updated)
    return Document(body, hashlib.sha256(body).hexdigest()[:32], max(updated, midnight))
