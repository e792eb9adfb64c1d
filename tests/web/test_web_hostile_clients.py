"""Slow and greedy clients against the real `relance serve` (waitress) on 127.0.0.1, over raw sockets: 120
connections dripping their headers a byte at a time (more than waitress's default of 100 connections,
which left every other client waiting) while a normal GET still answers; a request that drips past
`request_timeout` is closed; one address holds no more than `connections_per_client`; a body larger than
`max_body_bytes` is refused from its Content-Length, before any of it is read or stored.

Timings are measured on the client side with wide margins (a normal answer takes milliseconds; the
bounds are seconds), so that the tests hold with busy CPUs beside them. Other client addresses are other
127.x.y.z addresses of this machine."""

from __future__ import annotations

import contextlib
import select
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.web.hostile import Served, body, exchange, get, header, read_all, serving, status

HEAD = b"GET /questions HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slow\r\nAccept: text/html\r\n"  # never ends


class Dripping:
    """Connections sending the next byte of HEAD, round after round, from a thread, until stopped."""

    def __init__(self) -> None:
        self.sockets: list[socket.socket] = []
        self.stop = threading.Event()
        self.rounds = 0
        self.thread = threading.Thread(target=self._drip, daemon=True)

    def _drip(self, pause: float = 0.05) -> None:
        while not self.stop.is_set():
            for sock in self.sockets:
                with contextlib.suppress(OSError):  # closed by the server: that is its right
                    sock.send(HEAD[self.rounds % len(HEAD):][:1])
            self.rounds += 1
            self.stop.wait(pause)


@pytest.fixture
def dripping() -> Iterator[Dripping]:
    attack = Dripping()
    yield attack
    attack.stop.set()
    if attack.thread.is_alive():
        attack.thread.join()
    for sock in attack.sockets:
        sock.close()


def timed_get(served: Served, path: str = "/questions", source: str = "127.0.0.1") -> tuple[float, bytes]:
    started = time.monotonic()
    raw = exchange(served, get(path), source=source, timeout=30)
    return time.monotonic() - started, raw


def test_a_normal_get_answers_beside_120_slow_connections(tmp_path: Path, dripping: Dripping) -> None:
    with serving(tmp_path) as served:
        for n in range(120):  # two attacking addresses, each under connections_per_client (100)
            dripping.sockets.append(served.connect(f"127.0.0.{2 + n % 2}"))
        dripping.thread.start()
        while dripping.rounds < 3:  # every connection has started its request
            time.sleep(0.05)
        seconds, raw = timed_get(served)
        assert status(raw) == 200, raw[:200]
        assert seconds < 10, f"a normal GET took {seconds:.1f} s beside 120 slow connections"
        assert dripping.thread.is_alive()  # the attack went on meanwhile


def test_a_request_dripping_past_request_timeout_is_closed(tmp_path: Path) -> None:
    """A byte every 0.1 s keeps waitress's idle timeout (channel_timeout, here 60 s) from ever firing; the
    request must still be whole within request_timeout (here 1 s)."""
    with serving(tmp_path, request_timeout=1, channel_timeout=60) as served, served.connect() as sock:
        started = time.monotonic()
        closed_after = None
        for byte in HEAD * 10:
            try:
                sock.send(bytes([byte]))
            except OSError:
                closed_after = time.monotonic() - started
                break
            readable, _, _ = select.select([sock], [], [], 0.1)
            if readable and not _recv_or_reset(sock):
                closed_after = time.monotonic() - started
                break
        assert closed_after is not None, "the dripping request was never closed"
        assert 0.5 < closed_after < 15  # after request_timeout, long before channel_timeout
        assert status(exchange(served, get("/questions"))) == 200  # the server itself is fine


def _recv_or_reset(sock: socket.socket) -> bytes:
    try:
        return sock.recv(65536)
    except ConnectionResetError:
        return b""


