"""Politeness: requests to one host start at least `min_interval` apart, and at most
`max_concurrency` requests are in flight at once, across all threads."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field


@dataclass(slots=True)
class _HostPace:
    lock: threading.Lock = field(default_factory=threading.Lock)
    last_start: float | None = None


class Pacer:
    """Hands out slots: one host's turn, then one of the global ones. `sleep` and `monotonic` are
    the clock, passed in so that tests can watch it."""

    def __init__(self, min_interval: float, max_concurrency: int, *, sleep: Callable[[float], None],
                 monotonic: Callable[[], float]) -> None:
        self.min_interval = min_interval
        self._sleep = sleep
        self._monotonic = monotonic
        self._slots = threading.BoundedSemaphore(max_concurrency)
        self._paces: dict[str, _HostPace] = {}
        self._paces_lock = threading.Lock()

    @contextlib.contextmanager
    def slot(self, host: str) -> Iterator[None]:
        """Wait for this host's turn, then for a free slot. The host lock is held while waiting
        for the slot so that the recorded start is the real start; only requests to the same host,
        which must wait anyway, queue behind it."""
        pace = self._pace(host)
        with pace.lock:
            if pace.last_start is not None:
                wait = pace.last_start + self.min_interval - self._monotonic()
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
