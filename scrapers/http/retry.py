"""Which failed fetches are tried again, and after how long: the rules, given to tenacity.

What is retried (at most `retries` extra attempts in all, back-off `backoff_base * 2**n` with
"equal jitter", capped at `backoff_max`, or the server's `Retry-After` when it sends one):
- `TransportError` (timeouts, refused or reset connections, short reads);
- status 429, 500, 502, 503, 504;
- `ErrorPage` of kind `server_error` (an "Error 503" page served with 200);
- `ErrorPage` of kind `empty` or `truncated`: **once** only. A body cut short is usually a dropped
  upstream connection that one retry cures; if the second copy is cut short too the problem is
  not transient and retrying more would only cost the site.
Never retried: 404/410 (`NotFound`), other 4xx, `ErrorPage` of kind `unexpected_type` (HTML where
JSON was expected and not a server-error page: the address is wrong, not the moment), a
`Retry-After` longer than `max_retry_after` (`RateLimited` at once: waiting that long inside one
fetch would stall the whole check cycle; the caller reschedules instead), and any exception that is
not a `FetchError`.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable

import tenacity

from scrapers.http.bounds import Deadline
from scrapers.http.exceptions import ErrorPage, ErrorPageKind, FetchError, HttpStatusError, TransportError
from scrapers.http.settings import HttpSettings

log = logging.getLogger(__name__)

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
# The kinds of error page that one more attempt may cure, once.
ONCE_RETRYABLE_PAGES: frozenset[ErrorPageKind] = frozenset({"empty", "truncated"})


def retrying(settings: HttpSettings, url: str, *, sleep: Callable[[float], None],
             rng: random.Random, deadline: Deadline | None = None) -> tenacity.Retrying:
    """The retry loop for one fetch of `url`: call it with the attempt. The last error is raised as
    it is (never wrapped in tenacity's `RetryError`). With a `deadline`, no retry starts whose wait
    would end after it: the fetch gives up with the last error instead."""
    policy = _Policy(settings, rng)
    stop: tenacity.stop.stop_base = tenacity.stop_after_attempt(settings.retries + 1)
    if deadline is not None:
        stop = stop | _StopBefore(deadline)
    return tenacity.Retrying(
        stop=stop,
        retry=policy.retry,
        wait=policy.wait,
        sleep=sleep,
        before_sleep=lambda state: _log_retry(state, settings.retries, url),
        reraise=True,
    )


class _StopBefore(tenacity.stop.stop_base):
    """Stop when the wait before the next attempt would reach `deadline` (tenacity computes the wait
    before it asks whether to stop)."""

    def __init__(self, deadline: Deadline) -> None:
        self.deadline = deadline

    def __call__(self, retry_state: tenacity.RetryCallState) -> bool:
        return retry_state.upcoming_sleep >= self.deadline.remaining()


class _Policy:
    """The rules of one fetch, as tenacity's `retry` and `wait`; it remembers whether the one retry
    a cut-short body deserves was already spent."""

    def __init__(self, settings: HttpSettings, rng: random.Random) -> None:
        self.settings = settings
        self.rng = rng
        self.body_retried = False

    def retry(self, state: tenacity.RetryCallState) -> bool:
        error = _error(state)
        if error is None or not self._retryable(error):
            return False
        self.body_retried = self.body_retried or _is_body_error(error)
        return True

    def _retryable(self, error: FetchError) -> bool:
        if isinstance(error, ErrorPage):
            return error.kind == "server_error" or (_is_body_error(error) and not self.body_retried)
        if isinstance(error, HttpStatusError):
            # A Retry-After longer than we wait: the caller had better come back later than hold a thread.
            return error.status in RETRYABLE_STATUSES and (
                error.retry_after is None or error.retry_after <= self.settings.max_retry_after)
        return isinstance(error, TransportError)

    def wait(self, state: tenacity.RetryCallState) -> float:
        error = _error(state)
        if isinstance(error, HttpStatusError) and error.retry_after is not None:
            return error.retry_after
        # "Equal jitter": half the exponential step for sure, half at random, so that clients
        # retrying together spread out yet each still backs off.
        retried = state.attempt_number - 1
        step = min(self.settings.backoff_max, self.settings.backoff_base * 2.0**retried)
        return step / 2 + self.rng.uniform(0, step / 2)


def _error(state: tenacity.RetryCallState) -> FetchError | None:
    error = state.outcome.exception() if state.outcome is not None and state.outcome.failed else None
    return error if isinstance(error, FetchError) else None


def _is_body_error(error: FetchError) -> bool:
    return isinstance(error, ErrorPage) and error.kind in ONCE_RETRYABLE_PAGES


def _log_retry(state: tenacity.RetryCallState, retries: int, url: str) -> None:
    error = _error(state)
    delay = state.next_action.sleep if state.next_action is not None else 0.0
    log.info("retry %d/%d of %s in %.1fs after: %s", state.attempt_number, retries, url, delay,
             error.message if error else "")
