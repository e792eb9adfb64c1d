"""The local Sénat of the import tests: data.senat.fr's CSV with an ETag, question pages derived from
the real page texts (tests/senat_pages.py), the real search results page; a config reading them,
and `relance import senat` run in-process."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from click.testing import CliRunner, Result
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from bot.core.deadlines import PARIS
from bot.main import main
from storage.snapshots import snapshot_json
from tests.app.senat_rows import (
    CSV_PATH,
    SEARCH_PATH,
)
from tests.conftest import write_config
from tests.senat_pages import page_from_text, page_text, page_url_path


class Site:
    """A local data.senat.fr and senat.fr: the CSV with an ETag (304 when it matches), question pages,
    search pages by their `off` parameter."""

    def __init__(self, server: HTTPServer) -> None:
        self.server = server
        self.csv = b""
        self.pages: dict[str, bytes] = {}
        self.search: dict[str, bytes] = {}
        server.expect_request("").respond_with_handler(self._respond)

    def _respond(self, request: Request) -> Response:
        if request.path == CSV_PATH:
            etag = '"' + hashlib.sha256(self.csv).hexdigest()[:16] + '"'
            if request.headers.get("If-None-Match") == etag:
                return Response(status=304, headers={"ETag": etag})
            return Response(self.csv, content_type="text/csv; charset=ISO-8859-1", headers={"ETag": etag})
        if request.path == SEARCH_PATH:
            body = self.search.get(parse_qs(request.query_string.decode())["off"][0])
            if body is not None:
                return Response(body, content_type="text/html")
        if request.path in self.pages:
            return Response(self.pages[request.path], content_type="text/html")
        return Response(b"Not Found", status=404, content_type="text/plain")

    def page(self, uid: str, text: str | None = None) -> None:
        self.pages[page_url_path(uid)] = page_from_text(page_text(uid) if text is None else text)

    def requests_to(self, path: str) -> int:
        return sum(1 for request, _ in self.server.log if request.path == path)


@pytest.fixture
def site(httpserver: HTTPServer) -> Iterator[Site]:
    yield Site(httpserver)


def senat_config(tmp_path: Path, site: Site, *, watch: tuple[str, ...] = (), follow: str = "") -> Path:
    """A config reading the Sénat (its pages, its search and its CSV) from `site`; `follow`: TOML rules."""
    base = site.server.url_for("").rstrip("/")
    return write_config(tmp_path / "config.toml", site=base, sources={"senat": {"csv_url": f"{base}{CSV_PATH}"}},
                        watch=watch, extra=follow)


@pytest.fixture(autouse=True)
def _no_db_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RELANCE_DB", raising=False)


def relance(config: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--config", str(config), *args])


def import_json(config: Path, *args: str, exit_code: int = 0) -> dict[str, Any]:
    result = relance(config, "import", "senat", "--json", *args)
    assert result.exit_code == exit_code, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def events(report: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e for e in report["events"] if e["kind"] == kind]


def stored(config: Path, ref: str) -> dict[str, Any] | None:
    with sqlite3.connect(config.parent / "relance.db") as conn:
        row = conn.execute("SELECT data FROM snapshots WHERE ref = ?", [ref]).fetchone()
    return json.loads(snapshot_json(row[0], ref)) if row else None


def at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(f"{day}T{hour:02d}:00:00").replace(tzinfo=PARIS)
