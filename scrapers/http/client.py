"""`PoliteClient`: every fetch from the chambers goes through its `get` (one User-Agent, a per-host
pace and a global concurrency limit, retries with back-off, a persistent conditional-GET cache, cheap
checks that turn error pages served with status 200 into typed errors) or, for bulk files, its
`download`."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType, TracebackType
from typing import Self

import httpx

from scrapers.http import download as _download
from scrapers.http.bounds import Deadline
from scrapers.http.cache import (
    CacheEntry,
    DiskCache,
    conditional_headers,
    revalidated_headers,
    storable_headers,
)
from scrapers.http.checks import check_body
from scrapers.http.download import Downloaded, OnStart, Validators
from scrapers.http.retry import retrying
from scrapers.http.settings import ACCEPT, DownloadExpect, Expect, HttpSettings
from scrapers.http.status import check_status
from scrapers.http.tally import REQUESTS, CountedWire, RequestTally
from scrapers.http.wire import lower_headers


@dataclass(frozen=True, slots=True)
class Fetched:
    """A validated response. `url` is the address asked for (redirects within its site are followed);
    `headers` have lower-case keys. When `revalidated` is True the server answered 304, `status` is
    304 and `content`, `charset` come from the cache."""

    url: str
    status: int
    content: bytes
    charset: str | None
    headers: Mapping[str, str]
    revalidated: bool = False


class PoliteClient:
    """A synchronous, thread-safe client; share one per process. Every request it sends is counted by
    host in `tally` (the process's `REQUESTS` unless given). `transport`, `sleep` and `monotonic` are
    there for tests."""

    def __init__(self, settings: HttpSettings, *, transport: httpx.BaseTransport | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 monotonic: Callable[[], float] = time.monotonic, tally: RequestTally = REQUESTS) -> None:
        self.settings = settings
        self._sleep = sleep
        self._monotonic = monotonic
        self._random = random.Random()
        self._cache = DiskCache(settings.cache_dir) if settings.cache_dir else None
        self._wire = CountedWire(settings, tally=tally, transport=transport, sleep=sleep, monotonic=monotonic)

    def close(self) -> None:
        self._wire.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    def get(self, url: str, *, expect: Expect = "any") -> Fetched:
        """Fetch `url` and check that the body is plausibly of the `expect`ed kind. Raises a
        `FetchError` subclass once retries are exhausted or not worth it (see `scrapers.http.retry`)."""
        cached = self._cache.load(url) if self._cache else None
        # One deadline for the whole fetch, retries and their waits included: a server that drips or
        # fails slowly costs at most `question_deadline`, whatever the retries.
        deadline = Deadline.after(self.settings.question_deadline, self._monotonic)
        retry = retrying(self.settings, url, sleep=self._sleep, rng=self._random, deadline=deadline)
        return retry(self._attempt, url, expect, cached, deadline)

    def download(self, url: str, path: Path, *, current: Validators | None = None,
                 partial: Validators | None = None, on_start: OnStart | None = None,
                 expect: DownloadExpect = "any") -> Downloaded:
        """Stream `url` to the file `path`, never holding the body in memory.

        - Conditional: `current` are the validators of the complete copy already at `path`; when
          the server answers 304 nothing is downloaded and `path` is left as it is.
        - Resumable: an unfinished transfer lives in `partial_path(path)`; `partial` are the
          validators it was started with. It is continued with `Range` and `If-Range`, so that a
          file changed in between comes back whole (200) instead of being spliced; a server that
          ignores `Range` (200 instead of 206) restarts the file from its first byte. Without
          `partial` (or without a strong ETag or a date in it) the transfer starts afresh.
        - `on_start(validators, total_length)` is called when a transfer starts (200 or 206),
          before its first byte is written: the caller records the validators, so that a transfer
          interrupted even by a crash can be resumed by the next run.
        - Retried as `get` is; each retry continues the transfer where the last attempt stopped.

        On success the finished file replaces `path` atomically. Raises a `FetchError` subclass."""
        return _download.download(self._wire, url, path, current=current, partial=partial, on_start=on_start,
                                  expect=expect, sleep=self._sleep, rng=self._random)

    def _attempt(self, url: str, expect: Expect, cached: CacheEntry | None, deadline: Deadline) -> Fetched:
        headers = {"Accept": ACCEPT[expect], **conditional_headers(cached)}
        received = self._wire.get(url, headers, deadline=deadline, bulk=expect == "csv")
        response = received.response
        if response.status_code == 304 and cached is not None:
            return self._revalidated(response, cached)
        check_status(url, response, max_retry_after=self.settings.max_retry_after)
        # Content-Length counts the bytes on the wire, so compare it with those, not with the
        # decompressed body.
        check_body(url, expect, received.content, received=received.wire_bytes,
                   content_length=response.headers.get("content-length"))
        fetched = Fetched(url=url, status=response.status_code, content=received.content,
                          charset=response.charset_encoding,
                          headers=MappingProxyType(lower_headers(response)))
        self._remember(fetched)
        return fetched

    def _revalidated(self, response: httpx.Response, cached: CacheEntry) -> Fetched:
        headers = revalidated_headers(cached, lower_headers(response))
        if (headers.get("etag"), headers.get("last-modified")) != (cached.etag, cached.last_modified):
            self._store(CacheEntry(cached.url, cached.content, cached.charset, headers))
        return Fetched(url=cached.url, status=response.status_code, content=cached.content,
                       charset=cached.charset, headers=MappingProxyType(headers), revalidated=True)

    def _remember(self, fetched: Fetched) -> None:
        """Keep a validated body for the next conditional GET, when it has a validator."""
        headers = storable_headers(fetched.headers)
        if headers is not None:
            self._store(CacheEntry(fetched.url, fetched.content, fetched.charset, headers))

    def _store(self, entry: CacheEntry) -> None:
        if self._cache is not None:
            self._cache.store(entry)
