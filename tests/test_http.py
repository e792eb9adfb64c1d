"""The polite HTTP client against a real HTTP server on 127.0.0.1 (pytest-httpserver, threaded).

Sleeps are recorded instead of slept (so retries cost nothing) except in the politeness tests,
which really wait short intervals and measure arrival times in the server. No real page of an AN
server error was recorded: the error bodies below follow RULES.md §3's description ("Error 503",
a `<title>50…` served with 200) and say so.
"""

from __future__ import annotations

import itertools
import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from scrapers.http import (
    ErrorPage,
    FetchError,
    HttpSettings,
    HttpStatusError,
    NotFound,
    PoliteClient,
    RateLimited,
    TransportError,
    check_body,
    parse_retry_after,
)
from tests.conftest import sample_bytes

UA = "relance-tests/0.1 (+https://example.org/relance; contact: ops@example.org)"
JSON = b'{"question": {"uid": "QANR5L17QE5268"}}'
HTML = b"<!DOCTYPE html>\n<html><head><title>Question</title></head><body>ok</body></html>\n"
# Shaped after RULES.md §3 (the AN serves "Error 503" pages with status 200); not a recording.
AN_ERROR_503 = (b"<html><head><title>Error 503 Service Unavailable</title></head>\n"
                b"<body><h1>Error 503 Service Unavailable</h1><p>Service Unavailable</p>"
                b"</body></html>\n")


