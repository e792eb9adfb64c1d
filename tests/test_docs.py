"""The documentation keeps up with the code, as sqlite-utils and Datasette check theirs: every command
of the `relance` group is documented in docs/, every config key has its row in docs/configuration.md,
the README shows only commands that exist and links only to pages that exist.

Each failure names what is missing, so the fix is a line of documentation, not a search."""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Iterator
from pathlib import Path

import click
from pydantic import BaseModel

from bot.app.config import Config
from bot.main import main

PROJECT = Path(__file__).resolve().parent.parent
DOCS = PROJECT / "docs"
README = PROJECT / "README.md"
CONFIGURATION = DOCS / "configuration.md"
# Options of the `relance` group itself that take a value, so `relance --config X fetch` names `fetch`.
GROUP_OPTIONS_WITH_VALUE = {"--config"}


def command_paths(group: click.Group, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every command and subcommand of `group`, as the words typed after `relance`."""
    for name, command in sorted(group.commands.items()):
        path = (*prefix, name)
        yield path
        if isinstance(command, click.Group):
            yield from command_paths(command, path)


def docs_text() -> str:
    return "\n".join(page.read_text(encoding="utf-8") for page in sorted(DOCS.rglob("*.md")))


def test_every_command_is_documented() -> None:
    text = docs_text()
    missing = [" ".join(path) for path in command_paths(main)
               if not re.search(r"\brelance " + r"\s+".join(map(re.escape, path)) + r"(?![\w-])", text)]
    assert not missing, f"commands not documented in docs/ as `relance <command>`: {', '.join(missing)}"


# Config keys: the pydantic model walked recursively.

def _models_in(annotation: object) -> list[type[BaseModel]]:
    """The models an annotation holds: itself, or inside Optional, Annotated, tuple[...] or list[...]."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _models_in(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType, tuple, list):
        return [model for arg in typing.get_args(annotation) for model in _models_in(arg)]
    return []


def config_keys(model: type[BaseModel], section: tuple[str, ...] = ()) -> Iterator[tuple[str, str]]:
    """Every leaf key of `model` as (section, key): ("sources.an", "base_url"), ("follow", "name")…"""
    for name, field in model.model_fields.items():
        named = _models_in(typing.get_args(field.annotation)[1]) if typing.get_origin(field.annotation) is dict else []
        for sub_model in named:  # a table of tables by name, as [tags.NAME]
            yield from config_keys(sub_model, (*section, f"{name}.NAME"))
        if named:
            continue
        nested = _models_in(field.annotation)
        if nested:
            for sub_model in nested:
                yield from config_keys(sub_model, (*section, name))
        else:
            yield ".".join(section), name


def documented_keys(text: str) -> set[tuple[str, str]]:
    """The (section, key) pairs of configuration.md: a heading `[section]` or `[[section]]` (in
    backticks or not), then a table whose rows start with the key in backticks."""
    found: set[tuple[str, str]] = set()
    section: str | None = None
    for line in text.splitlines():
        heading = re.match(r"#+\s+`?\[\[?([\w.]+)\]\]?`?\s*$", line)
        if heading:
            section = heading.group(1)
        elif line.startswith("#"):
            section = None
        elif section is not None:
            row = re.match(r"\|\s*`(\w+)`\s*\|", line)
            if row:
                found.add((section, row.group(1)))
    return found


def test_config_model_is_walked() -> None:
    keys = set(config_keys(Config))
    assert {("relance", "contact"), ("sources.an", "base_url"), ("channel", "url"), ("email", "sender"),
            ("follow", "keywords"), ("schedule", "check_interval_seconds")} <= keys


def test_every_config_key_is_documented() -> None:
    documented = documented_keys(CONFIGURATION.read_text(encoding="utf-8"))
    missing = [f"[{section}] {key}" for section, key in config_keys(Config) if (section, key) not in documented]
    assert not missing, ("config keys without a row in docs/configuration.md (a `| `key` | … |` row under "
                         f"the heading of their section): {', '.join(missing)}")


def test_no_documented_key_is_unknown() -> None:
    documented = documented_keys(CONFIGURATION.read_text(encoding="utf-8"))
    unknown = sorted(f"[{section}] {key}" for section, key in documented - set(config_keys(Config)))
    assert not unknown, f"docs/configuration.md documents keys the config does not have: {', '.join(unknown)}"


# The README.

def code_blocks(markdown: str) -> list[str]:
    return re.findall(r"^```[^\n]*\n(.*?)^```", markdown, flags=re.MULTILINE | re.DOTALL)


def command_lines(markdown: str) -> Iterator[tuple[str, list[str]]]:
    """Each `relance …` invocation in the code blocks: (the line, the words after `relance`)."""
    for block in code_blocks(markdown):
        for line in block.splitlines():
            for match in re.finditer(r"(?:^|(?<=[\s/$`(]))relance\s+(.*)", line):
                words = match.group(1).split()
                while words and words[0].startswith("-"):
                    option = words.pop(0)
                    if option in GROUP_OPTIONS_WITH_VALUE and words:
                        words.pop(0)
                if words and re.fullmatch(r"[a-z][a-z-]*", words[0]):
                    yield line.strip(), words


def unknown_command(words: list[str]) -> str | None:
    """None when `words` start with an existing command path; else the path that does not exist."""
    command: click.Command = main
    path: list[str] = []
    for word in words:
        if not isinstance(command, click.Group):
            return None
        sub = command.commands.get(word)
        if sub is None:
            if path and not re.fullmatch(r"[a-z][a-z-]*", word):
                return None  # an argument of the group, such as an option
            return " ".join([*path, word])
        command, path = sub, [*path, word]
    return None


def test_readme_shows_commands() -> None:
    assert list(command_lines(README.read_text(encoding="utf-8"))), "README.md shows no `relance …` command"


def test_readme_commands_exist() -> None:
    wrong = [f"relance {unknown} (in: {line})" for line, words in command_lines(README.read_text(encoding="utf-8"))
             if (unknown := unknown_command(words)) is not None]
    assert not wrong, "README.md shows commands that do not exist: " + "; ".join(wrong)


def anchors(page: Path) -> set[str]:
    """The GitHub anchors of a page's headings."""
    slugs = set()
    for heading in re.findall(r"^#+\s+(.*)$", page.read_text(encoding="utf-8"), flags=re.MULTILINE):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        slugs.add(slug)
    return slugs


def readme_links() -> list[tuple[str, str]]:
    """(path, anchor) of every link from README.md into docs/."""
    return re.findall(r"\]\((docs/[^)#\s]*)(?:#([^)\s]*))?\)", README.read_text(encoding="utf-8"))


def test_readme_links_to_docs_exist() -> None:
    broken = []
    for target, anchor in readme_links():
        page = PROJECT / target
        if not page.is_file():
            broken.append(target)
        elif anchor and anchor not in anchors(page):
            broken.append(f"{target}#{anchor} (no such heading)")
    assert not broken, f"README.md links to missing docs: {', '.join(broken)}"


def test_readme_links_every_docs_page() -> None:
    linked = {target for target, _anchor in readme_links()}
    unlinked = [str(page.relative_to(PROJECT)) for page in sorted(DOCS.glob("*.md"))
                if str(page.relative_to(PROJECT)) not in linked]
    assert not unlinked, f"docs pages the README's 'Where to read on' does not link: {', '.join(unlinked)}"
