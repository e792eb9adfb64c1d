"""What every command of the command line shares: the context, the clock, errors as one line.

Command modules (bot/cli.py and the bot/commands_*.py it registers) import from here, so they never
import each other.
"""

from __future__ import annotations

import functools
import json
import sqlite3
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import click
from sqlite_utils import Database

from bot.config import Config, ConfigError, load_config
from bot.deadlines import PARIS
from bot.notify.addresses import AddressError
from bot.notify.subscriptions import SubscriptionError
from bot.notify.tokens import SecretMissing, TokenError
from bot.service import AlreadyRunning
from scrapers.http import FetchError
from scrapers.model import ParseError
from scrapers.refs import RefError
from storage.db import StorageError, database_path, open_db

F = TypeVar("F", bound=Callable[..., Any])

# Exit codes, the same for every command: 1 relance cannot run (a bad reference, config or
# database), 2 it ran but a source failed (network, error page, unreadable page).
EXIT_CANNOT_RUN = 1
EXIT_SOURCE_FAILED = 2
USER_ERRORS = (RefError, ConfigError, StorageError, TokenError, SecretMissing, AddressError, SubscriptionError,
               AlreadyRunning)
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
        except sqlite3.Error as error:
            # The database failed under a command (most often: locked by another process for longer
            # than the busy timeout). Each write is one transaction, so nothing was left half done.
            click.echo(f"relance: database: {type(error).__name__}: {error} (nothing was half written; "
                       "try again once the other process is done)", err=True)
            sys.exit(EXIT_CANNOT_RUN)
    return wrapper  # type: ignore[return-value]


def now() -> datetime:
    """The one clock of the command line: an aware instant in Europe/Paris."""
    return datetime.now(PARIS)


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

    def database(self) -> Database:
        return open_db(database_path(self.config.storage.path))


pass_context = click.make_pass_decorator(Context)




def print_json(value: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2))
