"""Politeness in real time: the pace per host and the concurrency limit.

Start times are taken on the client's side, as each request is handed to the wire (`SendTimes`),
not at the server: what the client promises is never to *start* two requests to one host less than
`min_interval` apart, and an arrival time at the server adds its threads' scheduling delays, which
a loaded machine stretches unevenly. `TOLERANCE` covers only the few instructions between the
client's pacing clock and the send. The fixtures (`site`, a threaded server on 127.0.0.1, and
`make_client`) are in tests/scrapers/conftest.py.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from scrapers.http import PoliteClient
from tests.scrapers.http_site import JSON, Noting, SendTimes, json_reply, replies

TOLERANCE = 0.01


def gaps(times: list[float]) -> list[float]:
    return [later - earlier for earlier, later in itertools.pairwise(sorted(times))]


def concurrency_handler(in_flight: list[int], peak: list[int], pause: float = 0.0
                        ) -> Callable[[Request], Response]:
    """Counts the requests being served at once: the server is where "at once" is seen."""
    lock = threading.Lock()

    def handler(request: Request) -> Response:
        with lock:
            in_flight[0] += 1
            peak[0] = max(peak[0], in_flight[0])
        time.sleep(pause)
        with lock:
            in_flight[0] -= 1
        return Response(JSON)

    return handler


def run_in_threads(count: int, job: Callable[[int], object]) -> None:
    errors: list[BaseException] = []

    def run(n: int) -> None:
        try:
            job(n)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert errors == []


def test_same_host_requests_start_min_interval_apart_across_threads(
        site: HTTPServer, make_client: Callable[..., PoliteClient]) -> None:
    sent = SendTimes()
    site.expect_request("/q.json").respond_with_handler(replies(json_reply()))
    client = make_client(real_sleep=True, min_interval=0.2, max_concurrency=4, transport=Noting(sent))
    run_in_threads(4, lambda n: client.get(site.url_for("/q.json")))
    between = gaps(sent.times())
    assert len(between) == 3
    assert min(between) >= 0.2 - TOLERANCE, [round(g, 4) for g in between]


def test_retries_respect_min_interval(site: HTTPServer,
                                      make_client: Callable[..., PoliteClient]) -> None:
    sent = SendTimes()
    site.expect_request("/q.json").respond_with_handler(replies((503, b"", {}), json_reply()))
    make_client(real_sleep=True, min_interval=0.2, backoff_base=0.001,
                transport=Noting(sent)).get(site.url_for("/q.json"))
    first, second = sent.times()
    assert second - first >= 0.2 - TOLERANCE


def test_different_hosts_are_not_paced_against_each_other(
        site: HTTPServer, make_client: Callable[..., PoliteClient]) -> None:
    sent = SendTimes()
    site.expect_request("/q.json").respond_with_handler(replies(json_reply()))
    client = make_client(real_sleep=True, min_interval=0.6, transport=Noting(sent))
    by_ip = site.url_for("/q.json")
    by_name = by_ip.replace("127.0.0.1", "localhost")
    client.get(by_ip)
    client.get(by_name)  # another host name: no wait
    client.get(by_ip)  # the first host again: waits for its interval
    (first, again), (other,) = sent.times("127.0.0.1"), sent.times("localhost")
    assert other - first < 0.3  # the round trip of the first request, not the 0.6 s interval
    assert again - first >= 0.6 - TOLERANCE


def test_max_concurrency_is_respected(site: HTTPServer,
                                      make_client: Callable[..., PoliteClient]) -> None:
    in_flight, peak = [0], [0]
    site.expect_request("/q.json").respond_with_handler(concurrency_handler(in_flight, peak, pause=0.15))
    client = make_client(real_sleep=True, max_concurrency=2)
    run_in_threads(6, lambda n: client.get(site.url_for("/q.json")))
    assert peak[0] == 2  # never more, and the server did serve two at once
