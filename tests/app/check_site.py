"""The check cycle's world, shared by the tests that run `relance check`: a local server standing for
the chambers' sites with the three real questions (AN JSON, AN XML of the old site, a Sénat page), a
config watching them, and the CLI run in-process.

Its `site` and `config` fixtures are registered by the modules that use them (`site = check_site.site`).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from bot.core.deadlines import PARIS
from bot.main import main
from tests.conftest import ConfigFactory, sample_bytes
from tests.senat_pages import page_from_text, page_text, page_url_path

AN_PATH = "/dyn/opendata/QANR5L17QE5268.json"
XML_PATH = "/q14/14-47351QE.htm/vue/xml"
SENAT_UID = "SEQ091211244"


class Site:
    """A local server whose pages the test changes between cycles, as the chambers' sites change."""

    def __init__(self, server: HTTPServer) -> None:
        self.server = server
        self.pages: dict[str, tuple[int, bytes, str]] = {}
        server.expect_request("").respond_with_handler(self._respond)

    def _respond(self, request: Request) -> Response:
        status, body, content_type = self.pages.get(request.path, (404, b"Not Found", "text/plain"))
        return Response(body, status=status, content_type=content_type)

    def serve(self, path: str, body: bytes, content_type: str, status: int = 200) -> None:
        self.pages[path] = (status, body, content_type)

    def requests_to(self, path: str) -> int:
        return sum(1 for request, _ in self.server.log if request.path == path)

    @property
    def base_url(self) -> str:
        return self.server.url_for("").rstrip("/")


@pytest.fixture
def site(httpserver: HTTPServer) -> Iterator[Site]:
    served = Site(httpserver)
    served.serve(AN_PATH, sample_bytes("an/QANR5L17QE5268.json"), "application/json")
    served.serve(XML_PATH, sample_bytes("an/q14-47351QE.vue.xml"), "text/xml; charset=UTF-8")
    served.serve(page_url_path(SENAT_UID), page_from_text(page_text(SENAT_UID)), "text/html")
    yield served


WATCHED = ({"ref": "AN 17-5268", "tags": ["diamants"]}, "14-47351QE", {"ref": SENAT_UID, "tags": ["communes"]})


@pytest.fixture
def config(make_config: ConfigFactory, site: Site) -> Path:
    return make_config(site=site.base_url, http={"retries": 1, "backoff_max": 0.05}, watch=WATCHED)


def relance(config: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--config", str(config), *args])


def check_json(config: Path, expect_exit: int = 0) -> dict[str, Any]:
    result = relance(config, "check", "--json")
    assert result.exit_code == expect_exit, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def kinds(report: dict[str, Any], ref: str | None = None) -> list[str]:
    return [e["kind"] for e in report["events"] if ref is None or e["ref"] == ref]


def stored_snapshot(config: Path, ref: str) -> str | None:
    with sqlite3.connect(config.parent / "relance.db") as conn:
        row = conn.execute("SELECT data FROM snapshots WHERE ref = ?", [ref]).fetchone()
    return row[0] if row else None


def at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(f"{day}T{hour:02d}:00:00").replace(tzinfo=PARIS)
