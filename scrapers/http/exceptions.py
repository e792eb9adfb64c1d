"""What a fetch raises: `FetchError` and its family, all `SourceFailed` (a site failed us, not the user)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from scrapers.errors import CannotRun, SourceFailed

ErrorPageKind = Literal["server_error", "empty", "truncated", "unexpected_type"]


def _one_line(text: str) -> str:
    return " ".join(text.split())


class FetchError(SourceFailed):
    """A fetch that gave no usable data. `url` is the address asked for."""

    def __init__(self, url: str, message: str) -> None:
        self.url = url
        self.message = _one_line(message)
        super().__init__(f"{url}: {self.message}")


class TransportError(FetchError):
    """The exchange itself failed: timeout, connection refused or reset, body cut short."""


class HttpStatusError(FetchError):
    """The server answered with an error status (after retries when it was retryable).
    `retry_after` is the server's Retry-After in seconds, when it sent one."""

    def __init__(self, url: str, status: int, message: str | None = None,
                 *, retry_after: float | None = None) -> None:
        self.status = status
        self.retry_after = retry_after
        super().__init__(url, message or f"HTTP {status}")


class NotFound(HttpStatusError):
    """404 or 410: the address names nothing (a wrong reference, or a question not yet online)."""


class RateLimited(HttpStatusError):
    """429, or a Retry-After longer than we are willing to wait; `retry_after` says how long the
    server asked for (None when it did not say)."""


class ErrorPage(FetchError):
    """A body served with a success status that is not data. `reason` says what was seen; `kind`
    is what retrying depends on."""

    def __init__(self, url: str, reason: str, kind: ErrorPageKind) -> None:
        self.reason = _one_line(reason)
        self.kind: ErrorPageKind = kind
        super().__init__(url, f"error page served as data: {self.reason}")


class TooLarge(FetchError):
    """A body larger than its cap, counted decoded (a gzip bomb is refused as it inflates). `what`
    names the setting that sets the cap. Never retried: the next attempt would be as large."""

    def __init__(self, url: str, limit: int, what: str) -> None:
        self.limit, self.what = limit, what
        size = f"{limit:,}" if isinstance(limit, int) else str(limit)  # an error's message never fails
        super().__init__(url, f"body larger than {size} bytes ({what}): refused, not read further")


class OffSiteRedirect(FetchError):
    """A redirect to another site than the one asked (scheme and host), not in `[http] redirect_sites`:
    its body is never read as the first site's data. Never retried."""

    def __init__(self, url: str, target: str) -> None:
        self.target = target
        super().__init__(url, f"redirected to another site, {target}: not followed "
                              "(allow it in [http] redirect_sites if it is the chamber's)")


class CannotWrite(CannotRun):
    """A download that cannot be written to disk (full, read-only, no permission): not the site's
    failure but the machine's, so exit 1. `path` is the file being written; `error` the OSError."""

    def __init__(self, url: str, path: Path, error: OSError) -> None:
        self.url, self.path, self.error = url, path, error
        super().__init__(f"{path}: cannot write the download of {url}: {getattr(error, 'strerror', None) or error}")
