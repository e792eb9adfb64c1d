"""Where the AN's archives of written questions are, and their download: conditional (an unchanged
archive is a 304 and nothing is downloaded) and resumable (an interrupted transfer continues from
the partial file's size), its validators and state kept in the `downloads` table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from sqlite_utils import Database

from bot.notify.wording.downloads import download_not_written
from scrapers.errors import CannotRun
from scrapers.http import PoliteClient, Validators, partial_path
from scrapers.http.exceptions import CannotWrite
from storage.downloads import get_download, revalidated, transfer_completed, transfer_started

# --- where the archives are -------------------------------------------------------------------

_ROMAN = ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))


def archive_suffix(legislature: int) -> str:
    """What the AN appends to an archive's name: nothing from the 16th legislature on, the roman
    number before (`Questions_ecrites_XV.json.zip`, `Questions_ecrites_XIV.json.zip`)."""
    if legislature >= 16:
        return ""
    roman, rest = "", legislature
    for value, letters in _ROMAN:
        while rest >= value:
            roman, rest = roman + letters, rest - value
    return "_" + roman


def archive_url(template: str, legislature: int) -> str:
    return template.format(leg=legislature, suffix=archive_suffix(legislature))


def archive_path(cache_dir: Path, legislature: int, url: str) -> Path:
    """Where the archive is kept: legislatures 16 and 17 have files of the same name."""
    name = Path(urlsplit(url).path).name or "archive.zip"
    return cache_dir / "downloads" / f"an-{legislature}" / name


@dataclass(frozen=True, slots=True)
class FetchedArchive:
    url: str
    path: Path
    fetched: Literal["downloaded", "resumed", "not_modified"]
    length: int
    imported_before: bool  # not modified, and that copy was imported already


def fetch_archive(db: Database, client: PoliteClient, url: str, path: Path, *, now: datetime) -> FetchedArchive:
    """Bring the archive at `url` to `path`: nothing when the copy there is current (304), the rest
    of an interrupted transfer, or the whole file. Raises `FetchError`, or `CannotRun` when the disk
    refuses the file (full, read-only): the partial file stays, and the next run resumes it."""
    row = get_download(db, url)
    known = Validators(row.etag, row.last_modified) if row else None
    complete = (row is not None and row.complete and path.is_file() and path.stat().st_size == row.length)
    resumable = row is not None and not row.complete and partial_path(path).is_file()

    def started(validators: Validators, length: int | None) -> None:
        transfer_started(db, url, str(path), etag=validators.etag, last_modified=validators.last_modified,
                         length=length)

    try:
        got = client.download(url, path, current=known if complete else None,
                              partial=known if resumable else None, on_start=started, expect="zip")
    except CannotWrite as error:
        # The machine's failure, not the site's: one line saying what to do, exit 1.
        raise CannotRun(download_not_written(error.path, error.error)) from error
    if got.not_modified:
        assert row is not None
        revalidated(db, url, etag=got.validators.etag, last_modified=got.validators.last_modified)
        return FetchedArchive(url, path, "not_modified", got.length, row.imported_at is not None)
    assert got.sha256 is not None
    transfer_completed(db, url, str(path), etag=got.validators.etag, last_modified=got.validators.last_modified,
                       length=got.length, sha256=got.sha256, now=now)
    return FetchedArchive(url, path, "resumed" if got.resumed_from else "downloaded", got.length, False)
