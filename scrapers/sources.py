"""Where each question is read from, and the fetch-then-parse step for one question.

The AN's open-data JSON serves legislatures 15 on; the older site's XML view serves 14 and before;
the Sénat serves one page per question. Base URLs are settings so tests can point at a local server.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from scrapers.an import (
    AN_BASE_URL,
    AN_LEGACY_BASE_URL,
    LAST_LEGACY_LEGISLATURE,
    an_json_url,
    an_xml_url,
    parse_an_json,
    parse_an_xml,
)
from scrapers.http import PoliteClient
from scrapers.model import ParseError, QuestionSnapshot, Status
from scrapers.refs import QuestionRef
from scrapers.senat import SENAT_BASE_URL, parse_senat_page, senat_page_url

Expect = Literal["json", "xml", "html"]


@dataclass(frozen=True, slots=True)
class SourceSettings:
    an_base_url: str = AN_BASE_URL
    an_legacy_base_url: str = AN_LEGACY_BASE_URL
    senat_base_url: str = SENAT_BASE_URL
    an_closure_codes: Mapping[str, Status] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Source:
    """The address of one question and the parser for what it serves."""

    name: Literal["an", "an-legacy", "senat"]
    url: str
    expect: Expect
    parse: Callable[[bytes, str, str | None], QuestionSnapshot]


def source_for(ref: QuestionRef, settings: SourceSettings) -> Source:
    if ref.chamber == "senat":
        return Source("senat", senat_page_url(ref, settings.senat_base_url), "html",
                      parse_senat_page)
    codes = settings.an_closure_codes
    if ref.legislature is not None and ref.legislature <= LAST_LEGACY_LEGISLATURE:
        return Source("an-legacy", an_xml_url(ref, settings.an_legacy_base_url), "xml",
                      lambda data, url, _charset: parse_an_xml(data, url, codes))
    return Source("an", an_json_url(ref, settings.an_base_url), "json",
                  lambda data, url, _charset: parse_an_json(data, url, codes))


@dataclass(frozen=True, slots=True)
class Reading:
    """One question read from its source: the snapshot and how the site answered."""

    snapshot: QuestionSnapshot
    source: str
    url: str
    http_status: int
    revalidated: bool


def read_question(ref: QuestionRef, client: PoliteClient, settings: SourceSettings) -> Reading:
    """Fetch one question and read it. Raises `FetchError` (the site) or `ParseError` (the page)."""
    source = source_for(ref, settings)
    fetched = client.get(source.url, expect=source.expect)
    snapshot = source.parse(fetched.content, source.url, fetched.charset)
    if snapshot.ref != ref:
        # A site that answers with another question's page must not overwrite this one's state.
        raise ParseError(source.url, "identifier", f"{snapshot.ref.uid}, expected {ref.uid}")
    return Reading(snapshot, source.name, source.url, fetched.status, fetched.revalidated)


def fetch_snapshot(ref: QuestionRef, client: PoliteClient, settings: SourceSettings) -> QuestionSnapshot:
    return read_question(ref, client, settings).snapshot
