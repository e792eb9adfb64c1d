"""The persistent conditional-GET cache: ETag and Last-Modified round trips against a real HTTP
server, across clients, and corrupt entries ignored.

The fixtures (`site`, a threaded server on 127.0.0.1, and `make_client`) are in tests/scrapers/conftest.py.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from scrapers.http import (
    PoliteClient,
)
from tests.scrapers.http_site import (
    HTML,
    JSON,
    json_reply,
    replies,
    requests_seen,
)

# --- conditional GET cache -------------------------------------------------------------------


def validator_handler(name: str, value: str, condition: str,
                      body: bytes = JSON) -> Callable[[Request], Response]:
    """A site honouring one validator: 304 when the request's `condition` header matches."""

    def handler(request: Request) -> Response:
        if request.headers.get(condition) == value:
            return Response(b"", status=304, headers={name: value})
        return Response(body, headers={name: value, "Content-Type": "application/json"})

    return handler


def test_etag_round_trip(site: HTTPServer, make_client: Callable[..., PoliteClient],
                         tmp_path: Path) -> None:
    site.expect_request("/q.json").respond_with_handler(
        validator_handler("ETag", '"v1"', "If-None-Match"))
    client = make_client(cache_dir=tmp_path)
    first = client.get(site.url_for("/q.json"), expect="json")
    second = client.get(site.url_for("/q.json"), expect="json")
    assert (first.revalidated, first.status) == (False, 200)
    assert (second.revalidated, second.status, second.content) == (True, 304, JSON)
    assert second.headers["etag"] == '"v1"'
    assert second.headers["content-type"] == "application/json"
    assert requests_seen(site)[1].headers["If-None-Match"] == '"v1"'


def test_last_modified_round_trip(site: HTTPServer, make_client: Callable[..., PoliteClient],
                                  tmp_path: Path) -> None:
    stamp = "Tue, 04 Mar 2025 08:00:00 GMT"
    site.expect_request("/page.html").respond_with_handler(
        validator_handler("Last-Modified", stamp, "If-Modified-Since", HTML))
    client = make_client(cache_dir=tmp_path)
    client.get(site.url_for("/page.html"), expect="html")
    second = client.get(site.url_for("/page.html"), expect="html")
    assert (second.revalidated, second.content) == (True, HTML)
    assert requests_seen(site, "/page.html")[1].headers["If-Modified-Since"] == stamp
    assert "If-None-Match" not in requests_seen(site, "/page.html")[1].headers


def test_cache_persists_across_clients(site: HTTPServer, make_client: Callable[..., PoliteClient],
                                       tmp_path: Path) -> None:
    site.expect_request("/q.json").respond_with_handler(
        validator_handler("ETag", '"v1"', "If-None-Match"))
    first = make_client(cache_dir=tmp_path)
    first.get(site.url_for("/q.json"), expect="json")
    first.close()
    again = make_client(cache_dir=tmp_path).get(site.url_for("/q.json"), expect="json")
    assert (again.revalidated, again.content) == (True, JSON)


def test_a_changed_resource_replaces_the_cached_copy(
        site: HTTPServer, make_client: Callable[..., PoliteClient], tmp_path: Path) -> None:
    site.expect_request("/q.json").respond_with_handler(
        validator_handler("ETag", '"v1"', "If-None-Match"))
    client = make_client(cache_dir=tmp_path)
    client.get(site.url_for("/q.json"))
    site.clear()
    newer = b'{"question": {"uid": "QANR5L17QE5268", "cloture": null}}'
    site.expect_request("/q.json").respond_with_handler(
        validator_handler("ETag", '"v2"', "If-None-Match", newer))
    assert client.get(site.url_for("/q.json")).content == newer
    assert client.get(site.url_for("/q.json")).revalidated is True


@pytest.mark.parametrize("corrupt", [
    lambda raw: raw[: len(raw) // 2],  # a torn write
    lambda raw: b"\x00garbage\xff",
    lambda raw: raw[:-2] + b"XX",  # the body changed under its digest
    lambda raw: raw.replace(b'"url"', b'"lru"'),  # metadata no longer names the URL
    lambda raw: b"",
])
def test_a_corrupt_cache_entry_is_ignored(
        site: HTTPServer, make_client: Callable[..., PoliteClient], tmp_path: Path,
        corrupt: Callable[[bytes], bytes]) -> None:
    site.expect_request("/q.json").respond_with_handler(
        validator_handler("ETag", '"v1"', "If-None-Match"))
    client = make_client(cache_dir=tmp_path)
    client.get(site.url_for("/q.json"), expect="json")
    (entry,) = [path for path in tmp_path.rglob("*") if path.is_file()]
    entry.write_bytes(corrupt(entry.read_bytes()))

    refetched = client.get(site.url_for("/q.json"), expect="json")
    assert (refetched.revalidated, refetched.content) == (False, JSON)
    assert "If-None-Match" not in requests_seen(site)[1].headers
    assert client.get(site.url_for("/q.json"), expect="json").revalidated is True  # repaired


def test_nothing_is_cached_without_a_validator(
        site: HTTPServer, make_client: Callable[..., PoliteClient], tmp_path: Path) -> None:
    site.expect_request("/q.json").respond_with_handler(replies(json_reply()))
    make_client(cache_dir=tmp_path).get(site.url_for("/q.json"), expect="json")
    assert [path for path in tmp_path.rglob("*") if path.is_file()] == []
