"""The mark of a message the catalogs collect (`scripts/catalogs.py` extracts every `N_("…")`), for the
pure core, which cannot import `bot.notify.i18n`: the message stays as written (French) here, and is
translated with `_()` where a person reads it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# How a message is read: `bot.notify.i18n._` in the current language, or `as_written` (French).
Translate = Callable[..., str]


def N_(message: str, /) -> str:
    """Marks `message` for the catalogs without translating it."""
    return message


def as_written(message: str, /, **values: Any) -> str:
    """`message` in French, as the code writes it, its `{name}` fields filled: what JSON values keep."""
    return message.format(**values) if values else message
