"""Open relance's SQLite database: one file, WAL mode, schema brought up to date by migrations.

The database is the only memory relance has; `storage/` is the only package that speaks SQL.
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

from sqlite_utils import Database, Migrations

from scrapers.errors import CannotRun
from storage.snapshots import (
    create_index,
    create_snapshots_table,
    decode_snapshot,
    encode_snapshot,
    index_snapshots,
    snapshot_json,
)
from storage.transactions import Store

DEFAULT_PATH = "relance.db"
BUSY_TIMEOUT_MS = 10_000  # wait this long for another process's write before giving up
# A question's deflated snapshot (2 to 4 KB, table `snapshots` since m015) is stored whole in a page: 8 KB
# pages hold two or three and leave 16 % of the table unused, 32 KB pages a dozen and 2 % (at 50,000
# questions of bench/import.py: 5.68 KB a question with 8 KB pages, 5.31 with 32 KB; the 10,000-question
# check cycle of bench/cycle.py 16.5 s before, 17.7 s after).
# Only a new file takes it: SQLite keeps an existing WAL file's page size.
PAGE_SIZE = 32768

migrations = Migrations("relance")


class StorageError(CannotRun):
    """The database cannot be used: names the file and the problem."""

    def __init__(self, path: str | Path, problem: str) -> None:
        self.path, self.problem = str(path), problem
        super().__init__(f"database {path}: {problem}")


def database_path(configured: str | None) -> Path:
    """`$RELANCE_DB` wins over the config's `[storage] path`."""
    return Path(os.environ.get("RELANCE_DB") or configured or DEFAULT_PATH)


def open_db(path: str | Path) -> Database:
    """Open (creating if needed) the database at `path`, in WAL mode, migrated to the current schema."""
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        # A Store: every transaction begins IMMEDIATE and waits its turn (storage/transactions.py).
        db = Store(sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False))
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        db.execute("PRAGMA foreign_keys = ON")
        db.execute(f"PRAGMA page_size = {PAGE_SIZE}")
        db.enable_wal()
        # With WAL, NORMAL keeps every commit atomic and loses nothing when relance crashes; only a
        # power cut can drop the last commits, which the next cycle reads again (events are unique).
        db.execute("PRAGMA synchronous = NORMAL")
        migrations.apply(db)
    except (sqlite3.Error, OSError) as error:
        raise StorageError(path, f"{type(error).__name__}: {error}{_what_to_do(Path(path))}") from None
    return db


# Set [storage] path (or RELANCE_DB) elsewhere: the end of every hint about a place relance cannot use.
_ELSEWHERE = "or set [storage] path (or RELANCE_DB) to a place this user can write"


def _what_to_do(path: Path) -> str:
    """Why the database at `path` cannot be opened when its folder is the cause, and what to do."""
    folder = path.parent if str(path.parent) else Path(".")
    for place in (folder, *folder.parents):
        if place.exists():
            break
    if not place.is_dir():
        return f" — {place} is a file, not a folder: move it, {_ELSEWHERE}"
    if place != folder:
        return f" — the folder {folder} does not exist and cannot be created in {place}: create it, {_ELSEWHERE}"
    writable = os.access(folder, os.W_OK | os.X_OK) and (not path.exists() or os.access(path, os.R_OK | os.W_OK))
    if not writable:
        return (f" — {path if path.exists() else folder} is read-only for this user (uid {os.getuid()}): "
                f"give it to the user that runs relance (chown), {_ELSEWHERE}")
    return ""


@migrations()
def m001_questions_events_polls(db: Database) -> None:
    db.table("questions").create({
        "ref": str, "chamber": str, "legislature": int, "number": int, "status": str, "title": str,
        "author": str, "ministry": str, "published": str, "answered": str, "signaled": str, "closed": str,
        "answer_hash": str, "snapshot": str, "first_seen": str, "last_checked": str, "last_success": str,
        "last_error": str, "last_change": str,
    }, pk="ref")
    db.table("events").create({
        "id": int, "ref": str, "kind": str, "key": str, "official_date": str, "seen_at": str, "details": str,
    }, pk="id", not_null={"ref", "kind", "key", "seen_at"})
    # The natural key of an event: a re-run that sees the same fact adds nothing.
    db.table("events").create_index(["ref", "kind", "key"], unique=True)
    db.table("events").create_index(["seen_at"])
    db.table("polls").create({
        "id": int, "at": str, "ref": str, "source": str, "url": str, "http_status": int, "outcome": str,
        "error": str,
    }, pk="id", not_null={"at", "source", "outcome"})
    db.table("polls").create_index(["ref", "at"])
    db.table("polls").create_index(["source", "at"])


