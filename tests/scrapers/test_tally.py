"""Every request the polite client sends is counted by host (scrapers/http/tally.py): a page, a 304, each
retry, a failure, each attempt of a download; against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from scrapers.http import FetchError, HttpSettings, PoliteClient
from scrapers.http.tally import REQUESTS, RequestTally
from tests.scrapers.http_site import UA, Sleeps, json_reply, replies, requests_seen


def client(tally: RequestTally, **overrides: object) -> PoliteClient:
    options: dict[str, object] = {"user_agent": UA, "timeout": 2.0, "min_interval": 0.0, "retries": 2,
                                  "backoff_base": 0.01, "backoff_max": 0.02}
    options.update(overrides)
    return PoliteClient(HttpSettings(**options), sleep=Sleeps(), tally=tally)  # type: ignore[arg-type]


def test_pages_304s_retries_and_failures_are_each_one_request(site: HTTPServer, tmp_path: Path) -> None:
    tally = RequestTally()
    site.expect_request("/q.json").respond_with_handler(replies(
        (503, b"busy", {}), json_reply(ETag='"a"'), (304, b"", {"ETag": '"a"'})))
    with client(tally, cache_dir=tmp_path / "cache") as polite:
        polite.get(site.url_for("/q.json"), expect="json")  # a 503, retried: 200
        assert polite.get(site.url_for("/q.json"), expect="json").revalidated  # a 304
    assert len(requests_seen(site)) == 3
    assert tally.take() == {"127.0.0.1": 3}
    assert tally.take() == {}  # taken: the count starts again


def test_a_site_that_cannot_be_reached_counts_each_attempt() -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    tally = RequestTally()
    with client(tally) as polite, pytest.raises(FetchError):
        polite.get(f"http://127.0.0.1:{port}/q.json", expect="json")
    assert tally.take() == {"127.0.0.1": 3}  # the first try and two retries


def test_downloads_are_counted_and_every_client_counts_in_the_process_tally(site: HTTPServer,
                                                                            tmp_path: Path) -> None:
    site.expect_request("/archive.zip").respond_with_handler(replies((200, b"PK" + b"x" * 100, {
        "Content-Type": "application/zip"})))
    REQUESTS.take()
    with PoliteClient(HttpSettings(user_agent=UA, min_interval=0.0, retries=0)) as polite:
        polite.download(site.url_for("/archive.zip"), tmp_path / "a.zip")
    assert REQUESTS.peek() == {"127.0.0.1": 1}
    assert REQUESTS.take() == {"127.0.0.1": 1}
