"""One error root: every exception the project defines derives from `CannotRun` (exit 1) or
`SourceFailed` (exit 2), and no command can print a traceback for any of them."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Iterator

import click
import pytest
from click.testing import CliRunner

import bot
import scrapers
import storage
from bot.cli.kit import EXIT_CANNOT_RUN, EXIT_SOURCE_FAILED, one_line_errors
from bot.main import main
from scrapers.errors import CannotRun, RelanceError, SourceFailed

ROOTS = (RelanceError, CannotRun, SourceFailed)


def project_modules() -> Iterator[str]:
    for package in (bot, scrapers, storage):
        yield package.__name__
        for found in pkgutil.walk_packages(package.__path__, prefix=f"{package.__name__}."):
            yield found.name


def project_exceptions() -> list[type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for name in project_modules():
        module = importlib.import_module(name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if (issubclass(cls, BaseException) and cls.__module__ == name and not cls.__name__.startswith("_")
                    and cls not in ROOTS):
                found[f"{name}.{cls.__name__}"] = cls
    return [found[key] for key in sorted(found)]


EXCEPTIONS = project_exceptions()


def test_the_project_defines_errors_in_every_package() -> None:
    modules = {cls.__module__.split(".")[0] for cls in EXCEPTIONS}
    assert modules == {"bot", "scrapers", "storage"}


@pytest.mark.parametrize("cls", EXCEPTIONS, ids=lambda cls: f"{cls.__module__}.{cls.__name__}")
def test_every_project_error_has_one_of_the_two_children_of_the_root(cls: type[BaseException]) -> None:
    assert issubclass(cls, RelanceError)
    assert issubclass(cls, CannotRun) != issubclass(cls, SourceFailed), "exactly one of CannotRun, SourceFailed"


def instance(cls: type[BaseException]) -> BaseException:
    """An instance made with its own constructor, each argument it requires given as a word."""
    required = [p for p in list(inspect.signature(cls.__init__).parameters.values())[1:]
                if p.default is inspect.Parameter.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    positional = [f"{p.name}-value" for p in required if p.kind is not p.KEYWORD_ONLY]
    keywords = {p.name: f"{p.name}-value" for p in required if p.kind is p.KEYWORD_ONLY}
    return cls(*positional, **keywords)


@pytest.mark.parametrize("cls", EXCEPTIONS, ids=lambda cls: f"{cls.__module__}.{cls.__name__}")
def test_a_command_prints_one_line_and_the_right_exit_code(cls: type[BaseException]) -> None:
    @click.command()
    @one_line_errors
    def failing() -> None:
        raise instance(cls)

    result = CliRunner().invoke(failing, [])
    assert result.exit_code == (EXIT_SOURCE_FAILED if issubclass(cls, SourceFailed) else EXIT_CANNOT_RUN)
    assert "Traceback" not in result.output
    assert result.stderr.startswith("relance: ") and result.stderr.count("\n") == 1


def commands(group: click.Group, path: str = "relance") -> Iterator[tuple[str, click.Command]]:
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from commands(command, f"{path} {name}")
        else:
            yield f"{path} {name}", command


def wrapped(callback: object) -> bool:
    while callback is not None:
        if getattr(callback, "one_line_errors", False):
            return True
        callback = getattr(callback, "__wrapped__", None)
    return False


@pytest.mark.parametrize(("path", "command"), list(commands(main)), ids=str)
def test_every_command_turns_project_errors_into_one_line(path: str, command: click.Command) -> None:
    assert wrapped(command.callback), f"{path} is not wrapped in one_line_errors"


@pytest.mark.parametrize(("args", "said"), [
    (["statuss"], "Commande inconnue : 'statuss'"),
    (["status", "--bogus"], "Option inconnue : '--bogus'"),
    (["events", "--since", "hier"], "Valeur invalide pour '--since'"),
    (["show"], "Argument manquant 'REF'"),
])
def test_a_mistyped_command_is_one_line_and_code_1_not_the_code_of_a_failed_site(args: list[str], said: str) -> None:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("relance: commande mal formée : ") and said in result.stderr
    assert len(result.stderr.splitlines()) == 1 and "--help)" in result.stderr


def test_relance_alone_prints_its_help() -> None:
    result = CliRunner().invoke(main, [])
    assert result.exit_code == 0 and result.stdout.startswith("Usage : relance [OPTIONS] COMMAND")
