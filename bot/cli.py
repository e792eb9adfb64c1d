"""The `relance` command line: thin Click commands, each calling one function of the layers below.

A user's mistake or a site's failure prints one line on stderr and exits non-zero; never a traceback.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from bot.config import Config, ConfigError, config_path, load_config
from bot.views import snapshot_json, snapshot_text
from scrapers.http import FetchError, HttpSettings, PoliteClient
from scrapers.model import ParseError
from scrapers.refs import RefError, parse_ref
from scrapers.sources import SourceSettings, fetch_snapshot

F = TypeVar("F", bound=Callable[..., Any])

# Exit codes, the same for every command: 1 relance cannot run (a bad reference, config or
# database), 2 it ran but a source failed (network, error page, unreadable page).
EXIT_CANNOT_RUN = 1
EXIT_SOURCE_FAILED = 2
USER_ERRORS = (RefError, ConfigError)
SOURCE_ERRORS = (FetchError, ParseError)


def one_line_errors(command: F) -> F:
    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except USER_ERRORS as error:
            click.echo(f"relance: {error}", err=True)
            sys.exit(EXIT_CANNOT_RUN)
        except SOURCE_ERRORS as error:
            click.echo(f"relance: {type(error).__name__}: {error}", err=True)
            sys.exit(EXIT_SOURCE_FAILED)
    return wrapper  # type: ignore[return-value]


def http_settings(config: Config) -> HttpSettings:
    h = config.http
    return HttpSettings(user_agent=config.user_agent, timeout=h.timeout, max_concurrency=h.max_concurrency,
                        min_interval=h.min_interval, retries=h.retries, backoff_max=h.backoff_max,
                        max_retry_after=h.max_retry_after, cache_dir=Path(h.cache_dir) if h.cache_dir else None)


def source_settings(config: Config) -> SourceSettings:
    an, senat = config.sources.an, config.sources.senat
    return SourceSettings(an_base_url=an.base_url, an_legacy_base_url=an.legacy_base_url,
                          senat_base_url=senat.base_url, an_closure_codes=dict(an.closure_codes))


class Context:
    """What every command shares: the config file's path, read once when a command first needs it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._config: Config | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.path)
        return self._config


pass_context = click.make_pass_decorator(Context)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Config file (default: $RELANCE_CONFIG, else ./config.toml).")
@click.version_option(package_name="relance")
@click.pass_context
def main(ctx: click.Context, config_file: Path | None) -> None:
    """relance: follow written questions of the Assemblée nationale and the Sénat."""
    ctx.obj = Context(config_path(config_file))


@main.command()
@click.argument("ref")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@pass_context
@one_line_errors
def fetch(context: Context, ref: str, as_json: bool) -> None:
    """Fetch one question now and print its state (no database is touched).

    REF is any form of reference: an AN or Sénat URL, QANR5L17QE5268, 'AN 17-5268', SEQ221103705.
    """
    question = parse_ref(ref)
    config = context.config
    with PoliteClient(http_settings(config)) as client:
        snapshot = fetch_snapshot(question, client, source_settings(config))
    if as_json:
        click.echo(json.dumps(snapshot_json(snapshot), ensure_ascii=False, indent=2))
    else:
        click.echo(snapshot_text(snapshot))
