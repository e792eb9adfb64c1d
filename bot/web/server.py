"""Serve the web interface with waitress, over the same config and database as the other commands,
beside `relance run` (SQLite in WAL mode, one short transaction at a time)."""

from __future__ import annotations

import signal
from pathlib import Path
from types import FrameType

from waitress.server import create_server

from bot.app.config import Config
from bot.app.logs import describe, log_event, setup_logging
from bot.web.app import create_app
from scrapers.errors import CannotRun


def _stop(_signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(0)  # waitress's loop catches it, closes its sockets and returns


def serve(config_path: Path, config: Config, *, host: str, port: int, threads: int,
          trusted_proxy: str | None = None) -> None:
    """Serve until SIGTERM or Ctrl-C. Raises `CannotRun` when the address cannot be listened on."""
    setup_logging(config.log.level)
    app = create_app(config_path)
    proxy = {"trusted_proxy": trusted_proxy, "trusted_proxy_headers": "x-forwarded-for x-forwarded-proto "
             "x-forwarded-host", "clear_untrusted_proxy_headers": True} if trusted_proxy else {}
    try:
        server = create_server(app, host=host, port=port, threads=threads, ident="relance", **proxy)
    except OSError as error:
        raise CannotRun(f"cannot listen on {host}:{port}: {describe(error)}") from None
    previous = signal.signal(signal.SIGTERM, _stop)
    log_event("serving", url=f"http://{host}:{port}/", base_url=config.web.base_url, threads=threads)
    try:
        server.run()
    finally:
        signal.signal(signal.SIGTERM, previous)
        log_event("stopped")
