"""Serve the web interface with waitress, over the same config and database as the other commands,
beside `relance run` (SQLite in WAL mode, one short transaction at a time), and hold against slow and
hostile clients: the `[web]` settings, and why each number, are in docs/security.md.

waitress reads requests in one loop and runs the application in `threads` worker threads, so a slow
client costs a connection, never a thread. What is added here: a request must arrive whole within
`request_timeout` (a client dripping a byte at a time no longer holds its connection for ever), one client
address holds at most `connections_per_client` connections (one host cannot fill `connection_limit`), a
body over `max_body_bytes` is refused from its Content-Length before a byte of it is read (no
`100 Continue`, nothing buffered or spooled), and waitress's own error answers are the site's French
pages.
"""

from __future__ import annotations

import resource
import signal
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from flask import Flask
from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer, create_server
from waitress.task import ErrorTask

from bot.app.config import Config, WebSection
from bot.app.logs import describe, log_event, setup_logging
from bot.notify.i18n import _
from bot.web.app import create_app, error_response
from scrapers.errors import CannotRun

MAX_HEADER_BYTES = 32 * 1024  # a request line and headers: the longest filtered table address and cookie fit
SPARE_FILES = 64  # file descriptors besides the connections: the database of each thread, logs, the listener
# After an error answered before the body was read (413), what is still read, and dropped, before closing:
# closing with unread data resets the connection, and a reset can destroy the answer before the client
# reads it. A form that was a little too long arrives whole within these; a flood does not.
LINGER_SECONDS = 2.0
LINGER_BYTES = 1024 * 1024


