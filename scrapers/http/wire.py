"""The one `httpx.Client` behind `PoliteClient`: every request paced per host, httpx's exceptions
turned into ours."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Mapping

import httpx

from scrapers.http.exceptions import ErrorPage, FetchError, TransportError
from scrapers.http.pace import Pacer
from scrapers.http.settings import MAX_REDIRECTS, HttpSettings


class Wire:
    """Paced GETs, whole or streamed; thread-safe."""

    def __init__(self, settings: HttpSettings, *, transport: httpx.BaseTransport | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self.pacer = Pacer(settings.min_interval, settings.max_concurrency, sleep=sleep, monotonic=monotonic)
        self._client = httpx.Client(
            transport=transport,
            timeout=settings.timeout,
            follow_redirects=True,
            max_redirects=MAX_REDIRECTS,
            headers={"User-Agent": settings.user_agent},
            limits=httpx.Limits(max_connections=settings.max_concurrency),
        )

    def close(self) -> None:
        self._client.close()

    def get(self, url: str, headers: Mapping[str, str]) -> httpx.Response:
        """One paced GET, body read in full."""
        with self.pacer.slot(host_of(url)), self.errors(url):
            return self._client.get(url, headers=headers)

    @contextlib.contextmanager
    def stream(self, url: str, headers: Mapping[str, str]) -> Iterator[httpx.Response]:
        """One paced GET whose body is read by the block; the slot is held until the block ends."""
        with (self.pacer.slot(host_of(url)), self.errors(url),
              self._client.stream("GET", url, headers=headers) as response):
            yield response

    @contextlib.contextmanager
    def errors(self, url: str) -> Iterator[None]:
        """httpx's exceptions, raised by the block, become ours."""
        try:
            yield
        except httpx.UnsupportedProtocol as error:
            raise FetchError(url, f"unsupported address: {error}") from error
        except httpx.TimeoutException as error:
            raise TransportError(
                url, f"{type(error).__name__} after {self.settings.timeout:g}s") from error
        except httpx.TransportError as error:
            raise TransportError(url, f"{type(error).__name__}: {error}") from error
        except httpx.DecodingError as error:
            # A compressed body that does not decompress was almost always cut short.
            raise ErrorPage(url, f"body does not decode: {error}", "truncated") from error
        except httpx.TooManyRedirects as error:
            raise FetchError(url, f"more than {MAX_REDIRECTS} redirects") from error
        except (httpx.HTTPError, httpx.InvalidURL) as error:
            raise FetchError(url, f"{type(error).__name__}: {error}") from error


def host_of(url: str) -> str:
    try:
        return httpx.URL(url).host.lower()
    except httpx.InvalidURL:
        return ""


def lower_headers(response: httpx.Response) -> dict[str, str]:
    return {key.lower(): value for key, value in response.headers.items()}
