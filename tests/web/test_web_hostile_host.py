"""A client chooses its Host header (and, behind the trusted proxy, X-Forwarded-Host): against the real
`relance serve`, over raw sockets, no redirect and no page ever names that host; the absolute links are
`[web] base_url`'s. Werkzeug builds its slash-merging redirect (`/tags//vsa` to `/tags/vsa`) from the
Host header: it now names base_url."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.web.hostile import Served, exchange, get, header, serving, status
from tests.web.seeded import AN, BASE

EVIL = "evil.example"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serving(tmp_path_factory.mktemp("host"), trusted_proxy="127.0.0.1") as server:
        yield server


def test_the_slash_merging_redirect_names_base_url_not_the_host(served: Served) -> None:
    raw = exchange(served, get("/tags//vsa", EVIL))
    assert status(raw) == 308
    assert header(raw, "Location") == f"{BASE}/tags/vsa"
    assert EVIL.encode() not in raw


def test_the_query_survives_the_slash_merging_redirect(served: Served) -> None:
    raw = exchange(served, get("/tags//vsa?page=1", EVIL))
    assert status(raw) == 308 and header(raw, "Location") == f"{BASE}/tags/vsa?page=1"


def test_behind_the_proxy_a_forwarded_host_is_not_believed_for_links(served: Served) -> None:
    raw = exchange(served, get("/tags//vsa", "127.0.0.1", f"X-Forwarded-Host: {EVIL}", "X-Forwarded-Proto: https"))
    assert status(raw) == 308 and header(raw, "Location") == f"{BASE}/tags/vsa"
    assert EVIL.encode() not in raw


def test_a_path_that_looks_like_another_host_is_no_redirect_to_it(served: Served) -> None:
    raw = exchange(served, get(f"//{EVIL}/questions", EVIL))
    location = header(raw, "Location")
    assert location is None or location.startswith(f"{BASE}/")
    assert status(raw) in (308, 404)


@pytest.mark.parametrize("path", ["/", "//questions", "/questions", f"/questions/{AN}", "/tags/vsa", "/abonnement",
                                  "/feeds/events.atom", "/api/questions", "/questions/nope"])
def test_no_page_names_the_host_it_was_asked_with(served: Served, path: str) -> None:
    raw = exchange(served, get(path, EVIL))
    assert status(raw) in (200, 404, 503)
    assert EVIL.encode() not in raw


def test_the_feed_links_to_itself_from_base_url(served: Served) -> None:
    raw = exchange(served, get("/feeds/events.atom", EVIL))
    assert status(raw) == 200 and f'href="{BASE}/feeds/events.atom"'.encode() in raw


def test_a_reference_redirect_stays_on_the_site(served: Served) -> None:
    raw = exchange(served, get("/questions/AN%2017-5268", EVIL))
    assert status(raw) == 301
    assert header(raw, "Location") in (f"/questions/{AN}", f"{BASE}/questions/{AN}")

