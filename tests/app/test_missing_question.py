"""A question its site does not have (404) is the question's problem, not the site's (issue 14, point 4).

The local site serves the real samples (tests/app/check_site.py) and answers 404 for any other address,
as the chambers' sites do for a number they do not have: `AN 17-99999` (a mistyped number) and the
Sénat's real question SEQ181007406 before its page is served (a question not online yet). Nothing here
is written as a page: the 404 is the server's own answer to an address it does not serve.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import time_machine

from bot.app.config import load_config
from bot.app.doctor import source_checks
from bot.app.settings import http_settings, source_settings
from bot.core.deadlines import PARIS
from bot.notify.wording import MISSING_REASON
from bot.service.jobs import check_job
from bot.web.app import create_app
from scrapers.http import PoliteClient
from scrapers.refs import parse_ref
from tests.app import check_site
from tests.app.check_site import AN_PATH, SENAT_UID, XML_PATH, Site, at, check_json, relance
from tests.conftest import ConfigFactory
from tests.senat_pages import page_from_text, page_text, page_url_path
from tests.smtp import Mailer

site = check_site.site

MISTYPED = "QANR5L17QE99999"  # `AN 17-99999`: the AN has no such question
MISTYPED_PATH = "/dyn/opendata/QANR5L17QE99999.json"
LATE = "SEQ181007406"  # a real Sénat question, whose page the site does not serve yet
LATE_PATH = page_url_path(LATE)
ADMIN = "admin@example.net"


@pytest.fixture
def config(make_config: ConfigFactory, site: Site, mailer: Mailer) -> Path:
    """The healthy AN question with the mistyped one beside it on the same source; the old AN site's
    question; and on the Sénat, only the question not online yet. An alarm after a single failed cycle."""
    return make_config(site=site.base_url, smtp_port=mailer.port, admin={"email": ADMIN, "failed_cycles": 1},
                       watch=["AN 17-5268", "AN 17-99999", "14-47351QE", LATE])


def status_rows(config: Path) -> dict[str, dict[str, Any]]:
    result = relance(config, "status", "--json")
    assert result.exit_code == 0, result.output
    return {row["ref"]: row for row in json.loads(result.stdout)}


def warning(ref: str, url: str) -> str:
    return f"relance: avertissement : {ref} : introuvable sur le site : vérifier la référence ({url})"


def test_missing_questions_are_named_and_raise_no_alarm(config: Path, site: Site, mailer: Mailer) -> None:
    with time_machine.travel(at("2025-11-20"), tick=True):
        result = relance(config, "check", "--json")
    assert result.exit_code == 0, result.output  # the only problems are questions the sites do not have
    report = json.loads(result.stdout)
    assert report["errors"] == [] and report["checked"] == 2
    assert {m["ref"]: (m["source"], m["url"], m["reason"]) for m in report["missing"]} == {
        MISTYPED: ("an", site.base_url + MISTYPED_PATH, "introuvable sur le site : vérifier la référence"),
        LATE: ("senat", site.base_url + LATE_PATH, "introuvable sur le site : vérifier la référence")}
    assert all(m["error"].startswith("NotFound: ") and m["error"].endswith("HTTP 404") for m in report["missing"])
    assert warning(MISTYPED, site.base_url + MISTYPED_PATH) in result.stderr
    assert warning(LATE, site.base_url + LATE_PATH) in result.stderr
    assert "not read" not in result.stderr  # no source named as failing

    for day in ("2025-11-21", "2025-11-22"):  # read again each day, still missing
        with time_machine.travel(at(day), tick=True):
            text = relance(config, "check")
        assert text.exit_code == 0, text.output
        assert text.stdout.startswith("vérifiées 0, modifiées 0, événements 0, erreurs 0")
        assert warning(MISTYPED, site.base_url + MISTYPED_PATH) in text.stderr and "admin :" not in text.stdout
    assert site.requests_to(MISTYPED_PATH) == site.requests_to(LATE_PATH) == 3
    assert mailer.inbox.messages == []  # an alarm after one failed cycle, and none was raised
    with sqlite3.connect(config.parent / "relance.db") as conn:
        assert conn.execute("SELECT count(*) FROM alarms").fetchone()[0] == 0
        assert conn.execute("SELECT DISTINCT outcome FROM polls WHERE ref = ?", [MISTYPED]).fetchall() == [
            ("missing",)]

    with time_machine.travel(at("2025-11-22", 12), tick=True):
        rows = status_rows(config)
        table = relance(config, "status")
    assert {ref: row["missing"] for ref, row in rows.items()} == {
        "QANR5L17QE5268": False, MISTYPED: True, "QANR5L14QE47351": False, LATE: True}
    assert rows[MISTYPED]["status"] == "unknown" and rows[MISTYPED]["last_error"].endswith("HTTP 404")
    assert "en échec" not in table.stdout  # no source shown as failing, not even the Sénat and its only question
    assert "Sénat : dernière lecture réussie jamais" in table.stdout
    # Never read: the state column says only that the site does not have it; the lines under the table
    # name each question by its label, as the table does.
    assert [line.split()[-2] for line in table.stdout.splitlines() if line.startswith("AN 17-99999  ")] == [
        "introuvable"]
    assert "AN 17-99999 : introuvable sur le site : vérifier la référence" in table.stdout
    assert "Sénat 7406 (2018-10) : introuvable sur le site : vérifier la référence" in table.stdout


def test_a_missing_question_is_read_again_a_day_later(config: Path, site: Site) -> None:
    with time_machine.travel(at("2025-11-20", 10), tick=True):
        assert [m["ref"] for m in check_json(config)["missing"]] == [MISTYPED, LATE]
    with time_machine.travel(at("2025-11-20", 18), tick=True):
        later = check_json(config)
    assert later["missing"] == [] and later["skipped"] == 4  # the two answered ones, and the two missing
    with time_machine.travel(at("2025-11-21", 9), tick=True):  # 23 hours on: not yet
        assert check_json(config)["missing"] == []
    assert site.requests_to(MISTYPED_PATH) == site.requests_to(LATE_PATH) == 1
    with time_machine.travel(at("2025-11-21", 10), tick=True):  # a day on, in the same hour's cycle
        assert [m["ref"] for m in check_json(config)["missing"]] == [MISTYPED, LATE]
    assert site.requests_to(MISTYPED_PATH) == site.requests_to(LATE_PATH) == 2

    site.serve(LATE_PATH, page_from_text(page_text(LATE)), "text/html")  # the Sénat publishes it
    with time_machine.travel(at("2025-11-21", 18), tick=True):  # still within the day: not read
        assert check_json(config)["checked"] == 0
    with time_machine.travel(at("2025-11-22", 10), tick=True):
        report = check_json(config)
        rows = status_rows(config)
    assert report["checked"] == 1 and [m["ref"] for m in report["missing"]] == [MISTYPED]
    assert [e["kind"] for e in report["events"] if e["ref"] == LATE][:1] == ["published"]
    assert rows[LATE]["missing"] is False and rows[LATE]["last_error"] is None and rows[LATE]["status"] == "answered"
    assert rows[MISTYPED]["missing"] is True


def test_a_failing_source_still_fails_beside_a_missing_question(config: Path, site: Site, mailer: Mailer) -> None:
    site.serve(AN_PATH, b"Internal Server Error", "text/plain", status=500)
    with time_machine.travel(at("2025-11-20"), tick=True):
        result = relance(config, "check")
    assert result.exit_code == 2
    assert "Assemblée nationale (open data) : 1 question non lue (QANR5L17QE5268) : HttpStatusError" in result.stderr
    assert warning(MISTYPED, site.base_url + MISTYPED_PATH) in result.stderr
    assert "admin : relance : Assemblée nationale (open data) en échec depuis 1 cycle" in result.stdout
    assert [str(m["Subject"]) for m in mailer.inbox.to(ADMIN)] == [
        "relance : Assemblée nationale (open data) en échec depuis 1 cycle"]


def test_show_names_the_reason(config: Path) -> None:
    with time_machine.travel(at("2025-11-20"), tick=True):
        check_json(config)
        show = relance(config, "show", "AN 17-99999")
    assert show.exit_code == 0, show.output
    assert "Dernière lecture : introuvable sur le site : vérifier la référence (NotFound: " in show.stdout
    assert "  introuvable 404  NotFound: " in show.stdout  # the poll's outcome, in the recent reads


def test_the_web_marks_it(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RELANCE_SECRET", "s" * 40)
    with time_machine.travel(at("2025-11-20"), tick=True):
        check_json(config)
        client = create_app(config).test_client()
        listing = client.get("/questions").get_data(as_text=True)
        question = client.get(f"/questions/{MISTYPED}").get_data(as_text=True)
        healthy = client.get("/questions/QANR5L17QE5268").get_data(as_text=True)
        api = client.get(f"/api/questions/{MISTYPED}").get_json()
    assert listing.count(f"({MISSING_REASON})") == 2
    assert f"{MISSING_REASON} (NotFound: " in question
    assert MISSING_REASON not in healthy
    assert api["missing"] is True and api["status"] == "unknown"


def test_doctor_judges_the_site_by_a_known_question(config: Path) -> None:
    """The first AN question watched is missing: the AN's known question tells whether the site works."""
    loaded = load_config(config)
    with PoliteClient(http_settings(loaded)) as client:
        checks = source_checks(source_settings(loaded), [parse_ref("AN 17-99999"), parse_ref("14-47351QE")],
                               client)
    an = next(c for c in checks if c.name == "source AN (open data)")
    assert an.ok, an
    assert "QANR5L17QE5268" in an.detail
    assert f"{MISTYPED} : introuvable sur le site : vérifier la référence" in an.detail
    legacy = next(c for c in checks if c.name == "source AN (ancien site)")
    assert legacy.ok and "introuvable" not in legacy.detail


