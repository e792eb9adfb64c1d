"""The questions' current state, the append-only event log and the poll log.

Everything written for one question in one cycle goes in one transaction: its new state, its new
events and its poll, or, when reading it failed, only the poll and the error, never a half update.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlite_utils import Database

from scrapers.model import QuestionSnapshot
from storage.instants import instant_from as _instant
from storage.instants import instant_text, stored_day
from storage.records import DeadlineColumns, Event, Poll, SourceHealth, StoredQuestion
from storage.snapshots import (
    STORED_SNAPSHOT,
    StoredSnapshotError,
    decode_details,
    deferred_index,
    encode_details,
    encode_json,
    encode_snapshot,
    index_snapshot,
    pending_index_writes,
    read_back,
    readable_snapshot,
    snapshot_json,
    snapshot_text,
    write_snapshot,
)


def _iso(value: datetime | date | None) -> str | None:
    """Dates as YYYY-MM-DD; instants in UTC, so that text order is time order across DST changes."""
    if isinstance(value, datetime):
        return instant_text(value)
    return value.isoformat() if value else None


def _deadline_values(columns: DeadlineColumns | None) -> dict[str, str | None]:
    """The deadline columns' values (m010); all NULL when the deadlines are not known yet."""
    if columns is None:
        return {"answer_deadline": None, "signal_deadline": None, "deadline_rules": None}
    return {"answer_deadline": _iso(columns.answer), "signal_deadline": _iso(columns.signal),
            "deadline_rules": columns.rules}


def _query_columns(s: QuestionSnapshot) -> dict[str, Any]:
    """The columns a query filters or sorts on (the texts are in the snapshot and the search index only)."""
    return {
        "chamber": s.chamber, "legislature": s.legislature, "number": s.number, "status": s.status,
        "title": s.title, "author": s.author.name, "ministry": s.ministry.name if s.ministry else None,
        "ministry_asked": s.ministry_asked.name if s.ministry_asked else None, "author_group": s.author.group,
        "published": _iso(s.published), "answered": _iso(s.answered),
        "signaled": _iso(s.signaled[-1]) if s.signaled else None, "closed": _iso(s.closed),
        "answer_hash": s.answer_hash,
    }


def _snapshot_columns(s: QuestionSnapshot) -> dict[str, Any]:
    """The columns a query filters or sorts on, and the whole snapshot (`snapshot`: its stored value, which
    goes in the table `snapshots`, storage/snapshots.py)."""
    return {**_query_columns(s), "snapshot": encode_snapshot(s)}


def _stored(row: dict[str, Any]) -> StoredQuestion:
    snapshot, unreadable = read_back(row.get("snapshot"), row["ref"])
    # Said where a person looks for a question's trouble: `status`, `show`, the question's page.
    error = "; ".join(e for e in (unreadable, row.get("last_error")) if e) or None
    first_seen = _instant(row["first_seen"])
    assert first_seen is not None
    return StoredQuestion(ref=row["ref"], snapshot=snapshot, first_seen=first_seen,
                          last_checked=_instant(row.get("last_checked")),
                          last_success=_instant(row.get("last_success")), last_error=error,
                          last_change=_instant(row.get("last_change")), missing=bool(row.get("missing")))


# Whether a question's last read found it missing (404, 410): the outcome of its latest poll, looked up
# (one index seek on polls(ref, at)) only for the few questions whose last read failed.
MISSING = ("(questions.last_error IS NOT NULL AND (SELECT outcome FROM polls WHERE polls.ref = questions.ref "
           "ORDER BY at DESC, id DESC LIMIT 1) = 'missing')")
_STORED_COLUMNS = ("ref", "snapshot", "first_seen", "last_checked", "last_success", "last_error", "last_change")
_STORED_SELECT = (f"ref, {STORED_SNAPSHOT} AS snapshot, {', '.join(_STORED_COLUMNS[2:])}, "
                  f"{MISSING} AS missing")


def get_question(db: Database, ref: str) -> StoredQuestion | None:
    # Plain SQL: called once per question of a cycle or an import, where rows_where's schema
    # lookups cost more than the read itself.
    row = db.execute(f"SELECT {_STORED_SELECT} FROM questions WHERE ref = ?", [ref]).fetchone()
    return _stored(dict(zip((*_STORED_COLUMNS, "missing"), row, strict=True))) if row else None


