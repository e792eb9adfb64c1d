"""Bulk files (the AN's archives, 50 to 130 MB) streamed to disk, never held in memory, conditional
on the validators of the copy already there, and resumed with `Range` after an interruption (the same
retry rules as a fetch, each retry continuing where the last attempt stopped)."""

from __future__ import annotations

import hashlib
import logging
import os
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from scrapers.http.checks import HEAD_BYTES, check_head
from scrapers.http.exceptions import CannotWrite, ErrorPage, FetchError, TooLarge
from scrapers.http.retry import retrying
from scrapers.http.settings import ACCEPT, DownloadExpect
from scrapers.http.status import check_status
from scrapers.http.wire import Wire

log = logging.getLogger(__name__)

_CHUNK = 1 << 16
_CONTENT_RANGE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+|\*)", re.IGNORECASE)

OnStart = Callable[["Validators", int | None], None]


@dataclass(frozen=True, slots=True)
class Validators:
    """What tells one version of a file from another: its ETag and Last-Modified, as the server sent
    them."""

    etag: str | None = None
    last_modified: str | None = None

    @property
    def if_range(self) -> str | None:
        """The value for `If-Range`, which takes a strong ETag or a date (RFC 9110 §13.1.5), or
        None when neither is known: then a transfer cannot be resumed safely."""
        if self.etag and not self.etag.startswith("W/"):
            return self.etag
        return self.last_modified


@dataclass(frozen=True, slots=True)
class Downloaded:
    """The outcome of `PoliteClient.download`. `status` is 200 (downloaded whole), 206 (resumed:
    `resumed_from` bytes came from an earlier, interrupted transfer) or 304 (not modified: nothing
    was downloaded, the file at `path` is the copy the caller already had, `sha256` is None)."""

    url: str
    path: Path
    status: int
    validators: Validators
    length: int  # the size of the file at `path`
    sha256: str | None
    received: int = 0  # bytes received by this call
    resumed_from: int = 0

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def partial_path(path: Path) -> Path:
    """Where `download` keeps an unfinished transfer to `path`."""
    return path.with_name(path.name + ".part")


def download(wire: Wire, url: str, path: Path, *, current: Validators | None, partial: Validators | None,
             on_start: OnStart | None, expect: DownloadExpect, sleep: Callable[[float], None],
             rng: random.Random) -> Downloaded:
    """`PoliteClient.download`, which documents it."""
    transfer = _Transfer(wire, url, path, current, partial, on_start, expect)
    return retrying(wire.settings, url, sleep=sleep, rng=rng)(transfer.attempt)


class _Restart(Exception):
    """The partial file cannot be continued: start the transfer again from its first byte."""


class _Started(Exception):
    """A download attempt failed after its transfer started, with the validators it started with."""

    def __init__(self, validators: Validators, error: FetchError) -> None:
        self.validators, self.error = validators, error
        super().__init__(str(error))


