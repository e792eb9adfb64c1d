"""The request budget end to end: a local server stands for the AN, serving an archive of 18 questions
derived from the real QANR5L17QE5268.json (tests/app/an_archives.py: renumbered, 12 without their
answer) and each question's own JSON; a follow rule finds them all and two are in [[watch]]. The
server counts every request. 5 June 2025 is a Thursday: not the AN's publication day."""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from click.testing import CliRunner
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from bot.app.budget import bulk_confirmed
from bot.app.config import load_config
from bot.app.discovery import DISCOVERY_IMPORTS
from bot.app.doctor import requests_check
from bot.core.deadlines import PARIS
from bot.main import main
from bot.service.jobs import discovery_job
from scrapers.http.tally import REQUESTS
from scrapers.refs import parse_ref
from storage.budget import BulkRead, bulk_reads, requests_on
from storage.db import open_db
from storage.followed import list_followed
from storage.questions import CheckState
from tests.an_variants import dump
from tests.app.an_archives import answered, pending, write_archive
from tests.conftest import write_config
from tests.scrapers.range_site import RangeSite

ARCHIVE_PATH = "/17/questions/questions_ecrites/Questions_ecrites.json.zip"
QUESTION_PATH = re.compile(r"/dyn/opendata/(QANR5L17QE\d+)\.json")
THURSDAY = datetime(2025, 6, 5, 10, 0, tzinfo=PARIS)
DIAMANTS = '[[follow]]\nname = "Diamants"\nkeywords = ["diamants synthétiques"]\ntags = ["diamants"]\n'
WATCHED = ("QANR5L17QE1", "QANR5L17QE13")  # one pending, one answered


def documents() -> list[dict[str, Any]]:
    return [pending(n) if n <= 12 else answered(n) for n in range(1, 19)]


class AnSite:
    """The archive (with validators and 304s) and every question's JSON, each request logged."""

    def __init__(self, server: HTTPServer, archive: bytes) -> None:
        self.server = server
        self.archive = RangeSite(archive)
        self.pages = {f"/dyn/opendata/{doc['question']['uid']}.json": dump(doc) for doc in documents()}
        server.expect_request(re.compile(".*")).respond_with_handler(self._respond)

    def _respond(self, request: Request) -> Response:
        if request.path == ARCHIVE_PATH:
            return self.archive.handler(request)
        if request.path in self.pages:
            return Response(self.pages[request.path], content_type="application/json")
        return Response(b"Not Found", status=404, content_type="text/plain")

    def question_reads(self) -> Counter[str]:
        """The questions read one by one so far, with how many times each."""
        return Counter(m.group(1) for request, _ in self.server.log if (m := QUESTION_PATH.fullmatch(request.path)))

    def requests(self) -> int:
        return len(self.server.log)


@pytest.fixture
def site(httpserver: HTTPServer, tmp_path: Path) -> AnSite:
    return AnSite(httpserver, write_archive(tmp_path / "built" / "a.zip", documents()).read_bytes())


@pytest.fixture(autouse=True)
def fresh_tally() -> Iterator[None]:
    REQUESTS.take()  # the process's count: what earlier tests sent is not this test's
    yield
    REQUESTS.take()