def all_questions(db: Database, refs: Iterable[str] | None = None) -> list[StoredQuestion]:
    table = db.table("questions")
    if refs is None:
        return [_stored(row) for row in table.rows_where(order_by="ref", select=_STORED_SELECT)]
    wanted = list(refs)
    found: list[StoredQuestion] = []
    for start in range(0, len(wanted), 500):  # SQLite limits the number of bound parameters
        chunk = wanted[start:start + 500]
        marks = ", ".join("?" * len(chunk))
        found += [_stored(row) for row in table.rows_where(f"ref in ({marks})", chunk, order_by="ref",
                                                           select=_STORED_SELECT)]
    return found


@dataclass(frozen=True, slots=True)
class CheckState:
    """The little the check cycle needs to decide whether a question is due, without its snapshot.

    The last five are filled only when `check_states` is given the bulk sources: `published`, and the
    question's polls by kind: its latest read by a bulk source (`bulk_source`, `bulk_at`), its latest
    change brought by one (`bulk_changed`), and its latest successful read one by one (`own_read`)."""

    status: str
    last_success: datetime | None
    last_checked: datetime | None = None
    missing: bool = False  # the last read found no such question on the site
    published: date | None = None
    bulk_source: str | None = None
    bulk_at: datetime | None = None
    bulk_changed: datetime | None = None
    own_read: datetime | None = None


def _poll_facts(bulk: str) -> str:
    """The columns of `CheckState`'s polls facts, each a seek on polls(ref, at)."""
    mine = "FROM polls WHERE polls.ref = questions.ref"
    return (f"(SELECT source {mine} AND source IN ({bulk}) ORDER BY at DESC, id DESC LIMIT 1), "
            f"(SELECT max(at) {mine} AND source IN ({bulk})), "
            f"(SELECT max(at) {mine} AND source IN ({bulk}) AND outcome = 'changed'), "
            f"(SELECT max(at) {mine} AND source NOT IN ({bulk}) AND outcome IN ('changed', 'unchanged'))")


def check_states(db: Database, refs: Iterable[str], *, bulk_sources: Sequence[str] = ()) -> dict[str, CheckState]:
    """The check states of the stored questions among `refs`; with their polls facts when `bulk_sources`
    (the polls' names of the bulk readers) are given."""
    wanted = list(refs)
    states: dict[str, CheckState] = {}
    bulk = ", ".join("?" * len(bulk_sources))
    facts = f", published, {_poll_facts(bulk)}" if bulk_sources else ""
    for start in range(0, len(wanted), 500):  # SQLite limits the number of bound parameters
        chunk = wanted[start:start + 500]
        marks = ", ".join("?" * len(chunk))
        rows = db.execute(f"SELECT ref, status, last_success, last_checked, {MISSING}{facts} FROM questions "
                          f"WHERE ref IN ({marks})", [*list(bulk_sources) * 4, *chunk]).fetchall()
        for ref, status, last, checked, missing, *more in rows:
            published, source, bulk_at, changed, own = more or (None,) * 5
            states[ref] = CheckState(status or "unknown", _instant(last), _instant(checked), bool(missing),
                                     stored_day(published), source,
                                     _instant(bulk_at), _instant(changed), _instant(own))
    return states


def iter_snapshots(db: Database) -> Iterator[QuestionSnapshot]:
    """Every stored snapshot, one at a time (a whole archive's worth never sits in memory)."""
    for ref, data in db.execute("SELECT ref, data FROM snapshots ORDER BY ref"):
        # One that cannot be read back has nothing to offer (a rule finds it once its next read stores it).
        if (snapshot := readable_snapshot(data, ref)) is not None:
            yield snapshot


def add_events(db: Database, events: Sequence[Event]) -> list[Event]:
    """Append events that come with no new state (a rule finding a stored question); return the new ones."""
    with db.atomic():
        return _insert_events(db, events)


def _insert_poll(db: Database, poll: Poll) -> None:
    # Plain SQL on the hot path of a cycle: sqlite-utils' insert() reads the schema on every call.
    db.execute("INSERT INTO polls (at, ref, source, url, http_status, outcome, error, cycle_id) "
               "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
               [_iso(poll.at), poll.ref, poll.source, poll.url, poll.http_status, poll.outcome, poll.error,
                poll.cycle_id])


def _insert_events(db: Database, events: Sequence[Event]) -> list[Event]:
    """Insert the events not already in the log; return those that were new."""
    new: list[Event] = []
    for event in events:
        cursor = db.execute(
            "INSERT OR IGNORE INTO events (ref, kind, key, official_date, seen_at, details) VALUES (?, ?, ?, ?, ?, ?)",
            [event.ref, event.kind, event.key, _iso(event.official_date), _iso(event.seen_at),
             encode_details(json.dumps(dict(event.details), ensure_ascii=False, sort_keys=True))])
        if cursor.rowcount:
            new.append(_with_id(event, cursor.lastrowid))
    return new


