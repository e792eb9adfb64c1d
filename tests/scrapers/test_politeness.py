"""Politeness of a whole `relance check`: paced per site, both sites read at once, nothing extra asked.

One local server answers under two host names, 127.0.0.1 (the AN's open data) and localhost (the
Sénat), as two sites. The server records what it was asked and how many requests it served at once;
the client's transport records when each request was sent (`SendTimes`), which is what the pace
promises and, unlike an arrival time at the server, holds no delay of the server's threads, which a
loaded machine stretches unevenly. The questions are those of bench/cycle.py, derived from the real
samples by its documented transformation (renumbered copies of the real AN JSON, real Sénat page
texts served at other ids), through its own helpers. The server is the `site` of conftest.py.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from bench.cycle_site import Planned, build_bodies, plan_mix
from bot.main import main
from tests.conftest import SAMPLES, sample_path, write_config
from tests.scrapers.http_site import SendTimes

MIN_INTERVAL = 0.3
MAX_CONCURRENCY = 2
PER_HOST = 10
TOLERANCE = 0.01  # between the client's pacing clock and the send: a few instructions
HANDLING = 0.02  # each answer takes this long, so that requests in flight at once can be seen


def questions_per_chamber(count: int) -> tuple[list[Planned], list[Planned]]:
    """The first `count` AN and the first `count` Sénat questions of bench/cycle.py's mix."""
    mix = plan_mix(5 * count)  # one in five is a Sénat question
    an = [q for q in mix if q.kind.startswith("an-")][:count]
    senat = [q for q in mix if q.kind.startswith("senat:")][:count]
    assert len(an) == len(senat) == count
    return an, senat


@dataclass
class Arrivals:
    """What the server saw: (host, path) of each request and the peak of requests in flight; and
    when the client sent each one (`sent`)."""

    seen: list[tuple[str, str]] = field(default_factory=list)
    in_flight: int = 0
    peak: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    sent: SendTimes = field(default_factory=SendTimes)

    def span(self, host: str) -> float:
        times = self.sent.times(host)
        return times[-1] - times[0]


TwoSites = tuple[HTTPServer, Arrivals, list[Planned], list[Planned]]


@pytest.fixture
def two_sites(site: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[TwoSites]:
    sample_path("an/QANR5L17QE5268.json")  # skips (or fails under CI) without the samples
    an, senat = questions_per_chamber(PER_HOST)
    bodies = build_bodies(an + senat, SAMPLES)
    arrivals = Arrivals()

    def respond(request: Request) -> Response:
        with arrivals.lock:
            arrivals.seen.append((request.host.partition(":")[0], request.path))
            arrivals.in_flight += 1
            arrivals.peak = max(arrivals.peak, arrivals.in_flight)
        try:
            time.sleep(HANDLING)
            body, content_type = bodies.get(request.path, (b"Not Found", "text/plain"))
            return Response(body, status=200 if request.path in bodies else 404, content_type=content_type)
        finally:
            with arrivals.lock:
                arrivals.in_flight -= 1

    site.expect_request("").respond_with_handler(respond)
    # The check builds its own client: its transport, httpx's, notes each request as it is sent.
    send = httpx.HTTPTransport.handle_request

    def noted(transport: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
        arrivals.sent.note(request)
        return send(transport, request)

    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", noted)
    yield site, arrivals, an, senat


def check_json(config: Path) -> dict[str, Any]:
    """`relance --config CONFIG check --json`, in this process (so that the transport is watched)."""
    result = CliRunner().invoke(main, ["--config", str(config), "check", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def politeness_config(tmp_path: Path, port: int, watched: list[Planned]) -> Path:
    """The test config (tests/conftest.py) with the pace under test; the AN and the Sénat on two host
    names of the one local server."""
    return write_config(tmp_path / "config.toml",
                        http={"min_interval": MIN_INTERVAL, "max_concurrency": MAX_CONCURRENCY},
                        sources={"an": {"base_url": f"http://127.0.0.1:{port}"},
                                 "senat": {"base_url": f"http://localhost:{port}"}},
                        watch=[q.uid for q in watched])


def assert_paced(arrivals: Arrivals) -> None:
    assert len(arrivals.sent.sent) == len(arrivals.seen)
    for host in arrivals.sent.hosts():
        times = arrivals.sent.times(host)
        gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
        assert min(gaps, default=MIN_INTERVAL) >= MIN_INTERVAL - TOLERANCE, (host, [round(g, 3) for g in gaps])
    assert arrivals.peak <= MAX_CONCURRENCY


def assert_concurrent(arrivals: Arrivals) -> None:
    """The two sites were read side by side: the whole cycle took about as long as the slower site
    alone, not the sum of both (which is what one site after the other takes)."""
    overall = max(arrivals.sent.times()) - min(arrivals.sent.times())
    both = arrivals.span("127.0.0.1") + arrivals.span("localhost")
    assert overall < 0.75 * both, f"the cycle took {overall:.2f} s, one site after the other takes {both:.2f} s"


def test_one_cycle_is_paced_per_site_reads_both_sites_at_once_and_asks_nothing_extra(
        two_sites: TwoSites, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    server, arrivals, an, senat = two_sites
    monkeypatch.delenv("RELANCE_DB", raising=False)
    # A watchlist that mixes the chambers: AN, Sénat, AN, Sénat…
    watched = [q for pair in zip(an, senat, strict=True) for q in pair]
    config = politeness_config(tmp_path, server.port, watched)

    first = check_json(config)
    assert first["checked"] == 2 * PER_HOST and first["errors"] == []
    assert len(arrivals.seen) == 2 * PER_HOST  # one request per question due: no extra, no retry
    assert set(Counter(path for _, path in arrivals.seen).values()) == {1}
    assert_paced(arrivals)
    assert_concurrent(arrivals)

    # Second cycle: only the pending AN questions are due (answered and ended ones wait a week).
    pending = [q for q in an if q.kind == "an-pending"]
    arrivals.seen.clear()
    arrivals.sent.sent.clear()
    second = check_json(config)
    assert second["checked"] == len(pending) and second["skipped"] == 2 * PER_HOST - len(pending)
    assert sorted(path for _, path in arrivals.seen) == sorted(q.path for q in pending)
    assert_paced(arrivals)


def test_a_watchlist_grouped_by_chamber_still_reads_both_sites_at_once(
        two_sites: TwoSites, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    server, arrivals, an, senat = two_sites
    monkeypatch.delenv("RELANCE_DB", raising=False)
    config = politeness_config(tmp_path, server.port, an + senat)

    report = check_json(config)
    assert report["checked"] == 2 * PER_HOST and len(arrivals.seen) == 2 * PER_HOST
    assert_paced(arrivals)
    assert_concurrent(arrivals)
