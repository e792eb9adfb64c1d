"""The polite HTTP client: the only module of relance that imports httpx.

Every fetch from the chambers goes through `PoliteClient.get`: one User-Agent, a per-host pace and
a global concurrency limit, retries with back-off, a persistent conditional-GET cache, and cheap
checks that turn error pages served with status 200 (RULES.md §3) into typed errors.

What is retried (at most `retries` extra attempts in all, back-off `backoff_base * 2**n` with
jitter, or the server's `Retry-After` when it sends one):
- `TransportError` (timeouts, refused or reset connections, short reads);
- status 429, 500, 502, 503, 504;
- `ErrorPage` of kind `server_error` (an "Error 503" page served with 200);
- `ErrorPage` of kind `empty` or `truncated`: **once** only. A body cut short is usually a dropped
  upstream connection that one retry cures; if the second copy is cut short too the problem is
  not transient and retrying more would only cost the site.
Never retried: 404/410 (`NotFound`), other 4xx, `ErrorPage` of kind `unexpected_type` (HTML where
JSON was expected and not a server-error page: the address is wrong, not the moment), and a
`Retry-After` longer than `max_retry_after` (`RateLimited` at once: waiting that long inside one
fetch would stall the whole check cycle; the caller reschedules instead).

Retries are a small explicit loop rather than tenacity: the rules depend on the kind of error
(the server's `Retry-After`, one retry for a truncated body) and read more plainly as code.

Bulk files (the AN's archives, 50 to 130 MB) go through `PoliteClient.download` instead: streamed to
disk, never held in memory, conditional on the validators of the copy already there, and resumed
with `Range` after an interruption (the same retry rules, each retry continuing where the last
attempt stopped).
"""

from __future__ import annotations

import contextlib
import email.utils
import hashlib
import json
import logging
import math
import os
import random
import re
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType, TracebackType
from typing import Literal, Self

import httpx

__all__ = [
    "DownloadExpect",
    "Downloaded",
    "ErrorPage",
    "ErrorPageKind",
    "Expect",
    "FetchError",
    "Fetched",
    "HttpSettings",
    "HttpStatusError",
    "NotFound",
    "PoliteClient",
    "RateLimited",
    "TransportError",
    "Validators",
    "check_body",
    "parse_retry_after",
    "partial_path",
]

log = logging.getLogger(__name__)

Expect = Literal["json", "xml", "html", "csv", "zip", "any"]
DownloadExpect = Literal["zip", "csv", "any"]  # kinds whose checks need only a body's first bytes
ErrorPageKind = Literal["server_error", "empty", "truncated", "unexpected_type"]

MAX_REDIRECTS = 5
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
NOT_FOUND_STATUSES = frozenset({404, 410})
# The kinds of error page that one more attempt may cure, and how many attempts each deserves.
ONCE_RETRYABLE_PAGES: frozenset[ErrorPageKind] = frozenset({"empty", "truncated"})

ACCEPT: Mapping[Expect, str] = MappingProxyType({
    "json": "application/json",
    "xml": "application/xml, text/xml;q=0.9",
    "html": "text/html, application/xhtml+xml;q=0.9",
    "csv": "text/csv, text/plain;q=0.9",
    "zip": "application/zip, application/octet-stream;q=0.9, */*;q=0.1",
    "any": "*/*",
})


# --- settings and results -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HttpSettings:
    """How politely and patiently to fetch. Only `user_agent` is required."""

    user_agent: str
    timeout: float = 20.0
    max_concurrency: int = 2
    min_interval: float = 1.0
    retries: int = 3
    backoff_base: float = 1.0
    backoff_max: float = 60.0
    max_retry_after: float = 300.0
    cache_dir: Path | None = None

    def __post_init__(self) -> None:
        problems = []
        if not self.user_agent.strip():
            problems.append("user_agent is empty: the sites must be able to tell who we are")
        if self.timeout <= 0:
            problems.append(f"timeout must be > 0, got {self.timeout}")
        if self.max_concurrency < 1:
            problems.append(f"max_concurrency must be >= 1, got {self.max_concurrency}")
        for name in ("min_interval", "retries", "backoff_base", "backoff_max", "max_retry_after"):
            if getattr(self, name) < 0:
                problems.append(f"{name} must be >= 0, got {getattr(self, name)}")
        if problems:
            raise ValueError("HttpSettings: " + "; ".join(problems))


