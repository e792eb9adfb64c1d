"""`relance serve`: the web interface (bot/web) served by waitress, over the same config and database
as the other commands, beside `relance run` (SQLite in WAL mode, one short transaction at a time)."""

from __future__ import annotations

import signal
import sys
from types import FrameType

import click
from waitress.server import create_server

from bot.clikit import EXIT_CANNOT_RUN, Context, one_line_errors, pass_context
from bot.logs import describe, log_event, setup_logging
from bot.web.app import create_app


def _stop(_signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(0)  # waitress's loop catches it, closes its sockets and returns


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64), help="Worker threads.")
@click.option("--trusted-proxy", metavar="ADDRESS",
              help="The reverse proxy's address: its X-Forwarded-For, -Proto and -Host are then believed "
                   "(the client address the rate limits count on).")
@pass_context
@one_line_errors
def serve(context: Context, host: str, port: int, threads: int, trusted_proxy: str | None) -> None:
    """Serve the web interface: subscriber pages, public pages, feeds and the JSON API.

    Needs RELANCE_SECRET (it signs the e-mail links and the forms' cookie). Links in pages, feeds and
    e-mails start with [web] base_url. Stops cleanly on SIGTERM or Ctrl-C.
    """
    config = context.config
    setup_logging(config.log.level)
    app = create_app(context.path)
    proxy = {"trusted_proxy": trusted_proxy, "trusted_proxy_headers": "x-forwarded-for x-forwarded-proto "
             "x-forwarded-host", "clear_untrusted_proxy_headers": True} if trusted_proxy else {}
    try:
        server = create_server(app, host=host, port=port, threads=threads, ident="relance", **proxy)
    except OSError as error:
        click.echo(f"relance: cannot listen on {host}:{port}: {describe(error)}", err=True)
        sys.exit(EXIT_CANNOT_RUN)
    previous = signal.signal(signal.SIGTERM, _stop)
    log_event("serving", url=f"http://{host}:{port}/", base_url=config.web.base_url, threads=threads)
    try:
        server.run()
    finally:
        signal.signal(signal.SIGTERM, previous)
        log_event("stopped")
