"""A web thread keeps its connection from one request to the next, with the watched set it loaded and
joined with the store (storage/listing.py): the next request reuses them while the database is unchanged,
and sees at once what another connection (`relance run`, a command) or this one committed since.

The site is the web tests' (tests/web/seeded.py: the real AN 17-5268 and Sénat pages); the question
added is one of test_web_paging's, derived from the real QANR5L17QE5268.json.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

import bot.web.feeds
from bot.app.config import load_config
from bot.app.database import open_database
from bot.app.questions import WATCHED_ORDER, Filters, WatchedView, watch_key
from storage import listing
from storage.followed import follow
from tests.web import seeded
from tests.web.seeded import AN, NOW, Site, store
from tests.web.test_web_paging import derived_snapshot

site, clock = seeded.site, seeded.clock
TODAY = NOW.date()


def refs(site: Site) -> list[str]:
    response = site.client.get("/api/questions?sort=ref")
    assert response.status_code == 200
    return [row["ref"] for row in response.json or []]


def test_the_next_request_sees_what_another_connection_committed(site: Site) -> None:
    before = refs(site)
    kept = site.app.extensions["relance"].connections.db
    assert refs(site) == before  # nothing changed: the same rows from the loaded tables
    snapshot = derived_snapshot(3)
    store(site.db_path, None, snapshot, TODAY - timedelta(days=1))
    db = open_database(site.db_path)
    try:
        follow(db, snapshot.ref.uid, ["rule"], ["nouveau"], NOW)
    finally:
        db.close()
    after = refs(site)
    assert sorted(after) == sorted([*before, snapshot.ref.uid])
    assert site.app.extensions["relance"].connections.db is kept  # the same connection, loaded again
    assert site.client.get("/tags/nouveau").status_code == 200
    row = next(r for r in site.client.get("/api/questions").json or [] if r["ref"] == snapshot.ref.uid)
    assert row["status"] == snapshot.status and row["published"] == snapshot.published.isoformat()


def test_a_view_on_the_same_connection_sees_its_own_writes(site: Site) -> None:
    config = load_config(site.config)
    snapshot = derived_snapshot(6)
    store(site.db_path, None, snapshot, TODAY - timedelta(days=1))  # stored, not watched yet
    db = open_database(site.db_path)
    try:
        first = WatchedView(config, db, TODAY).rows(Filters(sort=WATCHED_ORDER))
        assert listing.loaded(db, watch_key(config)) == (True, True)
        follow(db, snapshot.ref.uid, ["rule"], ["nouveau"], NOW)  # written by this very connection
        db.conn.commit()
        assert listing.loaded(db, watch_key(config)) == (False, False)
        again = WatchedView(config, db, TODAY).rows(Filters(sort=WATCHED_ORDER))
        assert [r["ref"] for r in again] == [*(r["ref"] for r in first), snapshot.ref.uid]
        assert next(r for r in again if r["ref"] == AN) == next(r for r in first if r["ref"] == AN)
    finally:
        db.close()


def test_a_feed_is_made_once_while_the_state_it_shows_stays(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[str | None] = []
    real = bot.web.feeds.deadlines_calendar

    def counted(view: Any, *, tag: str | None, now: datetime) -> Any:
        made.append(tag)
        return real(view, tag=tag, now=now)

    monkeypatch.setattr(bot.web.feeds, "deadlines_calendar", counted)
    first = site.client.get("/feeds/deadlines.ics")
    assert site.client.get("/feeds/deadlines.ics").data == first.data and made == [None]
    assert site.client.get("/feeds/deadlines.ics?tag=vsa").status_code == 200 and made == [None, "vsa"]
    snapshot = derived_snapshot(10)  # pending, published 31/12/2024: its deadline in the calendar
    store(site.db_path, None, snapshot, TODAY - timedelta(days=1))
    db = open_database(site.db_path)
    try:
        follow(db, snapshot.ref.uid, ["rule"], ["nouveau"], NOW)
    finally:
        db.close()
    again = site.client.get("/feeds/deadlines.ics")
    assert made == [None, "vsa", None] and snapshot.ref.uid.encode() in again.data