@dataclass(frozen=True, slots=True)
class Fetched:
    """A validated response. `url` is the address asked for (redirects are followed silently);
    `headers` have lower-case keys. When `revalidated` is True the server answered 304, `status` is
    304 and `content`, `charset` come from the cache."""

    url: str
    status: int
    content: bytes
    charset: str | None
    headers: Mapping[str, str]
    revalidated: bool = False


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


# --- errors ---------------------------------------------------------------------------------


def _one_line(text: str) -> str:
    return " ".join(text.split())


class FetchError(Exception):
    """A fetch that gave no usable data. `url` is the address asked for."""

    def __init__(self, url: str, message: str) -> None:
        self.url = url
        self.message = _one_line(message)
        super().__init__(f"{url}: {self.message}")


class TransportError(FetchError):
    """The exchange itself failed: timeout, connection refused or reset, body cut short."""


class HttpStatusError(FetchError):
    """The server answered with an error status (after retries when it was retryable).
    `retry_after` is the server's Retry-After in seconds, when it sent one."""

    def __init__(self, url: str, status: int, message: str | None = None,
                 *, retry_after: float | None = None) -> None:
        self.status = status
        self.retry_after = retry_after
        super().__init__(url, message or f"HTTP {status}")


class NotFound(HttpStatusError):
    """404 or 410: the address names nothing (a wrong reference, or a question not yet online)."""


class RateLimited(HttpStatusError):
    """429, or a Retry-After longer than we are willing to wait; `retry_after` says how long the
    server asked for (None when it did not say)."""


class ErrorPage(FetchError):
    """A body served with a success status that is not data. `reason` says what was seen; `kind`
    is what retrying depends on."""

    def __init__(self, url: str, reason: str, kind: ErrorPageKind) -> None:
        self.reason = _one_line(reason)
        self.kind: ErrorPageKind = kind
        super().__init__(url, f"error page served as data: {self.reason}")


# --- cheap validity checks (pure) -----------------------------------------------------------

_HEAD = 4096  # the error markers sit at the top of a page; no need to scan megabytes of data
_BOM = b"\xef\xbb\xbf"
# A title "503 Service Unavailable" or "Error 503", an <h1> "Error 503", a bare "Error 503" text.
# A bare number is not enough: a Sénat question may well be titled "500 000 logements vacants".
_STATUS_PHRASE = rb"5\d\d\s*[-:]?\s*(?:service|internal|bad\s+gateway|gateway|backend|server|error)"
_SERVER_ERROR_MARKERS = tuple(re.compile(pattern, re.IGNORECASE) for pattern in (
    rb"<title[^>]*>\s*(?:(?:error|erreur)\s*5\d\d\b|" + _STATUS_PHRASE + rb")",
    rb"<h1[^>]*>\s*(?:error|erreur)\s*5\d\d\b",
    rb"\A(?:error|erreur)\s*5\d\d\b",
))
_HTML_MARKER = re.compile(rb"\A<(?:!doctype\s+html|html|head|body|title)\b", re.IGNORECASE)
_HTML_END = re.compile(rb"</html\s*>", re.IGNORECASE)
# Prolog items an XML document may start with before its root element.
_XML_PROLOG = re.compile(rb"\A(?:\s|<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>)*", re.DOTALL)
_XML_ROOT = re.compile(rb"<([A-Za-z_][\w.:-]*)[^>]*?(/?)>")


_Problem = tuple[ErrorPageKind, str]


def _looks_like_html(head: bytes) -> bool:
    return bool(_HTML_MARKER.match(head))


def _check_length(body_size: int, declared: str | None) -> str | None:
    if declared is None or not declared.strip().isdigit():
        return None
    expected = int(declared)
    if body_size < expected:
        return f"body shorter than its Content-Length: {body_size} of {expected} bytes"
    return None


_NON_SPACE = re.compile(rb"\S")


