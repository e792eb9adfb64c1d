"""How politely and patiently to fetch (`HttpSettings`), and what each kind of document asks for."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Literal

Expect = Literal["json", "xml", "html", "csv", "zip", "any"]
DownloadExpect = Literal["zip", "csv", "any"]  # kinds whose checks need only a body's first bytes

MAX_REDIRECTS = 5

ACCEPT: Mapping[Expect, str] = MappingProxyType({
    "json": "application/json",
    "xml": "application/xml, text/xml;q=0.9",
    "html": "text/html, application/xhtml+xml;q=0.9",
    "csv": "text/csv, text/plain;q=0.9",
    "zip": "application/zip, application/octet-stream;q=0.9, */*;q=0.1",
    "any": "*/*",
})


@dataclass(frozen=True, slots=True)
class HttpSettings:
    """How politely and patiently to fetch. Only `user_agent` is required."""

    user_agent: str
    timeout: float = 20.0
    max_concurrency: int = 2
    min_interval: float = 1.0
    retries: int = 3
    backoff_base: float = 1.0
    backoff_max: float = 60.0
    max_retry_after: float = 300.0
    cache_dir: Path | None = None
    # Bounds against a hostile or broken server (scrapers/http/bounds.py).
    max_body: int = 8_000_000  # bytes, decoded, of a page or a JSON read into memory
    max_file: int = 64_000_000  # bytes, decoded, of a bulk file read into memory (the Sénat's CSV)
    max_download: int = 1_000_000_000  # bytes of a file streamed to disk (an archive)
    deadline: float = 60.0  # seconds for one request: connect, every read, redirects
    question_deadline: float = 300.0  # seconds for one `get`, its retries and their waits included
    download_deadline: float = 3600.0  # seconds for one attempt of a download
    redirect_sites: tuple[str, ...] = ()  # other sites ("https://host") a redirect may lead to

    def __post_init__(self) -> None:
        problems = []
        if not self.user_agent.strip():
            problems.append("user_agent is empty: the sites must be able to tell who we are")
        if self.timeout <= 0:
            problems.append(f"timeout must be > 0, got {self.timeout}")
        if self.max_concurrency < 1:
            problems.append(f"max_concurrency must be >= 1, got {self.max_concurrency}")
        for name in ("min_interval", "retries", "backoff_base", "backoff_max", "max_retry_after"):
            if getattr(self, name) < 0:
                problems.append(f"{name} must be >= 0, got {getattr(self, name)}")
        for name in ("max_body", "max_file", "max_download", "deadline", "question_deadline", "download_deadline"):
            if getattr(self, name) <= 0:
                problems.append(f"{name} must be > 0, got {getattr(self, name)}")
        if problems:
            raise ValueError("HttpSettings: " + "; ".join(problems))
