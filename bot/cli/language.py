"""The command line's language: `relance --lang en`, else the environment, else French.

Click reads the commands' help (their docstrings and the options' `help=`) as written; relance writes
them in French and translates them here, in the catalogs' current language, before Click shows them.
`scripts/catalogs.py` collects the same texts with `help_texts`, so each is in the catalogs."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import click

from bot.notify.i18n import LANGUAGES, _, use_language

LANG_OPTION = "--lang"


def language_in(args: Sequence[str]) -> str | None:
    """The language `--lang X` or `--lang=X` asks for, read before Click parses anything, so that the
    help and Click's own errors are already in it; None when the arguments do not say."""
    for index, arg in enumerate(args):
        if arg == "--":
            break
        if arg == LANG_OPTION and index + 1 < len(args) and args[index + 1] in LANGUAGES:
            return args[index + 1]
        if arg.startswith(LANG_OPTION + "=") and arg.split("=", 1)[1] in LANGUAGES:
            return arg.split("=", 1)[1]
    return None


def _commands(command: click.Command) -> Iterator[click.Command]:
    yield command
    if isinstance(command, click.Group):
        for child in command.commands.values():
            yield from _commands(child)


_TEXTS = ("help", "short_help", "epilog")


def help_texts(root: click.Command) -> Iterator[tuple[click.Command, str]]:
    """Every help text of the command line as written in the code (the catalogs' messages)."""
    for command in _commands(root):
        originals = _originals(command)
        for name in _TEXTS:
            if text := originals.get(name):
                yield command, text
        for param in command.params:
            if isinstance(param, click.Option) and (text := _originals(param).get("help")):
                yield command, text


def _originals(thing: click.Command | click.Parameter) -> dict[str, str | None]:
    """The texts as the code wrote them, kept on first sight so that a second language starts over."""
    kept: dict[str, str | None] | None = thing.__dict__.get("_relance_source_texts")
    if kept is None:
        names = _TEXTS if isinstance(thing, click.Command) else ("help",)
        kept = {name: getattr(thing, name, None) for name in names}
        thing.__dict__["_relance_source_texts"] = kept
    return kept


def translate_help(root: click.Command) -> None:
    """Every help text of `root` and its commands, in the current language."""
    for command in _commands(root):
        for name, text in _originals(command).items():
            setattr(command, name, _(text) if text else text)
        # Click (8.1.8 on) keeps the --help option it made, its help read in the language of that time:
        # made again, it is read in this one (a process that runs relance in two languages, as tests do).
        if getattr(command, "_help_option", None) is not None:
            command._help_option = None
        for param in command.params:
            if isinstance(param, click.Option):
                text = _originals(param).get("help")
                param.help = _(text) if text else text


def apply_language(root: click.Command, language: str | None) -> str:
    """Use `language` (None: the environment's) for every message, the help of `root` included."""
    chosen = use_language(language)
    translate_help(root)
    return chosen
