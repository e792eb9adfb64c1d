"""A real `relance serve` for the hostile-client tests, over the web tests' database of real samples
(tests/web/seeded.py), and raw sockets that speak HTTP the way browsers do not: a byte at a time, with a
Host header of their choosing, with bodies larger than any form."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.conftest import write_config
from tests.notify.subscribers_site import SECRET
from tests.smtp import free_port
from tests.web.seeded import BASE, WATCHED, seed

RELANCE = Path(sys.executable).with_name("relance")


@dataclass
class Served:
    port: int
    process: subprocess.Popen[str]

    def connect(self, source: str = "127.0.0.1", timeout: float = 10) -> socket.socket:
        """A TCP connection from `source` (any 127.x.y.z is this machine: another client address)."""
        sock = socket.socket()
        sock.settimeout(timeout)
        sock.bind((source, 0))
        sock.connect(("127.0.0.1", self.port))
        return sock

    def written_bytes(self) -> int:
        """What the server process has written with write() so far (disk, pipes): a spooled body shows."""
        for line in Path(f"/proc/{self.process.pid}/io").read_text().splitlines():
            if line.startswith("wchar:"):
                return int(line.split()[1])
        raise AssertionError("no wchar in /proc/PID/io")


@contextmanager
def serving(folder: Path, *, trusted_proxy: str | None = None, **web: Any) -> Iterator[Served]:
    """`relance serve` with `[web]` base_url BASE and `web`, on a free port, stopped by SIGTERM after."""
    config = write_config(folder / "config.toml", web={"base_url": BASE, **web}, watch=WATCHED)
    seed(folder / "relance.db")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "RELANCE_DB"} | {"RELANCE_SECRET": SECRET}
    command = [str(RELANCE), "--config", str(config), "serve", "--port", str(port)]
    command += ["--trusted-proxy", trusted_proxy] if trusted_proxy else []
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    served = Served(port, process)
    try:
        _wait_ready(served)
        yield served
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


def _wait_ready(served: Served, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            if status(exchange(served, get("/questions"))) == 200:
                return
        except OSError:
            pass
        if served.process.poll() is not None or time.monotonic() > deadline:
            error = served.process.stderr.read() if served.process.stderr else ""
            raise AssertionError(f"relance serve did not start: {error}")
        time.sleep(0.1)


def get(path: str, host: str = "127.0.0.1", *headers: str) -> bytes:
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}", "Connection: close", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def exchange(served: Served, request: bytes, *, source: str = "127.0.0.1", timeout: float = 10) -> bytes:
    """Send `request` on a new connection and read the answer until the server closes it."""
    with served.connect(source, timeout) as sock:
        sock.sendall(request)
        return read_all(sock)


def read_all(sock: socket.socket) -> bytes:
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def status(raw: bytes) -> int:
    return int(raw.split(b" ", 2)[1])


def header(raw: bytes, name: str) -> str | None:
    head = raw.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    for line in head.split("\r\n")[1:]:
        key, _, value = line.partition(":")
        if key.strip().lower() == name.lower():
            return value.strip()
    return None


def body(raw: bytes) -> str:
    return raw.split(b"\r\n\r\n", 1)[1].decode("utf-8")
