"""relance's message catalogs: extract, update, compile, check (Babel).

    python scripts/catalogs.py update [--english FILE.json ...]   extract the messages, merge them into
                                                                  bot/locale/{fr,en}/LC_MESSAGES/relance.po
    python scripts/catalogs.py compile                            write the .mo files (the build runs it)
    python scripts/catalogs.py check                              exit 1 naming every message missing
                                                                  from a catalog (the tests run it)

Messages are written in French in relance's code: the French catalog repeats them (filled by `update`),
the English one translates them (by hand in the .po, or from `--english` files mapping a French message
to its English text, or a (singular, plural) pair joined by "\\x00" to two texts). Click's own words
are English in Click's code: `update` takes them from the installed Click, the English catalog repeats
them and the French one translates them.
"""

from __future__ import annotations

import contextlib
import inspect
import io
import json
import sys
from collections.abc import Iterable
from pathlib import Path

import click
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE_DIR = ROOT / "bot" / "locale"
DOMAIN = "relance"
SOURCE_LANGUAGE = "fr"
PACKAGES = ("bot", "scrapers", "storage")
KEYWORDS = {"_": None, "n_": (1, 2), "N_": None, "fr_count": (2, 3), "gettext": None, "ngettext": (1, 2)}
METHODS = [("**/templates/**.html", "jinja2"), ("**/templates/**.j2", "jinja2"), ("**.py", "python")]
JINJA_OPTIONS = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n"},
                 "**/templates/**.j2": {"extensions": "jinja2.ext.i18n"}}

Msgid = str | tuple[str, str]
LANGUAGE_NAMES = {"fr": "French", "en": "English"}
HEADER = """\
# relance's messages in {language}.
# The messages are written in French in the code; this file is written by
# `python scripts/catalogs.py update` (see docs/languages.md): edit only the msgstr lines.
#"""


Places = list[tuple[str, int]]


def _extracted(directory: Path, keywords: dict[str, tuple[int, ...] | None],
               methods: list[tuple[str, str]], options: dict[str, dict[str, str]]) -> dict[Msgid, Places]:
    found: dict[Msgid, list[tuple[str, int]]] = {}
    for filename, line, message, _comments, _context in extract_from_dir(
            str(directory), method_map=methods, options_map=options, keywords=keywords):
        key: Msgid = message if isinstance(message, str) else (message[0], message[1])
        found.setdefault(key, []).append((f"{directory.name}/{filename}", line))
    return found


def relance_messages() -> dict[Msgid, list[tuple[str, int]]]:
    found: dict[Msgid, list[tuple[str, int]]] = {}
    for package in PACKAGES:
        for key, places in _extracted(ROOT / package, KEYWORDS, METHODS, JINJA_OPTIONS).items():
            found.setdefault(key, []).extend(places)
    for key, places in help_messages().items():
        found.setdefault(key, []).extend(places)
    return found


def help_messages() -> dict[Msgid, list[tuple[str, int]]]:
    """The command line's help (docstrings and options' help=), which no extractor sees: read from the
    commands themselves."""
    sys.path.insert(0, str(ROOT))  # run as a script from anywhere: the project's packages, installed or not
    from bot.cli import main as command_line  # noqa: PLC0415
    from bot.cli.language import help_texts  # noqa: PLC0415

    found: dict[Msgid, list[tuple[str, int]]] = {}
    for command, text in help_texts(command_line):
        callback = inspect.unwrap(command.callback) if command.callback else None
        code = getattr(callback, "__code__", None)
        place = (str(Path(code.co_filename).relative_to(ROOT)), code.co_firstlineno) if code else ("bot/cli", 0)
        found.setdefault(text, []).append(place)
    return found


def click_messages() -> set[Msgid]:
    directory = Path(click.__file__).resolve().parent
    return set(_extracted(directory, {"_": None, "ngettext": (1, 2)}, [("**.py", "python")], {}))