@dataclass(slots=True)
class _Transfer:
    """One call's transfer; `partial` follows the validators of the partial file between attempts."""

    wire: Wire
    url: str
    path: Path
    current: Validators | None
    partial: Validators | None
    on_start: OnStart | None
    expect: DownloadExpect

    @property
    def part(self) -> Path:
        return partial_path(self.path)

    def attempt(self) -> Downloaded:
        """One attempt as the retry rules count them: a restart from the first byte is not one."""
        while True:
            try:
                return self._once()
            except _Restart as restart:
                log.info("download of %s restarts from its first byte: %s", self.url, restart)
                self.partial = None
                self.part.unlink(missing_ok=True)
                continue
            except _Started as started:
                # The transfer had started: a retry resumes it, with the validators it started with.
                self.partial, error = started.validators, started.error
            raise error

    def _once(self) -> Downloaded:
        url, path, part, current = self.url, self.path, self.part, self.current
        offset = part.stat().st_size if part.exists() else 0
        if_range = self.partial.if_range if self.partial is not None else None
        # Ranges count bytes of the file itself: no content coding, or a resumed gzip would not splice.
        headers = {"Accept": ACCEPT[self.expect], "Accept-Encoding": "identity"}
        if offset and if_range:
            headers |= {"Range": f"bytes={offset}-", "If-Range": if_range}
        else:
            offset = 0
            if current is not None and path.exists():
                if current.etag:
                    headers["If-None-Match"] = current.etag
                if current.last_modified:
                    headers["If-Modified-Since"] = current.last_modified
        with self.wire.stream(url, headers, seconds=self.wire.settings.download_deadline) as response:
            status = response.status_code
            if status == 304 and ("If-None-Match" in headers or "If-Modified-Since" in headers):
                assert current is not None
                return Downloaded(url, path, 304, _merged(current, response), path.stat().st_size, None)
            if status == 416 and offset:
                raise _Restart(f"HTTP 416 for bytes {offset}- (the partial file is no longer a prefix)")
            check_status(url, response, max_retry_after=self.wire.settings.max_retry_after)
            if status == 206:
                start, total = _content_range(response.headers.get("content-range"))
                if start != offset:
                    raise _Restart(f"206 for bytes {start}- where bytes {offset}- were asked for")
            else:
                offset, total = 0, _declared_length(response.headers.get("content-length"))
            validators = Validators(response.headers.get("etag"), response.headers.get("last-modified"))
            limit = self.wire.settings.max_download
            if total is not None and total > limit:
                raise TooLarge(url, limit, "[http] max_download_mb")
            if self.on_start is not None:
                self.on_start(validators, total)
            try:
                with self.wire.errors(url):
                    digest, received = _stream_to(response, part, offset, url, expect=self.expect, limit=limit)
            except FetchError as error:
                raise _Started(validators, error) from error
        length = offset + received
        if total is not None and length != total:
            short = ErrorPage(url, f"file of {length} bytes where {total} were announced", "truncated")
            raise _Started(validators, short)
        if length == 0:
            part.unlink(missing_ok=True)
            raise ErrorPage(url, "empty body", "empty")
        os.replace(part, path)
        return Downloaded(url, path, status, validators, length, digest, received, offset)


def _stream_to(response: httpx.Response, part: Path, offset: int, url: str, *,
               expect: DownloadExpect, limit: int) -> tuple[str, int]:
    """Write the body after the first `offset` bytes of `part` (truncating anything beyond);
    return the whole file's sha256 and the bytes received. `TooLarge` once the file passes `limit`
    bytes; `CannotWrite` when the disk refuses (full, read-only): what was written stays in `part`,
    a prefix of the file, which the next attempt resumes."""
    try:
        return _write_part(response, part, offset, url, expect=expect, limit=limit)
    except OSError as error:
        raise CannotWrite(url, part, error) from error


def _write_part(response: httpx.Response, part: Path, offset: int, url: str, *,
                expect: DownloadExpect, limit: int) -> tuple[str, int]:
    digest = hashlib.sha256()
    part.parent.mkdir(parents=True, exist_ok=True)
    with open(part, "r+b" if offset else "wb") as out:
        if offset:
            while chunk := out.read(min(_CHUNK, offset - out.tell())):
                digest.update(chunk)
            out.truncate(offset)
        received = 0
        head = b"" if offset == 0 else None  # a fresh body's first bytes, checked before any is written
        # Each piece is written as it arrives: what a dropped connection leaves is all kept.
        for piece in response.iter_raw():
            if offset + received + len(piece) + len(head or b"") > limit:
                raise TooLarge(url, limit, "[http] max_download_mb")
            chunk = piece
            if head is not None:
                head += piece
                if len(head) < HEAD_BYTES:
                    continue
                check_head(url, expect, head)
                chunk, head = head, None
            out.write(chunk)
            digest.update(chunk)
            received += len(chunk)
        if head:
            check_head(url, expect, head)
            out.write(head)
            digest.update(head)
            received += len(head)
    return digest.hexdigest(), received


def _content_range(value: str | None) -> tuple[int | None, int | None]:
    """(first byte, complete length) of a 206's Content-Range; Nones when it is absent or unreadable."""
    found = _CONTENT_RANGE.fullmatch(value.strip()) if value else None
    if found is None:
        return None, None
    return int(found.group(1)), None if found.group(3) == "*" else int(found.group(3))


def _declared_length(value: str | None) -> int | None:
    return int(value) if value is not None and value.strip().isdigit() else None


def _merged(known: Validators, response: httpx.Response) -> Validators:
    """A 304 may carry fresher validators than those it confirmed."""
    return Validators(response.headers.get("etag") or known.etag,
                      response.headers.get("last-modified") or known.last_modified)