def _last_bytes(content: bytes) -> bytes:
    """The last `_HEAD` bytes before any trailing white space, without copying the whole body."""
    end = len(content)
    while end > 0:
        start = max(0, end - _HEAD)
        kept = len(content[start:end].rstrip())
        if kept:
            stop = start + kept
            return content[max(0, stop - _HEAD):stop]
        end = start
    return b""


# Each check sees the body's first and last few KB, stripped of white space (and of a BOM at the
# start), so that a bulk file of hundreds of MB costs no more than a question's page.


def _check_json(head: bytes, tail: bytes) -> _Problem | None:
    if _looks_like_html(head):
        return "unexpected_type", "HTML where JSON was expected"
    if head[:1] not in (b"{", b"["):
        return "unexpected_type", f"not JSON: starts with {head[:20]!r}"
    if tail[-1:] not in (b"}", b"]"):
        return "truncated", f"JSON cut short: ends with {tail[-20:]!r}"
    return None


def _check_xml(head: bytes, tail: bytes) -> _Problem | None:
    if _looks_like_html(head):
        return "unexpected_type", "HTML where XML was expected"
    prolog = _XML_PROLOG.match(head)
    root = _XML_ROOT.match(head, prolog.end() if prolog else 0)
    if root is None:
        return "unexpected_type", f"not XML: starts with {head[:20]!r}"
    name = root.group(1)
    if name.lower() == b"html":
        return "unexpected_type", "HTML where XML was expected"
    if root.group(2) == b"/" and tail.endswith(b"/>"):
        return None  # the whole document is one empty root element
    if not re.search(rb"</" + re.escape(name) + rb"\s*>\Z", tail):
        return "truncated", f"XML cut short: no closing </{name.decode('ascii', 'replace')}>"
    return None


def _check_html(head: bytes, tail: bytes) -> _Problem | None:
    # Near the end rather than at it: some servers append a comment or a script after </html>.
    if not _HTML_END.search(tail[-1024:]):
        return "truncated", "HTML cut short: no </html> at its end"
    return None


def _check_csv(head: bytes, tail: bytes) -> _Problem | None:
    if _looks_like_html(head):
        return "unexpected_type", "HTML where CSV was expected"
    return None


def _check_zip(head: bytes, tail: bytes) -> _Problem | None:
    if _looks_like_html(head):
        return "unexpected_type", "HTML where a zip archive was expected"
    if not head.startswith(b"PK"):
        return "unexpected_type", f"not a zip archive: starts with {head[:20]!r}"
    return None


def _check_any(head: bytes, tail: bytes) -> _Problem | None:
    return None


_CHECKS: Mapping[Expect, Callable[[bytes, bytes], _Problem | None]] = MappingProxyType({
    "json": _check_json,
    "xml": _check_xml,
    "html": _check_html,
    "csv": _check_csv,
    "zip": _check_zip,
    "any": _check_any,
})


def check_body(url: str, expect: Expect, content: bytes, *, received: int | None = None,
               content_length: str | None = None) -> None:
    """Raise `ErrorPage` when `content`, served with a success status, is not data of the kind
    expected. `received` is the size on the wire (before decompression), compared with the
    declared `content_length`. Cheap checks only: the parsers do the real reading."""
    short = _check_length(len(content) if received is None else received, content_length)
    if short:
        raise ErrorPage(url, short, "truncated")
    first = _NON_SPACE.search(content, len(_BOM) if content.startswith(_BOM) else 0)
    if first is None:
        raise ErrorPage(url, "empty body", "empty")
    _check_kind(url, expect, content[first.start():first.start() + _HEAD], _last_bytes(content))


def _check_kind(url: str, expect: Expect, head: bytes, tail: bytes) -> None:
    for marker in _SERVER_ERROR_MARKERS:
        found = marker.search(head)
        if found:
            raise ErrorPage(url, f"server error page: {found.group(0)[:60]!r}", "server_error")
    problem = _CHECKS[expect](head, tail)
    if problem:
        raise ErrorPage(url, problem[1], problem[0])


