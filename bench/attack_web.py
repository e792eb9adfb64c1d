"""`relance serve` under slow and hostile clients: one line per attack, held or failed, and its figure.

Run: .venv/bin/python bench/attack_web.py [--slow 200] [--defaults]

The real `relance serve` (waitress, the `[web]` defaults of docs/security.md) is started on 127.0.0.1 as
a child process over an empty database. Attackers connect from other addresses of this machine
(127.0.0.2, 127.0.0.3…: the kernel routes all of 127/8 to it), the normal client from 127.0.0.1:

- slowloris: `--slow` connections (200) from four addresses, each dripping its request's headers a
  byte at a time; meanwhile 20 normal GETs, one after the other: held when every one answers 200 within
  5 s. Figure: their median and worst latency.
- slowloris, one address: 180 connections from one address; held when the server kept at most
  `connections_per_client` of them and the normal GETs still answer. Figure: connections kept.
- dripping request: one connection sending a byte a second; held when the server closes it within
  `request_timeout` + 5 s. Figure: seconds until closed.
- 300 MB POST, body pushed at once (and again with `Expect: 100-continue`): held when the answer (413,
  or the connection closed) comes within 5 s and the server writes less than 1 MB meanwhile (its
  `wchar` in /proc: a body spooled to a temporary file would show). Figures: seconds to the answer,
  bytes the client got to push, bytes the server wrote.
- concurrent GETs: 50 clients, 20 requests each, on /questions; held when none fails. Figures:
  requests a second, p95.
- connection flood: `connection_limit` + 100 idle connections from many addresses; a normal GET waits
  for the slots `request_timeout` frees. Held when it answers within `request_timeout` + 10 s (beyond
  one machine's limit, a reverse proxy is the answer: docs/security.md).

`--defaults` runs the slowloris (3 normal GETs, each given 10 s) and the 300 MB POST against waitress
with its own defaults too (what relance served before issue 17), to show what the settings change.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bot.app.config import WebSection

RELANCE = Path(sys.executable).with_name("relance")
WEB = WebSection()
HEAD = b"GET /questions HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slowloris\r\nAccept: text/html\r\n"
CONFIG = """[relance]
contact = "https://github.com/relance-bot/relance"
[storage]
path = "{db}"
[web]
base_url = "https://relance.test"
"""
# What relance served before: waitress's defaults, the same application.
DEFAULTS_SERVER = ("import sys; from waitress import serve; from bot.web.app import create_app; "
                   "serve(create_app(sys.argv[1]), host='127.0.0.1', port=int(sys.argv[2]), threads=4)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    def __init__(self, command: list[str]) -> None:
        self.port = int(command[-1])
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        env={**os.environ, "RELANCE_SECRET": "bench-secret-bench-secret"})
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                if get(self.port, timeout=2)[0] == 200:
                    return
            time.sleep(0.1)
        raise SystemExit(f"the server did not start: {' '.join(command)}")

    def written(self) -> int:
        text = Path(f"/proc/{self.process.pid}/io").read_text()
        return int(next(line.split()[1] for line in text.splitlines() if line.startswith("wchar:")))

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def connect(port: int, source: str = "127.0.0.1", timeout: float = 10) -> socket.socket:
    sock = socket.socket()
    sock.settimeout(timeout)
    sock.bind((source, 0))
    sock.connect(("127.0.0.1", port))
    return sock


def get(port: int, path: str = "/questions", timeout: float = 10) -> tuple[int, float]:
    """Status and seconds of one GET from 127.0.0.1, body read; status 0 when it timed out or failed."""
    started = time.monotonic()
    try:
        with connect(port, timeout=timeout) as sock:
            sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
            raw = b"".join(iter(lambda: sock.recv(65536), b""))
        return int(raw.split(b" ", 2)[1]), time.monotonic() - started
    except (OSError, IndexError, ValueError):
        return 0, time.monotonic() - started


@contextlib.contextmanager
def dripping(port: int, sources: list[str], count: int) -> Iterator[list[socket.socket]]:
    """`count` connections spread over `sources`, each sending the next header byte every 50 ms."""
    sockets = []
    for n in range(count):
        with contextlib.suppress(OSError):
            sockets.append(connect(port, sources[n % len(sources)]))
    stop = threading.Event()

    def drip() -> None:
        position = 0
        while not stop.is_set():
            for sock in sockets:
                with contextlib.suppress(OSError):
                    sock.send(HEAD[position % len(HEAD):][:1])
            position += 1
            stop.wait(0.05)

    thread = threading.Thread(target=drip, daemon=True)
    thread.start()
    time.sleep(0.5)  # a few rounds: every connection has begun its request
    try:
        yield sockets
    finally:
        stop.set()
        thread.join()
        for sock in sockets:
            sock.close()


# While waitress runs with its own defaults (--defaults), a case's line is a baseline: what relance served
# before issue 17, shown for comparison, neither held nor failed (as bench/attack_store.py prints its own).
BASELINE = {"on": False}


def line(case: str, held: bool, figure: str) -> None:
    verdict = "baseline" if BASELINE["on"] else "held" if held else "FAILED"
    print(f"{case:<40} {verdict:<8} {figure}", flush=True)


def normal_gets(port: int, count: int = 20) -> list[tuple[int, float]]:
    return [get(port, timeout=10) for _ in range(count)]


def baseline(server: Server) -> None:
    answers = normal_gets(server.port)
    line("normal GET, no attack", all(status == 200 for status, _ in answers),
         f"median {statistics.median(s for _, s in answers):.3f} s")


def slowloris(server: Server, label: str, count: int, gets: int = 20) -> None:
    with dripping(server.port, [f"127.0.0.{n}" for n in range(2, 6)], count):
        answers = normal_gets(server.port, gets)
    seconds = [s for _, s in answers]
    held = all(status == 200 and s < 5 for status, s in answers)
    line(f"slowloris {count} connections{label}", held, f"normal GET median {statistics.median(seconds):.3f} s, "
         f"worst {max(seconds):.3f} s, {sum(st == 200 for st, _ in answers)}/{len(answers)} answered")


def slowloris_one_address(server: Server) -> None:
    with dripping(server.port, ["127.0.0.9"], 180) as sockets:
        time.sleep(1)
        kept = sum(1 for sock in sockets if _still_open(sock))
        answers = normal_gets(server.port, 5)
    held = kept <= WEB.connections_per_client and all(status == 200 for status, _ in answers)
    line("slowloris 180 connections, one address", held,
         f"{kept} kept open (connections_per_client {WEB.connections_per_client}), normal GETs answered")


def _still_open(sock: socket.socket) -> bool:
    sock.setblocking(False)
    try:
        return sock.recv(1) != b""
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        sock.setblocking(True)


def dripping_request(server: Server) -> None:
    started = time.monotonic()
    closed = None
    with connect(server.port, "127.0.0.10", timeout=1) as sock:
        for byte in HEAD * 10:
            try:
                sock.send(bytes([byte]))
                if sock.recv(1) == b"":
                    closed = time.monotonic() - started
                    break
            except TimeoutError:
                continue  # a second without an answer: the next byte
            except OSError:
                closed = time.monotonic() - started
                break
            if time.monotonic() - started > WEB.request_timeout + 30:
                break
    held = closed is not None and closed < WEB.request_timeout + 5
    line("dripping request, 1 byte/s", held, f"closed after {closed:.1f} s (request_timeout "
         f"{WEB.request_timeout:g} s)" if closed is not None else "never closed")


def big_post(server: Server, label: str, expect: bool) -> None:
    size = 300_000_000
    head = (f"POST /abonnement HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {size}\r\n" + ("Expect: 100-continue\r\n" if expect else "") + "\r\n").encode()
    written = server.written()
    pushed = 0
    answer = b""
    started = time.monotonic()
    with connect(server.port, "127.0.0.11", timeout=60) as sock:
        sock.sendall(head)

        def push() -> None:
            nonlocal pushed
            chunk = b"x" * 262144
            with contextlib.suppress(OSError):
                while pushed < size:
                    pushed += sock.send(chunk)

        pusher = threading.Thread(target=push, daemon=True)
        if not expect:
            pusher.start()
        with contextlib.suppress(OSError):
            answer = sock.recv(65536)
        seconds = time.monotonic() - started
        sock.shutdown(socket.SHUT_RDWR)
        if pusher.is_alive():
            pusher.join(10)
    spooled = server.written() - written
    status = answer.split(b" ", 2)[1].decode() if answer.startswith(b"HTTP/") else "closed"
    held = seconds < 5 and spooled < 1_000_000 and status in ("413", "closed")
    line(f"300 MB POST{label}", held, f"{status} after {seconds:.2f} s, client pushed {pushed / 1e6:.1f} MB, "
         f"server wrote {spooled / 1e3:.1f} KB")


def concurrent_gets(server: Server, clients: int = 50, each: int = 20) -> None:
    started = time.monotonic()
    with ThreadPoolExecutor(clients) as pool:
        answers = list(pool.map(lambda _n: get(server.port, timeout=30), range(clients * each)))
    wall = time.monotonic() - started
    failed = sum(status != 200 for status, _ in answers)
    p95 = statistics.quantiles([s for _, s in answers], n=20)[-1]
    line(f"{clients} clients x {each} GETs", failed == 0, f"{len(answers) / wall:.0f} requests/s, p95 {p95:.3f} s, "
         f"{failed} failed")


def flood(server: Server) -> None:
    count = WEB.connection_limit + 100
    sources = [f"127.0.1.{n}" for n in range(1, count // WEB.connections_per_client + 2)]
    sockets = []
    for n in range(count):
        with contextlib.suppress(OSError):
            sockets.append(connect(server.port, sources[n % len(sources)]))
    try:
        status, seconds = get(server.port, timeout=WEB.request_timeout + 30)
    finally:
        for sock in sockets:
            sock.close()
    held = status == 200 and seconds < WEB.request_timeout + 10
    line(f"flood {count} idle connections", held, f"normal GET answered {status or 'never'} after {seconds:.1f} s "
         f"(connection_limit {WEB.connection_limit}, request_timeout {WEB.request_timeout:g} s)")


def run(cases: list[Callable[[Server], None]], command: list[str]) -> None:
    server = Server(command)
    try:
        for case in cases:
            case(server)
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--slow", type=int, default=200, help="slowloris connections (default %(default)s)")
    parser.add_argument("--defaults", action="store_true", help="also attack waitress with its own defaults")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "config.toml"
        config.write_text(CONFIG.format(db=Path(folder) / "relance.db"), encoding="utf-8")
        port = free_port()
        print(f"relance serve on 127.0.0.1:{port}, [web] defaults: connection_limit {WEB.connection_limit}, "
              f"connections_per_client {WEB.connections_per_client}, request_timeout {WEB.request_timeout:g} s, "
              f"max_body_bytes {WEB.max_body_bytes}, threads {WEB.threads}")
        run([baseline, lambda s: slowloris(s, "", args.slow), slowloris_one_address, dripping_request,
             lambda s: big_post(s, "", expect=False), lambda s: big_post(s, ", Expect: 100-continue", expect=True),
             concurrent_gets, flood],
            [str(RELANCE), "--config", str(config), "serve", "--port", str(port)])
        if args.defaults:
            port = free_port()
            print(f"waitress with its own defaults (before issue 17) on 127.0.0.1:{port}")
            BASELINE["on"] = True
            run([lambda s: slowloris(s, " (defaults)", args.slow, gets=3),
                 lambda s: big_post(s, " (defaults)", expect=False)],
                [sys.executable, "-c", DEFAULTS_SERVER, str(config), str(port)])


if __name__ == "__main__":
    main()
