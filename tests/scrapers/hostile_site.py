"""A hostile HTTP server on 127.0.0.1, written on raw sockets so that it can misbehave as no framework
lets a server do: bodies far larger than announced or endless, a gzip bomb, a body or headers dripped
one byte at a time, redirects to another site. The tests of scrapers/http's bounds and
bench/attack_sources.py both run it.

Every body it serves is derived from the real QANR5L17QE5268.json (its bytes, padded or repeated), so
that a client accepting it would believe it AN data; the bombs are zeros, as real ones are.
"""

from __future__ import annotations

import contextlib
import socket
import socketserver
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from tests.conftest import sample_bytes

CHUNK = 1 << 16
RECORD = sample_bytes("an/QANR5L17QE5268.json")
JSON_HEAD = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"


def gzip_bomb(decoded_mb: int) -> bytes:
    """`decoded_mb` MB of zeros as one gzip stream (about 1 KB per MB: a 1 GB bomb weighs about 1 MB)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    block = b"\0" * (1 << 20)
    return b"".join(compressor.compress(block) for _ in range(decoded_mb)) + compressor.flush()


@dataclass
class HostileSite:
    """The server, its routes (path → handler writing on the socket) and what it saw."""

    stop: threading.Event = field(default_factory=threading.Event)
    routes: dict[str, Callable[[socket.socket], None]] = field(default_factory=dict)
    hits: list[str] = field(default_factory=list)
    port: int = 0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


def _send(sock: socket.socket, data: bytes) -> None:
    sock.sendall(data)


def serve_json(body: bytes) -> Callable[[socket.socket], None]:
    def handler(sock: socket.socket) -> None:
        _send(sock, f"{JSON_HEAD}Content-Length: {len(body)}\r\n\r\n".encode() + body)
    return handler


def serve_big(total: int, *, silent: bool = False) -> Callable[[socket.socket], None]:
    """`total` bytes (the record, then spaces), announced in a Content-Length, or, when `silent`, not
    announced at all (the body ends when the server closes)."""
    def handler(sock: socket.socket) -> None:
        length = "" if silent else f"Content-Length: {total}\r\n"
        _send(sock, f"{JSON_HEAD}{length}\r\n".encode() + RECORD[:-1])
        sent, pad = len(RECORD) - 1, b" " * CHUNK
        while sent < total:
            _send(sock, pad[:min(CHUNK, total - sent)])
            sent += CHUNK
    return handler


def serve_endless(site: HostileSite) -> Callable[[socket.socket], None]:
    """A body that never ends (spaces after the record's opening), until the client leaves."""
    def handler(sock: socket.socket) -> None:
        _send(sock, f"{JSON_HEAD}\r\n".encode() + RECORD[:100])
        pad = b" " * CHUNK
        while not site.stop.is_set():
            _send(sock, pad)
    return handler


def serve_bomb(bomb: bytes) -> Callable[[socket.socket], None]:
    def handler(sock: socket.socket) -> None:
        _send(sock, f"{JSON_HEAD}Content-Encoding: gzip\r\nContent-Length: {len(bomb)}\r\n\r\n".encode() + bomb)
    return handler


def serve_drip(site: HostileSite, *, headers_too: bool = False, every: float = 1.0) -> Callable[[socket.socket], None]:
    """The record one byte every `every` seconds, announced whole; with `headers_too`, the status line
    and headers dripped as well."""
    def handler(sock: socket.socket) -> None:
        head = f"{JSON_HEAD}Content-Length: {len(RECORD)}\r\n\r\n".encode()
        data = head + RECORD if headers_too else RECORD
        if not headers_too:
            _send(sock, head)
        for byte in data:
            if site.stop.wait(every):
                return
            _send(sock, bytes([byte]))
    return handler


def serve_redirect(location: str, status: int = 302) -> Callable[[socket.socket], None]:
    def handler(sock: socket.socket) -> None:
        _send(sock, f"HTTP/1.1 {status} Found\r\nLocation: {location}\r\nContent-Length: 0\r\n"
                    "Connection: close\r\n\r\n".encode())
    return handler


class _Handler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        sock: socket.socket = self.request
        sock.settimeout(30)
        request = b""
        with contextlib.suppress(OSError):
            while b"\r\n\r\n" not in request and len(request) < 65536:
                piece = sock.recv(4096)
                if not piece:
                    return
                request += piece
        line = request.split(b"\r\n", 1)[0].decode("latin-1")
        path = line.split(" ")[1] if line.count(" ") >= 2 else "/"
        site = self.server.site
        site.hits.append(path)
        route = site.routes.get(path)
        with contextlib.suppress(OSError):  # the client leaving is what a hostile server expects
            if route is None:
                _send(sock, b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            else:
                route(sock)


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    site: HostileSite


@contextlib.contextmanager
def hostile_site() -> Iterator[HostileSite]:
    """The server running on a free port of 127.0.0.1 until the block ends."""
    server = _Server(("127.0.0.1", 0), _Handler)
    site = HostileSite(port=server.server_address[1])
    server.site = site
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        site.stop.set()
        server.shutdown()
        server.server_close()
        thread.join(5)


def elapsed(action: Callable[[], object]) -> tuple[float, BaseException | None]:
    """Seconds `action` took on the client's clock, and what it raised."""
    started = time.monotonic()
    try:
        action()
    except Exception as error:
        return time.monotonic() - started, error
    return time.monotonic() - started, None
