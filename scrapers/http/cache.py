"""The persistent conditional-GET cache: a validated body kept on disk with its ETag or
Last-Modified, so that the next fetch of its URL can be answered by a 304."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

log = logging.getLogger(__name__)

_CACHE_MAGIC = b"relance-http-cache 1\n"
# Headers that describe the transfer, not the representation: never stored or merged.
TRANSFER_HEADERS = frozenset({
    "connection", "content-encoding", "content-length", "keep-alive", "transfer-encoding",
})


@dataclass(frozen=True, slots=True)
class CacheEntry:
    url: str
    content: bytes
    charset: str | None
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")


class DiskCache:
    """One file per URL under `root/<2 hex>/<sha256 of the URL>`: the magic line, one line of JSON
    metadata (URL, charset, headers, body length and sha256), then the body. One file per entry so
    that `os.replace` swaps it atomically; the digest lets a torn or edited file be detected and
    ignored."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, url: str) -> Path:
        key = hashlib.sha256(url.encode("utf-8")).hexdigest()
        return self.root / key[:2] / key

    def load(self, url: str) -> CacheEntry | None:
        path = self._path(url)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as error:
            log.warning("http cache: cannot read %s (%s); fetching afresh", path, error)
            return None
        entry = self._decode(url, raw)
        if entry is None:
            log.warning("http cache: ignoring corrupt entry %s for %s", path, url)
        return entry

    @staticmethod
    def _decode(url: str, raw: bytes) -> CacheEntry | None:
        if not raw.startswith(_CACHE_MAGIC):
            return None
        meta_line, newline, content = raw[len(_CACHE_MAGIC):].partition(b"\n")
        try:
            meta: object = json.loads(meta_line)
        except ValueError:  # not JSON, or not UTF-8
            return None
        if not newline or not isinstance(meta, dict):
            return None
        charset, headers = meta.get("charset"), meta.get("headers")
        intact = (meta.get("url") == url and meta.get("length") == len(content)
                  and meta.get("sha256") == hashlib.sha256(content).hexdigest())
        if not intact or not (charset is None or isinstance(charset, str)):
            return None
        if not isinstance(headers, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in headers.items()):
            return None
        return CacheEntry(url, content, charset, MappingProxyType(headers))

    def store(self, entry: CacheEntry) -> None:
        """Write atomically; a failure is logged, never raised: the fetch itself succeeded."""
        path = self._path(entry.url)
        meta = {"url": entry.url, "charset": entry.charset, "headers": dict(entry.headers),
                "length": len(entry.content), "sha256": hashlib.sha256(entry.content).hexdigest()}
        data = _CACHE_MAGIC + json.dumps(meta).encode("utf-8") + b"\n" + entry.content
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            try:
                # No fsync: an entry lost or torn by a power cut fails its sha256 check and costs
                # one full download, while an fsync per question doubled the cost of a cycle.
                with os.fdopen(handle, "wb") as out:
                    out.write(data)
                os.replace(temp, path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temp)
                raise
        except OSError as error:
            log.warning("http cache: cannot write %s for %s (%s)", path, entry.url, error)


def conditional_headers(cached: CacheEntry | None) -> dict[str, str]:
    """The If-None-Match and If-Modified-Since that ask whether `cached` is still current."""
    headers: dict[str, str] = {}
    if cached is not None:
        if cached.etag:
            headers["If-None-Match"] = cached.etag
        if cached.last_modified:
            headers["If-Modified-Since"] = cached.last_modified
    return headers


def revalidated_headers(cached: CacheEntry, fresh: Mapping[str, str]) -> dict[str, str]:
    """The cached copy's headers updated with those of the 304 that confirmed it."""
    headers = dict(cached.headers)
    headers.update((k, v) for k, v in fresh.items() if k not in TRANSFER_HEADERS)
    return headers


def storable_headers(headers: Mapping[str, str]) -> dict[str, str] | None:
    """The headers to keep with a body, or None when it has no validator (ETag or Last-Modified):
    then there is nothing to revalidate with, so nothing is kept."""
    kept = {k: v for k, v in headers.items() if k not in TRANSFER_HEADERS}
    return kept if "etag" in kept or "last-modified" in kept else None
