"""The AN's per-legislature archive of written questions (`Questions_ecrites.json.zip`), in either of
the two layouts the AN ships, told apart by what the files hold, not by their names:

- one JSON file per question (`{"question": {...}}`, the per-question file's format), in any folder
  (`json/` at the root since 2019, or deeper); a file named after its question
  (`…/QANR5L17QE5268.json`) is taken at its name, any other `.json` file is named from its content;
- one JSON file holding the list of every question (the 14th legislature's `Questions_ecrites_XIV.json`),
  in the same schema, under one of the wrappers such an export plausibly has: a top-level list, or
  an object whose one key holds the list or `{"question": [...]}` (the AN's
  `{"questions": {"question": [...]}}` shape). Such a file (100 MB and more) is streamed with ijson,
  one question at a time.

Any other `.json` member is refused, naming it; files of other types, and the `__MACOSX/` metadata a
zip made on a Mac holds, are skipped. The archive is read
from disk one member at a time, never whole in memory. `AnArchive.verify` reads every question member
(its CRC-32) and walks every file not named after a question (its layout and, for a list, its
length) before anything is read, so that a corrupt or truncated archive is refused whole;
`AnArchive.read` and `AnArchive.read_list` then parse the questions. The directory's CRC-32 and size
of each question file cost no decompression: a reader can tell which files are byte for byte those
it read last time without opening them.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import ijson

from scrapers.an import parse_an_json
from scrapers.errors import SourceFailed
from scrapers.model import ParseError, QuestionSnapshot, Status
from scrapers.refs import QuestionRef, RefError, parse_ref
from scrapers.zips import ZIP_DAMAGE, ZipReader

# `json/QANR5L17QE5268.json`, `Questions_ecrites/json/2019/QANR5L17QE5268.json`: a file named after its
# question, in any folder.
MEMBER = re.compile(r"(?:.*/)?(QANR5L\d{1,2}QE\d{1,6})\.json")
# One question's file is about 10 KB (the longest answers, with tables, a few hundred KB); anything this
# large is not one, and is not read into memory: a file of the archive, or an item of a list file.
# The zip's directory gives each file's size, and zipfile never reads more than it says.
MAX_MEMBER_BYTES = 4 * 1024 * 1024
_READ_CHUNK = 1 << 20
_SHAPE_BUFFER = 1 << 16  # bytes the JSON parser reads at a time: an item's size is known within this

# The copies of each file's metadata that macOS adds to a zip it makes: not files of the archive.
_NOT_FILES = ("__MACOSX/",)
# What ijson raises on a document that is not JSON, or not whole (IncompleteJSONError derives from it).
_NOT_JSON = (ijson.JSONError, UnicodeDecodeError)


class ArchiveError(SourceFailed):
    """An archive that cannot be read at all (corrupt, truncated, not a zip, a member of neither
    layout, no question in it): names the file and the problem."""

    def __init__(self, path: str | Path, problem: str) -> None:
        self.path, self.problem = str(path), problem
        super().__init__(f"archive {path}: {problem}")


@dataclass(frozen=True, slots=True)
class Member:
    """One question file of the archive, as the zip's directory describes it."""

    name: str  # json/QANR5L17QE5268.json
    uid: str  # QANR5L17QE5268, from the name, or from the content when the name does not carry it
    crc: int  # CRC-32 of the file's bytes
    size: int  # its size, uncompressed


@dataclass(frozen=True, slots=True)
class QuestionList:
    """One file of the archive holding a list of questions."""

    name: str  # Questions_ecrites_XIV.json
    items: str  # where its questions are, as an ijson prefix: `item`, `questions.question.item`
    count: int  # how many questions it holds
    size: int


# --- the layout of a JSON file, from its events --------------------------------------------------

_STARTS = frozenset({"start_map", "start_array", "string", "number", "boolean", "null"})
_SCALARS = frozenset({"string", "number", "boolean", "null"})


class NotQuestions(SourceFailed, ValueError):
    """A JSON document of neither layout; the message says what was found instead (the archive turns it
    into an `ArchiveError` naming the member)."""


