"""`relance remove` and `relance add` over both ways a question is watched: a `[[watch]]` table, and the
follow rules that found it.

Removing a question a rule found excludes it from that rule (its `exclude` list in config.toml, so no
import finds it again) and forgets that the rule found it (its tags go with it); its history stays.
Adding back a question a rule excluded lifts the exclusion, and the rule finds it again at once when the
store holds it, with its tags.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from sqlite_utils import Database

from bot.app.config import ConfigError, load_config
from bot.app.ingest import apply_rules_to_stored
from bot.app.watchlist import Exclusion, exclude_question, readmit_question
from bot.notify.wording.notes import already_excluded, not_watched
from scrapers.refs import parse_ref
from storage.db import database_path
from storage.followed import list_followed, unfollow
from storage.questions import get_question


def remove_question(path: Path, database: Callable[[], Database], ref_text: str) -> Exclusion:
    """Stop watching the question: cut its `[[watch]]` table, exclude it from the rules that found it and
    forget them. Raises `ConfigError` when neither watches it. `database` opens the store, when there is
    one: without it no rule found anything, and `remove` creates none."""
    config = load_config(path)
    uid = parse_ref(ref_text).uid
    db = database() if database_path(config.storage.path).exists() else None
    found_by = next((item.rules for item in list_followed(db) if item.ref == uid), ()) if db else ()
    if not found_by and all(watch.ref != uid for watch in config.watch):
        excluded = [rule.name for rule in config.follow if uid in rule.exclude]
        raise ConfigError(path, "watch", already_excluded(uid, excluded) if excluded else not_watched(uid))
    # The file first: were the database to fail after, the rules no longer find the question, and a second
    # `remove` forgets what they had found.
    change = exclude_question(path, uid, found_by)
    if db is not None:
        unfollow(db, uid)
    return change


def readmit(path: Path, database: Callable[[], Database], ref_text: str, now: datetime) -> Exclusion:
    """Lift the question's exclusions; the rules that excluded it find it again now if they match it.
    `database` opens the store, only when some rule excluded the question (`relance add` touches no
    database otherwise)."""
    change = readmit_question(path, ref_text)
    if not change.rules:
        return change
    db = database()
    stored = get_question(db, change.ref)
    if stored is not None and stored.snapshot is not None:
        rules = [rule for rule in load_config(path).follow if rule.name in change.rules]
        apply_rules_to_stored(db, rules, now, snapshots=[stored.snapshot])
    return change
