"""Edit the lists of `config.toml`: the `[[watch]]` tables for `relance add` / `relance remove`, the
`[[follow]]` rules for `relance follow add` / `relance follow remove`.

The file is edited with tomlkit so that comments and the layout of everything else stay byte for byte;
the edited text is validated like `load_config` before it atomically replaces the file
(bot/app/toml_tables.py). A rule's `exclude` list holds the questions `relance remove` took out of it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import ValidationError
from tomlkit.items import Array, Table

from bot.app.config import Config, ConfigError, FollowRule, Watch, load_config
from bot.app.config_problems import problem
from bot.app.toml_tables import (
    KEY_ORDER,
    append_table,
    clean_list,
    clean_tags,
    clean_text,
    commit_text,
    cut_table,
    drop_from_array,
    edit_table,
    merge_array,
    read_text,
    set_value,
)
from bot.core.follow import fold
from bot.notify.i18n import _
from scrapers.refs import RefError, parse_ref

Action = Literal["added", "updated", "removed"]


@dataclass(frozen=True, slots=True)
class WatchChange:
    """What `add_watch` or `remove_watch` did to the config file at `path`: `ref` is the canonical uid.

    `written` is False when the file already said so and was left as it was.
    """

    ref: str
    action: Action
    path: Path
    written: bool = True


def add_watch(path: Path, ref_text: str, tags: Sequence[str] = (), note: str | None = None) -> WatchChange:
    """Watch the question `ref_text` (any form `parse_ref` accepts), or merge `tags` and `note` into
    its entry when it is already watched. Raises `RefError` for a bad ref, `ConfigError` otherwise."""
    config = load_config(path)
    uid = parse_ref(ref_text).uid
    index = _index(config, uid)
    entry = f"watch[{(len(config.watch) if index is None else index) + 1}] (ref {uid!r})"
    new_tags = clean_tags(path, f"{entry}.tags", tags)
    new_note = None if note is None else clean_text(path, f"{entry}.note", note, "note")
    if index is None:
        return _add_entry(path, config, Watch(ref=uid, tags=new_tags, note=new_note))
    return _update_entry(path, config, index, new_tags, new_note)


def remove_watch(path: Path, ref_text: str) -> WatchChange:
    """Stop watching `ref_text`; raises `ConfigError` when it is not in the watchlist."""
    config = load_config(path)
    uid = parse_ref(ref_text).uid
    index = _index(config, uid)
    if index is None:
        raise ConfigError(path, "watch", _("{ref} n'est pas dans la liste de suivi", ref=repr(uid)))
    text = read_text(path, config, "watch")
    watches = config.watch[:index] + config.watch[index + 1:]
    commit_text(path, text, _cut_table(path, text, index), config.model_copy(update={"watch": watches}), "watch")
    return WatchChange(uid, "removed", path)


@dataclass(frozen=True, slots=True)
class RuleChange:
    """What `add_rule` or `remove_rule` did to the config file at `path`; `rule` is the rule as it
    now stands (as it stood, for a removal). `written` is False when the file was left as it was."""

    rule: FollowRule
    action: Action
    path: Path
    written: bool = True


def add_rule(path: Path, name: str, *, keywords: Sequence[str] = (), author: str | None = None,
             ministry: str | None = None, chamber: str | None = None, tags: Sequence[str] = ()) -> RuleChange:
    """Add the follow rule `name`, or, when a rule has that name already, merge `keywords` and `tags`
    into it and set the `author`, `ministry` and `chamber` given. Raises `ConfigError` naming the
    problem (a rule with nothing to match, a bad name or chamber…) before anything is written."""
    config = load_config(path)
    name = clean_text(path, "follow", name, "rule name")
    index = _rule_index(config, name)
    entry = f"follow[{(len(config.follow) if index is None else index) + 1}] (name {name!r})"
    new_keywords = clean_list(path, f"{entry}.keywords", keywords, "keyword")
    new_tags = clean_tags(path, f"{entry}.tags", tags)
    scalars = {key: clean_text(path, f"{entry}.{key}", value, key)
               for key, value in (("author", author), ("ministry", ministry), ("chamber", chamber))
               if value is not None}
    if index is None:
        rule = _rule(path, entry, {"name": name, "keywords": new_keywords, **scalars, "tags": new_tags})
        text = read_text(path, config, "follow")
        commit_text(path, text, append_table(path, text, "follow", _rule_fields(rule)),
                    config.model_copy(update={"follow": (*config.follow, rule)}), "follow")
        return RuleChange(rule, "added", path)
    old = config.follow[index]
    known = {fold(k) for k in old.keywords}
    keywords_added = tuple(k for k in new_keywords if fold(k) not in known)
    tags_added = tuple(t for t in new_tags if t not in old.tags)
    changed = {key: value for key, value in scalars.items() if getattr(old, key) != value}
    rule = _rule(path, entry, {**old.model_dump(), "keywords": old.keywords + keywords_added,
                               "tags": old.tags + tags_added, **changed})
    if rule == old:
        return RuleChange(old, "updated", path, written=False)

    def edit(table: Table) -> None:
        merge_array(table, "follow", "keywords", keywords_added)
        merge_array(table, "follow", "tags", tags_added)
        for key, value in changed.items():
            set_value(table, "follow", key, value)

    text = read_text(path, config, "follow")
    rules = (*config.follow[:index], rule, *config.follow[index + 1:])
    commit_text(path, text, edit_table(path, text, "follow", index, edit),
                config.model_copy(update={"follow": rules}), "follow")
    return RuleChange(rule, "updated", path)


def remove_rule(path: Path, name: str) -> RuleChange:
    """Remove the follow rule `name` from the file; raises `ConfigError` when there is none."""
    config = load_config(path)
    index = _rule_index(config, name.strip())
    if index is None:
        known = ", ".join(repr(r.name) for r in config.follow) or _("aucune")
        raise ConfigError(path, "follow", _("aucune règle nommée {name} (règles : {known})", name=repr(name.strip()),
                                            known=known))
    text = read_text(path, config, "follow")
    rules = config.follow[:index] + config.follow[index + 1:]
    commit_text(path, text, cut_table(path, text, "follow", index), config.model_copy(update={"follow": rules}),
                "follow")
    return RuleChange(config.follow[index], "removed", path)


@dataclass(frozen=True, slots=True)
class Exclusion:
    """What `exclude_question` or `readmit_question` did to the file at `path`: the question (`ref`, its
    canonical uid), the rules whose `exclude` list it joined or left, and whether its `[[watch]]` table went."""

    ref: str
    rules: tuple[str, ...]
    path: Path
    unwatched: bool = False


def exclude_question(path: Path, ref_text: str, rules: Sequence[str]) -> Exclusion:
    """In one write: add the question to the `exclude` list of each rule named in `rules` (those not in the
    file are left), so that they never find it again, and cut its `[[watch]]` table if it has one."""
    config = load_config(path)
    uid = parse_ref(ref_text).uid
    indexes = [i for i, rule in enumerate(config.follow) if rule.name in rules and uid not in rule.exclude]
    watch_index = _index(config, uid)
    if not indexes and watch_index is None:
        return Exclusion(uid, (), path)
    text = read_text(path, config, "follow")
    read_text(path, config, "watch")  # the [[watch]] tables must be editable too

    def exclude(table: Table) -> None:
        merge_array(table, "follow", "exclude", [uid])

    new_text, rules_now = text, list(config.follow)
    for i in indexes:
        new_text = edit_table(path, new_text, "follow", i, exclude)
        rules_now[i] = rules_now[i].model_copy(update={"exclude": (*rules_now[i].exclude, uid)})
    watches = config.watch
    if watch_index is not None:
        new_text = _cut_table(path, new_text, watch_index)
        watches = config.watch[:watch_index] + config.watch[watch_index + 1:]
    commit_text(path, text, new_text, config.model_copy(update={"follow": tuple(rules_now), "watch": watches}),
                "follow")
    return Exclusion(uid, tuple(config.follow[i].name for i in indexes), path, unwatched=watch_index is not None)


def readmit_question(path: Path, ref_text: str) -> Exclusion:
    """Take the question out of every rule's `exclude` list (the key goes once its list is empty), so that
    the rules may find it again; nothing is written when no rule excludes it."""
    config = load_config(path)
    uid = parse_ref(ref_text).uid
    indexes = [i for i, rule in enumerate(config.follow) if uid in rule.exclude]
    if not indexes:
        return Exclusion(uid, (), path)
    text = read_text(path, config, "follow")
    new_text, rules_now = text, list(config.follow)
    for i in indexes:
        # Hand-written entries may name the question in another form: every form of it goes.
        new_text = edit_table(path, new_text, "follow", i, _readmit_any_form(uid))
        rules_now[i] = rules_now[i].model_copy(update={"exclude": tuple(r for r in rules_now[i].exclude if r != uid)})
    commit_text(path, text, new_text, config.model_copy(update={"follow": tuple(rules_now)}), "follow")
    return Exclusion(uid, tuple(config.follow[i].name for i in indexes), path)


def _readmit_any_form(uid: str) -> Callable[[Table], None]:
    def readmit(table: Table) -> None:
        written = table.get("exclude")
        forms = [str(value) for value in written] if isinstance(written, Array) else []
        drop_from_array(table, "exclude", [form for form in forms if _uid_or_none(form) == uid])

    return readmit


def _uid_or_none(text: str) -> str | None:
    try:
        return parse_ref(text).uid
    except RefError:
        return None


def _rule(path: Path, entry: str, fields: dict[str, object]) -> FollowRule:
    """The rule `fields` make, validated as `load_config` would; its first problem as a `ConfigError`."""
    try:
        return FollowRule.model_validate(fields)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"] if not isinstance(part, int))
        raise ConfigError(path, f"{entry}.{where}" if where else entry, problem(first)) from None


def _rule_fields(rule: FollowRule) -> dict[str, object]:
    """The keys of a new `[[follow]]` table, in `KEY_ORDER`, without those left empty."""
    values: dict[str, object] = {"name": rule.name, "keywords": list(rule.keywords), "author": rule.author,
                                 "ministry": rule.ministry, "chamber": rule.chamber, "tags": list(rule.tags),
                                 "exclude": list(rule.exclude)}
    return {key: values[key] for key in KEY_ORDER["follow"] if values[key] not in (None, [])}


# --- the three edits ---------------------------------------------------------------------------


def _add_entry(path: Path, config: Config, watch: Watch) -> WatchChange:
    text = read_text(path, config, "watch")
    new_text = _append_table(path, text, watch)
    commit_text(path, text, new_text, config.model_copy(update={"watch": (*config.watch, watch)}), "watch")
    return WatchChange(watch.ref, "added", path)


def _update_entry(path: Path, config: Config, index: int, tags: tuple[str, ...], note: str | None) -> WatchChange:
    old = config.watch[index]
    merged = old.tags + tuple(tag for tag in tags if tag not in old.tags)
    new = old.model_copy(update={"tags": merged, "note": old.note if note is None else note})
    if new == old:
        return WatchChange(old.ref, "updated", path, written=False)
    text = read_text(path, config, "watch")
    watches = (*config.watch[:index], new, *config.watch[index + 1:])
    commit_text(path, text, _edit_table(path, text, index, tags, note),
                config.model_copy(update={"watch": watches}), "watch")
    return WatchChange(old.ref, "updated", path)


def _append_table(path: Path, text: str, watch: Watch) -> str:
    fields: dict[str, object] = {"ref": watch.ref}
    if watch.tags:
        fields["tags"] = list(watch.tags)
    if watch.note is not None:
        fields["note"] = watch.note
    return append_table(path, text, "watch", fields)


def _edit_table(path: Path, text: str, index: int, tags: tuple[str, ...], note: str | None) -> str:
    def edit(table: Table) -> None:
        merge_array(table, "watch", "tags", tags)
        if note is not None:
            set_value(table, "watch", "note", note)

    return edit_table(path, text, "watch", index, edit)


def _cut_table(path: Path, text: str, index: int) -> str:
    return cut_table(path, text, "watch", index)


# --- files --------------------------------------------------------------------------------------


def _index(config: Config, uid: str) -> int | None:
    return next((i for i, watch in enumerate(config.watch) if watch.ref == uid), None)


def _rule_index(config: Config, name: str) -> int | None:
    return next((i for i, rule in enumerate(config.follow) if rule.name == name), None)


__all__ = ["KEY_ORDER", "Exclusion", "RuleChange", "WatchChange", "add_rule", "add_watch", "exclude_question",
           "readmit_question", "remove_rule", "remove_watch"]