@migrations()
def m002_cycles_subscribers_ledger(db: Database) -> None:
    db.table("cycles").create({"id": int, "started": str, "finished": str, "checked": int, "errors": int},
                              pk="id", not_null={"started"})
    db.table("polls").add_column("cycle_id", int)
    db.table("subscribers").create({
        "id": int, "email": str, "frequency": str, "tags": str, "refs": str, "state": str,
        "generation": int, "created_at": str, "confirmed_at": str, "unsubscribed_at": str, "last_digest_at": str,
    }, pk="id", not_null={"email", "frequency", "state", "generation", "created_at"})
    db.table("subscribers").create_index(["email"], unique=True)
    # One row per message: an e-mail (confirmation, notice, digest) or a channel notice. Its whole
    # body is stored when it is queued, so a retry sends the very same bytes and Message-ID.
    db.table("messages").create({
        "id": int, "recipient": str, "subscriber_id": int, "kind": str, "message_id": str, "subject": str,
        "body": str, "state": str, "attempts": int, "last_error": str, "created_at": str, "sent_at": str,
    }, pk="id", not_null={"recipient", "kind", "state", "attempts", "created_at"})
    db.table("messages").create_index(["state"])
    # The delivery ledger: which message carries which event to which recipient. Unique, so an
    # event reaches a recipient in one message only, whatever crashes and re-runs happen.
    db.table("deliveries").create({"recipient": str, "event_id": int, "message": int},
                                  pk=("recipient", "event_id"), not_null={"message"},
                                  foreign_keys=[("event_id", "events", "id"), ("message", "messages", "id")])


@migrations()
def m003_channels(db: Database) -> None:
    # When each team channel was first configured: it hears of events from then on, not the past.
    db.table("channels").create({"name": str, "first_seen": str}, pk="name", not_null={"first_seen"})


@migrations()
def m004_alarms(db: Database) -> None:
    # One row per source that ever raised a source-health alarm: the current (or last) alarm's
    # state. `recovered_at` is null while the alarm lasts; a new failure streak reuses the row.
    db.table("alarms").create({
        "source": str, "failing_since": str, "raised_at": str, "last_notice_at": str, "recovered_at": str,
    }, pk="source", not_null={"raised_at", "last_notice_at"})


@migrations()
def m005_discovery(db: Database) -> None:
    # Questions that follow rules found (bulk imports, searches): watched like the config's
    # [[watch]] tables, with the rules that matched them and the tags those rules give.
    db.table("followed").create({"ref": str, "rules": str, "tags": str, "matched_at": str}, pk="ref",
                                not_null={"rules", "tags", "matched_at"})
    # Bulk files downloaded from the chambers' open data: what a conditional or resumed download needs.
    db.table("downloads").create({"url": str, "path": str, "etag": str, "last_modified": str, "length": int,
                                  "sha256": str, "completed_at": str, "imported_at": str}, pk="url")
    # Full-text search over every stored question, accents folded.
    db.table("questions").add_column("rubric", str)
    db.table("questions").add_column("text", str)
    db.table("questions").enable_fts(["title", "rubric", "author", "ministry", "text"],
                                     tokenize="unicode61 remove_diacritics 2", create_triggers=True)


# The two prefixes recipients had in one column before m006: "email:ADDRESS", "channel:NAME".
_SPLIT_KIND = "substr(recipient, 1, instr(recipient, ':') - 1)"
_SPLIT_ADDRESS = "substr(recipient, instr(recipient, ':') + 1)"


@migrations()
def m006_typed_recipients(db: Database) -> None:
    # A recipient becomes a kind (`email` | `channel`) and an address (or a channel's name), in two
    # columns, instead of one prefixed string; queued messages keep their row, body and Message-ID.
    messages = db.table("messages")
    messages.add_column("recipient_kind", str, not_null_default="email")
    db.execute(f"UPDATE messages SET recipient_kind = {_SPLIT_KIND}, recipient = {_SPLIT_ADDRESS} "
               "WHERE recipient LIKE 'email:%' OR recipient LIKE 'channel:%'")
    # How many times the receiving end refused a message for good (an SMTP 5xx): it is given up after
    # [email] give_up_after of them.
    messages.add_column("refusals", int, not_null_default=0)
    messages.create_index(["recipient_kind", "recipient"])
    # The ledger's unique key becomes (kind, address, event): a new table, the rows copied over.
    db.table("deliveries_typed").create(
        {"recipient_kind": str, "recipient": str, "event_id": int, "message": int},
        pk=("recipient_kind", "recipient", "event_id"), not_null={"recipient_kind", "recipient", "message"},
        foreign_keys=[("event_id", "events", "id"), ("message", "messages", "id")])
    db.execute(f"INSERT INTO deliveries_typed SELECT {_SPLIT_KIND}, {_SPLIT_ADDRESS}, event_id, message "
               "FROM deliveries")
    db.table("deliveries").drop()
    db.rename_table("deliveries_typed", "deliveries")


