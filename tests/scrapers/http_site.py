"""What the HTTP client's tests serve and how they watch it: bodies, reply sequences, recorded sleeps,
and a transport that notes when each request leaves the client.

No real page of an AN server error was recorded: `AN_ERROR_503` follows RULES.md §3's description
("Error 503", a `<title>50…` served with 200) and says so.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

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


def requests_seen(site: HTTPServer, path: str = "/q.json") -> list[Request]:
    """The requests for `path` the site has answered (a late answer to another test's request
    may also sit in the shared server's log)."""
    return [request for request, _ in site.log if request.path == path]


@dataclass
class SendTimes:
    """When each request left the client: (host, path, `time.monotonic()`), noted by `Noting`, the
    transport httpx sends through, just before the request goes on the wire.

    Timing tests measure here rather than at the server: an arrival time at the server adds the
    scheduling delays of the server's threads, which a loaded machine makes long and uneven."""

    sent: list[tuple[str, str, float]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, request: httpx.Request) -> None:
        with self.lock:
            self.sent.append((request.url.host, request.url.path, time.monotonic()))

    def times(self, host: str | None = None) -> list[float]:
        return sorted(t for h, _, t in self.sent if host is None or h == host)

    def hosts(self) -> set[str]:
        return {h for h, _, _ in self.sent}


class Noting(httpx.HTTPTransport):
    """The real transport, noting each request in `times` as it is sent."""

    def __init__(self, times: SendTimes) -> None:
        super().__init__()
        self.times = times

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.times.note(request)
        return super().handle_request(request)