def _check_head(url: str, expect: DownloadExpect, head: bytes) -> None:
    """`check_body` for the first bytes of a body being streamed to disk (the kinds it takes need no
    more): an error page served with a success status is refused before it is written anywhere."""
    first = _NON_SPACE.search(head, len(_BOM) if head.startswith(_BOM) else 0)
    if first is not None:  # only white space so far: the length checks at the end will tell
        start = head[first.start():first.start() + _HEAD]
        _check_kind(url, expect, start, start)


# --- Retry-After ----------------------------------------------------------------------------


def parse_retry_after(value: str | None, *, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After value (delay-seconds or HTTP-date), None when absent or
    unreadable. A date in the past means no wait."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if math.isfinite(seconds) else None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # "-0000" dates come back naive; HTTP dates are always GMT
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def _server_now(response: httpx.Response) -> datetime:
    """The server's clock (its Date header) when it sent one, so that a Retry-After date is read
    against the clock it was written with, whatever our own clock's skew."""
    date = response.headers.get("date")
    if date:
        with contextlib.suppress(TypeError, ValueError):
            when = email.utils.parsedate_to_datetime(date)
            return when if when.tzinfo else when.replace(tzinfo=UTC)
    return datetime.now(UTC)


# --- the persistent conditional-GET cache ---------------------------------------------------

_CACHE_MAGIC = b"relance-http-cache 1\n"
# Headers that describe the transfer, not the representation: never stored or merged.
_TRANSFER_HEADERS = frozenset({
    "connection", "content-encoding", "content-length", "keep-alive", "transfer-encoding",
})


@dataclass(frozen=True, slots=True)
class _CacheEntry:
    url: str
    content: bytes
    charset: str | None
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")


class _DiskCache:
    """One file per URL under `root/<2 hex>/<sha256 of the URL>`: the magic line, one line of JSON
    metadata (URL, charset, headers, body length and sha256), then the body. One file per entry so
    that `os.replace` swaps it atomically; the digest lets a torn or edited file be detected and
    ignored."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, url: str) -> Path:
        key = hashlib.sha256(url.encode("utf-8")).hexdigest()
        return self.root / key[:2] / key

    def load(self, url: str) -> _CacheEntry | None:
        path = self._path(url)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as error:
            log.warning("http cache: cannot read %s (%s); fetching afresh", path, error)
            return None
        entry = self._decode(url, raw)
        if entry is None:
            log.warning("http cache: ignoring corrupt entry %s for %s", path, url)
        return entry

    @staticmethod
    def _decode(url: str, raw: bytes) -> _CacheEntry | None:
        if not raw.startswith(_CACHE_MAGIC):
            return None
        meta_line, newline, content = raw[len(_CACHE_MAGIC):].partition(b"\n")
        try:
            meta: object = json.loads(meta_line)
        except ValueError:  # not JSON, or not UTF-8
            return None
        if not newline or not isinstance(meta, dict):
            return None
        charset, headers = meta.get("charset"), meta.get("headers")
        intact = (meta.get("url") == url and meta.get("length") == len(content)
                  and meta.get("sha256") == hashlib.sha256(content).hexdigest())
        if not intact or not (charset is None or isinstance(charset, str)):
            return None
        if not isinstance(headers, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in headers.items()):
            return None
        return _CacheEntry(url, content, charset, MappingProxyType(headers))

    def store(self, entry: _CacheEntry) -> None:
        """Write atomically; a failure is logged, never raised: the fetch itself succeeded."""
        path = self._path(entry.url)
        meta = {"url": entry.url, "charset": entry.charset, "headers": dict(entry.headers),
                "length": len(entry.content), "sha256": hashlib.sha256(entry.content).hexdigest()}
        data = _CACHE_MAGIC + json.dumps(meta).encode("utf-8") + b"\n" + entry.content
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            try:
                # No fsync: an entry lost or torn by a power cut fails its sha256 check and costs
                # one full download, while an fsync per question doubled the cost of a cycle.
                with os.fdopen(handle, "wb") as out:
                    out.write(data)
                os.replace(temp, path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temp)
                raise
        except OSError as error:
            log.warning("http cache: cannot write %s for %s (%s)", path, entry.url, error)


# --- politeness -----------------------------------------------------------------------------


@dataclass(slots=True)
class _HostPace:
    lock: threading.Lock = field(default_factory=threading.Lock)
    last_start: float | None = None


def _host_of(url: str) -> str:
    try:
        return httpx.URL(url).host.lower()
    except httpx.InvalidURL:
        return ""


# --- the client -----------------------------------------------------------------------------


class PoliteClient:
    """A synchronous, thread-safe client; share one per process. `transport`, `sleep` and
    `monotonic` are there for tests."""

    def __init__(self, settings: HttpSettings, *, transport: httpx.BaseTransport | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self._sleep = sleep
        self._monotonic = monotonic
        self._random = random.Random()
        self._slots = threading.BoundedSemaphore(settings.max_concurrency)
        self._paces: dict[str, _HostPace] = {}
        self._paces_lock = threading.Lock()
        self._cache = _DiskCache(settings.cache_dir) if settings.cache_dir else None
        self._client = httpx.Client(
            transport=transport,
            timeout=settings.timeout,
            follow_redirects=True,
            max_redirects=MAX_REDIRECTS,
            headers={"User-Agent": settings.user_agent},
            limits=httpx.Limits(max_connections=settings.max_concurrency),
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    def get(self, url: str, *, expect: Expect = "any") -> Fetched:
        """Fetch `url` and check that the body is plausibly of the `expect`ed kind. Raises a
        `FetchError` subclass once retries are exhausted or not worth it."""
        cached = self._cache.load(url) if self._cache else None
        retried = 0
        body_retried = False
        while True:
            try:
                return self._attempt(url, expect, cached)
            except FetchError as error:
                delay = self._retry_delay(error, retried, body_retried)
                if delay is None:
                    raise
                body_retried = body_retried or _is_body_error(error)
                retried += 1
                log.info("retry %d/%d of %s in %.1fs after: %s",
                         retried, self.settings.retries, url, delay, error.message)
                self._sleep(delay)

    def download(self, url: str, path: Path, *, current: Validators | None = None,
                 partial: Validators | None = None,
                 on_start: Callable[[Validators, int | None], None] | None = None,
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
        retried = 0
        body_retried = False
        while True:
            try:
                return self._download_attempt(url, path, current=current, partial=partial, on_start=on_start,
                                              expect=expect)
            except _Restart as restart:
                log.info("download of %s restarts from its first byte: %s", url, restart)
                partial = None
                partial_path(path).unlink(missing_ok=True)
                continue
            except _Started as started:
                # The transfer had started: a retry resumes it, with the validators it started with.
                partial, error = started.validators, started.error
            except FetchError as failed:
                error = failed
            delay = self._retry_delay(error, retried, body_retried)
            if delay is None:
                raise error
            body_retried = body_retried or _is_body_error(error)
            retried += 1
            log.info("retry %d/%d of %s in %.1fs after: %s",
                     retried, self.settings.retries, url, delay, error.message)
            self._sleep(delay)

    def _download_attempt(self, url: str, path: Path, *, current: Validators | None, partial: Validators | None,
                          on_start: Callable[[Validators, int | None], None] | None,
                          expect: DownloadExpect) -> Downloaded:
        part = partial_path(path)
        offset = part.stat().st_size if part.exists() else 0
        if_range = partial.if_range if partial is not None else None
        # Ranges count bytes of the file itself: no content coding, or a resumed gzip would not splice.
        headers = {"Accept": ACCEPT[expect], "Accept-Encoding": "identity"}
        if offset and if_range:
            headers |= {"Range": f"bytes={offset}-", "If-Range": if_range}
        else:
            offset = 0
            if current is not None and path.exists():
                if current.etag:
                    headers["If-None-Match"] = current.etag
                if current.last_modified:
                    headers["If-Modified-Since"] = current.last_modified
        with (self._polite_slot(_host_of(url)), self._httpx_errors(url),
              self._client.stream("GET", url, headers=headers) as response):
            status = response.status_code
            if status == 304 and ("If-None-Match" in headers or "If-Modified-Since" in headers):
                assert current is not None
                return Downloaded(url, path, 304, _merged(current, response), path.stat().st_size, None)
            if status == 416 and offset:
                raise _Restart(f"HTTP 416 for bytes {offset}- (the partial file is no longer a prefix)")
            self._check_status(url, response)
            if status == 206:
                start, total = _content_range(response.headers.get("content-range"))
                if start != offset:
                    raise _Restart(f"206 for bytes {start}- where bytes {offset}- were asked for")
            else:
                offset, total = 0, _declared_length(response.headers.get("content-length"))
            validators = Validators(response.headers.get("etag"), response.headers.get("last-modified"))
            if on_start is not None:
                on_start(validators, total)
            try:
                with self._httpx_errors(url):
                    digest, received = self._stream_to(response, part, offset, url, expect)
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

    def _stream_to(self, response: httpx.Response, part: Path, offset: int, url: str,
                   expect: DownloadExpect) -> tuple[str, int]:
        """Write the body after the first `offset` bytes of `part` (truncating anything beyond);
        return the whole file's sha256 and the bytes received."""
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
                chunk = piece
                if head is not None:
                    head += piece
                    if len(head) < _HEAD:
                        continue
                    _check_head(url, expect, head)
                    chunk, head = head, None
                out.write(chunk)
                digest.update(chunk)
                received += len(chunk)
            if head:
                _check_head(url, expect, head)
                out.write(head)
                digest.update(head)
                received += len(head)
        return digest.hexdigest(), received

    # -- retry policy --

    def _retry_delay(self, error: FetchError, retried: int, body_retried: bool) -> float | None:
        """Seconds to wait before the next attempt, or None to give up and raise `error`."""
        if retried >= self.settings.retries:
            return None
        if isinstance(error, ErrorPage):
            if error.kind == "server_error" or (error.kind in ONCE_RETRYABLE_PAGES
                                                and not body_retried):
                return self._backoff(retried)
            return None
        if isinstance(error, HttpStatusError):
            if error.status not in RETRYABLE_STATUSES:
                return None
            if error.retry_after is not None:
                # Longer than we wait: the caller had better come back later than hold a thread.
                if error.retry_after > self.settings.max_retry_after:
                    return None
                return error.retry_after
            return self._backoff(retried)
        if isinstance(error, TransportError):
            return self._backoff(retried)
        return None

    def _backoff(self, retried: int) -> float:
        # "Equal jitter": half the exponential step for sure, half at random, so that clients
        # retrying together spread out yet each still backs off.
        step = min(self.settings.backoff_max, self.settings.backoff_base * 2.0**retried)
        return step / 2 + self._random.uniform(0, step / 2)

    # -- one attempt --

    def _attempt(self, url: str, expect: Expect, cached: _CacheEntry | None) -> Fetched:
        headers = {"Accept": ACCEPT[expect], **_conditional_headers(cached)}
        with self._polite_slot(_host_of(url)):
            response = self._send(url, headers)
        if response.status_code == 304 and cached is not None:
            return self._revalidated(response, cached)
        self._check_status(url, response)
        # Content-Length counts the bytes on the wire, so compare it with those, not with the
        # decompressed body.
        check_body(url, expect, response.content, received=response.num_bytes_downloaded,
                   content_length=response.headers.get("content-length"))
        fetched = Fetched(url=url, status=response.status_code, content=response.content,
                          charset=response.charset_encoding,
                          headers=MappingProxyType(_lower_headers(response)))
        self._remember(fetched)
        return fetched

    @contextlib.contextmanager
    def _polite_slot(self, host: str) -> Iterator[None]:
        """Wait for this host's turn, then for a free slot. The host lock is held while waiting
        for the slot so that the recorded start is the real start; only requests to the same host,
        which must wait anyway, queue behind it."""
        pace = self._pace(host)
        with pace.lock:
            if pace.last_start is not None:
                wait = pace.last_start + self.settings.min_interval - self._monotonic()
                if wait > 0:
                    self._sleep(wait)
            self._slots.acquire()
            pace.last_start = self._monotonic()
        try:
            yield
        finally:
            self._slots.release()

    def _pace(self, host: str) -> _HostPace:
        with self._paces_lock:
            return self._paces.setdefault(host, _HostPace())

    def _send(self, url: str, headers: Mapping[str, str]) -> httpx.Response:
        """One GET, body read in full; httpx's exceptions become ours."""
        with self._httpx_errors(url):
            return self._client.get(url, headers=headers)

    @contextlib.contextmanager
    def _httpx_errors(self, url: str) -> Iterator[None]:
        """httpx's exceptions, raised by the block, become ours."""
        try:
            yield
        except httpx.UnsupportedProtocol as error:
            raise FetchError(url, f"unsupported address: {error}") from error
        except httpx.TimeoutException as error:
            raise TransportError(
                url, f"{type(error).__name__} after {self.settings.timeout:g}s") from error
        except httpx.TransportError as error:
            raise TransportError(url, f"{type(error).__name__}: {error}") from error
        except httpx.DecodingError as error:
            # A compressed body that does not decompress was almost always cut short.
            raise ErrorPage(url, f"body does not decode: {error}", "truncated") from error
        except httpx.TooManyRedirects as error:
            raise FetchError(url, f"more than {MAX_REDIRECTS} redirects") from error
        except (httpx.HTTPError, httpx.InvalidURL) as error:
            raise FetchError(url, f"{type(error).__name__}: {error}") from error

    def _check_status(self, url: str, response: httpx.Response) -> None:
        status = response.status_code
        if 200 <= status < 300:
            return
        if status in NOT_FOUND_STATUSES:
            raise NotFound(url, status)
        retry_after = None
        if status in (429, 503):
            retry_after = parse_retry_after(response.headers.get("retry-after"),
                                            now=_server_now(response))
        too_long = retry_after is not None and retry_after > self.settings.max_retry_after
        if status == 429 or too_long:
            detail = f"HTTP {status}"
            if retry_after is not None:
                detail += f", Retry-After {retry_after:g}s"
            if too_long:
                detail += f", more than the {self.settings.max_retry_after:g}s we wait"
            raise RateLimited(url, status, detail, retry_after=retry_after)
        if status == 304:
            raise HttpStatusError(url, status, "HTTP 304 but no cached copy to reuse")
        raise HttpStatusError(url, status, retry_after=retry_after)

    # -- cache --

    def _revalidated(self, response: httpx.Response, cached: _CacheEntry) -> Fetched:
        headers = dict(cached.headers)
        headers.update((k, v) for k, v in _lower_headers(response).items()
                       if k not in _TRANSFER_HEADERS)
        if (headers.get("etag"), headers.get("last-modified")) != (cached.etag,
                                                                  cached.last_modified):
            self._store(_CacheEntry(cached.url, cached.content, cached.charset, headers))
        return Fetched(url=cached.url, status=response.status_code, content=cached.content,
                       charset=cached.charset, headers=MappingProxyType(headers),
                       revalidated=True)

    def _remember(self, fetched: Fetched) -> None:
        """Keep a validated body for the next conditional GET; without a validator (ETag or
        Last-Modified) there is nothing to revalidate with, so nothing is kept."""
        headers = {k: v for k, v in fetched.headers.items() if k not in _TRANSFER_HEADERS}
        if "etag" in headers or "last-modified" in headers:
            self._store(_CacheEntry(fetched.url, fetched.content, fetched.charset, headers))

    def _store(self, entry: _CacheEntry) -> None:
        if self._cache is not None:
            self._cache.store(entry)


_CHUNK = 1 << 16


class _Restart(Exception):
    """The partial file cannot be continued: start the transfer again from its first byte."""


class _Started(Exception):
    """A download attempt failed after its transfer started, with the validators it started with."""

    def __init__(self, validators: Validators, error: FetchError) -> None:
        self.validators, self.error = validators, error
        super().__init__(str(error))


_CONTENT_RANGE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+|\*)", re.IGNORECASE)


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


def _conditional_headers(cached: _CacheEntry | None) -> dict[str, str]:
    headers: dict[str, str] = {}
    if cached is not None:
        if cached.etag:
            headers["If-None-Match"] = cached.etag
        if cached.last_modified:
            headers["If-Modified-Since"] = cached.last_modified
    return headers


def _is_body_error(error: FetchError) -> bool:
    return isinstance(error, ErrorPage) and error.kind in ONCE_RETRYABLE_PAGES


def _lower_headers(response: httpx.Response) -> dict[str, str]:
    return {key.lower(): value for key, value in response.headers.items()}