@migrations()
def m007_actors(db: Database) -> None:
    # The AN's actors (deputies, senators, ministers), their dated mandates and the bodies they sit in
    # (groups, ministries…), from its AMO open data: they name the authors the question JSON gives by
    # ref only. A mandate in several bodies has one row per body; one without a body, organ_ref ''.
    db.table("actors").create({"uid": str, "civility": str, "first_name": str, "surname": str, "name": str},
                              pk="uid", not_null={"first_name", "surname", "name"})
    db.table("mandates").create({"uid": str, "organ_ref": str, "actor": str, "organ_type": str, "quality": str,
                                 "start": str, "end": str, "legislature": int},
                                pk=("uid", "organ_ref"), not_null={"actor", "organ_type"})
    db.table("mandates").create_index(["actor", "organ_type"])
    db.table("bodies").create({"uid": str, "type": str, "name": str, "short": str, "abbreviation": str,
                               "start": str, "end": str, "parent": str}, pk="uid", not_null={"type", "name"})


@migrations()
def m009_rappel_checks(db: Database) -> None:
    # Each reading of the Sénat's liste de rappel (`relance import senat --rappel`): when, from where, how
    # many questions it listed, and the ids of the `rappel_disagrees` events it found then (JSON). The
    # latest row is relance's current view: an append-only event log cannot say which disagreements ended.
    db.table("rappel_checks").create({"id": int, "at": str, "source": str, "listed": int, "disagreements": str},
                                     pk="id", not_null={"at", "source", "listed", "disagreements"})


@migrations()
def m010_deadline_columns(db: Database) -> None:
    # The deadlines of each stored question, as the deadline engine computes them from its snapshot
    # (bot/app/deadline_columns.py), so that SQL can filter, sort and count by them (late questions,
    # statistics, paged tables); `deadline_rules` is the rules' fingerprint they were computed with:
    # NULL, or another fingerprint, and they are computed again.
    questions = db.table("questions")
    questions.add_column("answer_deadline", str)
    questions.add_column("signal_deadline", str)
    questions.add_column("deadline_rules", str)
    questions.create_index(["status", "answer_deadline"])
    questions.create_index(["deadline_rules"])


@migrations()
def m011_compact_store(db: Database) -> None:
    # The question's text was kept three times: its `text` column, the snapshot's JSON, and the search
    # index's own copy of the column. Now once, in the snapshot, deflated (storage/snapshots.py): the
    # index becomes contentless (its words and positions only; text first, which makes it smaller),
    # written by storage rather than triggers, and the `text` and `rubric` columns go. Rows are
    # converted and indexed 1,000 at a time, whatever the number of stored questions.
    for (trigger,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'questions' "
                                 "AND sql LIKE '%questions_fts%'").fetchall():
        db.execute(f"DROP TRIGGER [{trigger}]")
    db.execute("DROP TABLE IF EXISTS questions_fts")
    for column in ("text", "rubric"):
        if column in db.table("questions").columns_dict:
            db.execute(f"ALTER TABLE questions DROP COLUMN {column}")
    create_index(db)
    last = -1
    while rows := db.execute("SELECT rowid, ref, snapshot FROM questions WHERE rowid > ? AND snapshot IS NOT NULL "
                             "ORDER BY rowid LIMIT 1000", [last]).fetchall():
        snapshots = [(rowid, decode_snapshot(value, ref)) for rowid, ref, value in rows]
        db.conn.executemany("UPDATE questions SET snapshot = ? WHERE rowid = ?",
                            [(encode_snapshot(snapshot), rowid) for rowid, snapshot in snapshots])
        index_snapshots(db, snapshots)
        last = rows[-1][0]


@migrations()
def m012_request_budget(db: Database) -> None:
    # The requests sent to each site (host) per day in Europe/Paris (storage/budget.py), which
    # `relance doctor` and the logs print; and the last time each bulk source (AN archive of a
    # legislature, Sénat CSV) was read whole or found unchanged, which spares the check cycle the
    # one-by-one reads of the questions it holds.
    db.table("requests_per_day").create({"day": str, "host": str, "count": int}, pk=("day", "host"),
                                        not_null={"count"})
    db.table("bulk_reads").create({"source": str, "scope": str, "at": str, "covers_from": str},
                                  pk=("source", "scope"), not_null={"at"})