def _po(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def _read(language: str) -> Catalog:
    path = _po(language)
    if not path.exists():
        return Catalog(locale=language, domain=DOMAIN)
    with path.open("rb") as source:
        return read_po(source, locale=language, domain=DOMAIN)


def _write(language: str, catalog: Catalog) -> None:
    path = _po(language)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        write_po(out, catalog, width=100, sort_output=True, omit_header=False, include_previous=False)


def _translation(old: Catalog, key: Msgid) -> str | tuple[str, ...] | None:
    found = old.get(key[0] if isinstance(key, tuple) else key)
    if found is None or not found.string:
        return None
    value = found.string
    if isinstance(value, tuple) and not all(value):
        return None
    return value


def _identity(key: Msgid, plurals: int) -> str | tuple[str, ...]:
    """The message as its own translation; a plural message's last form repeats for every other one
    (French has three: 1, 1 000 000 and the rest)."""
    if isinstance(key, str):
        return key
    return (key[0],) + (key[1],) * (plurals - 1)


def _english_files(paths: Iterable[Path]) -> dict[str, str | list[str]]:
    given: dict[str, str | list[str]] = {}
    for path in paths:
        given.update(json.loads(path.read_text(encoding="utf-8")))
    return given


def update(english_files: Iterable[Path]) -> None:
    ours = relance_messages()
    theirs = click_messages() - set(ours)
    given = _english_files(english_files)
    for language in ("fr", "en"):
        old = _read(language)
        # The header's dates are kept from the catalog's last version: an update that changes no message
        # changes no line.
        catalog = Catalog(locale=language, domain=DOMAIN, project="relance", version="0.1.0", charset="utf-8",
                          fuzzy=False, copyright_holder="the relance authors",
                          last_translator="the relance authors", language_team=f"{language} (relance)",
                          msgid_bugs_address="", creation_date=old.creation_date, revision_date=old.revision_date,
                          header_comment=HEADER.format(language=LANGUAGE_NAMES[language]))
        for key in sorted(set(ours) | theirs, key=str):
            string = _translation(old, key)
            source_language = "en" if key in theirs else SOURCE_LANGUAGE
            if language == source_language:
                string = _identity(key, catalog.num_plurals)
            elif string is None and language == "en":
                text_key = "\x00".join(key) if isinstance(key, tuple) else key
                if text_key in given:
                    value = given[text_key]
                    string = tuple(value) if isinstance(value, list) else value
            empty: str | tuple[str, ...] = ("",) * catalog.num_plurals if isinstance(key, tuple) else ""
            catalog.add(key, string or empty, locations=ours.get(key, []),
                        flags=("python-brace-format",) if "{" in str(key) else ())
        _write(language, catalog)


def missing() -> list[str]:
    problems: list[str] = []
    # Babel says on stderr what it could not extract: an f-string in `_()` is a message no catalog can hold.
    told = io.StringIO()
    with contextlib.redirect_stderr(told):
        ours = relance_messages()
    problems += [line.replace(str(ROOT) + "/", "") for line in told.getvalue().splitlines() if "warning:" in line]
    for language in ("fr", "en"):
        catalog = _read(language)
        for key, places in ours.items():
            if _translation(catalog, key) is None:
                file, line = places[0]
                problems.append(f"{_po(language).relative_to(ROOT)}: missing {key!r} ({file}:{line})")
    return problems


def compile_all() -> None:
    for language in ("fr", "en"):
        catalog = _read(language)
        with _po(language).with_suffix(".mo").open("wb") as out:
            write_mo(out, catalog)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"update", "compile", "check"}:
        print(__doc__, file=sys.stderr)
        return 1
    if argv[0] == "update":
        files = [Path(p) for p in argv[1:] if p != "--english"]
        update(files)
        compile_all()
    elif argv[0] == "compile":
        compile_all()
    else:
        problems = missing()
        for line in problems:
            print(line)
        if problems:
            print(f"{len(problems)} problems: each message must be in both .po files, written as a whole "
                  "(see docs/languages.md)")
            return 1
        print(f"{len(relance_messages())} messages, every one in French and in English")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
