"""Bulk files downloaded from the chambers' open data (the AN's archives): where each is kept, the
validators a conditional or resumed download needs, whether its last complete copy was imported, and
what that import read from it.

One row of the `downloads` table per URL. While a transfer is under way `completed_at` is null and the
validators are those the transfer started with (so that a run after an interruption resumes it);
once it is complete they are the complete copy's, for the next conditional GET.

The member index of an archive's last import is a file beside the archives (JSON, tens of bytes per
question), not rows: it is rewritten whole after each import, and losing it costs one slower import.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from storage.instants import instant_from as _instant
from storage.instants import instant_text as _text


@dataclass(frozen=True, slots=True)
class Download:
    url: str
    path: str
    etag: str | None
    last_modified: str | None
    length: int | None  # of the complete copy; while a transfer runs, the length it announced
    sha256: str | None  # of the complete copy
    completed_at: datetime | None  # null while a transfer is under way (or after a copy was refused)
    imported_at: datetime | None  # when the complete copy was last imported; null until it is

    @property
    def complete(self) -> bool:
        return self.completed_at is not None


def _download(row: dict[str, Any]) -> Download:
    return Download(url=row["url"], path=row["path"], etag=row["etag"], last_modified=row["last_modified"],
                    length=row["length"], sha256=row["sha256"], completed_at=_instant(row["completed_at"]),
                    imported_at=_instant(row["imported_at"]))


def get_download(db: Database, url: str) -> Download | None:
    rows = list(db.table("downloads").rows_where("url = ?", [url]))
    return _download(rows[0]) if rows else None


def transfer_started(db: Database, url: str, path: str, *, etag: str | None, last_modified: str | None,
                     length: int | None) -> None:
    """A transfer of a new copy has started: remember its validators (for a resume); the previous
    copy is no longer the complete, imported one."""
    with db.atomic():
        db.table("downloads").upsert({"url": url, "path": path, "etag": etag, "last_modified": last_modified,
                                      "length": length, "sha256": None, "completed_at": None,
                                      "imported_at": None}, pk="url")


def transfer_completed(db: Database, url: str, path: str, *, etag: str | None, last_modified: str | None,
                       length: int, sha256: str, now: datetime) -> None:
    """A complete copy was downloaded and verified."""
    with db.atomic():
        db.table("downloads").upsert({"url": url, "path": path, "etag": etag, "last_modified": last_modified,
                                      "length": length, "sha256": sha256, "completed_at": _text(now),
                                      "imported_at": None}, pk="url")


def revalidated(db: Database, url: str, *, etag: str | None, last_modified: str | None) -> None:
    """The server confirmed the complete copy (304), possibly with fresher validators."""
    with db.atomic():
        db.table("downloads").update(url, {"etag": etag, "last_modified": last_modified})


def copy_refused(db: Database, url: str) -> None:
    """The copy on disk is not usable (corrupt, truncated): forget it and its validators, so that the
    next run downloads the file whole instead of asking whether it changed."""
    with db.atomic():
        if db.table("downloads").count_where("url = ?", [url]):
            db.table("downloads").update(url, {"etag": None, "last_modified": None, "sha256": None,
                                               "completed_at": None, "imported_at": None})


def imported(db: Database, url: str, now: datetime) -> None:
    """The complete copy was read into the store."""
    with db.atomic():
        db.table("downloads").update(url, {"imported_at": _text(now)})


# --- the member index of an archive's last import ---------------------------------------------

INDEX_FORMAT = 1


@dataclass(frozen=True, slots=True)
class MemberIndex:
    """What the last import of one archive read into the store: for each question file, its CRC-32
    and size, and the question's `last_success` (ISO text) as the store held it after that import.

    A file of the same CRC and size, of a question whose `last_success` is still the same, holds what
    the store holds: reading it again would change nothing. `key` names what else the import depended
    on (follow rules, settings, parser): an index of another key does not apply."""

    key: str
    members: dict[str, tuple[int, int, str]]


def load_member_index(path: Path) -> MemberIndex | None:
    """The index at `path`; None when there is none or it cannot be read (then everything is read)."""
    try:
        data = json.loads(path.read_bytes())
        if not isinstance(data, dict) or data.get("format") != INDEX_FORMAT or not isinstance(data.get("key"), str):
            return None
        members = {str(name): (int(crc), int(size), str(last))
                   for name, (crc, size, last) in data["members"].items()}
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None
    return MemberIndex(data["key"], members)


def save_member_index(path: Path, index: MemberIndex) -> None:
    """Write the index atomically (a torn file would read as no index, which is only slower)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump({"format": INDEX_FORMAT, "key": index.key,
                       "members": {name: list(entry) for name, entry in index.members.items()}}, out)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
