"""`PoliteClient.download`: bulk files streamed to disk, conditional and resumable, against a real HTTP
server on 127.0.0.1 (pytest-httpserver) whose handler serves ranges and validators as a static file
server does (`RangeSite`), and can cut a body half-way by closing the connection.

The file served is a real archive built from the real AN record (tests/test_import_an.py builds the
same kind of archive for the import): its bytes matter only as bytes here.
"""

from __future__ import annotations

import hashlib
import io
import re
import socket
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from scrapers.http import (
    ErrorPage,
    HttpSettings,
    NotFound,
    PoliteClient,
    TransportError,
    Validators,
    partial_path,
)
from tests.conftest import sample_bytes

UA = "relance-tests/0.1 (downloads; contact: tests@relance.test)"
PATH = "/17/questions/questions_ecrites/Questions_ecrites.json.zip"
LAST_MODIFIED = "Tue, 03 Jun 2025 09:00:00 GMT"


def real_zip(copies: int = 40) -> bytes:
    """A zip of the real record under `copies` names: large enough to be cut and resumed."""
    out = io.BytesIO()
    record = sample_bytes("an/QANR5L17QE5268.json")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for n in range(copies):
            # Stored, not deflated, every other member: the file must not compress to almost nothing.
            archive.writestr(f"json/copy{n}.json", record,
                             compress_type=zipfile.ZIP_STORED if n % 2 else zipfile.ZIP_DEFLATED)
    return out.getvalue()


@dataclass
class RangeSite:
    """A static file as a web server serves it: ETag and Last-Modified, 304 on a matching
    If-None-Match (or, without one, If-Modified-Since), 206 for `Range: bytes=N-` when If-Range still
    matches, 416 past the end. `ignore_range` makes it answer 200 to every range; `cuts` cuts the next
    bodies half-way (the connection is closed mid-body); `requests` keeps each request's headers."""

    body: bytes
    etag: str | None = '"v1"'
    last_modified: str | None = LAST_MODIFIED
    content_type: str = "application/zip"
    ignore_range: bool = False
    cuts: int = 0
    status: int = 200
    requests: list[dict[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def publish(self, body: bytes, etag: str, last_modified: str = "Wed, 04 Jun 2025 09:00:00 GMT") -> None:
        """A new version of the file."""
        self.body, self.etag, self.last_modified = body, etag, last_modified

    def _not_modified(self, request: Request) -> bool:
        if_none_match = request.headers.get("If-None-Match")
        if if_none_match is not None:
            return self.etag is not None and self.etag.removeprefix("W/") in [
                tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
        return self.last_modified is not None and request.headers.get("If-Modified-Since") == self.last_modified

    def handler(self, request: Request) -> Response:
        with self.lock:
            self.requests.append({key.lower(): value for key, value in request.headers.items()})
            cut = self.cuts > 0
            self.cuts -= cut
        validators = {k: v for k, v in (("ETag", self.etag), ("Last-Modified", self.last_modified)) if v}
        if self.status != 200:
            return Response(b"<html><head><title>Not Found</title></head><body>404</body></html>",
                            status=self.status, content_type="text/html")
        if self._not_modified(request):
            return Response(status=304, headers=validators)
        start, status = 0, 200
        asked = re.fullmatch(r"bytes=(\d+)-", request.headers.get("Range", ""))
        if_range = request.headers.get("If-Range")
        if asked and not self.ignore_range and (if_range is None or if_range in validators.values()):
            start, status = int(asked.group(1)), 206
            if start >= len(self.body):
                return Response(status=416, headers={"Content-Range": f"bytes */{len(self.body)}"})
        payload = self.body[start:]
        headers = {**validators, "Content-Length": str(len(payload)), "Accept-Ranges": "bytes"}
        if status == 206:
            headers["Content-Range"] = f"bytes {start}-{len(self.body) - 1}/{len(self.body)}"
        if not cut:
            return Response(payload, status=status, headers=headers, content_type=self.content_type)
        sock = request.environ["werkzeug.socket"]

        def half_then_close() -> Iterator[bytes]:
            yield payload[:len(payload) // 2]
            sock.shutdown(socket.SHUT_RDWR)  # the connection drops mid-body, as a network failure would

        return Response(half_then_close(), status=status, headers=headers, content_type=self.content_type)


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
