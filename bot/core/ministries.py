"""A question's ministries in order: the one it was put to, then each change of the ministry holding it.

The sources repeat themselves: the AN's open data attributes a question first to the very ministry it
was put to, the Sénat's page names the ministry asked again before the one that took it over, and a
ministry renamed keeps its AN identifier under a new label. Listed as they come, the same ministry
shows twice in a row; here each change is listed once, in order, and A → B → A stays three steps.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from scrapers.model import Ministry, QuestionSnapshot, normalize_ministry


@dataclass(frozen=True, slots=True)
class MinistryStep:
    """The ministry holding the question from `date` on (None: the source does not date it)."""

    ministry: Ministry
    date: date | None
    asked: bool  # the ministry the question was put to, on its publication, rather than an attribution


def same_ministry(a: Ministry, b: Ministry) -> bool:
    """The same ministry: the same AN identifier (a renamed ministry keeps it), or the same name once case,
    spaces and apostrophes are folded (the Sénat's pages and CSV write them differently)."""
    return bool(a.id and a.id == b.id) or normalize_ministry(a.name) == normalize_ministry(b.name)


def ministry_history(snapshot: QuestionSnapshot) -> tuple[MinistryStep, ...]:
    """The ministry asked, then each attribution to a ministry other than the one just before it."""
    steps: list[MinistryStep] = []
    if snapshot.ministry_asked is not None:
        steps.append(MinistryStep(snapshot.ministry_asked, snapshot.published, asked=True))
    for attribution in snapshot.attributions:
        if steps and same_ministry(steps[-1].ministry, attribution.ministry):
            continue
        steps.append(MinistryStep(attribution.ministry, attribution.date, asked=False))
    return tuple(steps)


def changed_hands(snapshot: QuestionSnapshot) -> bool:
    """Whether another ministry than the one asked holds or held the question."""
    return len(ministry_history(snapshot)) > 1
