"""`PoliteClient.download`: bulk files streamed to disk, conditional and resumable, against a real HTTP
server on 127.0.0.1 (pytest-httpserver) whose handler serves ranges and validators as a static file
server does (`RangeSite`), and can cut a body half-way by closing the connection.

The file served is a real archive built from the real AN record (tests/app/an_archives.py builds the
same kind of archive for the import): its bytes matter only as bytes here. `RangeSite` and the
archive are in tests/scrapers/range_site.py.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from scrapers.http import (
    ErrorPage,
    HttpSettings,
    NotFound,
    PoliteClient,
    TransportError,
    Validators,
    partial_path,
)
from tests.scrapers.range_site import LAST_MODIFIED, RangeSite, real_zip

UA = "relance-tests/0.1 (downloads; contact: tests@relance.test)"
PATH = "/17/questions/questions_ecrites/Questions_ecrites.json.zip"


@pytest.fixture
def site(httpserver: HTTPServer) -> RangeSite:
    served = RangeSite(real_zip())
    httpserver.expect_request(PATH).respond_with_handler(served.handler)
    return served


@pytest.fixture
def client() -> Iterator[PoliteClient]:
    with PoliteClient(HttpSettings(user_agent=UA, timeout=5, min_interval=0, retries=0,
                                   backoff_base=0.01, backoff_max=0.02)) as made:
        yield made


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_whole_download(site: RangeSite, client: PoliteClient, httpserver: HTTPServer, tmp_path: Path) -> None:
    starts: list[tuple[Validators, int | None]] = []
    target = tmp_path / "dl" / "archive.zip"
    got = client.download(httpserver.url_for(PATH), target, on_start=lambda v, n: starts.append((v, n)),
                          expect="zip")
    assert target.read_bytes() == site.body and not partial_path(target).exists()
    assert (got.status, got.length, got.sha256, got.resumed_from) == (200, len(site.body), sha(site.body), 0)
    assert got.validators == Validators('"v1"', LAST_MODIFIED) and not got.not_modified
    assert starts == [(Validators('"v1"', LAST_MODIFIED), len(site.body))]
    asked = site.requests[0]
    assert asked["accept-encoding"] == "identity" and "range" not in asked and "if-none-match" not in asked
    assert asked["user-agent"] == UA


def test_unchanged_file_is_not_downloaded_again(site: RangeSite, client: PoliteClient, httpserver: HTTPServer,
                                                tmp_path: Path) -> None:
    target = tmp_path / "archive.zip"
    first = client.download(httpserver.url_for(PATH), target)
    before = target.stat().st_mtime_ns
    again = client.download(httpserver.url_for(PATH), target, current=first.validators)
    assert again.not_modified and again.status == 304 and again.sha256 is None and again.received == 0
    assert again.length == len(site.body) and target.stat().st_mtime_ns == before
    assert site.requests[1]["if-none-match"] == '"v1"' and site.requests[1]["if-modified-since"] == LAST_MODIFIED
    # A new version on the server: downloaded whole, whatever the old validators said.
    site.publish(real_zip(41), '"v2"')
    third = client.download(httpserver.url_for(PATH), target, current=first.validators)
    assert third.status == 200 and target.read_bytes() == site.body and third.validators.etag == '"v2"'


def test_cut_transfer_is_kept_then_resumed(site: RangeSite, client: PoliteClient, httpserver: HTTPServer,
                                           tmp_path: Path) -> None:
    target, starts = tmp_path / "archive.zip", []
    site.cuts = 1
    with pytest.raises(TransportError, match="peer closed connection"):
        client.download(httpserver.url_for(PATH), target, on_start=lambda v, n: starts.append(v))
    # What arrived is kept: the server sent half the body before closing the connection.
    kept = partial_path(target).read_bytes()
    assert kept == site.body[:len(site.body) // 2] and not target.exists()
    # The next run resumes with the validators recorded when the transfer started.
    got = client.download(httpserver.url_for(PATH), target, partial=starts[0])
    assert site.requests[1]["range"] == f"bytes={len(kept)}-" and site.requests[1]["if-range"] == '"v1"'
    assert (got.status, got.resumed_from, got.received) == (206, len(kept), len(site.body) - len(kept))
    assert target.read_bytes() == site.body and got.sha256 == sha(site.body)
    assert not partial_path(target).exists()


def test_retry_resumes_within_one_call(site: RangeSite, httpserver: HTTPServer, tmp_path: Path) -> None:
    site.cuts = 1
    with PoliteClient(HttpSettings(user_agent=UA, timeout=5, min_interval=0, retries=1, backoff_base=0.01,
                                   backoff_max=0.02)) as patient:
        got = patient.download(httpserver.url_for(PATH), tmp_path / "archive.zip")
    assert got.status == 206 and got.resumed_from == len(site.body) // 2
    assert (tmp_path / "archive.zip").read_bytes() == site.body
    assert len(site.requests) == 2 and "range" in site.requests[1]


def test_server_ignoring_range_restarts_cleanly(site: RangeSite, client: PoliteClient, httpserver: HTTPServer,
                                                tmp_path: Path) -> None:
    target = tmp_path / "archive.zip"
    partial_path(target).write_bytes(site.body[:1000])
    site.ignore_range = True
    got = client.download(httpserver.url_for(PATH), target, partial=Validators('"v1"', LAST_MODIFIED))
    assert site.requests[0]["range"] == "bytes=1000-"
    assert (got.status, got.resumed_from) == (200, 0) and target.read_bytes() == site.body


def test_file_changed_since_the_partial_comes_back_whole(site: RangeSite, client: PoliteClient,
                                                         httpserver: HTTPServer, tmp_path: Path) -> None:
    target = tmp_path / "archive.zip"
    partial_path(target).write_bytes(site.body[:1000])
    site.publish(real_zip(41), '"v2"')  # If-Range "v1" no longer matches: the server sends the new file whole
    got = client.download(httpserver.url_for(PATH), target, partial=Validators('"v1"', LAST_MODIFIED))
    assert got.status == 200 and target.read_bytes() == site.body and got.validators.etag == '"v2"'


def test_partial_longer_than_the_file_restarts(site: RangeSite, client: PoliteClient, httpserver: HTTPServer,
                                               tmp_path: Path) -> None:
    target = tmp_path / "archive.zip"
    partial_path(target).write_bytes(site.body + b"junk")
    got = client.download(httpserver.url_for(PATH), target, partial=Validators('"v1"', LAST_MODIFIED))
    assert [r.get("range") for r in site.requests] == [f"bytes={len(site.body) + 4}-", None]  # 416, then whole
    assert got.status == 200 and target.read_bytes() == site.body


def test_weak_etag_resumes_on_the_date(site: RangeSite, client: PoliteClient, httpserver: HTTPServer,
                                       tmp_path: Path) -> None:
    target = tmp_path / "archive.zip"
    partial_path(target).write_bytes(site.body[:500])
    site.etag = 'W/"v1"'  # If-Range takes no weak ETag (RFC 9110 §13.1.5): the date stands in
    got = client.download(httpserver.url_for(PATH), target, partial=Validators('W/"v1"', LAST_MODIFIED))
    assert site.requests[0]["if-range"] == LAST_MODIFIED
    assert got.status == 206 and target.read_bytes() == site.body


def test_partial_without_validators_starts_afresh(site: RangeSite, client: PoliteClient, httpserver: HTTPServer,
                                                  tmp_path: Path) -> None:
    target = tmp_path / "archive.zip"
    partial_path(target).write_bytes(b"bytes of unknown origin")
    got = client.download(httpserver.url_for(PATH), target, partial=Validators())
    assert "range" not in site.requests[0] and got.status == 200 and target.read_bytes() == site.body


def test_error_page_served_as_the_file_is_refused(site: RangeSite, client: PoliteClient, httpserver: HTTPServer,
                                                  tmp_path: Path) -> None:
    # Shaped after RULES.md §3 (the AN serves "Error 503" pages with status 200); not a recording.
    site.body = b"<html><head><title>Error 503 Service Unavailable</title></head></html>"
    site.content_type = "text/html"
    target = tmp_path / "archive.zip"
    with pytest.raises(ErrorPage, match="server error page"):
        client.download(httpserver.url_for(PATH), target, expect="zip")
    assert not target.exists()
    site.body = b"<!DOCTYPE html><html><body>Bienvenue</body></html>"
    with pytest.raises(ErrorPage, match="HTML where a zip archive was expected"):
        client.download(httpserver.url_for(PATH), target, expect="zip")


def test_missing_file(site: RangeSite, client: PoliteClient, httpserver: HTTPServer, tmp_path: Path) -> None:
    site.status = 404
    with pytest.raises(NotFound):
        client.download(httpserver.url_for(PATH), tmp_path / "archive.zip")
    assert not (tmp_path / "archive.zip").exists()
