"""Running relance: `relance doctor`, `relance run` (the scheduler) and `relance serve` (the web).

`run` and `serve` start what `bot.main` wired into the context (`Runtime`), so the command line never
imports the scheduler or the web, and neither of them imports the command line."""

from __future__ import annotations

import dataclasses
import os
import sys

import click

from bot.app.config import ConfigError
from bot.app.doctor import Check, check_line, diagnose
from bot.app.settings import http_settings, source_settings
from bot.cli.kit import EXIT_CANNOT_RUN, EXIT_SOURCE_FAILED, Context, one_line_errors, pass_context
from storage.db import database_path


@click.command()
@pass_context
@one_line_errors
def doctor(context: Context) -> None:
    """Check the config, the database, the SMTP server and each source; one line per check.

    Exit code 0 when every check is ok, 2 when one found a problem, 1 when the config cannot be read.
    Nothing is changed or sent; each source gets one GET, without retry or cache.
    """
    try:
        config = context.config
    except ConfigError as error:
        click.echo(check_line(Check("config", False, str(error), "corriger le fichier (ou donner --config PATH)")))
        sys.exit(EXIT_CANNOT_RUN)
    http = dataclasses.replace(http_settings(config), retries=0, cache_dir=None)
    problems = 0
    for found in diagnose(config, context.path, env=os.environ, database=database_path(config.storage.path),
                          http=http, sources=source_settings(config)):
        click.echo(check_line(found))
        problems += not found.ok
    if problems:
        sys.exit(EXIT_SOURCE_FAILED)


@click.command()
@pass_context
@one_line_errors
def run(context: Context) -> None:
    """Run as a service: check and notify on the [schedule] until SIGTERM or SIGINT.

    Logs one line per event on stderr. One instance per database (a lock beside it): a second one
    exits with code 1. On SIGTERM or SIGINT it finishes the current question and exits 0.
    """
    context.runtime.run(context.path, context.config)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--threads", type=click.IntRange(1, 64), help="Worker threads.  [default: [web] threads, 4]")
@click.option("--trusted-proxy", metavar="ADDRESS",
              help="The reverse proxy's address: its X-Forwarded-For, -Proto and -Host are then believed "
                   "(the client address the rate limits count on).")
@pass_context
@one_line_errors
def serve(context: Context, host: str, port: int, threads: int | None, trusted_proxy: str | None) -> None:
    """Serve the web interface: subscriber pages, public pages, feeds and the JSON API.

    Needs RELANCE_SECRET (it signs the e-mail links and the forms' cookie). Links in pages, feeds and
    e-mails start with [web] base_url. Stops cleanly on SIGTERM or Ctrl-C.
    """
    context.runtime.serve(context.path, context.config, host=host, port=port, threads=threads,
                          trusted_proxy=trusted_proxy)
