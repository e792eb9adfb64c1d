"""The AN's per-legislature archive of written questions (`Questions_ecrites.json.zip`): a zip with
one JSON file per question under a `json/` folder, the same format as the per-question file.

The archive is read from disk one member at a time, never whole in memory. `AnArchive.verify`
checks every question member (its CRC-32) before anything is read, so that a corrupt or truncated
archive is refused whole; `AnArchive.read` then parses one member. The members' list, with the CRC-32
and size the zip's directory gives for each, costs no decompression: a reader can tell which
question files are byte for byte those it read last time without opening them.
"""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Self

from scrapers.an import parse_an_json
from scrapers.errors import SourceFailed
from scrapers.model import ParseError, QuestionSnapshot, Status
from scrapers.refs import QuestionRef, RefError, parse_ref

# `json/QANR5L17QE5268.json`, at the root or under one more folder; other members (the legislature's
# other documents, folders) are skipped.
MEMBER = re.compile(r"(?:[^/]+/)?json/(QANR5L\d{1,2}QE\d{1,6})\.json")
# One question's file is about 10 KB; anything this large is not one, and is not read into memory.
MAX_MEMBER_BYTES = 16 * 1024 * 1024
_READ_CHUNK = 1 << 20

# What zipfile raises on a damaged archive: bad magic numbers or CRCs, a truncated member, a
# corrupt deflate stream, an unknown compression method or an encrypted member.
_DAMAGE = (zipfile.BadZipFile, zlib.error, EOFError, struct.error, NotImplementedError, RuntimeError,
           ValueError, OSError)


class ArchiveError(SourceFailed):
    """An archive that cannot be read at all (corrupt, truncated, not a zip, no question in it):
    names the file and the problem."""

    def __init__(self, path: str | Path, problem: str) -> None:
        self.path, self.problem = str(path), problem
        super().__init__(f"archive {path}: {problem}")


@dataclass(frozen=True, slots=True)
class Member:
    """One question file of the archive, as the zip's directory describes it."""

    name: str  # json/QANR5L17QE5268.json
    uid: str  # QANR5L17QE5268, from the name
    crc: int  # CRC-32 of the file's bytes
    size: int  # its size, uncompressed


class AnArchive:
    """An AN archive open for reading; use it as a context manager."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._zip = zipfile.ZipFile(path)
        except FileNotFoundError:
            raise ArchiveError(path, "no such file") from None
        except _DAMAGE as error:
            raise ArchiveError(path, f"not a zip archive, or truncated: {error}") from None
        self._infos: dict[str, zipfile.ZipInfo] = {}
        self.members: list[Member] = []
        uids: set[str] = set()
        for info in self._zip.infolist():
            if info.is_dir() or not MEMBER.fullmatch(info.filename) or info.filename in self._infos:
                continue
            uid = _uid(info.filename)
            if uid in uids:
                continue  # one file per question: a second copy elsewhere in the zip is not read
            uids.add(uid)
            self._infos[info.filename] = info
            self.members.append(Member(info.filename, uid, info.CRC, info.file_size))

    def close(self) -> None:
        self._zip.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    def verify(self) -> int:
        """Check that every question member can be read whole and matches its CRC-32; return how
        many there are. Raises `ArchiveError` naming the file and the damaged member."""
        if not self.members:
            raise ArchiveError(self.path, "no json/QANR5L…QE….json member: not an archive of written "
                                          "questions with one file per question")
        for info in self._infos.values():
            if info.file_size > MAX_MEMBER_BYTES:
                continue  # refused by read() as that question's error, not the archive's
            try:
                with self._zip.open(info) as member:
                    while member.read(_READ_CHUNK):  # zipfile checks the CRC-32 at the member's end
                        pass
            except _DAMAGE as error:
                raise self._damaged(info.filename, error) from None
        return len(self.members)

    def read(self, member: Member, *, url_of: Callable[[QuestionRef], str],
             closure_codes: Mapping[str, Status] | None = None) -> QuestionSnapshot:
        """The question in `member`, read by `parse_an_json` as if it had come from `url_of(ref)`
        (its own open-data address: a question read from the archive and from its page then
        compare equal when they say the same). Raises `ParseError` for that question, naming the
        archive and the member, or `ArchiveError` if the archive itself fails."""
        try:
            ref = parse_ref(member.uid)
        except RefError as error:
            raise ParseError(f"{self.path}#{member.name}", "member name", str(error)) from None
        url = url_of(ref)
        if member.size > MAX_MEMBER_BYTES:
            raise ParseError(f"{self.path}#{member.name}", "archive member",
                             f"{member.size} bytes: too large for one question")
        try:
            data = self._zip.read(self._infos[member.name])
        except _DAMAGE as error:
            raise self._damaged(member.name, error) from None
        where = f"{self.path}#{member.name}"
        try:
            snapshot = parse_an_json(data, url, closure_codes)
        except ParseError as error:
            # Named after where the bytes are, not after the address the snapshot is given.
            raise ParseError(where, error.field, error.found) from None
        if snapshot.ref != ref:
            # A file named after one question but holding another must not overwrite either.
            raise ParseError(where, "uid", f"{snapshot.ref.uid}, but the file is named after {ref.uid}")
        return snapshot

    def _damaged(self, name: str, error: BaseException) -> ArchiveError:
        return ArchiveError(self.path, f"damaged member {name}: {type(error).__name__}: {error}")


def _uid(name: str) -> str:
    found = MEMBER.fullmatch(name)
    assert found is not None
    return found.group(1)
