"""How a question's snapshot is kept: in the table `snapshots` (`ref`, `data`; migration m015 moved it
there out of `questions.snapshot`, so that the questions' rows hold only the small columns queries read,
many to a page), its JSON (scrapers/serialize.py) deflated by zlib, as a BLOB whose first byte says how
it was written, so that a later format is a new byte and every stored value stays readable (a TEXT value
is the plain JSON every row held before migration m011); and in the full-text index `questions_fts`, its
words only. An event's details (`events.details`) are deflated the same way (`encode_details`,
`decode_details`).

Every reader of a stored value goes through `decode_snapshot` (or `snapshot_json` for the JSON text);
SQL over `questions` reads it as `STORED_SNAPSHOT`, tests whether there is one with `HAS_SNAPSHOT`, and
`write_snapshot` stores one. The
question's text is stored once, in the snapshot: the index is a contentless FTS5 table (it keeps the
words and their positions, not the text), written here explicitly on every change of a snapshot. SQLite
3.40 has no `contentless_delete`: an entry is taken out by giving FTS5 the values it was made from,
which the stored snapshot still holds.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import groupby
from typing import Final

from sqlite_utils import Database

from scrapers.errors import CannotRun
from scrapers.model import QuestionSnapshot
from scrapers.serialize import snapshot_from_dict, snapshot_to_dict

ZLIB_1: Final = 1  # the first byte of a BLOB: zlib (RFC 1950) over UTF-8 JSON, preset dictionary _DICTIONARY_1
LEVEL: Final = 6  # zlib's default: level 9 saves no byte on a question (measured on the real AN record)

# zlib's preset dictionary: what most snapshots begin with, which a 2 to 8 KB record cannot otherwise
# learn before it ends (about 200 bytes a question saved, 10 %). Only the JSON shape of
# `snapshot_to_dict` (keys in sorted order) and the chambers' public address patterns, no question's
# words: it must never change, a new dictionary is a new first byte.
_DICTIONARY_1: Final = (
    '{"answer": null, "attributions": [], "author": {"actor_ref": null, "civility": null, "constituency": null, '
    '"group": null, "group_name": null, "name": null}, "closure": null, "format": 1, "ministry_asked": null, '
    '"notes": [], "published": null, "published_page": null, "ref": "", "renewed": [], "rubric": null, '
    '"signaled": [], "status": "pending", "text": null, "title": null, "url": ""}'
    '"https://www.senat.fr/questions/base/20" "https://questions.assemblee-nationale.fr/q1" '
    '{"answer": {"date": "20", "ministry": "", "page": "", "spoken": null, "text": "'
    '"}, "attributions": [{"date": "20", "ministry": {"id": "PO", "name": "Ministère de l’", "short": ""}}], '
    '"author": {"actor_ref": "PA", "civility": "M.", "constituency": "", "group": "", "group_name": "", "name": "'
    '"}, "closure": {"code": "REP_PUB", "date": "20", "label": "Réponse publiée"}, "format": 1, '
    '"ministry_asked": {"id": "PO", "name": "Ministère de l’", "short": ""}, "notes": [], '
    '"published": "20", "published_page": "", "ref": "QANR5L17QE", "renewed": [], "rubric": "", '
    '"signaled": [], "status": "answered", "text": "", "title": "", '
    '"url": "https://www.assemblee-nationale.fr/dyn/opendata/QANR5L17QE'
).encode()


# A question's stored value, and whether it has one (a question only ever failed to read has none), as
# expressions over a row of `questions` (each one seek on the snapshots' primary key).
STORED_SNAPSHOT: Final = "(SELECT data FROM snapshots WHERE snapshots.ref = questions.ref)"
HAS_SNAPSHOT: Final = "EXISTS (SELECT 1 FROM snapshots WHERE snapshots.ref = questions.ref)"


def create_snapshots_table(db: Database) -> None:
    db.execute("CREATE TABLE snapshots (ref TEXT PRIMARY KEY, data BLOB NOT NULL)")


def write_snapshot(db: Database, ref: str, data: bytes) -> None:
    """Store `data` (from `encode_snapshot` or `encode_json`) as the snapshot of `ref`, in place of any."""
    db.execute("INSERT INTO snapshots (ref, data) VALUES (?, ?) ON CONFLICT (ref) DO UPDATE SET data = excluded.data",
               [ref, data])


class StoredSnapshotError(CannotRun):
    """A stored snapshot (or event's details) that cannot be read back: names the question (the event)
    and the problem."""

    def __init__(self, ref: str | None, problem: str) -> None:
        self.ref, self.problem = ref, problem
        what = ref if ref and ref.startswith("event ") else f"stored snapshot of {ref or 'a question'}"
        super().__init__(f"{what}: {problem}")


def snapshot_text(snapshot: QuestionSnapshot) -> str:
    """The snapshot as JSON text, keys sorted: the same snapshot always gives the same text."""
    return json.dumps(snapshot_to_dict(snapshot), ensure_ascii=False, sort_keys=True)


def encode_json(text: str) -> bytes:
    compressor = zlib.compressobj(LEVEL, zdict=_DICTIONARY_1)
    return bytes([ZLIB_1]) + compressor.compress(text.encode()) + compressor.flush()


def encode_snapshot(snapshot: QuestionSnapshot) -> bytes:
    """The value `snapshots.data` holds for `snapshot`."""
    return encode_json(snapshot_text(snapshot))


# The events' details: a few hundred bytes of JSON each (keys sorted), deflated raw (no header and no
# checksum, a fifth of so small a record) against the keys and the deadline rules' words the event log
# repeats (bot/core/deadlines.py); about half the size. Never changes: a new dictionary is a new byte.
DETAILS_ZLIB_1: Final = 1
_DETAILS_DICTIONARY_1: Final = (
    '{"answer": "", "author": "", "chamber": "an", "date": "20", "days_late": 1, "deadline": "20", '
    '"excerpt": "", "explanation": "10 jours après le signalement du /20 (Règlement de l\'Assemblée nationale, '
    'art. 135)", "from": "", "kind": "", "ministry": "Ministère de l’", "page": "", "rule": "an-signalement", '
    '"rule": "senat-publication", "explanation": "2 mois après la publication au JO du /20 (Règlement du Sénat, '
    'art. 75)", "status": "answered", "title": "", "to": "", "rule": "an-publication", "explanation": "2 mois '
    'après la publication au JO du /20 (Règlement de l\'Assemblée nationale, art. 135)", "ministry": '
    '"Ministère de l’", "status": "pending", "title": "'
).encode()


def encode_details(text: str) -> bytes:
    """The value `events.details` holds for an event's details as JSON text."""
    compressor = zlib.compressobj(LEVEL, zlib.DEFLATED, -15, zdict=_DETAILS_DICTIONARY_1)
    return bytes([DETAILS_ZLIB_1]) + compressor.compress(text.encode()) + compressor.flush()


def decode_details(value: str | bytes | None, event_id: int | None = None) -> str:
    """The JSON text of a stored `events.details` (deflated, or JSON text written before; NULL: `{}`)."""
    if value is None or isinstance(value, str):
        return value or "{}"
    what = f"event {event_id}" if event_id is not None else "an event"
    if not value or value[0] != DETAILS_ZLIB_1:
        raise StoredSnapshotError(what, f"unknown details format {value[:1].hex() or 'empty'!r}")
    try:
        decompressor = zlib.decompressobj(-15, zdict=_DETAILS_DICTIONARY_1)
        data = decompressor.decompress(value[1:]) + decompressor.flush()
        if not decompressor.eof:
            raise zlib.error("truncated")
        return data.decode()
    except (zlib.error, UnicodeDecodeError) as error:
        raise StoredSnapshotError(what, f"cannot inflate its details: {error}") from None


def snapshot_json(value: str | bytes, ref: str | None = None) -> str:
    """The JSON text of a stored value, whichever way it was written; `ref` names the question in errors."""
    if isinstance(value, str):
        return value
    if not value or value[0] != ZLIB_1:
        raise StoredSnapshotError(ref, f"unknown format {value[:1].hex() or 'empty'!r}")
    try:
        decompressor = zlib.decompressobj(zdict=_DICTIONARY_1)
        data = decompressor.decompress(value[1:]) + decompressor.flush()
        if not decompressor.eof:
            raise zlib.error("truncated")
        return data.decode()
    except (zlib.error, UnicodeDecodeError) as error:
        raise StoredSnapshotError(ref, f"cannot inflate: {error}") from None


def decode_snapshot(value: str | bytes, ref: str | None = None) -> QuestionSnapshot:
    """The snapshot a stored value holds (a BLOB written by `encode_snapshot`, or pre-m011 JSON text)."""
    text = snapshot_json(value, ref)
    try:
        return snapshot_from_dict(json.loads(text))
    except (ValueError, KeyError, TypeError) as error:
        raise StoredSnapshotError(ref, f"not a snapshot: {type(error).__name__}: {error}") from None


def read_back(value: str | bytes | None, ref: str) -> tuple[QuestionSnapshot | None, str | None]:
    """The stored snapshot of `ref` and, when it cannot be read back (issue 17: a date no parser reads, a
    damaged value), None and why. That question is then as if never read, and the next good read stores it
    again: one bad value never stops a listing, a page or a cycle."""
    if not value:
        return None, None
    try:
        return decode_snapshot(value, ref), None
    except StoredSnapshotError as error:
        return None, str(error)


def readable_snapshot(value: str | bytes | None, ref: str) -> QuestionSnapshot | None:
    return read_back(value, ref)[0]


# The columns of questions_fts, in order. The text comes first: FTS5 writes no column number in the
# positions of a word found in the first column, which makes the index a quarter smaller.
FTS_COLUMNS: Final = ("text", "title", "rubric", "author", "ministry")
FTS_TOKENIZER: Final = "unicode61 remove_diacritics 2"  # accents and case folded
_VALUES = ", ".join(FTS_COLUMNS)
_MARKS = ", ".join("?" * len(FTS_COLUMNS))


def fts_values(snapshot: QuestionSnapshot) -> tuple[str | None, ...]:
    """What the index reads of a snapshot, in `FTS_COLUMNS` order (the ministry holding it now)."""
    s = snapshot
    return (s.text, s.title, s.rubric, s.author.name, s.ministry.name if s.ministry else None)


def create_index(db: Database) -> None:
    db.execute(f"CREATE VIRTUAL TABLE questions_fts USING fts5({_VALUES}, content='', "
               f"tokenize='{FTS_TOKENIZER}')")


# An index write: ("delete" | "insert", rowid, the values in FTS_COLUMNS order).
IndexWrite = tuple[str, int, tuple[str | None, ...]]
_INSERT = f"INSERT INTO questions_fts (rowid, {_VALUES}) VALUES (?, {_MARKS})"
_DELETE = f"INSERT INTO questions_fts (questions_fts, rowid, {_VALUES}) VALUES ('delete', ?, {_MARKS})"
# The index writes kept for the end of a batch (`deferred_index`), by connection. FTS5 writes the
# entries it holds in memory to disk, as a new segment to merge later, at every savepoint: the savepoint
# of each question of an import made the index cost three times the insertion itself (and 10 % more room).
_DEFERRED: dict[int, list[IndexWrite]] = {}


def pending_index_writes(db: Database) -> list[IndexWrite] | None:
    """The index writes kept for the end of the batch under way on `db`'s connection (None: no batch):
    a question undone alone inside the batch takes its own back out of this list."""
    return _DEFERRED.get(id(db.conn))


@contextmanager
def deferred_index(db: Database) -> Iterator[None]:
    """Inside a transaction (an import's batch): the index writes of every question are kept and made
    together, in order, when the block ends without an error (and dropped with the transaction if not)."""
    if id(db.conn) in _DEFERRED:  # already inside one: the outer block writes
        yield
        return
    pending: list[IndexWrite] = []
    _DEFERRED[id(db.conn)] = pending
    try:
        yield
    finally:
        del _DEFERRED[id(db.conn)]
    write_index(db, pending)


def write_index(db: Database, writes: Sequence[IndexWrite]) -> None:
    """Make `writes` in order, each run of the same kind in one statement."""
    for kind, run in groupby(writes, key=lambda write: write[0]):
        db.conn.executemany(_DELETE if kind == "delete" else _INSERT,
                            [(rowid, *values) for _, rowid, values in run])


def index_snapshot(db: Database, rowid: int, new: QuestionSnapshot, old: QuestionSnapshot | None) -> None:
    """Bring the index entry of the question at `rowid` from `old` (None: not indexed) to `new` (at the
    end of the batch under way, if any: `deferred_index`)."""
    values = fts_values(new)
    writes: list[IndexWrite] = [("insert", rowid, values)]
    if old is not None:
        before = fts_values(old)
        if before == values:
            return
        writes.insert(0, ("delete", rowid, before))
    pending = pending_index_writes(db)
    if pending is None:
        write_index(db, writes)
    else:
        pending += writes


def index_snapshots(db: Database, rows: Iterable[tuple[int, QuestionSnapshot]]) -> None:
    """Index questions not indexed yet (a migration's batch)."""
    db.conn.executemany(_INSERT, [(rowid, *fts_values(snapshot)) for rowid, snapshot in rows])