def _stop(_signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(0)  # waitress's loop catches it, closes its sockets and returns


class ClientCounts:
    """Open connections per client address, shared by the listeners (and by the loop's thread and the
    worker threads, which may close a connection)."""

    def __init__(self, limit: int, exempt: str | None) -> None:
        self.limit = limit
        self.exempt = exempt  # the trusted proxy, which carries every client: its clients are counted by it
        self._open: Counter[str] = Counter()
        self._lock = threading.Lock()

    def enter(self, client: str) -> bool:
        if self.exempt in (client, "*"):
            return True
        with self._lock:
            if self._open[client] >= self.limit:
                return False
            self._open[client] += 1
            return True

    def leave(self, client: str) -> None:
        if self.exempt in (client, "*"):
            return
        with self._lock:
            self._open[client] -= 1
            if self._open[client] <= 0:
                del self._open[client]


@dataclass(frozen=True)
class Guard:
    request_timeout: float
    clients: ClientCounts
    app: Flask


class PageErrorTask(ErrorTask):  # type: ignore[misc]  # waitress is untyped
    """An error waitress answers itself (a body or headers too large, a request it cannot parse): the
    site's French page, or its JSON under /api/, instead of waitress's English text."""

    guard: Guard

    def execute(self) -> None:
        code = int(self.request.error.code)
        status, headers, body = error_response(self.guard.app, code, getattr(self.request, "path", None) or "/")
        self.status = status
        self.response_headers.extend(headers)
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


class GuardedChannel(HTTPChannel):  # type: ignore[misc]  # waitress is untyped
    """One client connection, with a deadline for each request and a place in its address's count."""

    guard: Guard
    request_began: float | None = None  # the first byte of the request being received (or the connection)
    counted = False
    refused = False  # a request was answered with an error before all of it was read
    will_close: bool
    lingering_until: float | None = None
    linger_left = 0

    def __init__(self, server: BaseWSGIServer, sock: Any, addr: Any, adj: Any, map: Any = None) -> None:
        super().__init__(server, sock, addr, adj, map)
        self.client = addr[0] if isinstance(addr, tuple) else str(addr)
        self.request_began = time.monotonic()  # a new connection is there to send a request
        self.counted = self.guard.clients.enter(self.client)
        if not self.counted:
            self.handle_close()  # closed before reading anything: nothing to answer, nothing to hold

    def received(self, data: bytes) -> bool:
        if self.request is None and self.request_began is None:
            self.request_began = time.monotonic()
        result: bool = super().received(data)
        if self.request is None:
            self.request_began = None  # nothing half received: the idle channel_timeout applies
        self.refused = self.refused or any(request.error is not None for request in self.requests)
        return result

    def readable(self) -> bool:
        # Asked by the loop at each turn (at least once a second): a request still incomplete after
        # request_timeout is given up, however regularly its bytes drip in.
        now = time.monotonic()
        if self.lingering_until is not None:
            self.will_close = self.will_close or now > self.lingering_until
            return not self.will_close
        if (self.request_began is not None and not self.requests
                and now - self.request_began > self.guard.request_timeout):
            self.will_close = True
        return bool(super().readable())

    def writable(self) -> bool:
        return bool(self.will_close) if self.lingering_until is not None else bool(super().writable())

    def handle_read(self) -> None:
        if self.lingering_until is None:
            super().handle_read()
            return
        try:
            self.linger_left -= len(self.recv(self.adj.recv_bytes))  # dropped; recv closes at the end of stream
        except OSError:
            self.will_close = True
        if self.linger_left <= 0:
            self.will_close = True

    def handle_close(self) -> None:
        if self.refused and self.connected and self.lingering_until is None:
            self._linger()
            return
        super().handle_close()

    def _linger(self) -> None:
        """The error answer is sent: say so (FIN), then drop what the client still sends for a moment,
        so that closing does not reset the connection under the answer."""
        try:
            self.socket.shutdown(socket.SHUT_WR)
        except OSError:
            super().handle_close()
            return
        self.will_close = self.close_when_flushed = False
        self.lingering_until = time.monotonic() + LINGER_SECONDS
        self.linger_left = LINGER_BYTES

    def send_continue(self) -> None:
        if self.request is not None and self.request.error is not None:
            return  # refused already (too large): the client must not be told to send its body
        super().send_continue()

    def del_channel(self, map: Any = None) -> None:
        super().del_channel(map)
        if self.counted:
            self.counted = False
            self.guard.clients.leave(self.client)


def waitress_settings(web: WebSection, *, threads: int, trusted_proxy: str | None) -> dict[str, Any]:
    """waitress's adjustments from `[web]`: what docs/security.md lists."""
    proxy = {"trusted_proxy": trusted_proxy, "trusted_proxy_headers": "x-forwarded-for x-forwarded-proto "
             "x-forwarded-host", "clear_untrusted_proxy_headers": True} if trusted_proxy else {}
    return {
        "threads": threads, "connection_limit": _connection_limit(web.connection_limit), "backlog": web.backlog,
        "channel_timeout": web.channel_timeout, "cleanup_interval": min(web.channel_timeout, 10),
        # waitress refuses a Content-Length equal to its limit: one more byte allows `max_body_bytes`.
        "max_request_body_size": web.max_body_bytes + 1, "max_request_header_size": MAX_HEADER_BYTES,
        # A body small enough to be accepted stays in memory: nothing is ever spooled to disk.
        "inbuf_overflow": max(512 * 1024, web.max_body_bytes + MAX_HEADER_BYTES),
        # poll(): select() cannot watch a descriptor numbered over 1024, fewer than connection_limit.
        "asyncore_use_poll": True, "ident": "relance", **proxy,
    }


def _connection_limit(wanted: int) -> int:
    """`wanted`, once the process may open that many files (raised up to the hard limit), else as many as
    it may: waitress would otherwise accept until accept() fails, and spin on the listening socket."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = wanted + SPARE_FILES
    if soft != resource.RLIM_INFINITY and soft < needed:
        raised = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (raised, hard))
        soft = raised
    if soft != resource.RLIM_INFINITY and soft < needed:
        log_event("connection_limit_lowered", wanted=wanted, limit=soft - SPARE_FILES, open_files=soft)
        return max(1, soft - SPARE_FILES)
    return wanted


def make_server(app: Flask, web: WebSection, *, host: str, port: int, threads: int | None = None,
                trusted_proxy: str | None = None) -> Any:
    """The waitress server of `app`, listening, with the guarded connections. Raises OSError."""
    guard = Guard(web.request_timeout, ClientCounts(web.connections_per_client, trusted_proxy), app)
    error_task = type("ErrorTask", (PageErrorTask,), {"guard": guard})
    channel = type("Channel", (GuardedChannel,), {"guard": guard, "error_task_class": error_task})
    listeners: dict[int, Any] = {}
    server = create_server(app, map=listeners, host=host, port=port,
                           **waitress_settings(web, threads=threads or web.threads, trusted_proxy=trusted_proxy))
    for dispatcher in list(listeners.values()):
        if isinstance(dispatcher, BaseWSGIServer):
            dispatcher.channel_class = channel  # one per address `host` resolves to
    return server


def serve(config_path: Path, config: Config, *, host: str, port: int, threads: int | None = None,
          trusted_proxy: str | None = None) -> None:
    """Serve until SIGTERM or Ctrl-C. Raises `CannotRun` when the address cannot be listened on."""
    setup_logging(config.log.level)
    app = create_app(config_path)
    try:
        server = make_server(app, config.web, host=host, port=port, threads=threads, trusted_proxy=trusted_proxy)
    except OSError as error:
        raise CannotRun(_("impossible d'écouter sur {host}:{port} : {error}", host=host, port=port,
                          error=describe(error))) from None
    previous = signal.signal(signal.SIGTERM, _stop)
    log_event("serving", url=f"http://{host}:{port}/", base_url=config.web.base_url,
              threads=threads or config.web.threads)
    try:
        server.run()
    finally:
        signal.signal(signal.SIGTERM, previous)
        log_event("stopped")