def _with_id(event: Event, row_id: int | None) -> Event:
    return Event(event.ref, event.kind, event.key, event.official_date, event.seen_at, event.details, row_id)


def _upsert_question(db: Database, row: dict[str, Any], rowid: int | None) -> int:
    """Insert (`rowid` None) or update one question's row; returns its rowid. Plain SQL because this runs
    once per question per cycle."""
    names = ", ".join(row)
    if rowid is None:
        cursor = db.execute(f"INSERT INTO questions ({names}) VALUES ({', '.join('?' * len(row))})",
                            list(row.values()))
        assert cursor.lastrowid is not None
        return cursor.lastrowid
    updates = ", ".join(f"{name} = ?" for name in row if name != "ref")
    db.execute(f"UPDATE questions SET {updates} WHERE rowid = ?",
               [value for name, value in row.items() if name != "ref"] + [rowid])
    return rowid


def reindex(db: Database, snapshot: QuestionSnapshot) -> None:
    """Bring the search index entry of a stored question to `snapshot`, before its row is updated to it
    (the index's old entry is taken out with the values of the stored snapshot)."""
    found = db.execute(f"SELECT rowid, {STORED_SNAPSHOT} FROM questions WHERE ref = ?",
                       [snapshot.ref.uid]).fetchone()
    if found is not None:
        rowid, old = found
        index_snapshot(db, rowid, snapshot, readable_snapshot(old, snapshot.ref.uid))


_IN_QUESTION: set[int] = set()  # the connections inside a `one_question` block


@contextmanager
def one_question(db: Database) -> Iterator[None]:
    """One question's writes, all or nothing: a transaction, or a savepoint inside the caller's (an
    import's batch: its search index writes kept for the batch's end are then undone too). sqlite-utils'
    atomic() names each savepoint from os.urandom, which costs more than the savepoint itself when it
    runs for every question of an archive."""
    if id(db.conn) in _IN_QUESTION:  # inside another (ingest's, around save_check): it undoes this one too
        yield
        return
    _IN_QUESTION.add(id(db.conn))
    try:
        if not db.conn.in_transaction:
            with db.atomic():
                yield
            return
        pending = pending_index_writes(db)
        mark = len(pending) if pending is not None else 0
        db.execute("SAVEPOINT one_question")
        try:
            yield
        except BaseException:
            if db.conn.in_transaction:
                db.execute("ROLLBACK TO SAVEPOINT one_question")
                db.execute("RELEASE SAVEPOINT one_question")
            if pending is not None:
                del pending[mark:]
            raise
        db.execute("RELEASE SAVEPOINT one_question")
    finally:
        _IN_QUESTION.discard(id(db.conn))


@contextmanager
def import_batch(db: Database) -> Iterator[None]:
    """A batch of questions read in bulk, in one transaction; each question's writes go through
    `save_check` (all or nothing each), and the search index's writes of them all are made together at
    the end (storage/snapshots.py `deferred_index`: a third of their cost one by one)."""
    with db.atomic(), deferred_index(db):
        yield


def save_check(db: Database, snapshot: QuestionSnapshot, events: Sequence[Event], poll: Poll, *,
               deadlines: DeadlineColumns | None = None) -> list[Event]:
    """Record a successful read: the new state, its events (those already logged are skipped) and the
    poll, in one transaction. Returns the events that were new. `deadlines`: the snapshot's deadlines,
    stored beside it (None: left to be computed, storage/deadlines.py)."""
    ref, text = snapshot.ref.uid, snapshot_text(snapshot)
    with one_question(db):
        rowid, stored, first_seen = db.execute(f"SELECT rowid, {STORED_SNAPSHOT}, first_seen FROM questions "
                                               "WHERE ref = ?", [ref]).fetchone() or (None, None, None)
        old = _stored_text(stored, ref)
        changed = old != text
        at = _iso(poll.at)
        row = {"ref": ref, **_query_columns(snapshot), "last_checked": at, "last_success": at, "last_error": None,
               "first_seen": first_seen or at, **_deadline_values(deadlines)}
        if changed:  # an unchanged snapshot is neither deflated nor written again
            row.update(last_change=at)
        rowid = _upsert_question(db, row, rowid)
        if changed:
            write_snapshot(db, ref, encode_json(text))
            index_snapshot(db, rowid, snapshot, readable_snapshot(old, ref))
        new_events = _insert_events(db, events)
        _insert_poll(db, poll)
    return new_events


