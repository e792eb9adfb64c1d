"""The code's shape, checked: no import cycle, a few modules directly in bot/, none over 500 lines,
a docstring opening every package, and every declared dependency used. The layer contracts
themselves are import-linter's (pyproject.toml), run by the test command."""

from __future__ import annotations

import ast
import re
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import grimp
import pytest

from tests.conftest import PROJECT

PACKAGES = ("bot", "scrapers", "storage")
MAX_LINES = 500
MAX_MODULES_IN_BOT = 6


def python_files(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (PROJECT / folder).rglob("*.py") if ".venv" not in p.parts)


def test_no_import_cycle_between_any_two_modules() -> None:
    graph = grimp.build_graph(*PACKAGES)
    cycles = []
    for module in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            back = graph.find_shortest_chain(importer=imported, imported=module)
            if back is not None:
                cycles.append(" → ".join((module, *back)))
    assert cycles == []


def test_at_most_six_modules_directly_in_bot() -> None:
    modules = [p.name for p in (PROJECT / "bot").glob("*.py")]
    assert len(modules) <= MAX_MODULES_IN_BOT, modules


@pytest.mark.parametrize("path", python_files(*PACKAGES, "tests", "bench"), ids=lambda p: str(p.relative_to(PROJECT)))
def test_no_module_over_500_lines(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(PROJECT)}: {lines} lines"


@pytest.mark.parametrize("path", [p for p in python_files(*PACKAGES) if p.name == "__init__.py"],
                         ids=lambda p: str(p.relative_to(PROJECT)))
def test_every_package_says_what_it_is_for(path: Path) -> None:
    assert ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))), f"{path} has no docstring"


def imported_top_names() -> set[str]:
    names: set[str] = set()
    for path in python_files(*PACKAGES):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
    return names


def test_every_declared_dependency_is_imported() -> None:
    project = tomllib.loads((PROJECT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {re.split(r"[<>=!~\[ ;]", spec, maxsplit=1)[0].lower().replace("_", "-")
                for spec in project["dependencies"]}
    used = {dist.lower().replace("_", "-") for name in imported_top_names()
            for dist in packages_distributions().get(name, [])}
    assert sorted(declared - used) == []
