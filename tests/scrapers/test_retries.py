"""The polite HTTP client's retries against a real HTTP server on 127.0.0.1: which failures are tried
again, after how long (sleeps are recorded, not slept), and Retry-After.

The fixtures (`site`, a threaded server on 127.0.0.1, and `make_client`) are in tests/scrapers/conftest.py.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from scrapers.http import (
    HttpStatusError,
    NotFound,
    PoliteClient,
    RateLimited,
    TransportError,
    parse_retry_after,
)
from tests.scrapers.http_site import (
    JSON,
    Sleeps,
    json_reply,
    replies,
    requests_seen,
)

# --- retries and Retry-After -----------------------------------------------------------------


def test_429_with_retry_after_seconds_waits_then_succeeds(
        site: HTTPServer, make_client: Callable[..., PoliteClient], sleeps: Sleeps) -> None:
    site.expect_request("/q.json").respond_with_handler(
        replies((429, b"slow down", {"Retry-After": "2"}), json_reply()))
    fetched = make_client().get(site.url_for("/q.json"), expect="json")
    assert fetched.content == JSON
    assert sleeps == [2.0]
    assert len(requests_seen(site)) == 2


def test_503_with_retry_after_http_date(
        site: HTTPServer, make_client: Callable[..., PoliteClient], sleeps: Sleeps) -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=4), usegmt=True)
    site.expect_request("/q.json").respond_with_handler(
        replies((503, b"busy", {"Retry-After": when}), json_reply()))
    assert make_client().get(site.url_for("/q.json")).content == JSON
    (slept,) = sleeps
    assert 2.5 <= slept <= 5.0  # HTTP dates have a one-second resolution


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_above_the_maximum_raises_rate_limited_at_once(
        site: HTTPServer, make_client: Callable[..., PoliteClient], sleeps: Sleeps,
        status: int) -> None:
    site.expect_request("/q.json").respond_with_handler(
        replies((status, b"come back tomorrow", {"Retry-After": "3600"})))
    with pytest.raises(RateLimited) as raised:
        make_client(max_retry_after=300).get(site.url_for("/q.json"))
    assert (raised.value.status, raised.value.retry_after) == (status, 3600.0)
    assert raised.value.url == site.url_for("/q.json")
    assert "3600" in str(raised.value)
    assert sleeps == []
    assert len(requests_seen(site)) == 1


def test_429_forever_raises_rate_limited_after_retries(
        site: HTTPServer, make_client: Callable[..., PoliteClient], sleeps: Sleeps) -> None:
    site.expect_request("/q.json").respond_with_handler(replies((429, b"", {})))
    with pytest.raises(RateLimited) as raised:
        make_client(retries=2).get(site.url_for("/q.json"))
    assert raised.value.retry_after is None
    assert len(requests_seen(site)) == 3
    assert len(sleeps) == 2


def test_three_503_then_200_succeeds_with_growing_back_off(
        site: HTTPServer, make_client: Callable[..., PoliteClient], sleeps: Sleeps) -> None:
    site.expect_request("/q.json").respond_with_handler(
        replies(*[(503, b"busy", {})] * 3, json_reply()))
    fetched = make_client(backoff_base=0.01, backoff_max=10).get(site.url_for("/q.json"))
    assert fetched.content == JSON
    assert len(requests_seen(site)) == 4
    # Equal jitter: retry n waits between half and all of base * 2**n.
    for n, slept in enumerate(sleeps):
        assert 0.01 * 2**n / 2 <= slept <= 0.01 * 2**n
    assert len(sleeps) == 3


def test_back_off_is_capped(site: HTTPServer, make_client: Callable[..., PoliteClient],
                            sleeps: Sleeps) -> None:
    site.expect_request("/q.json").respond_with_handler(replies((502, b"", {})))
    with pytest.raises(HttpStatusError):
        make_client(retries=5, backoff_base=1.0, backoff_max=3.0).get(site.url_for("/q.json"))
    assert max(sleeps) <= 3.0


def test_503_forever_raises_http_status_error_after_retries(
        site: HTTPServer, make_client: Callable[..., PoliteClient]) -> None:
    site.expect_request("/q.json").respond_with_handler(replies((503, b"busy", {})))
    with pytest.raises(HttpStatusError) as raised:
        make_client(retries=2).get(site.url_for("/q.json"))
    assert type(raised.value) is HttpStatusError
    assert raised.value.status == 503
    assert str(raised.value) == f"{site.url_for('/q.json')}: HTTP 503"
    assert len(requests_seen(site)) == 3


@pytest.mark.parametrize("status", [404, 410])
def test_not_found_is_not_retried(site: HTTPServer, make_client: Callable[..., PoliteClient],
                                  sleeps: Sleeps, status: int) -> None:
    site.expect_request("/q.json").respond_with_handler(replies((status, b"gone", {})))
    with pytest.raises(NotFound) as raised:
        make_client().get(site.url_for("/q.json"))
    assert raised.value.status == status
    assert len(requests_seen(site)) == 1
    assert sleeps == []


def test_other_client_errors_are_not_retried(
        site: HTTPServer, make_client: Callable[..., PoliteClient]) -> None:
    site.expect_request("/q.json").respond_with_handler(replies((403, b"no", {})))
    with pytest.raises(HttpStatusError) as raised:
        make_client().get(site.url_for("/q.json"))
    assert raised.value.status == 403
    assert len(requests_seen(site)) == 1


def test_read_timeout_is_retried_then_raises_transport_error(
        site: HTTPServer, make_client: Callable[..., PoliteClient], sleeps: Sleeps) -> None:
    arrivals: list[float] = []
    released = threading.Event()

    def slow(request: Request) -> Response:
        arrivals.append(time.monotonic())
        released.wait(timeout=2)  # longer than the client's timeout, until the test is done
        return Response(JSON)

    site.expect_request("/slow").respond_with_handler(slow)
    try:
        with pytest.raises(TransportError, match="ReadTimeout"):
            make_client(timeout=0.15, retries=1).get(site.url_for("/slow"))
    finally:
        released.set()
    assert len(arrivals) == 2
    assert len(sleeps) == 1


def test_connection_refused_is_a_transport_error(
        make_client: Callable[..., PoliteClient]) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(TransportError, match="ConnectError"):
        make_client(retries=1).get(f"http://127.0.0.1:{port}/q.json")


# --- retry-after parsing ---------------------------------------------------------------------


def test_parse_retry_after() -> None:
    now = datetime(2025, 3, 4, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("120", now=now) == 120.0
    assert parse_retry_after(" 0 ", now=now) == 0.0
    assert parse_retry_after("Tue, 04 Mar 2025 12:00:30 GMT", now=now) == 30.0
    assert parse_retry_after("Tue, 04 Mar 2025 11:00:00 GMT", now=now) == 0.0
    assert parse_retry_after("soon", now=now) is None
    assert parse_retry_after(None, now=now) is None
    assert parse_retry_after("nan", now=now) is None