class Sleeps(list[float]):
    """A `sleep` that records instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


Reply = tuple[int, bytes, dict[str, str]]


def replies(*sequence: Reply) -> Callable[[Request], Response]:
    """A handler serving `sequence` in order, then its last reply for ever."""
    remaining = list(sequence)
    lock = threading.Lock()

    def handler(request: Request) -> Response:
        with lock:
            status, body, headers = remaining.pop(0) if len(remaining) > 1 else remaining[0]
        return Response(body, status=status, headers=headers)

    return handler


def json_reply(body: bytes = JSON, /, **headers: str) -> Reply:
    return 200, body, {"Content-Type": "application/json; charset=utf-8", **headers}


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
    """Clients with fast defaults: no pace, tiny back-off, sleeps recorded."""
    clients: list[PoliteClient] = []

    def make(*, real_sleep: bool = False, **overrides: object) -> PoliteClient:
        options: dict[str, object] = {"user_agent": UA, "timeout": 2.0, "min_interval": 0.0,
                                      "retries": 3, "backoff_base": 0.01, "backoff_max": 0.08}
        options.update(overrides)
        settings = HttpSettings(**options)  # type: ignore[arg-type]
        client = (PoliteClient(settings) if real_sleep
                  else PoliteClient(settings, sleep=sleeps))
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


def requests_seen(site: HTTPServer, path: str = "/q.json") -> list[Request]:
    """The requests for `path` the site has answered (a late answer to another test's request
    may also sit in the shared server's log)."""
    return [request for request, _ in site.log if request.path == path]


# --- what every request carries --------------------------------------------------------------


def test_user_agent_accept_and_result(site: HTTPServer, make_client: Callable[..., PoliteClient]
                                      ) -> None:
    site.expect_request("/q.json", headers={"User-Agent": UA}).respond_with_handler(
        replies(json_reply(**{"X-Served-By": "test"})))
    fetched = make_client().get(site.url_for("/q.json"), expect="json")
    assert fetched.content == JSON
    assert fetched.status == 200
    assert fetched.charset == "utf-8"
    assert fetched.headers["x-served-by"] == "test"
    assert fetched.headers["content-type"] == "application/json; charset=utf-8"
    assert fetched.revalidated is False
    (request,) = requests_seen(site)
    assert request.headers["User-Agent"] == UA
    assert request.headers["Accept"] == "application/json"


def test_charset_is_none_without_one_in_content_type(
        site: HTTPServer, make_client: Callable[..., PoliteClient]) -> None:
    site.expect_request("/q.json").respond_with_handler(
        replies((200, JSON, {"Content-Type": "application/json"})))
    assert make_client().get(site.url_for("/q.json"), expect="json").charset is None


def test_redirect_is_followed_and_url_is_the_one_asked_for(
        site: HTTPServer, make_client: Callable[..., PoliteClient]) -> None:
    site.expect_request("/old").respond_with_handler(
        replies((301, b"", {"Location": site.url_for("/new")})))
    site.expect_request("/new", headers={"User-Agent": UA}).respond_with_handler(
        replies(json_reply()))
    fetched = make_client().get(site.url_for("/old"), expect="json")
    assert (fetched.url, fetched.content) == (site.url_for("/old"), JSON)


def test_settings_refuse_an_empty_user_agent() -> None:
    with pytest.raises(ValueError, match="user_agent"):
        HttpSettings(user_agent=" ")


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


def test_other_failures_are_fetch_errors(make_client: Callable[..., PoliteClient]) -> None:
    with pytest.raises(FetchError, match="unsupported address"):
        make_client().get("ftp://example.org/q.json")


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


# --- politeness (real time) ------------------------------------------------------------------


def recording_handler(arrivals: list[float], in_flight: list[int], peak: list[int],
                      pause: float = 0.0) -> Callable[[Request], Response]:
    """Records each request's arrival time and the number of requests being served at once."""
    lock = threading.Lock()

    def handler(request: Request) -> Response:
        with lock:
            arrivals.append(time.monotonic())
            in_flight[0] += 1
            peak[0] = max(peak[0], in_flight[0])
        time.sleep(pause)
        with lock:
            in_flight[0] -= 1
        return Response(JSON)

    return handler


def run_in_threads(count: int, job: Callable[[int], object]) -> None:
    errors: list[BaseException] = []

    def run(n: int) -> None:
        try:
            job(n)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert errors == []


def test_same_host_requests_start_min_interval_apart_across_threads(
        site: HTTPServer, make_client: Callable[..., PoliteClient]) -> None:
    arrivals: list[float] = []
    site.expect_request("/q.json").respond_with_handler(recording_handler(arrivals, [0], [0]))
    client = make_client(real_sleep=True, min_interval=0.2, max_concurrency=4)
    run_in_threads(4, lambda n: client.get(site.url_for("/q.json")))
    arrivals.sort()
    gaps = [later - earlier for earlier, later in itertools.pairwise(arrivals)]
    assert len(gaps) == 3
    assert min(gaps) >= 0.2 - 0.02


def test_retries_respect_min_interval(site: HTTPServer,
                                      make_client: Callable[..., PoliteClient]) -> None:
    arrivals: list[float] = []
    serve = replies((503, b"", {}), json_reply())

    def handler(request: Request) -> Response:
        arrivals.append(time.monotonic())
        return serve(request)

    site.expect_request("/q.json").respond_with_handler(handler)
    make_client(real_sleep=True, min_interval=0.2, backoff_base=0.001).get(site.url_for("/q.json"))
    assert arrivals[1] - arrivals[0] >= 0.2 - 0.02


def test_different_hosts_are_not_paced_against_each_other(
        site: HTTPServer, make_client: Callable[..., PoliteClient]) -> None:
    arrivals: list[float] = []
    site.expect_request("/q.json").respond_with_handler(recording_handler(arrivals, [0], [0]))
    client = make_client(real_sleep=True, min_interval=0.6)
    by_ip = site.url_for("/q.json")
    by_name = by_ip.replace("127.0.0.1", "localhost")
    client.get(by_ip)
    client.get(by_name)  # another host name: no wait
    client.get(by_ip)  # the first host again: waits for its interval
    assert arrivals[1] - arrivals[0] < 0.3
    assert arrivals[2] - arrivals[0] >= 0.6 - 0.02


def test_max_concurrency_is_respected(site: HTTPServer,
                                      make_client: Callable[..., PoliteClient]) -> None:
    in_flight, peak = [0], [0]
    site.expect_request("/q.json").respond_with_handler(
        recording_handler([], in_flight, peak, pause=0.15))
    client = make_client(real_sleep=True, max_concurrency=2)
    run_in_threads(6, lambda n: client.get(site.url_for("/q.json")))
    assert peak[0] == 2  # never more, and the server did serve two at once
