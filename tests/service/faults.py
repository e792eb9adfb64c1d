"""What the fault tests share: a threaded local server, `relance` as a child process, bounded waits,
read-only looks into the test's database, and when the client sent each request.

`relance` runs as a subprocess of the console script next to sys.executable where a real process
matters (a kill, a lock held by another process, a traceback on stderr); elsewhere through
CliRunner. Servers listen on 127.0.0.1 only. Every wait is bounded in time.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pytest_httpserver import HTTPServer

from storage.db import BUSY_TIMEOUT_MS
from tests.an_variants import dump, qe_json, without_answer

RELANCE = Path(sys.executable).parent / "relance"
AN_REF = "QANR5L17QE5268"
WAIT = 20.0  # the longest any step of these tests waits for something that should take a second


@pytest.fixture
def httpserver() -> Iterator[HTTPServer]:
    """A threaded server on 127.0.0.1, in place of pytest-httpserver's single-threaded one: a slow
    answer to one request must not hold up the others."""
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


class Sent:
    """When the client in this process sent each request: (path, `time.monotonic()`), noted by httpx's
    own transport just before the request goes on the wire.

    Timing tests measure here rather than at the server: an arrival time at the server adds the delays
    of the server's threads, which a loaded machine makes long and uneven."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, float]] = []
        self.lock = threading.Lock()

    def times(self, path: str) -> list[float]:
        with self.lock:
            return [when for sent_to, when in self.sent if sent_to == path]


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> Sent:
    noted = Sent()
    send = httpx.HTTPTransport.handle_request

    def noting(transport: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
        with noted.lock:
            noted.sent.append((request.url.path, time.monotonic()))
        return send(transport, request)

    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", noting)
    return noted


def spawn(config: Path, *args: str) -> subprocess.Popen[str]:
    """`relance --config CONFIG ARGS…` as a child process, with this process's environment."""
    assert RELANCE.is_file(), f"no console script at {RELANCE}: pip install -e ."
    return subprocess.Popen([str(RELANCE), "--config", str(config), *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=dict(os.environ))


def finish(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    try:
        out, err = process.communicate(timeout=BUSY_TIMEOUT_MS / 1000 + WAIT)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
    return process.returncode, out, err


def wait_until(condition: Callable[[], bool], what: str, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"waited {timeout:g} s for {what}"
        time.sleep(0.02)


def has_open(process: subprocess.Popen[str], path: Path) -> bool:
    """Whether `process` has the file at `path` open (Linux's /proc/PID/fd)."""
    try:
        return any(os.readlink(fd) == str(path.resolve()) for fd in Path(f"/proc/{process.pid}/fd").iterdir())
    except OSError:  # not started yet, gone, or a descriptor closed while we looked
        return False


def rows(config: Path, sql: str, *params: Any, db: Path | None = None) -> list[tuple[Any, ...]]:
    """Read the test's database (or `db`), read-only: never create it, never write to it."""
    path = db or config.parent / "relance.db"
    with contextlib.closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as conn:
        return conn.execute(sql, params).fetchall()


def integrity(config: Path, db: Path | None = None) -> str:
    return str(rows(config, "PRAGMA integrity_check", db=db)[0][0])


def pending() -> bytes:
    """The real AN record as it was before its answer: an open question, due at every cycle."""
    return dump(without_answer(qe_json()))


def set_http(config: Path, **values: float) -> None:
    """Set some `[http]` entries of a test's config.toml, whose entries are one per line."""
    lines = config.read_text(encoding="utf-8").splitlines()
    start = lines.index("[http]") + 1
    end = next((i for i in range(start, len(lines)) if lines[i].startswith("[")), len(lines))
    for key, value in values.items():
        found = [i for i in range(start, end) if lines[i].startswith(f"{key} =")]
        if found:
            lines[found[0]] = f"{key} = {value}"
        else:
            lines.insert(start, f"{key} = {value}")
            end += 1
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")


def polls(config: Path, ref: str) -> list[tuple[str, str | None]]:
    return [(outcome, error) for outcome, error in
            rows(config, "SELECT outcome, error FROM polls WHERE ref = ? ORDER BY id", ref)]


def event_count(config: Path) -> int:
    return int(rows(config, "SELECT count(*) FROM events")[0][0])
