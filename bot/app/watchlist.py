"""Edit the lists of `config.toml`: the `[[watch]]` tables for `relance add` / `relance remove`, the
`[[follow]]` rules for `relance follow add` / `relance follow remove`.

The file is edited with tomlkit so that comments and the layout of everything else stay byte for byte;
the edited text is validated like `load_config` before it atomically replaces the file. The machinery
below the public functions works on any array of tables, named by `name` ("watch" or "follow").
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import tomlkit
from pydantic import ValidationError
from tomlkit.exceptions import TOMLKitError
from tomlkit.items import AoT, Array, Comment, Item, Table, Whitespace
from tomlkit.toml_document import TOMLDocument

from bot.app.config import Config, ConfigError, FollowRule, Watch, load_config
from bot.core.follow import fold
from scrapers.refs import parse_ref

Action = Literal["added", "updated", "removed"]
TableName = Literal["watch", "follow"]

# The order keys are written in, per kind of table: a key added to a table goes before the first
# key that comes after it here, else after the table's last key.
KEY_ORDER: dict[TableName, tuple[str, ...]] = {
    "watch": ("ref", "tags", "note"),
    "follow": ("name", "keywords", "author", "ministry", "chamber", "tags"),
}

# Control characters are never part of a valid TOML text, so they can mark where a table starts and ends.
_START, _END = "\x00", "\x01"
_FORBIDDEN_CATEGORIES = ("Cc", "Cs")  # control characters, and lone surrogates that cannot be written
_TRAILING_BLANK_LINES = re.compile(r"(?<=\n)(?:[ \t]*\r?\n)+\Z")


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
    new_tags = _clean_tags(path, f"{entry}.tags", tags)
    new_note = None if note is None else _clean_text(path, f"{entry}.note", note, "note")
    if index is None:
        return _add_entry(path, config, Watch(ref=uid, tags=new_tags, note=new_note))
    return _update_entry(path, config, index, new_tags, new_note)


def remove_watch(path: Path, ref_text: str) -> WatchChange:
    """Stop watching `ref_text`; raises `ConfigError` when it is not in the watchlist."""
    config = load_config(path)
    uid = parse_ref(ref_text).uid
    index = _index(config, uid)
    if index is None:
        raise ConfigError(path, "watch", f"{uid!r} is not in the watchlist")
    text = _read(path, config, "watch")
    watches = config.watch[:index] + config.watch[index + 1:]
    _commit(path, text, _cut_table(path, text, index), config.model_copy(update={"watch": watches}), "watch")
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
    name = _clean_text(path, "follow", name, "rule name")
    index = _rule_index(config, name)
    entry = f"follow[{(len(config.follow) if index is None else index) + 1}] (name {name!r})"
    new_keywords = _clean_list(path, f"{entry}.keywords", keywords, "keyword")
    new_tags = _clean_tags(path, f"{entry}.tags", tags)
    scalars = {key: _clean_text(path, f"{entry}.{key}", value, key)
               for key, value in (("author", author), ("ministry", ministry), ("chamber", chamber))
               if value is not None}
    if index is None:
        rule = _rule(path, entry, {"name": name, "keywords": new_keywords, **scalars, "tags": new_tags})
        text = _read(path, config, "follow")
        _commit(path, text, _append(path, text, "follow", _rule_fields(rule)),
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
        _merge_array(table, "follow", "keywords", keywords_added)
        _merge_array(table, "follow", "tags", tags_added)
        for key, value in changed.items():
            _set_value(table, "follow", key, value)

    text = _read(path, config, "follow")
    rules = (*config.follow[:index], rule, *config.follow[index + 1:])
    _commit(path, text, _edit(path, text, "follow", index, edit), config.model_copy(update={"follow": rules}),
            "follow")
    return RuleChange(rule, "updated", path)


def remove_rule(path: Path, name: str) -> RuleChange:
    """Remove the follow rule `name` from the file; raises `ConfigError` when there is none."""
    config = load_config(path)
    index = _rule_index(config, name.strip())
    if index is None:
        known = ", ".join(repr(r.name) for r in config.follow) or "none"
        raise ConfigError(path, "follow", f"no rule named {name.strip()!r} (rules: {known})")
    text = _read(path, config, "follow")
    rules = config.follow[:index] + config.follow[index + 1:]
    _commit(path, text, _cut(path, text, "follow", index), config.model_copy(update={"follow": rules}), "follow")
    return RuleChange(config.follow[index], "removed", path)


def _rule(path: Path, entry: str, fields: dict[str, object]) -> FollowRule:
    """The rule `fields` make, validated as `load_config` would; its first problem as a `ConfigError`."""
    try:
        return FollowRule.model_validate(fields)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"] if not isinstance(part, int))
        problem = first["msg"].removeprefix("Value error, ")
        raise ConfigError(path, f"{entry}.{where}" if where else entry, problem) from None


def _rule_fields(rule: FollowRule) -> dict[str, object]:
    """The keys of a new `[[follow]]` table, in `KEY_ORDER`, without those left empty."""
    values: dict[str, object] = {"name": rule.name, "keywords": list(rule.keywords), "author": rule.author,
                                 "ministry": rule.ministry, "chamber": rule.chamber, "tags": list(rule.tags)}
    return {key: values[key] for key in KEY_ORDER["follow"] if values[key] not in (None, [])}


# --- the three edits ---------------------------------------------------------------------------


def _add_entry(path: Path, config: Config, watch: Watch) -> WatchChange:
    text = _read(path, config, "watch")
    new_text = _append_table(path, text, watch)
    _commit(path, text, new_text, config.model_copy(update={"watch": (*config.watch, watch)}), "watch")
    return WatchChange(watch.ref, "added", path)


def _update_entry(path: Path, config: Config, index: int, tags: tuple[str, ...], note: str | None) -> WatchChange:
    old = config.watch[index]
    merged = old.tags + tuple(tag for tag in tags if tag not in old.tags)
    new = old.model_copy(update={"tags": merged, "note": old.note if note is None else note})
    if new == old:
        return WatchChange(old.ref, "updated", path, written=False)
    text = _read(path, config, "watch")
    watches = (*config.watch[:index], new, *config.watch[index + 1:])
    _commit(path, text, _edit_table(path, text, index, tags, note), config.model_copy(update={"watch": watches}),
            "watch")
    return WatchChange(old.ref, "updated", path)


def _append_table(path: Path, text: str, watch: Watch) -> str:
    fields: dict[str, object] = {"ref": watch.ref}
    if watch.tags:
        fields["tags"] = list(watch.tags)
    if watch.note is not None:
        fields["note"] = watch.note
    return _append(path, text, "watch", fields)


def _edit_table(path: Path, text: str, index: int, tags: tuple[str, ...], note: str | None) -> str:
    def edit(table: Table) -> None:
        _merge_array(table, "watch", "tags", tags)
        if note is not None:
            _set_value(table, "watch", "note", note)

    return _edit(path, text, "watch", index, edit)


def _cut_table(path: Path, text: str, index: int) -> str:
    return _cut(path, text, "watch", index)


# --- the three edits, on any array of tables ---------------------------------------------------------


def _append(path: Path, text: str, name: TableName, fields: dict[str, object]) -> str:
    """The text with a new `[[name]]` table holding `fields` after the last one's keys (and the
    comments right below them), or at the end of the document when there is none."""
    tables = _tables(path, tomlkit.parse(text), name)
    at = len(text)
    if tables:
        _, end = _span(path, text, name, len(tables) - 1)
        _, blank, rest = _tail(tables[-1])
        at = end - len(blank + rest)
    newline = _newline(text)
    table = _with_newline(tomlkit.dumps({name: [fields]}), newline)
    before = text[:at]
    return before + _separator(before, newline, after_table=bool(tables)) + table + text[at:]


def _edit(path: Path, text: str, name: TableName, index: int, edit: Callable[[Table], None]) -> str:
    """The text with table `index` of `name` changed by `edit`; only that table's text changes."""
    doc = tomlkit.parse(text)
    edit(_tables(path, doc, name)[index])
    edited = doc.as_string()
    start, end = _span(path, text, name, index)
    new_start, new_end = _span(path, edited, name, index)
    return text[:start] + _with_newline(edited[new_start:new_end], _newline(text)) + text[end:]


