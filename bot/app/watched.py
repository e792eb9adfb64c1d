"""The watched set: the config's [[watch]] tables plus the questions follow rules found.

Everything that goes over "the watched questions" (the check cycle, status, notices, feeds) asks
here, so a question found by a rule is followed exactly like one added by hand.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database

from bot.app.config import Config
from scrapers.refs import QuestionRef, parse_ref
from storage.followed import list_followed


@dataclass(frozen=True, slots=True)
class Watched:
    ref: QuestionRef
    tags: tuple[str, ...]
    note: str | None = None
    rules: tuple[str, ...] = ()  # the follow rules that found it; empty for a [[watch]] table


def watched(config: Config, db: Database) -> list[Watched]:
    """Config entries first, in their order, then followed questions; a question in both keeps the
    config's entry, with the rules' tags added."""
    found = {w.ref: Watched(w.question, w.tags, w.note) for w in config.watch}
    for item in list_followed(db):
        if item.ref in found:
            entry = found[item.ref]
            found[item.ref] = Watched(entry.ref, tuple(dict.fromkeys([*entry.tags, *item.tags])), entry.note,
                                      item.rules)
        else:
            found[item.ref] = Watched(parse_ref(item.ref), item.tags, None, item.rules)
    return list(found.values())


def tags_of(config: Config, db: Database) -> dict[str, tuple[str, ...]]:
    return {w.ref.uid: w.tags for w in watched(config, db)}
