"""The HTTP client against a hostile server on 127.0.0.1 (tests/scrapers/hostile_site.py): every body
is capped, decoded size included; every request has a total deadline and every question one with its
retries; a redirect leaves the site asked only for a site allowed. Time is measured on the client's
side with wide margins (the tests pass with busy CPUs beside them); memory with tracemalloc."""

from __future__ import annotations

import gzip
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from scrapers.http import PoliteClient, TransportError
from scrapers.http.exceptions import OffSiteRedirect, TooLarge
from tests.scrapers.hostile_site import (
    RECORD,
    HostileSite,
    elapsed,
    gzip_bomb,
    hostile_site,
    serve_big,
    serve_bomb,
    serve_drip,
    serve_endless,
    serve_json,
    serve_redirect,
)

MB = 1_000_000
Client = Callable[..., PoliteClient]


@pytest.fixture
def hostile() -> Iterator[HostileSite]:
    with hostile_site() as site:
        yield site


@pytest.fixture
def elsewhere() -> Iterator[HostileSite]:
    """Another site: the same address, another port (another origin)."""
    with hostile_site() as site:
        site.routes["/data.json"] = serve_json(RECORD)
        yield site


def peak_while(action: Callable[[], object]) -> tuple[int, BaseException | None]:
    """The peak of Python's allocations while `action` runs, and what it raised."""
    tracemalloc.start()
    try:
        _seconds, error = elapsed(action)
        return tracemalloc.get_traced_memory()[1], error
    finally:
        tracemalloc.stop()


# --- bodies: capped, decoded size included ---------------------------------------------------------

def test_a_body_larger_than_its_cap_is_refused_as_it_arrives(hostile: HostileSite, make_client: Client) -> None:
    hostile.routes["/big.json"] = serve_big(100 * MB)
    client = make_client(max_body=1 * MB, retries=2)
    peak, error = peak_while(lambda: client.get(hostile.url("/big.json"), expect="json"))
    assert isinstance(error, TooLarge) and "[http] max_body_mb" in str(error)
    assert peak < 8 * MB  # the cap and a few reads, never the 100 MB
    assert hostile.hits.count("/big.json") == 1  # never retried: it would be as large again


def test_an_endless_body_is_refused_at_its_cap(hostile: HostileSite, make_client: Client) -> None:
    hostile.routes["/endless.json"] = serve_endless(hostile)
    client = make_client(max_body=2 * MB)
    peak, error = peak_while(lambda: client.get(hostile.url("/endless.json"), expect="json"))
    assert isinstance(error, TooLarge)
    assert peak < 10 * MB


def test_a_gzip_bomb_is_refused_without_being_inflated(hostile: HostileSite, make_client: Client) -> None:
    bomb = gzip_bomb(1000)  # 1 GB of zeros in about 1 MB
    assert len(bomb) < 2 * MB
    hostile.routes["/bomb.json"] = serve_bomb(bomb)
    client = make_client(max_body=1 * MB)
    peak, error = peak_while(lambda: client.get(hostile.url("/bomb.json"), expect="json"))
    assert isinstance(error, TooLarge)
    assert peak < 8 * MB  # a 64 KB compressed read would be 64 MB inflated at once


def test_a_gzipped_record_under_the_cap_is_read(hostile: HostileSite, make_client: Client) -> None:
    hostile.routes["/q.json"] = serve_bomb(gzip.compress(RECORD))
    fetched = make_client(max_body=len(RECORD)).get(hostile.url("/q.json"), expect="json")
    assert fetched.content == RECORD


# --- time: a deadline per request, and per question with its retries ------------------------------

@pytest.mark.parametrize("headers_too", [False, True], ids=["body", "headers"])
def test_a_dripping_server_is_cut_off_at_the_requests_deadline(
        hostile: HostileSite, make_client: Client, headers_too: bool) -> None:
    hostile.routes["/drip.json"] = serve_drip(hostile, headers_too=headers_too, every=0.2)
    client = make_client(timeout=3.0, deadline=1.5, retries=0)
    seconds, error = elapsed(lambda: client.get(hostile.url("/drip.json"), expect="json"))
    assert isinstance(error, TransportError) and "deadline of 1.5s" in str(error)
    # Each byte comes well within the 3 s read timeout: only the deadline stops it (the whole record
    # would take more than 30 minutes).
    assert 1.4 < seconds < 6


def test_retries_end_at_the_questions_deadline(hostile: HostileSite, make_client: Client) -> None:
    hostile.routes["/drip.json"] = serve_drip(hostile, every=0.2)
    client = make_client(timeout=3.0, deadline=1.0, question_deadline=2.0, retries=5)
    seconds, error = elapsed(lambda: client.get(hostile.url("/drip.json"), expect="json"))
    assert isinstance(error, TransportError)
    # Six attempts of 1 s each without the question's deadline; at most three within it.
    assert seconds < 4.5
    assert hostile.hits.count("/drip.json") <= 3


# --- redirects: within the site asked, or to a site allowed --------------------------------------

def test_a_redirect_to_another_site_is_refused_naming_both(
        hostile: HostileSite, elsewhere: HostileSite, make_client: Client) -> None:
    target = elsewhere.url("/data.json")
    hostile.routes["/q.json"] = serve_redirect(target)
    with pytest.raises(OffSiteRedirect) as refused:
        make_client().get(hostile.url("/q.json"), expect="json")
    assert hostile.url("/q.json") in str(refused.value) and target in str(refused.value)
    assert elsewhere.hits == []  # its body was never asked for
    assert hostile.hits.count("/q.json") == 1  # not retried


def test_a_redirect_within_the_site_is_followed(hostile: HostileSite, make_client: Client) -> None:
    hostile.routes["/old.json"] = serve_redirect("/q.json", 301)
    hostile.routes["/q.json"] = serve_json(RECORD)
    fetched = make_client().get(hostile.url("/old.json"), expect="json")
    assert fetched.content == RECORD and fetched.url == hostile.url("/old.json")


def test_a_redirect_to_an_allowed_site_is_followed(
        hostile: HostileSite, elsewhere: HostileSite, make_client: Client) -> None:
    hostile.routes["/q.json"] = serve_redirect(elsewhere.url("/data.json"))
    client = make_client(redirect_sites=(f"http://127.0.0.1:{elsewhere.port}",))
    assert client.get(hostile.url("/q.json"), expect="json").content == RECORD


# --- downloads: the file's cap and the attempt's deadline ---------------------------------------------

def test_a_download_announced_larger_than_its_cap_writes_nothing(
        hostile: HostileSite, make_client: Client, tmp_path: Path) -> None:
    hostile.routes["/a.zip"] = serve_big(20 * MB)
    client = make_client(max_download=5 * MB)
    with pytest.raises(TooLarge, match=r"max_download_mb"):
        client.download(hostile.url("/a.zip"), tmp_path / "a.zip")
    assert not (tmp_path / "a.zip").exists() and not (tmp_path / "a.zip.part").exists()


def test_a_download_larger_than_announced_stops_at_its_cap(
        hostile: HostileSite, make_client: Client, tmp_path: Path) -> None:
    hostile.routes["/a.zip"] = serve_big(20 * MB, silent=True)  # no length: ends when the server closes
    client = make_client(max_download=5 * MB)
    with pytest.raises(TooLarge):
        client.download(hostile.url("/a.zip"), tmp_path / "a.zip")
    assert not (tmp_path / "a.zip").exists()
    assert (tmp_path / "a.zip.part").stat().st_size <= 5 * MB