def test_doctor_still_fails_when_the_known_question_is_missing_too(config: Path, site: Site) -> None:
    """A site answering 404 for every question (a wrong base URL) is the site's problem."""
    del site.pages[AN_PATH]
    loaded = load_config(config)
    with PoliteClient(http_settings(loaded)) as client:
        checks = source_checks(source_settings(loaded), [parse_ref("AN 17-99999")], client)
    an = next(c for c in checks if c.name == "source AN (open data)")
    assert not an.ok and an.detail.startswith("QANR5L17QE5268 : ") and "introuvable sur le site (HTTP 404)" in an.detail
    assert f"{MISTYPED} : introuvable" in an.detail and "[sources.an] base_url" in (an.fix or "")


# --- relance add -------------------------------------------------------------------------------


@pytest.fixture
def empty_config(make_config: ConfigFactory, site: Site) -> Path:
    return make_config(site=site.base_url, http={"retries": 2, "backoff_max": 0.05})


def test_add_warns_when_the_site_does_not_have_it_and_still_adds(empty_config: Path, site: Site) -> None:
    result = relance(empty_config, "add", "AN 17-99999", "--tag", "typo")
    assert result.exit_code == 0, result.output
    assert f"{MISTYPED} ajoutée à {empty_config}" in result.stdout
    assert (f"relance: avertissement : {MISTYPED} : introuvable sur le site : vérifier la référence ; elle est suivie "
            "quand même") in result.stderr
    assert f'ref = "{MISTYPED}"' in empty_config.read_text(encoding="utf-8")
    assert site.requests_to(MISTYPED_PATH) == 1  # one read, never retried
    assert not (empty_config.parent / "relance.db").exists()  # nothing stored: `check` reads it on its own