def test_one_address_holds_at_most_connections_per_client(tmp_path: Path) -> None:
    with serving(tmp_path, connections_per_client=10) as served:
        greedy = [served.connect("127.0.0.2") for _ in range(30)]
        try:
            closed = _closed_by_server(greedy, expected=20, seconds=10)
            assert len(closed) == 20  # the first 10 are kept; the server closes the other 20 at once
            kept = [sock for sock in greedy if sock not in closed]
            for sock in kept:
                sock.sendall(get("/questions"))
                assert status(read_all(sock)) == 200
            assert status(exchange(served, get("/questions"), source="127.0.0.1")) == 200  # another client
        finally:
            for sock in greedy:
                sock.close()


def _closed_by_server(sockets: list[socket.socket], *, expected: int, seconds: float) -> list[socket.socket]:
    """The connections the server has closed (end of stream or reset), once `expected` of them are, or after
    `seconds`; the server sends nothing else to a client that has not asked anything."""
    closed: list[socket.socket] = []
    deadline = time.monotonic() + seconds
    while len(closed) < expected and time.monotonic() < deadline:
        waiting = [sock for sock in sockets if sock not in closed]
        readable, _, _ = select.select(waiting, [], [], 0.2)
        closed += [sock for sock in readable if not _recv_or_reset(sock)]
    time.sleep(0.5)  # margin: no connection beyond `expected` is closed a moment later
    readable, _, _ = select.select([s for s in sockets if s not in closed], [], [], 0)
    return closed + [sock for sock in readable if not _recv_or_reset(sock)]


def post_head(path: str, length: int, *extra: str) -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/x-www-form-urlencoded",
             f"Content-Length: {length}", "Connection: close", *extra]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def test_a_body_over_the_limit_is_refused_before_it_is_sent(tmp_path: Path) -> None:
    """A client that asks first (Expect: 100-continue, as curl does) gets no 100 Continue but the 413 page,
    in French; under /api/, the JSON error."""
    with serving(tmp_path) as served:
        started = time.monotonic()
        raw = exchange(served, post_head("/abonnement", 300_000_000, "Expect: 100-continue"))
        assert time.monotonic() - started < 10
        assert status(raw) == 413 and b"100 Continue" not in raw
        assert "Envoi trop volumineux" in body(raw) and '<html lang="fr">' in body(raw)
        assert "default-src 'self'" in (header(raw, "Content-Security-Policy") or "")
        raw = exchange(served, post_head("/api/questions", 300_000_000))
        assert status(raw) == 413 and '"status": 413' in body(raw).replace('":413', '": 413')
        # A body of exactly max_body_bytes is the application's to judge (here: no CSRF token, a 400).
        raw = exchange(served, post_head("/abonnement", 16 * 1024) + b"x" * 16 * 1024)
        assert status(raw) == 400


def test_a_body_sent_regardless_is_neither_read_nor_stored(tmp_path: Path) -> None:
    """A client that pushes 50 MB without waiting: the server answers 413 from the Content-Length, closes,
    and writes nothing like the body anywhere (waitress used to spool it to a temporary file first)."""
    with serving(tmp_path) as served, served.connect() as sock:
        written_before = served.written_bytes()
        started = time.monotonic()
        sock.sendall(post_head("/abonnement", 50_000_000))
        pushed = 0
        chunk = b"x" * 65536
        try:
            while pushed < 50_000_000:
                pushed += sock.send(chunk)
        except OSError:
            pass  # the server closed the connection: what a refused body comes to
        try:
            answer = read_all(sock)
        except ConnectionResetError:
            answer = b""
        seconds = time.monotonic() - started
        assert seconds < 15
        assert answer == b"" or status(answer) == 413
        assert pushed < 50_000_000  # the server stopped reading long before the end
        assert served.written_bytes() - written_before < 1_000_000  # nothing spooled (a log line or two)


def test_a_chunked_body_is_cut_at_the_limit(tmp_path: Path) -> None:
    with serving(tmp_path) as served:
        head = (b"POST /abonnement HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
                b"Content-Type: application/x-www-form-urlencoded\r\n\r\n")
        chunks = b"".join(b"1000\r\n" + b"x" * 4096 + b"\r\n" for _ in range(8))  # 32 KB in 4 KB chunks
        raw = exchange(served, head + chunks)
        assert status(raw) == 413
