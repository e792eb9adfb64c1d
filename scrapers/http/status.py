"""What an HTTP status means to relance: the typed error it raises, with the server's Retry-After."""

from __future__ import annotations

import contextlib
import email.utils
import math
from datetime import UTC, datetime

import httpx

from scrapers.http.exceptions import HttpStatusError, NotFound, RateLimited

NOT_FOUND_STATUSES = frozenset({404, 410})


def check_status(url: str, response: httpx.Response, *, max_retry_after: float) -> None:
    """Raise the error a non-2xx `response` stands for; a Retry-After longer than `max_retry_after`
    makes it `RateLimited`, which is never retried."""
    status = response.status_code
    if 200 <= status < 300:
        return
    if status in NOT_FOUND_STATUSES:
        raise NotFound(url, status)
    retry_after = None
    if status in (429, 503):
        retry_after = parse_retry_after(response.headers.get("retry-after"), now=server_now(response))
    too_long = retry_after is not None and retry_after > max_retry_after
    if status == 429 or too_long:
        detail = f"HTTP {status}"
        if retry_after is not None:
            detail += f", Retry-After {retry_after:g}s"
        if too_long:
            detail += f", more than the {max_retry_after:g}s we wait"
        raise RateLimited(url, status, detail, retry_after=retry_after)
    if status == 304:
        raise HttpStatusError(url, status, "HTTP 304 but no cached copy to reuse")
    raise HttpStatusError(url, status, retry_after=retry_after)


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


def server_now(response: httpx.Response) -> datetime:
    """The server's clock (its Date header) when it sent one, so that a Retry-After date is read
    against the clock it was written with, whatever our own clock's skew."""
    date = response.headers.get("date")
    if date:
        with contextlib.suppress(TypeError, ValueError):
            when = email.utils.parsedate_to_datetime(date)
            return when if when.tzinfo else when.replace(tzinfo=UTC)
    return datetime.now(UTC)
