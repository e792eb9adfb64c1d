"""The polite HTTP client: the only package of relance that imports httpx.

One module per job: `client` (`PoliteClient.get`: pace per host, retries, cache), `download`
(bulk files streamed to disk and resumed), `retry` (which failures are tried again, through
tenacity), `status` (what a status and its Retry-After mean), `checks` (error pages served with 200),
`cache` (the conditional-GET store), `pace` and `wire` (politeness and the httpx client),
`exceptions` (`FetchError` and its family), `bounds` (body caps and deadlines against hostile
servers) and `settings`.
"""

from scrapers.http.checks import check_body
from scrapers.http.client import Fetched, PoliteClient
from scrapers.http.download import Downloaded, Validators, partial_path
from scrapers.http.exceptions import (
    CannotWrite,
    ErrorPage,
    ErrorPageKind,
    FetchError,
    HttpStatusError,
    NotFound,
    OffSiteRedirect,
    RateLimited,
    TooLarge,
    TransportError,
)
from scrapers.http.settings import DownloadExpect, Expect, HttpSettings
from scrapers.http.status import parse_retry_after

__all__ = [
    "CannotWrite",
    "DownloadExpect",
    "Downloaded",
    "ErrorPage",
    "ErrorPageKind",
    "Expect",
    "FetchError",
    "Fetched",
    "HttpSettings",
    "HttpStatusError",
    "NotFound",
    "OffSiteRedirect",
    "PoliteClient",
    "RateLimited",
    "TooLarge",
    "TransportError",
    "Validators",
    "check_body",
    "parse_retry_after",
    "partial_path",
]