def _cut(path: Path, text: str, name: TableName, index: int) -> str:
    """The text without table `index` of `name`: its header, keys and the comments between or right
    below them.

    Comments separated from it by a blank line stay (they introduce what follows), and so do
    comments directly above the next header; the blank lines that separated it go with it.
    """
    start, end = _span(path, text, name, index)
    below, blank, rest = _tail(_tables(path, tomlkit.parse(text), name)[index])
    if not text[start:end].endswith(below + blank + rest):
        raise _layout_error(path, name, index)
    if not blank:  # no blank line: the comments may as well be about the next table
        below, rest = "", below + rest
    before, after = text[:start], text[end:]
    if not rest and not after:  # it ended the file: so does what came before it, without blank lines
        before = _TRAILING_BLANK_LINES.sub("", before)
    if rest and _TRAILING_BLANK_LINES.search(before):  # a blank line already parts what is left
        blank = ""
    return before + (blank + rest if rest else "") + after


# --- tomlkit helpers ----------------------------------------------------------------------------


def _tables(path: Path, doc: TOMLDocument, name: TableName) -> list[Table]:
    value = doc.get(name)
    if value is None:
        return []
    if not isinstance(value, AoT):
        raise ConfigError(path, name, f"written as an inline array; write each entry as a [[{name}]] table "
                                      "to edit it with relance")
    return list(value.body)


