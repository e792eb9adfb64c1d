"""Bounds against a hostile or broken server: a body larger than its cap is refused as it arrives,
counted after decompression (a 1 MB gzip bomb is 1 GB decoded, and is never decoded whole), and a
request has a total deadline (connect, every read and write, redirects included), so that a server
dripping one byte a second cannot hold a fetch longer than that, whatever the per-read timeout.

The deadline is enforced inside the socket operations themselves: `DeadlineBackend` wraps httpcore's
network backend and gives every connect, read and write at most the time left to the request the
calling thread is making (`deadline_of_thread`), so even a server that drips its headers is cut off.
"""

from __future__ import annotations

import contextlib
import threading
import time
import typing
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import httpcore

from scrapers.http.exceptions import FetchError, TooLarge

_DECODE_STEP = 1 << 16  # decoded bytes produced at a time: memory stays at the cap plus this
ACCEPT_ENCODING = "gzip, deflate"  # what `BoundedDecoder` can decode, so all that is asked for


@dataclass(frozen=True, slots=True)
class Deadline:
    """The instant (`time.monotonic`) by which something must be done; `clock` is there for tests."""

    end: float
    seconds: float  # as it was given, for messages
    clock: Callable[[], float] = time.monotonic

    @classmethod
    def after(cls, seconds: float, clock: Callable[[], float] = time.monotonic) -> Deadline:
        return cls(clock() + seconds, seconds, clock)

    def remaining(self) -> float:
        return self.end - self.clock()

    def sooner(self, other: Deadline | None) -> Deadline:
        return self if other is None or self.end <= other.end else other


_current = threading.local()


@contextlib.contextmanager
def deadline_of_thread(deadline: Deadline) -> Iterator[None]:
    """Every socket operation of this thread within the block ends by `deadline`."""
    previous = getattr(_current, "deadline", None)
    _current.deadline = deadline
    try:
        yield
    finally:
        _current.deadline = previous


def _bounded(timeout: float | None, error: type[Exception]) -> float | None:
    deadline: Deadline | None = getattr(_current, "deadline", None)
    if deadline is None:
        return timeout
    left = deadline.remaining()
    if left <= 0:
        raise error(f"the request's deadline of {deadline.seconds:g}s has passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _bounded(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _bounded(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(self, ssl_context: typing.Any, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self._stream.start_tls(ssl_context, server_hostname,
                                                      _bounded(timeout, httpcore.ConnectTimeout)))

    def get_extra_info(self, info: str) -> typing.Any:
        return self._stream.get_extra_info(info)


class DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's network backend, each operation bounded by the calling thread's deadline."""

    def __init__(self, backend: httpcore.NetworkBackend) -> None:
        self._backend = backend

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Iterable[typing.Any] | None = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self._backend.connect_tcp(host, port, _bounded(timeout, httpcore.ConnectTimeout),
                                                         local_address, socket_options))

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable[typing.Any] | None = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self._backend.connect_unix_socket(
            path, _bounded(timeout, httpcore.ConnectTimeout), socket_options))

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


class BoundedDecoder:
    """A body's content coding undone (identity, gzip, deflate), refusing more than `limit` decoded
    bytes: each compressed piece is decoded `_DECODE_STEP` bytes at a time, so a bomb costs no more
    memory than the cap. `what` names the cap in the error (`[http] max_body_mb`)."""

    def __init__(self, url: str, coding: str | None, limit: int, what: str) -> None:
        self.url, self.limit, self.what = url, limit, what
        self.size = 0
        coding = (coding or "identity").strip().lower()
        if coding in ("gzip", "x-gzip"):
            self._zlib: zlib._Decompress | None = zlib.decompressobj(zlib.MAX_WBITS | 16)
        elif coding == "deflate":
            self._zlib = None  # zlib-wrapped or raw, told by the first bytes (as httpx does)
        elif coding == "identity":
            self._zlib = None
        else:
            raise FetchError(url, f"content coding {coding!r} not supported (asked for {ACCEPT_ENCODING})")
        self._deflate = coding == "deflate"

    def feed(self, raw: bytes) -> Iterator[bytes]:
        """The decoded bytes of the next piece `raw` of the body, a step at a time."""
        if self._deflate:
            self._zlib, self._deflate = _deflate_for(raw), False
        if self._zlib is None:
            yield self._counted(raw)
            return
        try:
            data = raw
            while data:
                piece = self._zlib.decompress(data, _DECODE_STEP)
                yield self._counted(piece)
                data = self._zlib.unconsumed_tail
        except zlib.error as error:
            raise FetchError(self.url, f"body does not decode: {error}") from error

    def _counted(self, piece: bytes) -> bytes:
        self.size += len(piece)
        if self.size > self.limit:
            raise TooLarge(self.url, self.limit, self.what)
        return piece


def _deflate_for(first: bytes) -> zlib._Decompress:
    # "deflate" is meant to be zlib-wrapped (RFC 9110), but some servers send it raw.
    zlib_header = len(first) >= 2 and (first[0] & 0x0F) == 8 and (first[0] << 8 | first[1]) % 31 == 0
    return zlib.decompressobj(zlib.MAX_WBITS if zlib_header else -zlib.MAX_WBITS)


def read_capped(url: str, pieces: Iterable[bytes], coding: str | None, limit: int, what: str) -> bytes:
    """The whole decoded body from its raw `pieces`; `TooLarge` as soon as it passes `limit`."""
    decoder = BoundedDecoder(url, coding, limit, what)
    return b"".join(decoded for raw in pieces for decoded in decoder.feed(raw))