@dataclass(frozen=True, slots=True)
class Shape:
    """What a JSON document holds: one question (its `uid`), or a list of `count` questions whose items
    are at the ijson prefix `items`."""

    uid: str | None = None
    items: str | None = None
    count: int = 0


def _is_attribute(prefix: str) -> bool:
    # Keys such as `@xmlns`: XML attributes the AN's JSON keeps; they may stand beside the one real key.
    return prefix.rsplit(".", 1)[-1].startswith("@")


@dataclass
class _Walk:
    """The walk of `json_shape` through the wrapper around the questions."""

    outer: str | None = None  # the top-level object's one key
    inner: bool = False  # under it, an object whose one key `question` was seen
    question: bool = False  # `{"question": {...}}`: one question
    uid: str | None = None
    items: str | None = None
    count: int = 0
    has_key: bool = False  # the current item has a `question` or `uid` key
    position: Callable[[], int] = lambda: 0  # bytes of the document read so far
    item_start: int = 0

    def item_event(self, prefix: str, event: str, value: Any) -> None:
        """An event inside the list: each item must be an object holding a question or a uid."""
        if prefix != self.items:
            return
        if event in _STARTS:
            if event != "start_map":
                raise NotQuestions(f"item {self.count} of the list is a {event.removeprefix('start_')}, "
                                   "not a question object")
            self.count, self.has_key, self.item_start = self.count + 1, False, self.position()
        elif event == "map_key" and value in ("question", "uid"):
            self.has_key = True
        elif event == "end_map" and not self.has_key:
            raise NotQuestions(f"item {self.count - 1} of the list has neither a `question` nor a `uid` key")
        elif event == "end_map" and self.position() - self.item_start > MAX_MEMBER_BYTES + _SHAPE_BUFFER:
            # Each item is built whole in memory when read: one larger than any question is refused.
            raise NotQuestions(f"item {self.count - 1} of the list is larger than {MAX_MEMBER_BYTES:,} bytes, "
                               "too large for one question")

    def wrapper_event(self, prefix: str, event: str, value: Any) -> None:
        """An event around the questions: at most two levels of wrapper, one key each."""
        inner = f"{self.outer}.question" if self.inner else None
        if event in _SCALARS and _is_attribute(prefix):
            return
        if event == "map_key":
            self._key(prefix, str(value))
        elif event == "start_array" and prefix in ("", self.outer, inner):
            self.items = f"{prefix}.item" if prefix else "item"
        elif event == "start_map" and prefix == inner:
            # A list of one, as XML-to-JSON converters write it: the object itself.
            self.items, self.count, self.has_key = prefix, 1, False
        elif event == "start_map" and prefix in ("", self.outer):
            self.question = prefix == "question"
        elif not (event in ("end_map", "end_array") and prefix in ("", self.outer, inner)):
            raise NotQuestions(f"a {event.removeprefix('start_')} at `{prefix or 'the top'}`")

    def _key(self, prefix: str, key: str) -> None:
        if key.startswith("@") and prefix in ("", self.outer):
            return
        if prefix == "" and self.outer is None:
            self.outer = key
        elif prefix == self.outer and key == "question" and not self.inner:
            self.inner = True
        else:
            where = f"{prefix}.{key}" if prefix else key
            raise NotQuestions(f"the key `{where}`" + (f" beside `{self.outer}`" if prefix == "" else ""))