def _span(path: Path, text: str, name: TableName, index: int) -> tuple[int, int]:
    """Where table `index` starts (its header line) and ends (after its trailing comments and blanks)."""
    doc = tomlkit.parse(text)
    table = _tables(path, doc, name)[index]
    table.trivia.indent = _START + table.trivia.indent
    table.value.append(None, tomlkit.ws(_END))
    marked = doc.as_string()
    start, end = marked.find(_START), marked.find(_END) - 1
    if not (0 <= start <= end and marked[:start] == text[:start] and marked[start + 1:end + 1] == text[start:end]):
        raise _layout_error(path, name, index)
    return start, end


def _tail(table: Table) -> tuple[str, str, str]:
    """The text after a table's last key: the comments right below it, then blank lines, then the rest."""
    body = table.value.body
    last = max(i for i, (key, _) in enumerate(body) if key is not None)
    items = [item for _, item in body[last + 1:]]
    below = _run(items, 0, Comment)
    blank = _run(items, below, Whitespace)
    return _render(items[:below]), _render(items[below:blank]), _render(items[blank:])


def _run(items: Sequence[Item], start: int, kind: type[Item]) -> int:
    end = start
    while end < len(items) and isinstance(items[end], kind):
        end += 1
    return end


def _render(items: Iterable[Item]) -> str:
    return "".join(item.as_string() for item in items)


def _merge_array(table: Table, name: TableName, key: str, values: Sequence[str]) -> None:
    """Append to the array `key` the values it lacks, or add the key when the table has none."""
    existing = table.get(key)
    if isinstance(existing, Array):
        for value in values:
            if value not in existing:
                existing.append(value)
    elif values:
        _insert(table, name, key, list(values))


def _set_value(table: Table, name: TableName, key: str, value: str) -> None:
    if key in table:
        table[key] = value
    else:
        _insert(table, name, key, value)


def _insert(table: Table, name: TableName, key: str, value: object) -> None:
    """Add `key` in its place of `KEY_ORDER[name]` (`tags` before `note`…), above the trailing comments."""
    order = KEY_ORDER[name]
    later = set(order[order.index(key) + 1:])
    body = table.value.body
    keyed = [i for i, (k, _) in enumerate(body) if k is not None]
    at = next((i for i in keyed if (k := body[i][0]) is not None and k.key in later), keyed[-1] + 1)
    if at == len(body):
        table.append(key, value)
    else:  # tomlkit has no public insert; this one keeps its key index right
        table.value._insert_at(at, key, tomlkit.item(value))


# --- text helpers -------------------------------------------------------------------------------


