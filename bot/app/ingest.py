"""Questions read in bulk (AN archive, Sénat open data): each goes through the same diff and store as
the check cycle, so the event log stays the single truth, and through the follow rules.

`ingest` is the one entry point of every bulk reader: the stored state and the new snapshot are
diffed, the state, events and poll are written in one transaction, and a question a rule finds for
the first time becomes followed, with one `matched` event naming the rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlite_utils import Database

from bot.app.authors import name_author
from bot.app.config import FollowRule
from bot.app.database import deadline_columns
from bot.core.deadlines import today_in_paris
from bot.core.events import DEFAULT_SOON_DAYS, diff
from bot.core.follow import matching_rules
from scrapers.model import QuestionSnapshot
from storage.followed import follow
from storage.questions import add_events, get_question, iter_snapshots, one_question, save_check
from storage.records import Event, Poll


@dataclass
class IngestReport:
    read: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    matched: int = 0
    events: list[Event] = field(default_factory=list)


def _matched_event(snapshot: QuestionSnapshot, rules: Sequence[FollowRule], now: datetime) -> Event:
    names = [rule.name for rule in rules]
    return Event(ref=snapshot.ref.uid, kind="matched", key="|".join(names), official_date=snapshot.published,
                 seen_at=now, details={"rules": names, "tags": sorted({t for r in rules for t in r.tags}),
                                       "title": snapshot.title, "author": snapshot.author.name,
                                       "ministry": snapshot.ministry.name if snapshot.ministry else None,
                                       "status": snapshot.status})


def ingest(db: Database, snapshot: QuestionSnapshot, *, source: str, url: str, now: datetime,
           rules: Sequence[FollowRule], report: IngestReport, cycle_id: int | None = None,
           soon_days: int = DEFAULT_SOON_DAYS) -> None:
    """Store one question read in bulk, its events, and what the follow rules make of it."""
    # Named from the AN's actors before the diff and the rules, as the check cycle names it: a rule by
    # author finds the AN's name, and a question read by both ways compares equal.
    snapshot = name_author(db, snapshot)
    stored = get_question(db, snapshot.ref.uid)
    old = stored.snapshot if stored else None
    report.read += 1
    found = matching_rules(rules, snapshot)
    if old == snapshot and not found:
        report.unchanged += 1  # nothing to write: a re-import of an unchanged archive costs a read
        return
    last_day = today_in_paris(stored.last_success) if stored and stored.last_success else None
    events = diff(old, snapshot, today=today_in_paris(now), last_day=last_day, seen_at=now, soon_days=soon_days)
    with one_question(db):
        new_names = follow(db, snapshot.ref.uid, [r.name for r in found], [t for r in found for t in r.tags],
                           now) if found else []
        newly = [rule for rule in found if rule.name in new_names]
        if newly:
            # Told right after the question's first sight, before what else it brings (already late…).
            events.insert(sum(e.kind == "published" for e in events), _matched_event(snapshot, newly, now))
        if old == snapshot and not events:
            report.unchanged += 1
            return
        poll = Poll(at=now, ref=snapshot.ref.uid, source=source, url=url, http_status=None,
                    outcome="unchanged" if old == snapshot else "changed", cycle_id=cycle_id)
        report.events += save_check(db, snapshot, events, poll, deadlines=deadline_columns(snapshot))
    report.new += old is None
    report.changed += old is not None and old != snapshot
    report.matched += bool(newly)


def apply_rules_to_stored(db: Database, rules: Sequence[FollowRule], now: datetime,
                          snapshots: Iterable[QuestionSnapshot] | None = None) -> IngestReport:
    """Run rules over the questions already stored (or over `snapshots`, stored ones just renamed): a
    rule added after an import finds at once what the imports brought, without waiting for the next
    changed archive."""
    report = IngestReport()
    # Collected first: writing while the SELECT's cursor is open would fight SQLite's locks.
    found = [(snapshot, hits) for snapshot in (iter_snapshots(db) if snapshots is None else snapshots)
             if (hits := matching_rules(rules, snapshot))]
    for snapshot, hits in found:
        report.read += 1
        with db.atomic():
            new_names = follow(db, snapshot.ref.uid, [r.name for r in hits], [t for r in hits for t in r.tags], now)
            newly = [rule for rule in hits if rule.name in new_names]
            if newly:
                report.events += add_events(db, [_matched_event(snapshot, newly, now)])
                report.matched += 1
    return report
