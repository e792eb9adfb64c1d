"""Follow rules: which questions a `[[follow]]` rule finds, accent- and case-insensitively.

A rule holds when every condition it gives holds: one of its keywords (a word, or a phrase: its words
in a row, whatever spaces or punctuation part them) in the question's title, analysis (rubric) or
text; the words of its author in the author's name; the words of its ministry in the ministry asked
or the one holding the question; its chamber. Words are whole words: "Masson" does not find
"Massonnet". A question in the rule's `exclude` list is never found by it. Pure functions of a snapshot
and the rules.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import cache
from typing import Protocol, TypeVar

from scrapers.model import QuestionSnapshot


class FollowRule(Protocol):
    """What a rule gives to match (the config's `[[follow]]` entries are such rules)."""

    @property
    def keywords(self) -> tuple[str, ...]: ...
    @property
    def author(self) -> str | None: ...
    @property
    def ministry(self) -> str | None: ...
    @property
    def chamber(self) -> str | None: ...
    @property
    def exclude(self) -> tuple[str, ...]: ...  # canonical refs the rule never finds (`relance remove`)


Rule = TypeVar("Rule", bound=FollowRule)


def fold(text: str) -> str:
    """Lower case, accents removed, apostrophes and spaces made plain: "Reconnaissance  FACIALE" and
    "reconnaissance faciale" fold the same, and so do "l’État" and "l'etat"."""
    decomposed = unicodedata.normalize("NFKD", text.replace("’", "'").replace("œ", "oe").replace("Œ", "oe"))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.casefold().split())


_WORD = re.compile(r"[^\W_]+")  # a run of letters and digits: what SQLite's unicode61 tokenizer calls a token


def keyword_words(keyword: str) -> list[str]:
    """The folded words of a keyword: "Reconnaissance-Faciale" → ["reconnaissance", "faciale"]."""
    return _WORD.findall(fold(keyword))


@cache
def _phrase(keyword: str) -> re.Pattern[str]:
    # Whole words: "vidéo" must not match "vidéosurveillance" by accident of a prefix. Between the
    # words of a phrase, any spaces or punctuation: "reconnaissance-faciale", "caméras « augmentées »"
    # match "reconnaissance faciale" and "caméras augmentées", as in the full-text search
    # (storage/search.py), whose tokenizer also keeps only letters and digits.
    words = [re.escape(word) for word in keyword_words(keyword)]
    return re.compile(r"(?<![^\W_])" + r"[\W_]+".join(words) + r"(?![^\W_])")


def _text_of(snapshot: QuestionSnapshot) -> str:
    return fold(" \n ".join(part for part in (snapshot.title, snapshot.rubric, snapshot.text) if part))


@cache
def _words(text: str) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(r"(?<![^\W_])" + re.escape(word) + r"(?![^\W_])") for word in keyword_words(text))


def has_words(wanted: str, name: str) -> bool:
    """Whether every word of `wanted` is a whole word of `name`, in any order, accents and case folded:
    "Jean-Louis MASSON" and "masson" are in "Jean Louis Masson", "Masson" is not in "Massonnet"."""
    folded = fold(name)
    return all(word.search(folded) for word in _words(wanted))


def rule_matches(rule: FollowRule, snapshot: QuestionSnapshot, text: str | None = None) -> bool:
    if snapshot.ref.uid in rule.exclude:  # taken out of the rule by hand: never found again
        return False
    if rule.chamber is not None and snapshot.chamber != rule.chamber:
        return False
    if rule.author is not None and not has_words(rule.author, snapshot.author.name or ""):
        return False
    if rule.ministry is not None:
        ministries = [m.name for m in (snapshot.ministry_asked, snapshot.ministry) if m is not None]
        if not any(has_words(rule.ministry, name) for name in ministries):
            return False
    if rule.keywords:
        haystack = _text_of(snapshot) if text is None else text
        return any(_phrase(keyword).search(haystack) for keyword in rule.keywords)
    return True


def matching_rules(rules: Sequence[Rule], snapshot: QuestionSnapshot) -> list[Rule]:
    """The rules that find this question, in config order."""
    if not rules:
        return []
    text = _text_of(snapshot)
    return [rule for rule in rules if rule_matches(rule, snapshot, text)]