def test_add_says_nothing_more_when_the_question_is_there(empty_config: Path, site: Site) -> None:
    result = relance(empty_config, "add", SENAT_UID)
    assert result.exit_code == 0 and result.stderr == ""
    assert site.requests_to(page_url_path(SENAT_UID)) == 1


def test_add_blames_the_site_not_the_question_when_it_fails(empty_config: Path, site: Site) -> None:
    site.serve(XML_PATH, b"Internal Server Error", "text/plain", status=500)
    result = relance(empty_config, "add", "14-47351QE")
    assert result.exit_code == 0 and "QANR5L14QE47351 ajoutée à" in result.stdout
    assert "QANR5L14QE47351 : le site n'a pas pu être lu (HttpStatusError: " in result.stderr
    assert "introuvable" not in result.stderr
    assert site.requests_to(XML_PATH) == 1


def test_add_on_an_unreachable_site(make_config: ConfigFactory) -> None:
    config = make_config(site="http://127.0.0.1:9")  # the discard port: nothing listens there
    result = relance(config, "add", "AN 17-99999")
    assert result.exit_code == 0 and f"{MISTYPED} ajoutée à" in result.stdout
    assert f"{MISTYPED} : le site n'a pas pu être lu (TransportError: " in result.stderr
    assert "introuvable" not in result.stderr


def test_the_scheduler_check_job_logs_it_as_the_questions_problem(config: Path, site: Site,
                                                                 caplog: pytest.LogCaptureFixture,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RELANCE_SECRET", "s" * 40)
    caplog.set_level(logging.INFO, logger="relance")
    with time_machine.travel(at("2025-11-20"), tick=True):
        report = check_job(load_config(config), config.parent / "relance.db", now=lambda: datetime.now(PARIS))
    assert report is not None and report.ok and [m.ref for m in report.missing] == [MISTYPED, LATE]
    fields = {r.getMessage(): r.__dict__["relance_fields"] for r in caplog.records if "relance_fields" in r.__dict__}
    assert "notify_failed" not in fields and "job_failed" not in fields
    assert "source_failed" not in fields and "admin_notice" not in fields
    missing = [r.__dict__["relance_fields"] for r in caplog.records if r.getMessage() == "question_missing"]
    assert [(m["ref"], m["source"], m["url"]) for m in missing] == [
        (MISTYPED, "an", site.base_url + MISTYPED_PATH), (LATE, "senat", site.base_url + LATE_PATH)]
    assert fields["cycle_done"]["errors"] == 0
