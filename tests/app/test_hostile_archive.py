"""An AN archive made to exhaust memory (issue 17: 60 files near the size cap, 0.39 MB zipped, took 968
MB): the reader bounds memory by bytes, not by files. A batch of the import holds at most
`BATCH_BYTES` of files; a file larger than `MAX_MEMBER_BYTES` is that question's error; an item of a
list file larger than that refuses the archive before anything is stored. The files are the real
QANR5L17QE5268.json, renumbered, padded with white space (still the same JSON)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.app.import_an import BATCH_BYTES, _batches
from scrapers.an_archive import MAX_MEMBER_BYTES, AnArchive, ArchiveError
from scrapers.model import ParseError
from tests.an_variants import dump
from tests.app.an_archives import pending, uid_of, write_archive


def padded(document: dict[str, Any], size: int) -> tuple[str, bytes]:
    """The record's file padded with spaces after its JSON to `size` bytes: the same question."""
    data = dump(document)
    return f"json/{uid_of(document)}.json", data + b" " * (size - len(data))


def test_near_cap_files_are_read_a_few_at_a_time(tmp_path: Path) -> None:
    near_cap = MAX_MEMBER_BYTES - 1024
    path = write_archive(tmp_path / "a.zip", [padded(pending(n), near_cap) for n in range(1, 61)])
    assert path.stat().st_size < 1_000_000  # 60 files of 4 MB each, a few hundred KB zipped
    with AnArchive(path) as archive:
        assert archive.verify() == 60
        batches = list(_batches(archive.members, 500))
    assert [m.uid for batch in batches for m in batch] == [f"QANR5L17QE{n}" for n in range(1, 61)]
    assert all(sum(m.size for m in batch) <= BATCH_BYTES for batch in batches)
    assert len(batches) == -(-60 // (BATCH_BYTES // near_cap))  # as many as the bytes ask for, not one


def test_a_file_over_the_cap_is_that_questions_error(tmp_path: Path) -> None:
    big = padded(pending(2), MAX_MEMBER_BYTES + 1)
    path = write_archive(tmp_path / "a.zip", [pending(1), big])
    with AnArchive(path) as archive:
        archive.verify()
        first, second = archive.members
        assert archive.read(first, url_of=lambda ref: ref.public_url).ref.uid == "QANR5L17QE1"
        with pytest.raises(ParseError, match="too large for one question"):
            archive.read(second, url_of=lambda ref: ref.public_url)


def test_a_list_item_over_the_cap_refuses_the_archive(tmp_path: Path) -> None:
    documents = [pending(1), pending(2)]
    documents[1]["question"]["padding"] = " " * (MAX_MEMBER_BYTES + 2 * 1024 * 1024)
    listed = json.dumps({"questions": {"question": [d["question"] for d in documents]}}).encode()
    path = write_archive(tmp_path / "a.zip", [("Questions_ecrites_XIV.json", listed)])
    with AnArchive(path) as archive, pytest.raises(ArchiveError, match="item 1 of the list is larger than"):
        archive.verify()
