"""Rate limits for the subscribe form: a sliding window of recent attempts per key, kept in memory.

One window per key ("client:203.0.113.7", "address:alice@example.net"): at most `limit` attempts in
the last `window` seconds. Memory only, on purpose: nothing about people who never subscribed is
written to disk, and `relance serve` is one process (waitress threads share the limiter). A restart
forgets the windows, which at worst lets a few more attempts through.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

MAX_KEYS = 50_000  # beyond this, the keys idle longest are forgotten: memory stays bounded under a flood


@dataclass(frozen=True, slots=True)
class Limit:
    limit: int
    window: float  # seconds


# At most 3 requests an hour for one address (nobody needs more confirmation e-mails than that), and
# 20 an hour from one client address (an office behind one NAT still gets through).
PER_ADDRESS = Limit(3, 3600.0)
PER_CLIENT = Limit(20, 3600.0)


class SlidingWindow:
    """`hit(key)` records an attempt and returns None, or refuses it and returns the seconds to wait."""

    def __init__(self, rule: Limit, clock: Callable[[], float] = time.monotonic, max_keys: int = MAX_KEYS) -> None:
        self.rule = rule
        self.clock = clock
        self.max_keys = max_keys
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> int | None:
        now = self.clock()
        with self._lock:
            hits = self._hits.pop(key, None) or deque()
            while hits and hits[0] <= now - self.rule.window:
                hits.popleft()
            refused = len(hits) >= self.rule.limit
            if not refused:
                hits.append(now)  # a refused attempt is not counted: a flood does not extend the wait
            self._hits[key] = hits  # re-inserted last: the dict's order is the keys' last use
            self._forget_idle()
            if refused:
                return max(1, math.ceil(hits[0] + self.rule.window - now))
            return None

    def _forget_idle(self) -> None:
        while len(self._hits) > self.max_keys:
            del self._hits[next(iter(self._hits))]


@dataclass
class Limiters:
    per_address: SlidingWindow
    per_client: SlidingWindow

    @classmethod
    def default(cls) -> Limiters:
        return cls(SlidingWindow(PER_ADDRESS), SlidingWindow(PER_CLIENT))
