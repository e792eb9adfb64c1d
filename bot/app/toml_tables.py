"""Edit one array of tables of `config.toml` (`[[watch]]`, `[[follow]]`) in its text, keeping comments and
the layout of everything else byte for byte (tomlkit), then write it atomically once validated like
`load_config`. The edits: append a table, change one, cut one; `bot/app/watchlist.py` says what to write.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Literal

import tomlkit
from tomlkit.exceptions import TOMLKitError
from tomlkit.items import AoT, Array, Comment, Item, Table, Whitespace
from tomlkit.toml_document import TOMLDocument

from bot.app.config import Config, ConfigError, load_config
from bot.app.config_problems import shown
from bot.notify.i18n import N_, Translated, _

TableName = Literal["watch", "follow"]

# The order keys are written in, per kind of table: a key added to a table goes before the first
# key that comes after it here, else after the table's last key.
KEY_ORDER: dict[TableName, tuple[str, ...]] = {
    "watch": ("ref", "tags", "note"),
    "follow": ("name", "keywords", "author", "ministry", "chamber", "tags", "exclude"),
}

# Control characters are never part of a valid TOML text, so they can mark where a table starts and ends.
_START, _END = "\x00", "\x01"
_FORBIDDEN_CATEGORIES = ("Cc", "Cs")  # control characters, and lone surrogates that cannot be written
_TRAILING_BLANK_LINES = re.compile(r"(?<=\n)(?:[ \t]*\r?\n)+\Z")


def append_table(path: Path, text: str, name: TableName, fields: dict[str, object]) -> str:
    """The text with a new `[[name]]` table holding `fields` after the last one's keys (and the
    comments right below them), or at the end of the document when there is none."""
    tables = tables_of(path, tomlkit.parse(text), name)
    at = len(text)
    if tables:
        _, end = _span(path, text, name, len(tables) - 1)
        _, blank, rest = _tail(tables[-1])
        at = end - len(blank + rest)
    newline = _newline(text)
    table = _with_newline(tomlkit.dumps({name: [fields]}), newline)
    before = text[:at]
    return before + _separator(before, newline, after_table=bool(tables)) + table + text[at:]


def edit_table(path: Path, text: str, name: TableName, index: int, edit: Callable[[Table], None]) -> str:
    """The text with table `index` of `name` changed by `edit`; only that table's text changes."""
    doc = tomlkit.parse(text)
    edit(tables_of(path, doc, name)[index])
    edited = doc.as_string()
    start, end = _span(path, text, name, index)
    new_start, new_end = _span(path, edited, name, index)
    return text[:start] + _with_newline(edited[new_start:new_end], _newline(text)) + text[end:]


def cut_table(path: Path, text: str, name: TableName, index: int) -> str:
    """The text without table `index` of `name`: its header, keys and the comments between or right
    below them.

    Comments separated from it by a blank line stay (they introduce what follows), and so do
    comments directly above the next header; the blank lines that separated it go with it.
    """
    start, end = _span(path, text, name, index)
    below, blank, rest = _tail(tables_of(path, tomlkit.parse(text), name)[index])
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


def tables_of(path: Path, doc: TOMLDocument, name: TableName) -> list[Table]:
    value = doc.get(name)
    if value is None:
        return []
    if not isinstance(value, AoT):
        raise ConfigError(path, name, _("écrit comme un tableau en ligne : écrire chaque entrée comme une table "
                                        "[[{name}]] pour que relance puisse le modifier", name=name))
    return list(value.body)


def _span(path: Path, text: str, name: TableName, index: int) -> tuple[int, int]:
    """Where table `index` starts (its header line) and ends (after its trailing comments and blanks)."""
    doc = tomlkit.parse(text)
    table = tables_of(path, doc, name)[index]
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


def merge_array(table: Table, name: TableName, key: str, values: Sequence[str]) -> None:
    """Append to the array `key` the values it lacks, or add the key when the table has none."""
    existing = table.get(key)
    if isinstance(existing, Array):
        for value in values:
            if value not in existing:
                existing.append(value)
    elif values:
        _insert(table, name, key, list(values))