@migrations()
def m013_ministry_asked_and_group(db: Database) -> None:
    # Two facts of the snapshot the statistics group by (storage/stats.py): the ministry asked (the
    # `ministry` column is the current holder, after transfers) and the author's political group, filled
    # here from each stored snapshot (compressed by m011: read through its decoder) and on every save after.
    questions = db.table("questions")
    questions.add_column("ministry_asked", str)
    questions.add_column("author_group", str)
    if "snapshot" in questions.columns_dict:
        db.execute("UPDATE questions SET ministry_asked = json_extract(snapshot, '$.ministry_asked.name'), "
                   "author_group = json_extract(snapshot, '$.author.group') WHERE typeof(snapshot) = 'text'")
        blobs = db.execute("SELECT ref, snapshot FROM questions WHERE typeof(snapshot) = 'blob'").fetchall()
    else:  # run again after m015 moved the snapshots to their own table
        blobs = db.execute("SELECT ref, data FROM snapshots").fetchall()
    if blobs:
        facts = [(json.loads(snapshot_json(value, ref)), ref) for ref, value in blobs]
        db.conn.executemany("UPDATE questions SET ministry_asked = ?, author_group = ? WHERE ref = ?",
                            [((d.get("ministry_asked") or {}).get("name"), d["author"].get("group"), ref)
                             for d, ref in facts])


@migrations()
def m014_listing_index(db: Database) -> None:
    # The web's pages join the watched refs with `questions` (storage/listing.py) and read only these
    # columns: a covering index keeps them out of the table's rows, where each sits after a snapshot
    # BLOB of several kilobytes (its overflow pages would be read for every watched question).
    db.table("questions").create_index(
        ["ref", "status", "answer_deadline", "signal_deadline", "answered", "published", "chamber", "legislature",
         "number", "ministry", "author", "last_checked", "last_change"], index_name="questions_listing")


@migrations()
def m015_snapshots_table(db: Database) -> None:
    # Each question's snapshot, 2 to 4 KB deflated, moves out of its row into the table `snapshots`
    # (storage/snapshots.py): the rows of `questions` keep only the small columns queries read, many to a
    # page, which the listings read directly; the covering index of m014, made to keep the listings away
    # from the BLOBs and which held a second copy of the author's and the ministry's names, goes. Moved
    # 1,000 rows at a time, whatever the number of stored questions; the rows' rowids (the search index's
    # keys) stay as they are.
    create_snapshots_table(db)
    last = -1
    while rows := db.execute("SELECT rowid, ref, snapshot FROM questions WHERE rowid > ? ORDER BY rowid LIMIT 1000",
                             [last]).fetchall():
        db.conn.executemany("INSERT INTO snapshots (ref, data) VALUES (?, ?)",
                            [(ref, value) for _, ref, value in rows if value is not None])
        last = rows[-1][0]
    db.execute("DROP INDEX IF EXISTS questions_listing")
    db.execute("ALTER TABLE questions DROP COLUMN snapshot")


@migrations()
def m016_claims_joined_watermark(db: Database) -> None:
    # Issue 17. `messages.claimed_at`: a sender takes a message before handing it to its transport, so two
    # processes (the web's sender and `relance notify`) never send it both; `claimed_by`, which process.
    # `subscribers.joined_generation`: the generation its current subscription began at; a manage or
    # unsubscribe link signed before it (from before leaving) is refused. `subscribers.after_event`: the
    # last event id when it confirmed; it hears of the events after it, whatever the clock said (a clock
    # stepped back made seen_at earlier). Filled for the subscribers already there from what their
    # confirmed_at said. `smtp_servers`: what the server offered when relance last talked to it
    # (SMTPUTF8), for the subscribe form that cannot ask it.
    db.table("messages").add_column("claimed_at", str)
    db.table("messages").add_column("claimed_by", str)  # host:pid, so a dead sender's claim lapses at once
    db.table("subscribers").add_column("joined_generation", int, not_null_default=0)
    db.table("subscribers").add_column("after_event", int)
    db.execute("UPDATE subscribers SET after_event = (SELECT coalesce(max(e.id), 0) FROM events e "
               "WHERE e.seen_at < subscribers.confirmed_at) WHERE confirmed_at IS NOT NULL")
    db.table("smtp_servers").create({"server": str, "smtputf8": int, "seen_at": str}, pk="server",
                                    not_null={"smtputf8", "seen_at"})


@migrations()
def m017_notes(db: Database) -> None:
    # What the user noted about a question (`relance note`, storage/notes.py): numbered per question,
    # dated (UTC ISO text, as every instant of the store). A question's notes are read together.
    db.table("notes").create({"ref": str, "number": int, "at": str, "text": str}, pk=("ref", "number"),
                             not_null={"at", "text"})


@migrations()
def m018_subscriber_searches(db: Database) -> None:
    # The searches a subscriber follows (storage/searches.py, the web's search alerts): each a canonical
    # query string (`SavedSearch.query`), once per subscriber; matched against the stored questions when
    # digests are planned, so that a question found later is told too.
    db.execute("CREATE TABLE IF NOT EXISTS subscriber_searches (id INTEGER PRIMARY KEY, "
               "subscriber_id INTEGER NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE, "
               "query TEXT NOT NULL, created_at TEXT NOT NULL, UNIQUE (subscriber_id, query))")
