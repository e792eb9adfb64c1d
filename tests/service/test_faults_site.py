"""Faults of the chambers' sites, end to end through the real CLI: slow, rate-limiting, failing and
lying sites. Each fault leaves the stored state as it was and records a failed poll; the next run
after the site recovers is fine."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
import time_machine
from werkzeug import Request, Response

from tests.app import check_site
from tests.app.check_site import AN_PATH, SENAT_UID, XML_PATH, Site, at, check_json, stored_snapshot
from tests.conftest import sample_bytes
from tests.scrapers.http_site import AN_ERROR_503
from tests.senat_pages import page_url_path
from tests.service import faults
from tests.service.faults import AN_REF, WAIT, Sent, event_count, pending, polls, rows, set_http

# Fixtures, registered here under these names: the three real questions on a local threaded `site`.
config = check_site.config
site = check_site.site
httpserver = faults.httpserver
sent = faults.sent


def test_a_timeout_records_an_error_keeps_the_state_and_the_next_run_is_fine(config: Path, site: Site) -> None:
    set_http(config, timeout=0.5, retries=1, backoff_max=0.05)
    site.serve(AN_PATH, pending(), "application/json")
    check_json(config)
    before = stored_snapshot(config, AN_REF)
    events = event_count(config)
    woken = threading.Event()

    def too_slow(request: Request) -> Response:
        woken.wait(WAIT)  # far beyond the 0.5 s timeout: only the client's timeout ends the wait
        return Response(pending(), content_type="application/json")

    for _ in range(2):  # the first attempt and its one retry
        site.server.expect_oneshot_request(AN_PATH).respond_with_handler(too_slow)
    try:
        started = time.monotonic()  # the cycle runs in this process: this is the client's clock
        report = check_json(config, expect_exit=2)
        elapsed = time.monotonic() - started
    finally:
        woken.set()
    # Uncut, one attempt alone would last WAIT; cut at 0.5 s, both take about a second, which even a
    # loaded machine keeps far under WAIT / 2.
    assert elapsed < WAIT / 2, f"the timeout did not cut the request short: {elapsed:.1f} s"
    [error] = report["errors"]
    assert error["ref"] == AN_REF and "TransportError" in error["error"] and "after 0.5s" in error["error"]
    assert stored_snapshot(config, AN_REF) == before and event_count(config) == events
    assert polls(config, AN_REF)[-1][0] == "error"

    report = check_json(config)  # the site is quick again
    assert report["checked"] == 1 and report["errors"] == [] and report["events"] == []
    assert polls(config, AN_REF)[-1] == ("unchanged", None)
    assert stored_snapshot(config, AN_REF) == before


def test_429_with_retry_after_is_waited_out_then_the_cycle_succeeds(config: Path, site: Site, sent: Sent) -> None:
    set_http(config, retries=1)
    site.server.expect_oneshot_request(AN_PATH).respond_with_data(
        "Too Many Requests", status=429, headers={"Retry-After": "1"})
    site.server.expect_oneshot_request(AN_PATH).respond_with_data(
        sample_bytes("an/QANR5L17QE5268.json"), content_type="application/json")
    report = check_json(config)
    assert report["errors"] == [] and [e["kind"] for e in report["events"] if e["ref"] == AN_REF] == ["published"]
    assert site.requests_to(AN_PATH) == 2
    # Measured where the client sends, not where the server receives (see `Sent`).
    first, second = sent.times(AN_PATH)
    waited = second - first
    assert 1.0 <= waited < 2.5, f"asked to wait 1 s, came back after {waited:.2f} s"


def test_500s_beyond_the_retries_then_200_give_one_published_event(config: Path, site: Site) -> None:
    set_http(config, retries=2, backoff_max=0.05)
    for _ in range(4):  # one more than a cycle's three attempts
        site.server.expect_oneshot_request(AN_PATH).respond_with_data("Internal Server Error", status=500)
    failed = check_json(config, expect_exit=2)
    assert [e["ref"] for e in failed["errors"]] == [AN_REF] and "HTTP 500" in failed["errors"][0]["error"]
    assert site.requests_to(AN_PATH) == 3 and stored_snapshot(config, AN_REF) is None

    recovered = check_json(config)  # the fourth 500, then the real record on the retry
    assert recovered["errors"] == [] and site.requests_to(AN_PATH) == 5
    assert [e["kind"] for e in recovered["events"] if e["ref"] == AN_REF] == ["published"]
    assert rows(config, "SELECT kind FROM events WHERE ref = ?", AN_REF) == [("published",)]
    assert [outcome for outcome, _ in polls(config, AN_REF)] == ["error", "changed"]


def test_truncated_json_served_with_200_stores_no_change(config: Path, site: Site) -> None:
    set_http(config, retries=3, backoff_max=0.05)
    site.serve(AN_PATH, pending(), "application/json")
    check_json(config)
    before = stored_snapshot(config, AN_REF)
    answered = sample_bytes("an/QANR5L17QE5268.json")
    site.serve(AN_PATH, answered[: len(answered) // 2], "application/json")  # the real answer, cut in half
    served = site.requests_to(AN_PATH)
    report = check_json(config, expect_exit=2)
    [error] = report["errors"]
    # The half ends inside a string ("…demande"): the client sees it is cut short before any parsing.
    assert "ErrorPage" in error["error"] and "JSON cut short" in error["error"]
    assert report["events"] == [] and stored_snapshot(config, AN_REF) == before
    # The first read, long after the pending question's deadline, told it late at once; nothing since.
    assert rows(config, "SELECT kind FROM events WHERE ref = ? ORDER BY id", AN_REF) == [("published",), ("overdue",)]
    assert polls(config, AN_REF)[-1][0] == "error"
    # A body cut short is retried once, not `retries` times.
    assert site.requests_to(AN_PATH) - served == 2


@pytest.mark.parametrize(("path", "ref"), [(XML_PATH, "QANR5L14QE47351"), (page_url_path(SENAT_UID), SENAT_UID)],
                         ids=["an-legacy-xml", "senat-page"])
def test_an_error_page_served_with_200_stores_no_change(config: Path, site: Site, path: str, ref: str) -> None:
    with time_machine.travel(at("2025-11-20"), tick=True):
        check_json(config)
    before = stored_snapshot(config, ref)
    assert before is not None
    site.serve(path, AN_ERROR_503, "text/html")
    with time_machine.travel(at("2025-11-28"), tick=True):  # a week later: the answered questions are due again
        report = check_json(config, expect_exit=2)
    [error] = report["errors"]
    assert error["ref"] == ref and "ErrorPage" in error["error"] and "Error 503" in error["error"]
    assert report["events"] == [] and stored_snapshot(config, ref) == before
    assert [outcome for outcome, _ in polls(config, ref)] == ["changed", "error"]


