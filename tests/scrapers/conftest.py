"""Fixtures of the HTTP client's tests: one threaded server on 127.0.0.1 per module, and clients
with fast defaults whose sleeps are recorded."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest
from pytest_httpserver import HTTPServer

from scrapers.http import HttpSettings, PoliteClient
from tests.scrapers.http_site import UA, Sleeps


@pytest.fixture(scope="module")
def server() -> Iterator[HTTPServer]:
    # Threaded, so that concurrency and timeouts behave as with a real site.
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def site(server: HTTPServer) -> Iterator[HTTPServer]:
    server.clear()
    yield server
    server.clear()


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def make_client(sleeps: Sleeps) -> Iterator[Callable[..., PoliteClient]]:
    """Clients with fast defaults: no pace, tiny back-off, sleeps recorded (really slept with
    `real_sleep=True`); `transport` replaces httpx's own."""
    clients: list[PoliteClient] = []

    def make(*, real_sleep: bool = False, transport: httpx.BaseTransport | None = None,
             **overrides: object) -> PoliteClient:
        options: dict[str, object] = {"user_agent": UA, "timeout": 2.0, "min_interval": 0.0,
                                      "retries": 3, "backoff_base": 0.01, "backoff_max": 0.08}
        options.update(overrides)
        settings = HttpSettings(**options)  # type: ignore[arg-type]
        client = (PoliteClient(settings, transport=transport) if real_sleep
                  else PoliteClient(settings, transport=transport, sleep=sleeps))
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()
