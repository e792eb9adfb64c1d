"""The daily discovery job of `relance run`: the bulk imports of the typed registry, then notices."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from sqlite_utils import Database

from bot.app import discovery
from bot.app.config import ChannelEntry, Config, ConfigError, load_config
from bot.app.discovery import DISCOVERY_IMPORTS, Discovery, ImportSummary
from bot.app.import_senat import SenatImportReport
from bot.app.ingest import IngestReport, ingest
from bot.core.deadlines import PARIS
from bot.service.jobs import discovery_job
from bot.service.scheduler import job_specs
from scrapers.senat_csv import RejectedRow
from tests.follow_questions import (
    AN_JSON_URL,
    BUNDLED,
    NOW,
    an,
    db,  # noqa: F401 (fixtures)
    dossus,
    lagontrie,
    senat,
)

# --- discovery in the schedule ----------------------------------------------------------------------

def schedule_config(tmp_path: Path, schedule: str = "") -> Config:
    path = tmp_path / "schedule.toml"
    path.write_text(f'[relance]\ncontact = "tests@relance.test"\n{schedule}', encoding="utf-8")
    return load_config(path)


def paris(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=PARIS)


def test_discovery_runs_daily_before_the_morning_check(tmp_path: Path) -> None:
    specs = {spec.id: spec for spec in job_specs(schedule_config(tmp_path))}
    assert specs["discovery"].kind == "discovery"
    assert specs["discovery"].trigger.get_next_fire_time(None, paris("2025-06-03T10:05")) == paris("2025-06-04T06:00")
    assert specs["check"].trigger.get_next_fire_time(None, paris("2025-06-04T06:00")) == paris("2025-06-04T07:00")
    off = job_specs(schedule_config(tmp_path, '[schedule]\ndiscovery = ""\n'))
    assert "discovery" not in [spec.id for spec in off]
    with pytest.raises(ConfigError) as error:
        schedule_config(tmp_path, '[schedule]\ndiscovery = "every morning"\n')
    assert error.value.entry == "schedule.discovery"


def _summary(report: IngestReport) -> ImportSummary:
    return ImportSummary(report.read, report.new, report.changed, report.matched,
                         matched_events=[e for e in report.events if e.kind == "matched"])


@pytest.fixture
def imports() -> tuple[Discovery, ...]:
    """Stand-ins for the AN and Sénat imports of the discovery registry that ingest real questions, as
    the real imports do, through bot.app.ingest.ingest."""

    def import_an(config: Config, db: Database, client: Any, now: Any, should_stop: Any) -> ImportSummary:
        report = IngestReport()
        ingest(db, an(), source="an-archive", url=AN_JSON_URL, now=now(), rules=config.follow, report=report)
        return _summary(report)

    def import_senat(config: Config, db: Database, client: Any, now: Any, should_stop: Any) -> ImportSummary:
        report = IngestReport()
        for q in (lagontrie(), dossus(), senat("SEQ210723812")):
            ingest(db, q, source="senat-csv", url=q.url, now=now(), rules=config.follow, report=report)
        return _summary(report)

    return (Discovery("an-archive", import_an), Discovery("senat-csv", import_senat))


def test_the_registry_runs_the_real_imports_in_order() -> None:
    # The AN's actors first: the AN questions imported next are named from them.
    assert [d.name for d in DISCOVERY_IMPORTS] == ["an-actors", "an-archive", "senat-csv"]


def test_the_discovery_job_imports_then_tells_the_channels(tmp_path: Path, httpserver: HTTPServer,
                                                           imports: tuple[Discovery, ...],
                                                           caplog: pytest.LogCaptureFixture) -> None:
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    hook = ChannelEntry(name="vsa", url=f"json://127.0.0.1:{httpserver.port}/hook?cto=2&rto=2", tags=("vsa",))
    config = load_config(BUNDLED).model_copy(update={"channel": (hook,)})
    caplog.set_level(logging.INFO, logger="relance")
    reports = discovery_job(config, tmp_path / "relance.db", now=lambda: NOW, imports=imports)
    assert list(reports) == ["an-archive", "senat-csv"]
    done = {r.__dict__["relance_fields"]["source"]: r.__dict__["relance_fields"]
            for r in caplog.records if r.getMessage() == "discovery_done"}
    assert (done["senat-csv"]["read"], done["senat-csv"]["matched"]) == (3, 2)
    assert (done["an-archive"]["read"], done["an-archive"]["matched"]) == (1, 0)
    # The notify pass that follows sends the two found questions, and only them, to the channel.
    titles = [json.loads(request.get_data())["title"] for request, _ in httpserver.log]
    assert titles == ["Sénat 1335 (2024-05) — trouvée par la règle « Reconnaissance faciale »",
                      "Sénat 3705 (2022-11) — trouvée par la règle « Vidéosurveillance algorithmique »",
                      "Sénat 3705 (2022-11) — délai dépassé"]  # found long after its deadline: late at once


def test_a_failing_import_is_logged_and_the_others_run(tmp_path: Path, imports: tuple[Discovery, ...],
                                                       caplog: pytest.LogCaptureFixture) -> None:
    def broken(config: Config, db: Database, client: Any, now: Any, should_stop: Any) -> ImportSummary:
        raise OSError("archive truncated")

    caplog.set_level(logging.INFO, logger="relance")
    failing = (Discovery("an-archive", broken), imports[1])
    reports = discovery_job(load_config(BUNDLED), tmp_path / "relance.db", now=lambda: NOW, imports=failing)
    assert reports["an-archive"] is None
    summary = reports["senat-csv"]
    assert summary is not None and summary.ok and summary.read == 3
    lines = [(r.getMessage(), r.__dict__["relance_fields"]) for r in caplog.records]
    assert ("discovery_failed", {"job": "discovery", "source": "an-archive",
                                 "error": "OSError: archive truncated"}) in lines


def test_rows_the_senat_import_set_aside_are_the_jobs_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    """A Sénat CSV row that cannot be read is set aside and the others imported (issue 14): the daily
    job still names it as an error, as `relance import senat` does (exit 2), so the admin hears of it."""
    url = "https://data.senat.fr/data/questions/questions-depuis-un-an.csv"
    report = SenatImportReport(url=url, rows=3, rejected=[RejectedRow(4, "Date de publication JO", "17/13/2025",
                                                                       "a date yyyy-mm-dd or dd/mm/yyyy")])
    monkeypatch.setattr(discovery, "import_senat", lambda *args, **kwargs: report)
    [senat_csv] = [d for d in DISCOVERY_IMPORTS if d.name == "senat-csv"]
    summary = senat_csv.run(load_config(BUNDLED), Database(memory=True), None, lambda: NOW,  # type: ignore[arg-type]
                            lambda: False)
    assert not summary.ok
    assert summary.errors == [f"{url}: line 4, column 'Date de publication JO': a date yyyy-mm-dd or dd/mm/yyyy: "
                              "found '17/13/2025'"]
