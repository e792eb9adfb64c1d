"""The one `httpx.Client` behind `PoliteClient`: every request paced per host, bounded in time (a total
deadline) and size (a body cap, decoded), redirects followed only within the site asked (or to a site
of `redirect_sites`), httpx's exceptions turned into ours."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

import httpcore
import httpx

from scrapers.http.bounds import ACCEPT_ENCODING, Deadline, DeadlineBackend, deadline_of_thread, read_capped
from scrapers.http.exceptions import ErrorPage, FetchError, OffSiteRedirect, TransportError
from scrapers.http.pace import Pacer
from scrapers.http.settings import MAX_REDIRECTS, HttpSettings

_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True, slots=True)
class Received:
    """A response whose body was read whole (within its cap): `response` is closed, its status, headers
    and charset still there; `content` is the decoded body, `wire_bytes` what came over the network."""

    response: httpx.Response
    content: bytes
    wire_bytes: int


class Wire:
    """Paced, bounded GETs, whole or streamed; thread-safe."""

    def __init__(self, settings: HttpSettings, *, transport: httpx.BaseTransport | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self.monotonic = monotonic
        self.pacer = Pacer(settings.min_interval, settings.max_concurrency, sleep=sleep, monotonic=monotonic)
        limits = httpx.Limits(max_connections=settings.max_concurrency)
        self._client = httpx.Client(
            transport=transport or _deadline_transport(limits),
            timeout=settings.timeout,
            follow_redirects=False,  # followed by `_send`, which refuses another site
            headers={"User-Agent": settings.user_agent, "Accept-Encoding": ACCEPT_ENCODING},
            limits=limits,
        )
        self._sites = frozenset(origin for site in settings.redirect_sites if (origin := _origin(site)))

    def close(self) -> None:
        self._client.close()

    def get(self, url: str, headers: Mapping[str, str], *, deadline: Deadline | None = None,
            bulk: bool = False) -> Received:
        """One paced GET, its body read whole, at most `max_body` bytes decoded (`max_file` for a
        `bulk` file), within `deadline` (and the request's own `deadline` setting, whichever is sooner)."""
        limit, what = ((self.settings.max_file, "[http] max_file_mb") if bulk
                       else (self.settings.max_body, "[http] max_body_mb"))
        with self._open(url, headers, deadline, None) as response:
            content = read_capped(url, response.iter_raw(), response.headers.get("content-encoding"), limit, what)
            return Received(response, content, response.num_bytes_downloaded)

    @contextlib.contextmanager
    def stream(self, url: str, headers: Mapping[str, str], *, deadline: Deadline | None = None,
               seconds: float | None = None) -> Iterator[httpx.Response]:
        """One paced GET whose body is read by the block; the slot is held until the block ends. Every
        socket operation ends by the deadline: `seconds` after the slot is had (`deadline` setting by
        default), or `deadline`, whichever is sooner."""
        with self._open(url, headers, deadline, seconds) as response:
            yield response

    @contextlib.contextmanager
    def _open(self, url: str, headers: Mapping[str, str], deadline: Deadline | None,
              seconds: float | None) -> Iterator[httpx.Response]:
        with self.pacer.slot(host_of(url)):
            bound = Deadline.after(seconds or self.settings.deadline, self.monotonic).sooner(deadline)
            with deadline_of_thread(bound), self.errors(url, bound), self._send(url, headers) as response:
                yield response

    @contextlib.contextmanager
    def _send(self, url: str, headers: Mapping[str, str]) -> Iterator[httpx.Response]:
        request = self._client.build_request("GET", url, headers=headers)
        for _ in range(MAX_REDIRECTS + 1):
            response = self._client.send(request, stream=True)
            if response.next_request is None:
                break
            response.close()
            request = response.next_request
            if not self._allowed(url, str(request.url)):
                raise OffSiteRedirect(url, str(request.url))
        else:
            response.close()
            raise FetchError(url, f"more than {MAX_REDIRECTS} redirects")
        try:
            yield response
        finally:
            response.close()

    def _allowed(self, url: str, target: str) -> bool:
        """The same site (scheme and host), its move from http to https, or a site of `redirect_sites`."""
        asked, going = _origin(url), _origin(target)
        if going is None:
            return False
        upgrade = asked == ("http", going[1], 80) and going == ("https", going[1], 443)
        return going == asked or upgrade or going in self._sites

    @contextlib.contextmanager
    def errors(self, url: str, deadline: Deadline | None = None) -> Iterator[None]:
        """httpx's exceptions, raised by the block, become ours."""
        try:
            yield
        except httpx.UnsupportedProtocol as error:
            raise FetchError(url, f"unsupported address: {error}") from error
        except httpx.TimeoutException as error:
            if deadline is not None and deadline.remaining() <= 0:
                raise TransportError(url, f"no complete answer within the deadline of {deadline.seconds:g}s "
                                          "([http] deadline)") from error
            raise TransportError(
                url, f"{type(error).__name__} after {self.settings.timeout:g}s") from error
        except httpx.TransportError as error:
            raise TransportError(url, f"{type(error).__name__}: {error}") from error
        except httpx.DecodingError as error:
            # A compressed body that does not decompress was almost always cut short.
            raise ErrorPage(url, f"body does not decode: {error}", "truncated") from error
        except (httpx.HTTPError, httpx.InvalidURL) as error:
            raise FetchError(url, f"{type(error).__name__}: {error}") from error


def _deadline_transport(limits: httpx.Limits) -> httpx.HTTPTransport:
    """httpx's own transport, its sockets bounded by the calling thread's deadline. httpx offers no
    argument for a network backend, so it is set on the connection pool it builds (httpcore 1.x)."""
    transport = httpx.HTTPTransport(limits=limits)
    pool = transport._pool
    assert isinstance(pool, httpcore.ConnectionPool), "httpx's transport is no longer built on a ConnectionPool"
    pool._network_backend = DeadlineBackend(pool._network_backend)
    return transport


def _origin(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of `url`, the port made explicit; None when it is no http(s) address."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        return None
    scheme = parsed.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parsed.host:
        return None
    return scheme, parsed.host.lower(), parsed.port or _DEFAULT_PORTS[scheme]


def host_of(url: str) -> str:
    try:
        return httpx.URL(url).host.lower()
    except httpx.InvalidURL:
        return ""


def lower_headers(response: httpx.Response) -> dict[str, str]:
    return {key.lower(): value for key, value in response.headers.items()}
