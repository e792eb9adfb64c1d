"""Follow rules: which questions a `[[follow]]` rule finds, accent- and case-insensitively.

A rule holds when every condition it gives holds: one of its keywords (a word or a phrase) in the
question's title, analysis (rubric) or text; its author in the author's name; its ministry in the
ministry asked or holding the question; its chamber. Pure functions of a snapshot and the rules.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import cache

from bot.config import FollowRule
from scrapers.model import QuestionSnapshot


def fold(text: str) -> str:
    """Lower case, accents removed, apostrophes and spaces made plain: "Reconnaissance  FACIALE" and
    "reconnaissance faciale" fold the same, and so do "l’État" and "l'etat"."""
    decomposed = unicodedata.normalize("NFKD", text.replace("’", "'").replace("œ", "oe").replace("Œ", "oe"))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.casefold().split())


@cache
def _phrase(keyword: str) -> re.Pattern[str]:
    # Whole words: "vidéo" must not match "vidéosurveillance" only by accident of a prefix, but a
    # phrase may span the spaces the text has.
    words = [re.escape(word) for word in fold(keyword).split()]
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)")


def _text_of(snapshot: QuestionSnapshot) -> str:
    return fold(" \n ".join(part for part in (snapshot.title, snapshot.rubric, snapshot.text) if part))


def rule_matches(rule: FollowRule, snapshot: QuestionSnapshot, text: str | None = None) -> bool:
    if rule.chamber is not None and snapshot.chamber != rule.chamber:
        return False
    if rule.author is not None and fold(rule.author) not in fold(snapshot.author.name or ""):
        return False
    if rule.ministry is not None:
        ministries = [m.name for m in (snapshot.ministry_asked, snapshot.ministry) if m is not None]
        if not any(fold(rule.ministry) in fold(name) for name in ministries):
            return False
    if rule.keywords:
        haystack = _text_of(snapshot) if text is None else text
        return any(_phrase(keyword).search(haystack) for keyword in rule.keywords)
    return True


def matching_rules(rules: Sequence[FollowRule], snapshot: QuestionSnapshot) -> list[FollowRule]:
    """The rules that find this question, in config order."""
    if not rules:
        return []
    text = _text_of(snapshot)
    return [rule for rule in rules if rule_matches(rule, snapshot, text)]