def json_shape(events: Iterable[tuple[str, str, Any]], position: Callable[[], int] = lambda: 0) -> Shape:
    """Which layout a JSON document's events (as `ijson.parse` gives them) show, walking them once:
    one question (`{"question": {...}}`: its uid), or a list of questions (`[...]`, `{"K": [...]}`,
    `{"K": {"question": [...]}}`; each item an object holding a question or a uid). Keys beginning with
    `@` may stand beside the one key of each wrapper; `position` gives the bytes read so far, by which an
    item larger than `MAX_MEMBER_BYTES` is refused. Raises `NotQuestions`, saying what was found."""
    walk = _Walk(position=position)
    for prefix, event, value in events:
        if walk.question:
            if prefix == "question.uid" and event == "string":
                walk.uid = value
        elif walk.items is not None and (prefix == walk.items or prefix.startswith(walk.items + ".")):
            walk.item_event(prefix, event, value)
        else:
            walk.wrapper_event(prefix, event, value)
    if walk.question:
        if walk.uid is None:
            raise NotQuestions("a question without a `uid`")
        return Shape(uid=walk.uid)
    if walk.items is None:
        raise NotQuestions("no question and no list of questions")
    return Shape(items=walk.items, count=walk.count)


class _Counted:
    """A member being read, counting the bytes handed to the JSON parser."""

    def __init__(self, member: IO[bytes]) -> None:
        self._member, self._read = member, 0

    def read(self, size: int = -1) -> bytes:
        data = self._member.read(size)
        self._read += len(data)
        return data

    def tell(self) -> int:
        return self._read


def _one_line(error: BaseException) -> str:
    return f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}".rstrip(": ")


# --- the archive ----------------------------------------------------------------------------------


