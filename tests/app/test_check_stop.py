"""A check cycle asked to stop (the service's SIGTERM): the reads not started are left for the next
cycle, and a read already under way is waited for and recorded, however late the cycle's loop sees
the request to stop. Two real AN records on a local server; one reading thread."""

from __future__ import annotations

import threading
from datetime import datetime
from pathlib import Path

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from bot.app.check import CheckSettings, run_cycle
from bot.core.deadlines import PARIS
from scrapers.http import HttpSettings, PoliteClient
from scrapers.refs import parse_ref
from scrapers.sources import SourceSettings
from storage.db import open_db
from tests.an_variants import dump, qe_json
from tests.app.an_archives import set_number
from tests.conftest import sample_bytes

NOW = datetime(2025, 6, 10, 9, 0, tzinfo=PARIS)


def test_a_read_under_way_when_the_stop_comes_is_recorded_and_the_rest_is_left(tmp_path: Path,
                                                                                httpserver: HTTPServer) -> None:
    arrived, release = threading.Event(), threading.Event()
    second = qe_json()
    set_number(second, 5269)  # the real record renumbered
    bodies = {"/dyn/opendata/QANR5L17QE5268.json": sample_bytes("an/QANR5L17QE5268.json"),
              "/dyn/opendata/QANR5L17QE5269.json": dump(second)}

    def respond(request: Request) -> Response:
        arrived.set()
        release.wait(timeout=10)
        return Response(bodies[request.path], content_type="application/json")

    httpserver.expect_request("").respond_with_handler(respond)

    def should_stop() -> bool:
        # The stop is seen only once the first read is under way, then the read is let go on.
        arrived.wait(timeout=10)
        release.set()
        return True

    base = httpserver.url_for("").rstrip("/")
    db = open_db(tmp_path / "relance.db")
    http = HttpSettings(user_agent="relance-tests (tests@relance.test)", min_interval=0, retries=0,
                        max_concurrency=1)
    with PoliteClient(http) as client:
        report = run_cycle(db, client, SourceSettings(an_base_url=base),
                           [parse_ref("QANR5L17QE5268"), parse_ref("QANR5L17QE5269")], now=lambda: NOW,
                           settings=CheckSettings(workers=1), should_stop=should_stop)
    assert (report.checked, report.errors) == (1, [])
    assert [row["ref"] for row in db["questions"].rows] == ["QANR5L17QE5268"]
    assert [request.path for request, _ in httpserver.log] == ["/dyn/opendata/QANR5L17QE5268.json"]
