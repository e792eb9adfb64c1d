"""The catalogs: every message a person reads comes from gettext, in French by default, in English
when `--lang en` or the environment (`LC_ALL`, `LC_MESSAGES`, `LANG`, `LANGUAGE`) asks for it.

The messages are written in French in the code (French is relance's first language) and looked up in
`bot/locale/<lang>/LC_MESSAGES/relance.po`, compiled to `.mo` by the build (`scripts/catalogs.py
compile`) or, when a catalog is newer than its compiled file, here on first use. Click's own words
("Usage:", "Show this message and exit.") are English in Click's code: the French catalog has them too,
since Click looks them up in the process's default gettext domain, which is relance's.
"""

from __future__ import annotations

import contextlib
import gettext as gettext_module
import io
import os
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from jinja2 import Environment

LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"
DOMAIN = "relance"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
# What the environment may name (`en_GB.UTF-8`, `en`, `fr_FR`): only English changes relance's
# language; `C`, `POSIX`, `C.UTF-8` and every other locale keep French.
_ENVIRONMENT = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")

K = TypeVar("K")


def language_from_environment(environ: Mapping[str, str] | None = None) -> str:
    environ = os.environ if environ is None else environ
    for name in _ENVIRONMENT:
        value = environ.get(name, "").strip()
        if not value:
            continue
        first = value.split(":")[0]  # LANGUAGE may list several, best first
        return "en" if first.lower().startswith("en") else DEFAULT_LANGUAGE
    return DEFAULT_LANGUAGE


def _mo_file(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.mo"


def compile_catalog(language: str) -> bytes:
    """The compiled form of one catalog, read from its `.po`."""
    po = _mo_file(language).with_suffix(".po")
    with po.open("rb") as source:
        catalog = read_po(source, locale=language, domain=DOMAIN)
    out = io.BytesIO()
    write_mo(out, catalog)
    return out.getvalue()


def _fresh_mo(language: str) -> bytes | None:
    """The compiled catalog, compiled again here when the `.po` changed since the build."""
    mo, po = _mo_file(language), _mo_file(language).with_suffix(".po")
    if not po.exists():
        return mo.read_bytes() if mo.exists() else None
    if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
        return mo.read_bytes()
    data = compile_catalog(language)
    with contextlib.suppress(OSError):  # kept for the next run and for Click; a read-only install compiles in memory
        # Written aside, then renamed: a process reading the catalog meanwhile sees the old file or the new one.
        fresh = mo.with_name(f"{mo.name}.{os.getpid()}.tmp")
        fresh.write_bytes(data)
        fresh.replace(mo)
    return data


@cache
def translations(language: str) -> gettext_module.NullTranslations:
    data = _fresh_mo(language)
    if data is None:
        return gettext_module.NullTranslations()
    return gettext_module.GNUTranslations(io.BytesIO(data))


class _Language:
    """The language messages are read in: the environment's until `use_language` says otherwise.
    `use_language` sets LANGUAGE for Click's lookups; the environment's language is read as it was
    before that, so a later `use_language(None)` goes back to what the user's environment says."""

    chosen: str | None = None
    language_variable_set = False
    language_variable_before: str | None = None

    @classmethod
    def of_environment(cls) -> str:
        environ = dict(os.environ)
        if cls.language_variable_set:
            environ.pop("LANGUAGE", None)
            if cls.language_variable_before is not None:
                environ["LANGUAGE"] = cls.language_variable_before
        return language_from_environment(environ)

    @classmethod
    def tell_click(cls, language: str) -> None:
        if not cls.language_variable_set:
            cls.language_variable_before = os.environ.get("LANGUAGE")
            cls.language_variable_set = True
        os.environ["LANGUAGE"] = language


def use_language(language: str | None) -> str:
    """Make `language` (or the environment's, when None) the one every message is read in."""
    chosen = _Language.of_environment() if language is None else language
    if chosen not in LANGUAGES:
        raise ValueError(f"unknown language {chosen!r}: {', '.join(LANGUAGES)}")
    _Language.chosen = chosen
    # Click looks its words up in the default domain, in the language LANGUAGE names first.
    translations(chosen)  # compiles the .mo on disk if needed, before gettext reads it
    gettext_module.bindtextdomain(DOMAIN, str(LOCALE_DIR))
    gettext_module.textdomain(DOMAIN)
    _Language.tell_click(chosen)
    return chosen


# A language for one piece of work in this thread only (`in_language`), over the process's.
_FOR_NOW: ContextVar[str | None] = ContextVar("relance_language_for_now", default=None)


@contextlib.contextmanager
def in_language(language: str) -> Iterator[None]:
    """Messages in `language` for the time of the block, in this thread only (a payload documented in
    French while relance speaks English); the process's language is untouched."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}: {', '.join(LANGUAGES)}")
    token = _FOR_NOW.set(language)
    try:
        yield
    finally:
        _FOR_NOW.reset(token)


def current_language() -> str:
    if (for_now := _FOR_NOW.get()) is not None:
        return for_now
    if _Language.chosen is None:
        _Language.chosen = _Language.of_environment()
    return _Language.chosen


def _(message: str, /, **values: Any) -> str:
    """`message` in the current language, its `{name}` fields filled from `values`."""
    if not message:  # gettext's empty message is the catalog's header
        return message
    text = translations(current_language()).gettext(message)
    return text.format(**values) if values else text


def n_(singular: str, plural: str, n: int, /, **values: Any) -> str:
    """The singular or the plural form for `n`, by the language's rules (French: 0 and 1 singular);
    `{n}` and the other fields are filled."""
    text = translations(current_language()).ngettext(singular, plural, n)
    return text.format(n=n, **values)


def N_(message: str, /) -> str:
    """Marks a message for the catalogs without translating it yet (a constant read later)."""
    return message


class Translated(Mapping[K, str]):
    """A table of messages written once (status names, section titles), read in the current language."""

    def __init__(self, messages: Mapping[K, str]) -> None:
        self._messages = dict(messages)

    def __getitem__(self, key: K) -> str:
        return _(self._messages[key])

    def __iter__(self) -> Iterator[K]:
        return iter(self._messages)

    def __len__(self) -> int:
        return len(self._messages)


def install_in(environment: Environment) -> None:
    """Jinja's i18n extension on `environment`, reading the current language at each lookup: templates
    write `{% trans %}…{% endtrans %}` or `{{ _("…") }}` (new style: Jinja fills `%(name)s` and escapes)."""
    environment.add_extension("jinja2.ext.i18n")
    environment.install_gettext_callables(  # type: ignore[attr-defined]
        lambda message: translations(current_language()).gettext(message),
        lambda singular, plural, n: translations(current_language()).ngettext(singular, plural, n),
        newstyle=True)
