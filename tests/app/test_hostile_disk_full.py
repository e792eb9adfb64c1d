"""A disk that fills during the AN archive's download (issue 17): one French line naming the file and
what to do, exit 1 (relance cannot run: the machine, not the site), no traceback; the partial file is
kept as partial, never taken for the archive, and the next run resumes it and imports.

How the disk fills: `open` in scrapers/http/download.py is replaced by one whose files accept
`room` bytes, write what fits of the next write, then raise OSError(ENOSPC) as a full disk does.
Everything else is real: the archive built from real records, the local HTTP server with ranges,
the SQLite file, the command line."""

from __future__ import annotations

import errno
import json
import sqlite3
from pathlib import Path
from typing import IO, Any

import pytest
import time_machine
from pytest_httpserver import HTTPServer

import scrapers.http.download
from tests.an_variants import qe_json
from tests.app.an_archives import TODAY, pending, write_archive
from tests.app.test_import_an import ARCHIVE_PATH, an_config, relance
from tests.scrapers.range_site import RangeSite


class _FullDisk:
    """A file that takes `room` bytes in all, then refuses with ENOSPC."""

    def __init__(self, file: IO[bytes], room: int) -> None:
        self._file, self._room = file, room

    def write(self, data: bytes) -> int:
        fits = max(0, self._room - self._file.tell())
        if len(data) > fits:
            self._file.write(data[:fits])
            raise OSError(errno.ENOSPC, "No space left on device")
        return self._file.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._file, name)

    def __enter__(self) -> _FullDisk:
        return self

    def __exit__(self, *exc: object) -> None:
        self._file.close()


@pytest.fixture
def site(httpserver: HTTPServer, tmp_path: Path) -> RangeSite:
    documents = [qe_json(), *(pending(number) for number in range(1, 200))]
    served = RangeSite(write_archive(tmp_path / "built" / "a.zip", documents).read_bytes())
    httpserver.expect_request(ARCHIVE_PATH).respond_with_handler(served.handler)
    return served


def test_disk_full_during_the_download_is_one_line_then_resumed(
        site: RangeSite, httpserver: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = an_config(tmp_path, httpserver)
    room = len(site.body) // 3

    def filling(path: Path, mode: str) -> _FullDisk:  # download.py opens its files in binary modes only
        return _FullDisk(path.open(mode), room)

    monkeypatch.setattr(scrapers.http.download, "open", filling, raising=False)
    with time_machine.travel(TODAY, tick=True):
        full = relance(config, "import", "an")
    archive = tmp_path / "cache" / "downloads" / "an-17" / "Questions_ecrites.json.zip"
    part = archive.with_name(archive.name + ".part")
    assert full.exit_code == 1, full.output
    assert "Traceback" not in full.output
    [line] = full.stderr.splitlines()
    assert line.startswith(f"relance: téléchargement interrompu : impossible d'écrire {part} (le disque est plein)")
    assert "[http] cache_dir" in line
    # Kept as partial: a prefix of the archive, never renamed to it nor recorded complete.
    assert not archive.exists()
    assert part.read_bytes() == site.body[:room]
    with sqlite3.connect(tmp_path / "relance.db") as conn:
        assert conn.execute("SELECT completed_at FROM downloads").fetchall() == [(None,)]
        assert conn.execute("SELECT COUNT(*) FROM questions").fetchone() == (0,)

    monkeypatch.undo()  # room again on the disk
    with time_machine.travel(TODAY, tick=True):
        again = relance(config, "import", "an", "--json")
    assert again.exit_code == 0, again.output
    report = json.loads(again.stdout)
    assert report["archives"][0]["fetched"] == "resumed" and report["new"] == 200
    assert site.requests[-1]["range"] == f"bytes={room}-"
    assert archive.read_bytes() == site.body
