"""Question references: every form a user pastes becomes one canonical `QuestionRef`.

The canonical form is each chamber's own identifier of a written question, the one its open data
and its addresses use: `QANR5L17QE5268` (Assemblée nationale, legislature 17, n° 5268) and
`SEQ221103705` (Sénat, published in 2022-11, n° 03705).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import unquote, urlsplit

from scrapers.errors import CannotRun

ACCEPTED_FORMS = (
    "AN uid QANR5L17QE5268, AN short form 'AN 17-5268', AN URL "
    "https://www.assemblee-nationale.fr/dyn/17/questions/QANR5L17QE5268 or "
    "https://questions.assemblee-nationale.fr/q14/14-47351QE.htm, Sénat id SEQ221103705, "
    "Sénat URL https://www.senat.fr/questions/base/2022/qSEQ221103705.html, Sénat label as relance prints it "
    "'Sénat 3705 (2022-11)'"
)


class RefError(CannotRun, ValueError):
    """Text that is not a reference to a written question; the message lists the accepted forms."""

    def __init__(self, text: str, why: str = "not a written-question reference") -> None:
        self.text = text
        shown = text if len(text) <= 80 else text[:77] + "..."
        super().__init__(f"{shown!r}: {why}; accepted forms: {ACCEPTED_FORMS}")


@dataclass(frozen=True, slots=True, order=True)
class QuestionRef:
    """A written question of one chamber. AN: `legislature` and `number`; Sénat: the year and month
    of publication encoded in its id (`year`, `month`) and `number`."""

    chamber: Literal["an", "senat"]
    number: int
    legislature: int | None = None
    year: int | None = None
    month: int | None = None

    @property
    def uid(self) -> str:
        if self.chamber == "an":
            return f"QANR5L{self.legislature}QE{self.number}"
        assert self.year is not None and self.month is not None
        return f"SEQ{self.year % 100:02d}{self.month:02d}{self.number:05d}"

    @property
    def label(self) -> str:
        """A short human label: 'AN 17-5268', 'Sénat 3705 (2022-11)'."""
        if self.chamber == "an":
            return f"AN {self.legislature}-{self.number}"
        return f"Sénat {self.number} ({self.year}-{self.month:02d})"

    @property
    def public_url(self) -> str:
        """The official page a person reads (always the live site, whatever base URL fetched it)."""
        if self.chamber == "an":
            if self.legislature is not None and self.legislature <= 14:
                return (f"https://questions.assemblee-nationale.fr/q{self.legislature}/"
                        f"{self.legislature}-{self.number}QE.htm")
            return f"https://www.assemblee-nationale.fr/dyn/{self.legislature}/questions/{self.uid}"
        return f"https://www.senat.fr/questions/base/{self.year}/q{self.uid}.html"

    def __str__(self) -> str:
        return self.uid


_AN_UID = re.compile(r"QANR5L(?P<leg>\d{1,2})(?P<type>[A-Z]+)(?P<num>\d{1,6})", re.IGNORECASE)
_AN_LEGACY = re.compile(r"(?:q(?P<leg0>\d{1,2})/)?(?P<leg>\d{1,2})-(?P<num>\d{1,6})(?P<type>[A-Z]+)\b",
                        re.IGNORECASE)
_AN_SHORT = re.compile(r"AN[\s\-_:/]*(?P<leg>\d{1,2})\s*[-/ ]\s*(?P<num>\d{1,6})", re.IGNORECASE)
# What relance prints back (`QuestionRef.label`): 'Sénat 3705 (2022-11)', the month of publication in brackets.
_SENAT_LABEL = re.compile(r"S[ée]nat\s*(?P<num>\d{1,5})\s*\(\s*(?P<year>\d{4})\s*-\s*(?P<mm>\d{1,2})\s*\)",
                          re.IGNORECASE)
# Dashes a word processor or a web page puts for '-' (hyphen, non-breaking hyphen, en and em dashes, minus).
_DASHES = re.compile("[\u2010\u2011\u2012\u2013\u2014\u2015\u2212]")
_SENAT_ID = re.compile(r"q?SEQ(?P<yy>\d{2})(?P<mm>\d{2})(?P<num>\d{5}|\d{4}(?=[A-Z]))(?P<suffix>[A-Z]?)", re.IGNORECASE)


def _an(text: str, leg: str, num: str, qtype: str) -> QuestionRef:
    if qtype.upper() != "QE":
        raise RefError(text, f"an AN question of type {qtype.upper()}, not a written question (QE)")
    legislature, number = int(leg), int(num)
    if not 1 <= legislature <= 30 or number == 0:
        raise RefError(text, "legislature or number out of range")
    return QuestionRef("an", number, legislature=legislature)


def _senat(text: str, match: re.Match[str]) -> QuestionRef:
    if match["suffix"]:
        raise RefError(text, f"a Sénat question of kind {match['suffix'].upper()}, not a written question")
    yy, month, number = int(match["yy"]), int(match["mm"]), int(match["num"])
    if not 1 <= month <= 12 or number == 0:
        raise RefError(text, "month or number out of range in the Sénat id")
    # The Sénat's question base starts in 1978: two-digit years from 78 on are 19xx.
    year = 1900 + yy if yy >= 78 else 2000 + yy
    return QuestionRef("senat", number, year=year, month=month)


def parse_ref(text: str) -> QuestionRef:
    """Read a pasted reference (URL, official id or short form) into a `QuestionRef`.

    Raises `RefError`, whose one-line message lists the accepted forms.
    """
    raw = text
    text = _DASHES.sub("-", unquote(text.strip()))
    if not text:
        raise RefError(raw, "empty reference")
    host = ""
    if "://" in text or text.lower().startswith(("www.", "questions.", "senat.fr")):
        parts = urlsplit(text if "://" in text else "https://" + text)
        host = (parts.hostname or "").rstrip(".").lower()
        if not (host.endswith("assemblee-nationale.fr") or host.endswith("senat.fr")):
            raise RefError(raw, f"an address on {host or 'no host'}, neither the AN nor the Sénat")
        text = parts.path + ("?" + parts.query if parts.query else "")

    if not host or host.endswith("assemblee-nationale.fr"):
        if m := _AN_UID.search(text):
            return _an(raw, m["leg"], m["num"], m["type"])
        if (m := _AN_LEGACY.search(text)) and (host or re.fullmatch(_AN_LEGACY.pattern, text, re.I)):
            if m["leg0"] and m["leg0"] != m["leg"]:
                raise RefError(raw, "the legislature in the folder and in the page name differ")
            return _an(raw, m["leg"], m["num"], m["type"])
        if not host and (m := _AN_SHORT.fullmatch(text)):
            return _an(raw, m["leg"], m["num"], "QE")
    if not host and (m := _SENAT_LABEL.fullmatch(text)):
        year, month, number = int(m["year"]), int(m["mm"]), int(m["num"])
        if not 1 <= month <= 12 or number == 0 or not 1978 <= year <= 2077:
            raise RefError(raw, "year, month or number out of range in the Sénat label")
        return QuestionRef("senat", number, year=year, month=month)
    if (not host or host.endswith("senat.fr")) and (
            m := (_SENAT_ID.search(text) if host else _SENAT_ID.fullmatch(text))):
        return _senat(raw, m)
    raise RefError(raw)