class AnArchive(ZipReader):
    """An AN archive open for reading; use it as a context manager. `members` (the question files)
    and `lists` (the files holding a list of questions) are known once `verify` has run."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, ArchiveError)
        self._infos: dict[str, zipfile.ZipInfo] = {}
        for info in self._zip.infolist():
            if (not info.is_dir() and info.filename.lower().endswith(".json") and info.filename not in self._infos
                    and not info.filename.startswith(_NOT_FILES)):
                self._infos[info.filename] = info
        self.members: list[Member] = []
        self.lists: list[QuestionList] = []

    def verify(self) -> int:
        """Check that every JSON member can be read whole and matches its CRC-32, and tell each one's
        layout; return how many questions the archive holds. Raises `ArchiveError` naming the file
        and the member: damaged, of neither layout, or no question at all."""
        self.members, self.lists = [], []
        uids: set[str] = set()
        for info in self._infos.values():
            named = MEMBER.fullmatch(info.filename)
            if named is not None:
                if info.file_size <= MAX_MEMBER_BYTES:  # larger: refused by read() as that question's error
                    self._drain(info)
                uid = named.group(1)
            else:
                shape = self._shape(info)
                if shape.uid is None:
                    assert shape.items is not None
                    self.lists.append(QuestionList(info.filename, shape.items, shape.count, info.file_size))
                    continue
                if info.file_size > MAX_MEMBER_BYTES:
                    raise ArchiveError(self.path, f"member {info.filename}: {info.file_size} bytes, too large "
                                                  "for one question")
                uid = shape.uid
            if uid not in uids:  # one file per question: a second copy elsewhere in the zip is not read
                uids.add(uid)
                self.members.append(Member(info.filename, uid, info.CRC, info.file_size))
        count = len(self.members) + sum(listed.count for listed in self.lists)
        if not count:
            raise ArchiveError(self.path, "no question in it: neither one JSON file per question "
                                          "(json/QANR5L…QE….json) nor a JSON file holding a list of questions")
        return count

    def _drain(self, info: zipfile.ZipInfo) -> None:
        try:
            with self._zip.open(info) as member:
                while member.read(_READ_CHUNK):  # zipfile checks the CRC-32 at the member's end
                    pass
        except ZIP_DAMAGE as error:
            raise self._damaged(info.filename, error) from None

    def _shape(self, info: zipfile.ZipInfo) -> Shape:
        """The layout of a member not named after a question, streamed (never whole in memory)."""
        try:
            with self._zip.open(info) as member:
                counted = _Counted(member)
                shape = json_shape(ijson.parse(counted, use_float=True, buf_size=_SHAPE_BUFFER), counted.tell)
                while member.read(_READ_CHUNK):  # what follows the document, and the CRC-32 check
                    pass
        except NotQuestions as error:
            raise ArchiveError(self.path, f"member {info.filename}: neither one question "
                                          f"({{\"question\": {{…}}}}) nor a list of questions: found {error}") from None
        except _NOT_JSON as error:
            raise ArchiveError(self.path, f"member {info.filename}: not a whole JSON document "
                                          f"(truncated?): {_one_line(error)}") from None
        except ZIP_DAMAGE as error:
            raise self._damaged(info.filename, error) from None
        return shape

    def read(self, member: Member, *, url_of: Callable[[QuestionRef], str],
             closure_codes: Mapping[str, Status] | None = None) -> QuestionSnapshot:
        """The question in `member`, read by `parse_an_json` as if it had come from `url_of(ref)`
        (its own address: a question read from the archive and from its page then compare equal
        when they say the same). Raises `ParseError` for that question, naming the archive and the
        member, or `ArchiveError` if the archive itself fails."""
        where = f"{self.path}#{member.name}"
        try:
            ref = parse_ref(member.uid)
        except RefError as error:
            raise ParseError(where, "uid", str(error)) from None
        if member.size > MAX_MEMBER_BYTES:
            raise ParseError(where, "archive member", f"{member.size} bytes: too large for one question")
        try:
            data = self._zip.read(self._infos[member.name])
        except ZIP_DAMAGE as error:
            raise self._damaged(member.name, error) from None
        return _parsed(data, where, ref, url_of(ref), closure_codes)

    def read_list(self, listed: QuestionList, *, url_of: Callable[[QuestionRef], str],
                  closure_codes: Mapping[str, Status] | None = None
                  ) -> Iterator[tuple[str, QuestionSnapshot | ParseError]]:
        """The questions of a list file, streamed one at a time in order: each named
        `{file}[{position}]`, with its snapshot or the `ParseError` that stopped it. Raises
        `ArchiveError` if the file itself can no longer be read."""
        stream = self._open(listed.name)
        try:
            items = ijson.items(stream, listed.items, use_float=True)
            position = 0
            while True:
                try:
                    item = next(items)
                except StopIteration:
                    return
                except (*_NOT_JSON, *ZIP_DAMAGE) as error:
                    raise self._damaged(listed.name, error) from None
                label = f"{listed.name}[{position}]"
                yield label, _list_question(item, f"{self.path}#{label}", url_of, closure_codes)
                position += 1
        finally:
            stream.close()

    def _open(self, name: str) -> IO[bytes]:
        try:
            return self._zip.open(self._infos[name])
        except ZIP_DAMAGE as error:
            raise self._damaged(name, error) from None

    def _damaged(self, name: str, error: BaseException) -> ArchiveError:
        return ArchiveError(self.path, f"damaged member {name}: {_one_line(error)}")


def _parsed(data: bytes, where: str, ref: QuestionRef, url: str,
            closure_codes: Mapping[str, Status] | None) -> QuestionSnapshot:
    try:
        snapshot = parse_an_json(data, url, closure_codes)
    except ParseError as error:
        # Named after where the bytes are, not after the address the snapshot is given.
        raise ParseError(where, error.field, error.found) from None
    if snapshot.ref != ref:
        # A file named after one question but holding another must not overwrite either.
        raise ParseError(where, "uid", f"{snapshot.ref.uid}, but the file is named after {ref.uid}")
    return snapshot


def _list_question(item: object, where: str, url_of: Callable[[QuestionRef], str],
                   closure_codes: Mapping[str, Status] | None) -> QuestionSnapshot | ParseError:
    """One item of a list file, `{"question": {...}}` or the question object itself."""
    question = item
    if isinstance(item, dict) and isinstance(item.get("question"), dict):
        question = item["question"]
    if not isinstance(question, dict):
        return ParseError(where, "list item", f"a {type(item).__name__}, not a question object")
    uid = question.get("uid")
    try:
        ref = parse_ref(uid if isinstance(uid, str) else "")
    except RefError:
        return ParseError(where, "uid (a written question's: QANR5L…QE…)", str(uid))
    try:
        return _parsed(json.dumps({"question": question}).encode(), where, ref, url_of(ref), closure_codes)
    except ParseError as error:
        return error
