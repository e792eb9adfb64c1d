"""Error pages served with status 200 (RULES.md §3) and bodies that are not data: what `check_body`
refuses, and how often the client tries again.

The fixtures (`site`, a threaded server on 127.0.0.1, and `make_client`) are in tests/scrapers/conftest.py.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from scrapers.http import (
    ErrorPage,
    PoliteClient,
    TransportError,
    check_body,
)
from tests.conftest import sample_bytes
from tests.scrapers.http_site import (
    AN_ERROR_503,
    HTML,
    JSON,
    json_reply,
    replies,
    requests_seen,
)

# --- error pages served with 200 -------------------------------------------------------------


def test_an_error_503_page_is_an_error_page_and_never_cached(
        site: HTTPServer, make_client: Callable[..., PoliteClient], tmp_path: Path) -> None:
    site.expect_request("/q.json").respond_with_handler(replies(
        (200, AN_ERROR_503, {"Content-Type": "text/html", "ETag": '"error"'})))
    client = make_client(retries=2, cache_dir=tmp_path)
    with pytest.raises(ErrorPage) as raised:
        client.get(site.url_for("/q.json"), expect="json")
    assert raised.value.kind == "server_error"
    assert "503" in raised.value.reason
    assert len(requests_seen(site)) == 3  # a server error page is retried like a 503
    assert [path for path in tmp_path.rglob("*") if path.is_file()] == []

    site.clear()
    site.expect_request("/q.json").respond_with_handler(replies(json_reply(ETag='"v1"')))
    assert client.get(site.url_for("/q.json"), expect="json").content == JSON
    assert "If-None-Match" not in requests_seen(site)[0].headers


@pytest.mark.parametrize("body", [
    b"<html><head><title>503 Service Unavailable</title></head><body></body></html>",
    b"<html><head><title>502 Bad Gateway</title></head><body></body></html>",
    b"Error 503 Service Unavailable\n",
])
def test_server_error_bodies_with_200_are_error_pages(
        site: HTTPServer, make_client: Callable[..., PoliteClient], body: bytes) -> None:
    site.expect_request("/page").respond_with_handler(
        replies((200, body, {"Content-Type": "text/html"})))
    with pytest.raises(ErrorPage) as raised:
        make_client(retries=0).get(site.url_for("/page"), expect="html")
    assert raised.value.kind == "server_error"


def test_a_title_starting_with_a_number_is_not_an_error_page() -> None:
    page = (b"<html><head><title>500 000 logements vacants - S\xe9nat</title></head>"
            b"<body></body></html>")
    check_body("https://www.senat.fr/q.html", "html", page)


@pytest.mark.parametrize(("expect", "body", "kind", "requests"), [
    ("json", b"", "empty", 2),
    ("any", b"  \n", "empty", 2),
    ("json", JSON[:-3], "truncated", 2),
    ("json", HTML, "unexpected_type", 1),
    ("html", HTML.replace(b"</html>", b""), "truncated", 2),
    ("xml", HTML, "unexpected_type", 1),
    ("csv", HTML, "unexpected_type", 1),
])
def test_bodies_that_are_not_data(site: HTTPServer, make_client: Callable[..., PoliteClient],
                                  expect: str, body: bytes, kind: str, requests: int) -> None:
    """Empty and truncated bodies get one retry, a body of the wrong type none."""
    site.expect_request("/doc").respond_with_handler(replies((200, body, {})))
    with pytest.raises(ErrorPage) as raised:
        make_client(retries=3).get(site.url_for("/doc"), expect=expect)  # type: ignore[arg-type]
    assert raised.value.kind == kind
    assert raised.value.url == site.url_for("/doc")
    assert len(requests_seen(site, "/doc")) == requests


def test_a_truncated_body_then_a_whole_one_succeeds(
        site: HTTPServer, make_client: Callable[..., PoliteClient]) -> None:
    site.expect_request("/q.json").respond_with_handler(
        replies(json_reply(JSON[:10]), json_reply()))
    assert make_client().get(site.url_for("/q.json"), expect="json").content == JSON


def test_real_samples_pass_and_their_truncations_do_not() -> None:
    an_json = sample_bytes("an/QANR5L17QE5268.json")
    an_xml = sample_bytes("an/q14-47351QE.vue.xml")
    check_body("https://an/json", "json", an_json)
    check_body("https://an/xml", "xml", an_xml)
    for expect, sample in (("json", an_json), ("xml", an_xml)):
        with pytest.raises(ErrorPage) as raised:
            check_body("https://an/cut", expect, sample[: len(sample) * 2 // 3])  # type: ignore[arg-type]
        assert raised.value.kind == "truncated"


def test_large_bodies_are_checked_by_their_ends() -> None:
    """A bulk file of several MB: only its first and last KB matter, white space included."""
    big = b" " * 9000 + b"[" + b'{"uid": "QANR5L17QE5268"},' * 200_000 + b"{}]" + b"\n" * 9000
    check_body("https://an/bulk.json", "json", big)
    with pytest.raises(ErrorPage, match="JSON cut short"):
        check_body("https://an/bulk.json", "json", big.rstrip()[:-3])
    with pytest.raises(ErrorPage, match="empty body"):
        check_body("https://an/bulk.json", "json", b" " * 10_000)


def test_check_body_compares_wire_size_with_content_length() -> None:
    with pytest.raises(ErrorPage, match="Content-Length: 10 of 100 bytes") as raised:
        check_body("https://x/q.json", "json", JSON, received=10, content_length="100")
    assert raised.value.kind == "truncated"
    check_body("https://x/q.json", "json", JSON, received=len(JSON), content_length=str(len(JSON)))


def test_xml_checks() -> None:
    check_body("https://x/a.xml", "xml", b'<?xml version="1.0"?>\n<!-- c -->\n<A x="1"/>\n')
    with pytest.raises(ErrorPage, match="HTML where XML"):
        check_body("https://x/a.xml", "xml", b"<?xml version='1.0'?><html><body/></html>")
    with pytest.raises(ErrorPage, match="not XML"):
        check_body("https://x/a.xml", "xml", b"QUESTION")


def short_body_server(connections: list[int]) -> tuple[socket.socket, str]:
    """A raw server whose answers declare 100 bytes and send 8, then hang up."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                connections.append(1)
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             b"Content-Length: 100\r\nConnection: close\r\n\r\n"
                             b'{"a": 1}')

    threading.Thread(target=serve, daemon=True).start()
    return listener, f"http://127.0.0.1:{listener.getsockname()[1]}/q.json"


def test_body_shorter_than_content_length_is_a_transport_error(
        make_client: Callable[..., PoliteClient]) -> None:
    connections: list[int] = []
    listener, url = short_body_server(connections)
    try:
        with pytest.raises(TransportError, match="RemoteProtocolError"):
            make_client(retries=1).get(url, expect="json")
    finally:
        listener.close()
    assert len(connections) == 2
