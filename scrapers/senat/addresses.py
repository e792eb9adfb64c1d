"""The addresses of senat.fr: a question's page, the question search, and the question a page
address names."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Sequence
from urllib.parse import urlencode, urlsplit

from scrapers.model import ParseError
from scrapers.refs import QuestionRef, RefError, parse_ref
from scrapers.senat.shared import SENAT_BASE_URL


def senat_page_url(ref: QuestionRef, base_url: str = SENAT_BASE_URL) -> str:
    """The senat.fr page of a Sénat written question: `…/questions/base/2022/qSEQ221103705.html`."""
    if ref.chamber != "senat" or ref.year is None:
        raise ValueError(f"{ref.label} is not a Sénat question")
    return f"{base_url.rstrip('/')}/questions/base/{ref.year}/q{ref.uid}.html"


def senat_search_url(base_url: str = SENAT_BASE_URL,
                     **params: str | int | Sequence[str | int]) -> str:
    """The address of the question search (`/basile/rechercheQuestion.do`) with `params` as its
    query; a sequence value repeats its key (`afd=["ppr", "ppl"]` → `afd=ppr&afd=ppl`)."""
    return f"{base_url.rstrip('/')}/basile/rechercheQuestion.do?{urlencode(params, doseq=True)}"


_PAGE_PATH = re.compile(r"/questions/base/\d{4}/(?P<id>q?SEQ\w{9,10})\.html")


def ref_from_url(url: str) -> QuestionRef:
    """The question a page address names; the page text itself never repeats its number.

    A senat.fr address, or any host serving the same `/questions/base/YYYY/qSEQ….html` path (a
    configured mirror or test server, see `senat_page_url`'s `base_url`).
    """
    ref: QuestionRef | None = None
    with contextlib.suppress(RefError, ValueError):
        parts = urlsplit(url)
        if parts.scheme in ("http", "https"):
            path = _PAGE_PATH.fullmatch(parts.path)
            ref = parse_ref(path["id"]) if path else parse_ref(url)
    if ref is None or ref.chamber != "senat":
        raise ParseError(url, "Sénat written-question id in the URL (…/qSEQyymmnnnnn.html)", url)
    return ref
