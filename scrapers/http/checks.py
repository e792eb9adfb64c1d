"""Cheap checks that turn error pages served with a success status (RULES.md §3) into `ErrorPage`s:
a server-error page, an empty or truncated body, HTML where data was expected. Pure functions."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from types import MappingProxyType

from scrapers.http.exceptions import ErrorPage, ErrorPageKind
from scrapers.http.settings import DownloadExpect, Expect

HEAD_BYTES = 4096  # the error markers sit at the top of a page; no need to scan megabytes of data
_BOM = b"\xef\xbb\xbf"
# A title "503 Service Unavailable" or "Error 503", an <h1> "Error 503", a bare "Error 503" text.
# A bare number is not enough: a Sénat question may well be titled "500 000 logements vacants".
_STATUS_PHRASE = rb"5\d\d\s*[-:]?\s*(?:service|internal|bad\s+gateway|gateway|backend|server|error)"
_SERVER_ERROR_MARKERS = tuple(re.compile(pattern, re.IGNORECASE) for pattern in (
    rb"<title[^>]*>\s*(?:(?:error|erreur)\s*5\d\d\b|" + _STATUS_PHRASE + rb")",
    rb"<h1[^>]*>\s*(?:error|erreur)\s*5\d\d\b",
    rb"\A(?:error|erreur)\s*5\d\d\b",
))
_HTML_MARKER = re.compile(rb"\A<(?:!doctype\s+html|html|head|body|title)\b", re.IGNORECASE)
_HTML_END = re.compile(rb"</html\s*>", re.IGNORECASE)
# Prolog items an XML document may start with before its root element.
_XML_PROLOG = re.compile(rb"\A(?:\s|<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>)*", re.DOTALL)
_XML_ROOT = re.compile(rb"<([A-Za-z_][\w.:-]*)[^>]*?(/?)>")


_Problem = tuple[ErrorPageKind, str]


def _looks_like_html(head: bytes) -> bool:
    return bool(_HTML_MARKER.match(head))


def _check_length(body_size: int, declared: str | None) -> str | None:
    if declared is None or not declared.strip().isdigit():
        return None
    expected = int(declared)
    if body_size < expected:
        return f"body shorter than its Content-Length: {body_size} of {expected} bytes"
    return None


_NON_SPACE = re.compile(rb"\S")


def _last_bytes(content: bytes) -> bytes:
    """The last `HEAD_BYTES` bytes before any trailing white space, without copying the whole body."""
    end = len(content)
    while end > 0:
        start = max(0, end - HEAD_BYTES)
        kept = len(content[start:end].rstrip())
        if kept:
            stop = start + kept
            return content[max(0, stop - HEAD_BYTES):stop]
        end = start
    return b""


# Each check sees the body's first and last few KB, stripped of white space (and of a BOM at the
# start), so that a bulk file of hundreds of MB costs no more than a question's page.


def _check_json(head: bytes, tail: bytes) -> _Problem | None:
    if _looks_like_html(head):
        return "unexpected_type", "HTML where JSON was expected"
    if head[:1] not in (b"{", b"["):
        return "unexpected_type", f"not JSON: starts with {head[:20]!r}"
    if tail[-1:] not in (b"}", b"]"):
        return "truncated", f"JSON cut short: ends with {tail[-20:]!r}"
    return None


def _check_xml(head: bytes, tail: bytes) -> _Problem | None:
    if _looks_like_html(head):
        return "unexpected_type", "HTML where XML was expected"
    prolog = _XML_PROLOG.match(head)
    root = _XML_ROOT.match(head, prolog.end() if prolog else 0)
    if root is None:
        return "unexpected_type", f"not XML: starts with {head[:20]!r}"
    name = root.group(1)
    if name.lower() == b"html":
        return "unexpected_type", "HTML where XML was expected"
    if root.group(2) == b"/" and tail.endswith(b"/>"):
        return None  # the whole document is one empty root element
    if not re.search(rb"</" + re.escape(name) + rb"\s*>\Z", tail):
        return "truncated", f"XML cut short: no closing </{name.decode('ascii', 'replace')}>"
    return None


def _check_html(head: bytes, tail: bytes) -> _Problem | None:
    # Near the end rather than at it: some servers append a comment or a script after </html>.
    if not _HTML_END.search(tail[-1024:]):
        return "truncated", "HTML cut short: no </html> at its end"
    return None


def _check_csv(head: bytes, tail: bytes) -> _Problem | None:
    if _looks_like_html(head):
        return "unexpected_type", "HTML where CSV was expected"
    return None


def _check_zip(head: bytes, tail: bytes) -> _Problem | None:
    if _looks_like_html(head):
        return "unexpected_type", "HTML where a zip archive was expected"
    if not head.startswith(b"PK"):
        return "unexpected_type", f"not a zip archive: starts with {head[:20]!r}"
    return None


def _check_any(head: bytes, tail: bytes) -> _Problem | None:
    return None


_CHECKS: Mapping[Expect, Callable[[bytes, bytes], _Problem | None]] = MappingProxyType({
    "json": _check_json,
    "xml": _check_xml,
    "html": _check_html,
    "csv": _check_csv,
    "zip": _check_zip,
    "any": _check_any,
})


def check_body(url: str, expect: Expect, content: bytes, *, received: int | None = None,
               content_length: str | None = None) -> None:
    """Raise `ErrorPage` when `content`, served with a success status, is not data of the kind
    expected. `received` is the size on the wire (before decompression), compared with the
    declared `content_length`. Cheap checks only: the parsers do the real reading."""
    short = _check_length(len(content) if received is None else received, content_length)
    if short:
        raise ErrorPage(url, short, "truncated")
    first = _NON_SPACE.search(content, len(_BOM) if content.startswith(_BOM) else 0)
    if first is None:
        raise ErrorPage(url, "empty body", "empty")
    _check_kind(url, expect, content[first.start():first.start() + HEAD_BYTES], _last_bytes(content))


def _check_kind(url: str, expect: Expect, head: bytes, tail: bytes) -> None:
    for marker in _SERVER_ERROR_MARKERS:
        found = marker.search(head)
        if found:
            raise ErrorPage(url, f"server error page: {found.group(0)[:60]!r}", "server_error")
    problem = _CHECKS[expect](head, tail)
    if problem:
        raise ErrorPage(url, problem[1], problem[0])


def check_head(url: str, expect: DownloadExpect, head: bytes) -> None:
    """`check_body` for the first bytes of a body being streamed to disk (the kinds it takes need no
    more): an error page served with a success status is refused before it is written anywhere."""
    first = _NON_SPACE.search(head, len(_BOM) if head.startswith(_BOM) else 0)
    if first is not None:  # only white space so far: the length checks at the end will tell
        start = head[first.start():first.start() + HEAD_BYTES]
        _check_kind(url, expect, start, start)