def _newline(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def _with_newline(text: str, newline: str) -> str:
    return text if newline == "\n" else re.sub(r"\r?\n", newline, text)


def _separator(before: str, newline: str, *, after_table: bool) -> str:
    """What goes between `before` and a new table: end the last line, then one blank line, unless
    there is one already or (with no table before) the last line is a comment heading the section."""
    lines = before.splitlines()
    if not lines:
        return ""
    ending = "" if before.endswith("\n") else newline
    last = lines[-1].strip()
    if not last or (not after_table and last.startswith("#")):
        return ending
    return ending + newline


def _clean_tags(path: Path, entry: str, tags: Sequence[str]) -> tuple[str, ...]:
    return _clean_list(path, entry, tags, "tag")


def _clean_list(path: Path, entry: str, values: Sequence[str], what: str) -> tuple[str, ...]:
    if isinstance(values, str):  # one value given where a sequence was expected: not its characters
        values = (values,)
    cleaned: list[str] = []
    for raw in values:
        value = _clean_text(path, entry, raw, what)
        if value not in cleaned:
            cleaned.append(value)
    return tuple(cleaned)


def _clean_text(path: Path, entry: str, raw: object, what: str) -> str:
    if not isinstance(raw, str):
        raise ConfigError(path, entry, f"{what} {raw!r} is not a string")
    text = raw.strip()
    if not text:
        raise ConfigError(path, entry, f"empty {what}")
    if any(unicodedata.category(char) in _FORBIDDEN_CATEGORIES for char in text):
        raise ConfigError(path, entry, f"{what} {text!r} contains control characters")
    return text


# --- files --------------------------------------------------------------------------------------


def _index(config: Config, uid: str) -> int | None:
    return next((i for i, watch in enumerate(config.watch) if watch.ref == uid), None)


def _rule_index(config: Config, name: str) -> int | None:
    return next((i for i, rule in enumerate(config.follow) if rule.name == name), None)


def _read(path: Path, config: Config, name: TableName) -> str:
    """The exact text of the (already validated) file, once sure tomlkit reproduces it exactly."""
    try:
        text = path.read_bytes().decode("utf-8")
        doc = tomlkit.parse(text)
    except (OSError, UnicodeDecodeError, TOMLKitError) as error:
        raise ConfigError(path, "", f"cannot be edited: {error}") from None
    if doc.as_string() != text:
        raise ConfigError(path, "", "its layout cannot be kept exactly when editing; edit it by hand")
    if len(_tables(path, doc, name)) != len(getattr(config, name)):
        raise ConfigError(path, name, f"the [[{name}]] tables are not all together; edit it by hand")
    return text


def _commit(path: Path, before: str, after: str, expected: Config, name: TableName) -> None:
    """Write `after` to a temporary file beside `path`, validate it, then atomically replace `path`."""
    real = Path(os.path.realpath(path))  # through a symlink: replace its target, keep the link
    handle, temp_name = _temp_beside(path, real)
    temp = Path(temp_name)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(after.encode("utf-8"))
            out.flush()
            os.fsync(out.fileno())
        original = real.stat()
        os.chmod(temp, stat.S_IMODE(original.st_mode))
        with contextlib.suppress(PermissionError):  # only root may give a file away: keep owner and group
            os.chown(temp, original.st_uid, original.st_gid)
        _validate(path, temp, expected, name)
        if real.read_bytes() != before.encode("utf-8"):
            raise ConfigError(path, "", "changed by someone else during the edit; try again")
        os.replace(temp, real)
    except OSError as error:
        raise ConfigError(path, "", f"cannot write: {error}") from None
    finally:
        temp.unlink(missing_ok=True)


def _temp_beside(path: Path, real: Path) -> tuple[int, str]:
    try:
        return tempfile.mkstemp(dir=real.parent, prefix=f".{real.name}.", suffix=".tmp")
    except OSError as error:
        raise ConfigError(path, "", f"cannot write beside it: {error}") from None


def _validate(path: Path, temp: Path, expected: Config, name: TableName) -> None:
    try:
        written = load_config(temp)
    except ConfigError as error:
        raise ConfigError(path, error.entry, f"{error.problem} (after the edit; the file was left unchanged)") from None
    if written != expected:
        raise ConfigError(path, name, "the edit would not give the expected configuration; "
                                      "the file was left unchanged")


def _layout_error(path: Path, name: TableName, index: int) -> ConfigError:
    return ConfigError(path, f"{name}[{index + 1}]", "cannot locate this table in the text; edit it by hand")


__all__ = ["KEY_ORDER", "RuleChange", "WatchChange", "add_rule", "add_watch", "remove_rule", "remove_watch"]
