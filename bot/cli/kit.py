"""What every command of the command line shares: the context, JSON output, errors as one line.

Command modules import from here and never from each other.
"""

from __future__ import annotations

import contextlib
import functools
import json
import sqlite3
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Protocol, TypeVar

import click

from bot.app.config import Config
from bot.app.context import Context as AppContext
from bot.app.context import now
from bot.cli.language import apply_language, language_in
from bot.core.text import printable
from bot.notify.i18n import _
from bot.notify.wording import interrupted, usage_mistake
from bot.notify.wording.errors import describe
from scrapers.errors import CannotRun, SourceFailed

# Every date option takes the two forms relance prints: ISO (2026-12-03) and French (03/12/2026).
DAY = click.DateTime(formats=["%Y-%m-%d", "%d/%m/%Y"])

F = TypeVar("F", bound=Callable[..., Any])

__all__ = ["EXIT_CANNOT_RUN", "EXIT_SOURCE_FAILED", "Context", "Runtime", "now", "one_line_errors",
           "pass_context", "print_json"]

# Exit codes, the same for every command: 1 relance cannot run (a bad reference, config or
# database), 2 it ran but a source failed (network, error page, unreadable page).
EXIT_CANNOT_RUN = 1
EXIT_SOURCE_FAILED = 2


def one_line_errors(command: F) -> F:
    """Every project error becomes one line on stderr and its exit code, never a traceback."""
    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except CannotRun as error:
            click.echo(f"relance: {describe(error)}", err=True)
            sys.exit(EXIT_CANNOT_RUN)
        except SourceFailed as error:
            click.echo(f"relance: {describe(error)}", err=True)
            sys.exit(EXIT_SOURCE_FAILED)
        except sqlite3.Error as error:
            # The database failed under a command (most often: locked by another process for longer
            # than the busy timeout). Each write is one transaction, so nothing was left half done.
            click.echo("relance: " + _("base de données : {kind} : {error} (rien n'a été écrit à moitié ; "
                                       "réessayer quand l'autre processus aura fini)",
                                       kind=type(error).__name__, error=error), err=True)
            sys.exit(EXIT_CANNOT_RUN)
    wrapper.one_line_errors = True  # type: ignore[attr-defined]  # what tests/cli/test_error_root.py looks for
    return wrapper  # type: ignore[return-value]


class Runtime(Protocol):
    """The long-running parts the command line starts but does not own: the web server (`relance serve`)
    and the scheduler (`relance run`). `bot.main` wires them in, so `bot.cli` imports neither."""

    def serve(self, config_path: Path, config: Config, *, host: str, port: int, threads: int | None,
              trusted_proxy: str | None = None) -> None: ...
    def run(self, config_path: Path, config: Config) -> None: ...


class Context(AppContext):
    """The application's context, plus the runtime that `relance serve` and `relance run` start."""

    def __init__(self, path: Path, runtime: Runtime | None) -> None:
        super().__init__(path)
        self._runtime = runtime

    @property
    def runtime(self) -> Runtime:
        if self._runtime is None:
            raise CannotRun(_("cette ligne de commande a été construite sans son environnement d'exécution "
                              "(la lancer comme `relance`)"))
        return self._runtime


pass_context = click.make_pass_decorator(Context)


def print_json(value: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2))


@contextlib.contextmanager
def escaped_output() -> Iterator[None]:
    """For the time of a command, `click.echo` and `click.echo_via_pager` (the pager of `show`) write each
    control character as an escape (bot.core.text.printable): every command prints through one of them,
    and a title, a name or an error quoting a source must not drive the terminal. Both are looked up on
    `click` at each call, so this one place covers every command. Rich's table (`status`) writes to the
    terminal itself: its cells are escaped where they are built."""
    echo, pager = click.echo, click.echo_via_pager

    def escaped_echo(message: Any = None, *args: Any, **kwargs: Any) -> None:
        if message is not None and not isinstance(message, bytes | bytearray):
            message = printable(str(message))
        echo(message, *args, **kwargs)

    def escaped_pager(text_or_generator: Any, *args: Any, **kwargs: Any) -> None:
        if isinstance(text_or_generator, str):
            pager(printable(text_or_generator), *args, **kwargs)
            return
        lines = text_or_generator() if callable(text_or_generator) else text_or_generator
        pager((printable(str(line)) for line in lines), *args, **kwargs)

    click.echo, click.echo_via_pager = escaped_echo, escaped_pager
    try:
        yield
    finally:
        click.echo, click.echo_via_pager = echo, pager


class RelanceGroup(click.Group):
    """Click's group, but a usage mistake (an unknown option, a bad value) exits with code 1 and one line
    on stderr, like every other mistake of the user: code 2 means that a site failed."""

    def invoke(self, ctx: click.Context) -> Any:
        with escaped_output():
            return super().invoke(ctx)

    def main(self, args: Any = None, prog_name: str | None = None, complete_var: str | None = None,
             standalone_mode: bool = True, **extra: Any) -> Any:
        apply_language(self, language_in(sys.argv[1:] if args is None else list(args)))
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.NoArgsIsHelpError as error:  # `relance` alone: its help, as --help gives it
            click.echo(error.format_message())
            sys.exit(0)
        except click.UsageError as error:
            command = error.ctx.command_path if error.ctx else "relance"
            click.echo("relance: " + _("{mistake} : {message} (voir : {command} --help)", mistake=usage_mistake(),
                                                message=error.format_message(), command=command), err=True)
            sys.exit(EXIT_CANNOT_RUN)
        except click.Abort:
            click.echo(f"relance: {interrupted()}", err=True)
            sys.exit(EXIT_CANNOT_RUN)
        except click.ClickException as error:
            error.show()
            sys.exit(error.exit_code)
        sys.exit(code if isinstance(code, int) else 0)