@pytest.fixture
def config(tmp_path: Path, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("RELANCE_DB", raising=False)
    template = httpserver.url_for("/{leg}/questions/questions_ecrites/Questions_ecrites{suffix}.json.zip")
    return write_config(tmp_path / "config.toml", site=httpserver.url_for("").rstrip("/"),
                        sources={"an": {"archive_url": template, "legislatures": [17]}}, extra=DIAMANTS,
                        watch=WATCHED)


def relance_json(config: Path, *args: str) -> dict[str, Any]:
    result = CliRunner().invoke(main, ["--config", str(config), *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_a_check_right_after_an_import_reads_only_the_watch_questions_one_by_one(config: Path, site: AnSite) -> None:
    with time_machine.travel(THURSDAY, tick=True):
        imported = relance_json(config, "import", "an")
        assert (imported["read"], imported["new"]) == (18, 18)
        assert len(list_followed(open_db(config.parent / "relance.db"))) == 18  # the rule found every one
        assert site.question_reads() == Counter()

        checked = relance_json(config, "check")
        # The [[watch]] questions, once each: the archive brought them, their own JSON is read once.
        assert checked["checked"] == 2
        assert site.question_reads() == Counter(WATCHED)

        before = site.requests()
        assert relance_json(config, "check")["checked"] == 0  # nothing left to read one by one
        assert site.requests() == before

    # The next day, `relance import an` by hand (cron) finds the archive unchanged: one 304, and the
    # archive is recorded as read, so its questions stay fresh; the check reads none of them one by one.
    with time_machine.travel(THURSDAY + timedelta(days=1, hours=1), tick=True):
        reads_before = site.question_reads()
        relance_json(config, "import", "an")
        assert relance_json(config, "check")["checked"] == 0
        assert site.question_reads() == reads_before


def _discovery(config: Path) -> None:
    an_archive = [d for d in DISCOVERY_IMPORTS if d.name == "an-archive"]
    discovery_job(load_config(config), config.parent / "relance.db", now=lambda: datetime.now(PARIS),
                  imports=an_archive, reads=True)


def _events(caplog: pytest.LogCaptureFixture) -> list[tuple[str, dict[str, Any]]]:
    return [(r.getMessage(), r.__dict__["relance_fields"]) for r in caplog.records if "relance_fields" in r.__dict__]


def test_the_daily_job_imports_first_then_reads_what_remains_and_counts_the_requests(
        config: Path, site: AnSite, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="relance")
    database = config.parent / "relance.db"
    with time_machine.travel(THURSDAY, tick=True):
        _discovery(config)
    events = _events(caplog)
    names = [name for name, _fields in events]
    assert names.index("discovery_done") < names.index("cycle_done")  # the imports first, then the reads
    cycle = dict(events)["cycle_done"]
    assert (cycle["job"], cycle["checked"], cycle["skipped"], cycle["reasons"]) == ("discovery", 2, 16, "bulk_change=2")
    assert (cycle["requests"], cycle["requests_today"], cycle["sites_today"]) == ("localhost=2", 3, "localhost=3")
    assert dict(events)["discovery_done"]["requests"] == "localhost=1"
    assert site.question_reads() == Counter(WATCHED)
    db = open_db(database)
    assert requests_on(db, THURSDAY.date()) == {"localhost": 3}  # the archive, then the two questions
    assert bulk_reads(db)[("an-archive", "17")].at.date() == THURSDAY.date()

    # Friday: the archive has not changed (one 304) and nothing is read one by one.
    caplog.clear()
    with time_machine.travel(THURSDAY + timedelta(days=1), tick=True):
        _discovery(config)
    assert site.archive.requests[-1]["if-none-match"] == '"v1"'
    assert site.question_reads() == Counter(WATCHED)
    friday = (THURSDAY + timedelta(days=1)).date()
    assert requests_on(db, friday) == {"localhost": 1}
    assert dict(_events(caplog))["cycle_done"]["checked"] == 0
    [line] = requests_check(database, friday)
    assert line.detail == ("aujourd'hui (6 juin 2025) : 1 requête (localhost 1) ; "
                           "hier (5 juin 2025) : 3 requêtes (localhost 3)")

    # Saturday, past bulk_fresh_hours: the archive cannot be read (503), so nothing confirms the stored
    # states any more; the open questions are read one by one, the answered ones wait for their weekly read.
    site.archive.status = 503
    caplog.clear()
    with time_machine.travel(THURSDAY + timedelta(days=2, minutes=30), tick=True):
        _discovery(config)
    cycle = dict(_events(caplog))["cycle_done"]
    assert (cycle["checked"], cycle["reasons"]) == (12, "open=12")
    assert set(site.question_reads()) == {f"QANR5L17QE{n}" for n in range(1, 14)}
    assert requests_on(db, (THURSDAY + timedelta(days=2)).date()) == {"localhost": 13}
    assert bulk_reads(db)[("an-archive", "17")].at.date() == friday  # the failed read is not recorded


def test_the_senat_csv_covers_its_twelve_months_only() -> None:
    csv_read = BulkRead("senat-csv", "", THURSDAY, covers_from=(THURSDAY - timedelta(days=365)).date())
    reads = {("senat-csv", ""): csv_read}
    ref = parse_ref("SEQ221103705")
    seen = THURSDAY - timedelta(days=3)  # the question's last change the CSV brought
    recent = CheckState("pending", seen, published=THURSDAY.date() - timedelta(days=200), bulk_source="senat-csv",
                        bulk_at=seen)
    assert bulk_confirmed(ref, recent, reads) == THURSDAY  # this morning's CSV holds it, unchanged
    old = CheckState("pending", seen, published=THURSDAY.date() - timedelta(days=400), bulk_source="senat-csv",
                     bulk_at=seen)
    assert bulk_confirmed(ref, old, reads) == seen  # out of the CSV's year: only its own last bulk read counts
    assert bulk_confirmed(ref, CheckState("pending", seen), reads) is None  # never in a bulk file