def drop_from_array(table: Table, key: str, values: Sequence[str]) -> None:
    """Take `values` out of the array `key`, and the key out of the table once its array is empty."""
    existing = table.get(key)
    if not isinstance(existing, Array):
        return
    for value in values:
        while value in existing:
            existing.remove(value)
    if not existing:
        del table[key]


def set_value(table: Table, name: TableName, key: str, value: str) -> None:
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


def clean_tags(path: Path, entry: str, tags: Sequence[str]) -> tuple[str, ...]:
    return clean_list(path, entry, tags, "tag")


def clean_list(path: Path, entry: str, values: Sequence[str], what: str) -> tuple[str, ...]:
    if isinstance(values, str):  # one value given where a sequence was expected: not its characters
        values = (values,)
    cleaned: list[str] = []
    for raw in values:
        value = clean_text(path, entry, raw, what)
        if value not in cleaned:
            cleaned.append(value)
    return tuple(cleaned)


# What each edited value is, in the sentence that refuses it (`what` is its key, or one of these).
_WHAT = Translated({"tag": N_("étiquette"), "note": N_("note"), "keyword": N_("mot-clé"),
                    "rule name": N_("nom de règle"), "author": N_("auteur"), "ministry": N_("ministère"),
                    "chamber": N_("chambre")})


def _what(what: str) -> str:
    return _WHAT.get(what, what)


def clean_text(path: Path, entry: str, raw: object, what: str) -> str:
    if not isinstance(raw, str):
        raise ConfigError(path, entry, _("{what} {value} n'est pas un texte", what=_what(what), value=shown(raw)))
    text = raw.strip()
    if not text:
        raise ConfigError(path, entry, _("{what} vide", what=_what(what)))
    if any(unicodedata.category(char) in _FORBIDDEN_CATEGORIES for char in text):
        raise ConfigError(path, entry, _("{what} {value} contient des caractères de contrôle", what=_what(what),
                                         value=shown(text)))
    return text


def read_text(path: Path, config: Config, name: TableName) -> str:
    """The exact text of the (already validated) file, once sure tomlkit reproduces it exactly."""
    try:
        text = path.read_bytes().decode("utf-8")
        doc = tomlkit.parse(text)
    except (OSError, UnicodeDecodeError, TOMLKitError) as error:
        raise ConfigError(path, "", _("modification impossible : {error}", error=error)) from None
    if doc.as_string() != text:
        raise ConfigError(path, "", _("sa mise en page ne peut pas être gardée telle quelle : le modifier à la main"))
    if len(tables_of(path, doc, name)) != len(getattr(config, name)):
        raise ConfigError(path, name, _("les tables [[{name}]] ne se suivent pas : le modifier à la main", name=name))
    return text


def commit_text(path: Path, before: str, after: str, expected: Config, name: TableName) -> None:
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
            raise ConfigError(path, "", _("modifié par quelqu'un d'autre pendant la modification : réessayer"))
        os.replace(temp, real)
    except OSError as error:
        raise ConfigError(path, "", _("écriture impossible : {error}", error=error)) from None
    finally:
        temp.unlink(missing_ok=True)


def _temp_beside(path: Path, real: Path) -> tuple[int, str]:
    try:
        return tempfile.mkstemp(dir=real.parent, prefix=f".{real.name}.", suffix=".tmp")
    except OSError as error:
        raise ConfigError(path, "", _("écriture impossible à côté de lui : {error}", error=error)) from None


def _validate(path: Path, temp: Path, expected: Config, name: TableName) -> None:
    try:
        written = load_config(temp)
    except ConfigError as error:
        raise ConfigError(path, error.entry, _("{problem} (après la modification ; le fichier n'a pas été changé)",
                                               problem=error.problem)) from None
    if written != expected:
        raise ConfigError(path, name, _("la modification ne donnerait pas la configuration attendue ; le fichier "
                                        "n'a pas été changé"))


def _layout_error(path: Path, name: TableName, index: int) -> ConfigError:
    return ConfigError(path, f"{name}[{index + 1}]", _("table introuvable dans le texte : la modifier à la main"))
