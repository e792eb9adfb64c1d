"""The polite HTTP client against a real HTTP server on 127.0.0.1: what every request carries and
what a fetch returns.

The fixtures (`site`, a threaded server on 127.0.0.1, and `make_client`) are in tests/scrapers/conftest.py.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pytest_httpserver import HTTPServer

from scrapers.http import (
    FetchError,
    HttpSettings,
    PoliteClient,
)
from tests.scrapers.http_site import (
    JSON,
    UA,
    json_reply,
    replies,
    requests_seen,
)

# --- what every request carries --------------------------------------------------------------


def test_user_agent_accept_and_result(site: HTTPServer, make_client: Callable[..., PoliteClient]
                                      ) -> None:
    site.expect_request("/q.json", headers={"User-Agent": UA}).respond_with_handler(
        replies(json_reply(**{"X-Served-By": "test"})))
    fetched = make_client().get(site.url_for("/q.json"), expect="json")
    assert fetched.content == JSON
    assert fetched.status == 200
    assert fetched.charset == "utf-8"
    assert fetched.headers["x-served-by"] == "test"
    assert fetched.headers["content-type"] == "application/json; charset=utf-8"
    assert fetched.revalidated is False
    (request,) = requests_seen(site)
    assert request.headers["User-Agent"] == UA
    assert request.headers["Accept"] == "application/json"


def test_charset_is_none_without_one_in_content_type(
        site: HTTPServer, make_client: Callable[..., PoliteClient]) -> None:
    site.expect_request("/q.json").respond_with_handler(
        replies((200, JSON, {"Content-Type": "application/json"})))
    assert make_client().get(site.url_for("/q.json"), expect="json").charset is None


def test_redirect_is_followed_and_url_is_the_one_asked_for(
        site: HTTPServer, make_client: Callable[..., PoliteClient]) -> None:
    site.expect_request("/old").respond_with_handler(
        replies((301, b"", {"Location": site.url_for("/new")})))
    site.expect_request("/new", headers={"User-Agent": UA}).respond_with_handler(
        replies(json_reply()))
    fetched = make_client().get(site.url_for("/old"), expect="json")
    assert (fetched.url, fetched.content) == (site.url_for("/old"), JSON)


def test_settings_refuse_an_empty_user_agent() -> None:
    with pytest.raises(ValueError, match="user_agent"):
        HttpSettings(user_agent=" ")


def test_other_failures_are_fetch_errors(make_client: Callable[..., PoliteClient]) -> None:
    with pytest.raises(FetchError, match="unsupported address"):
        make_client().get("ftp://example.org/q.json")