def _stored_text(stored: str | bytes | None, ref: str) -> str | None:
    """The JSON text of the stored snapshot, None when there is none or it cannot be inflated: the new read
    then replaces it (its search index entry cannot be taken out without it: its words stay findable)."""
    try:
        return snapshot_json(stored, ref) if stored is not None else None
    except StoredSnapshotError:
        return None


def save_failure(db: Database, ref: str, poll: Poll) -> None:
    """Record a failed read (outcome `error`, or `missing` when the site has no such question): the poll
    and the error; the stored state is left as it was."""
    with db.atomic():
        table = db.table("questions")
        if table.count_where("ref = ?", [ref]):
            table.update(ref, {"last_checked": _iso(poll.at), "last_error": poll.error})
        else:
            table.insert({"ref": ref, "status": "unknown", "first_seen": _iso(poll.at),
                          "last_checked": _iso(poll.at), "last_error": poll.error})
        _insert_poll(db, poll)


def event_from_row(row: dict[str, Any]) -> Event:
    seen_at = _instant(row["seen_at"])
    assert seen_at is not None
    return Event(ref=row["ref"], kind=row["kind"], key=row["key"],
                 official_date=stored_day(row["official_date"]),
                 seen_at=seen_at, details=json.loads(decode_details(row["details"], row["id"])), id=row["id"])


def list_events(db: Database, since: datetime | None = None, ref: str | None = None) -> list[Event]:
    """Events in the order relance saw them, seen at or after `since`, of one question or all."""
    where: list[str] = []
    params: list[str | None] = []
    if ref is not None:
        where.append("ref = ?")
        params.append(ref)
    if since is not None:
        where.append("seen_at >= ?")
        params.append(_iso(since))
    rows = db.table("events").rows_where(" and ".join(where) or None, params, order_by="id")
    return [event_from_row(row) for row in rows]


def _poll(row: dict[str, Any]) -> Poll:
    at = _instant(row["at"])
    assert at is not None
    return Poll(at=at, ref=row["ref"], source=row["source"], url=row["url"], http_status=row["http_status"],
                outcome=row["outcome"], error=row["error"])


def recent_polls(db: Database, ref: str, limit: int = 10) -> list[Poll]:
    rows = db.table("polls").rows_where("ref = ?", [ref], order_by="id desc", limit=limit)
    return [_poll(row) for row in rows]


def start_cycle(db: Database, at: datetime) -> int:
    row_id = db.table("cycles").insert({"started": _iso(at)}).last_pk
    assert isinstance(row_id, int)
    return row_id


def finish_cycle(db: Database, cycle_id: int, at: datetime, checked: int, errors: int) -> None:
    db.table("cycles").update(cycle_id, {"finished": _iso(at), "checked": checked, "errors": errors})


# A `missing` poll (the site said the question is not there) is the question's problem: it is neither a
# failure of its source nor a success (a site answering 404 to everything is not working).
_READ = "outcome IN ('changed', 'unchanged')"


def _failed_cycles(db: Database, source: str) -> int:
    """Consecutive latest cycles in which every poll of `source` failed (`missing` polls left aside)."""
    rows = db.execute(
        f"SELECT cycle_id, sum({_READ}) FROM polls WHERE source = ? AND cycle_id IS NOT NULL "
        "AND outcome != 'missing' GROUP BY cycle_id ORDER BY cycle_id DESC", [source]).fetchall()
    count = 0
    for _cycle, successes in rows:
        if successes:
            break
        count += 1
    return count


def source_health(db: Database) -> list[SourceHealth]:
    """For each source: its last successful and failed polls, and the failed cycles since its last success.
    A question missing from the site (`missing` polls) counts for neither."""
    health = []
    for (source,) in db.execute("SELECT DISTINCT source FROM polls ORDER BY source").fetchall():
        last_ok = db.execute(f"SELECT max(at) FROM polls WHERE source = ? AND {_READ}", [source]).fetchone()
        last_bad = db.execute("SELECT at, error FROM polls WHERE source = ? AND outcome = 'error' "
                              "ORDER BY id DESC LIMIT 1", [source]).fetchone()
        health.append(SourceHealth(source=source, last_success=_instant(last_ok[0]),
                                   last_failure=_instant(last_bad[0]) if last_bad else None,
                                   last_error=last_bad[1] if last_bad else None,
                                   failed_cycles=_failed_cycles(db, source)))
    return health
