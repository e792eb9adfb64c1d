"""How many requests relance sends to each site: every HTTP request that goes out (a page, a 304, a
retry, a failure, each attempt of a download) is counted by host.

The counts are the process's (`REQUESTS`, shared by every `PoliteClient`), kept in memory and handed
over by `take`: the caller that owns a database (bot/app/budget.py) stores them per day after each
check cycle or import. Nothing here knows of days or databases.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping

import httpx

from scrapers.http.bounds import Deadline
from scrapers.http.settings import HttpSettings
from scrapers.http.wire import Received, Wire, host_of


class RequestTally:
    """Requests counted by host since the last `take`; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()

    def count(self, url: str) -> None:
        with self._lock:
            self._counts[host_of(url) or "?"] += 1

    def peek(self) -> dict[str, int]:
        """The counts so far, left in place."""
        with self._lock:
            return dict(self._counts)

    def take(self) -> dict[str, int]:
        """The counts so far, by host; the tally starts again from zero."""
        with self._lock:
            counts, self._counts = dict(self._counts), Counter()
        return counts


REQUESTS = RequestTally()  # the process's: every client counts here unless given another tally


class CountedWire(Wire):
    """The paced wire, counting each request it sends in `tally` (one per attempt: retries count)."""

    def __init__(self, settings: HttpSettings, *, tally: RequestTally, transport: httpx.BaseTransport | None = None,
                 sleep: Callable[[float], None] = time.sleep, monotonic: Callable[[], float] = time.monotonic) -> None:
        super().__init__(settings, transport=transport, sleep=sleep, monotonic=monotonic)
        self.tally = tally

    def get(self, url: str, headers: Mapping[str, str], *, deadline: Deadline | None = None,
            bulk: bool = False) -> Received:
        self.tally.count(url)
        return super().get(url, headers, deadline=deadline, bulk=bulk)

    @contextlib.contextmanager
    def stream(self, url: str, headers: Mapping[str, str], *, deadline: Deadline | None = None,
               seconds: float | None = None) -> Iterator[httpx.Response]:
        self.tally.count(url)
        with super().stream(url, headers, deadline=deadline, seconds=seconds) as response:
            yield response
