"""Two readings of one question that disagree: which one is the newer state.

The AN publishes each question twice (its page and the nightly archive) and they need not be
equally fresh. A reading strictly behind the stored state must not make the question go back.
"""

from __future__ import annotations

from datetime import date

from scrapers.model import QuestionSnapshot

Mark = tuple[int, date]
_NEVER = date.min


def progress(snapshot: QuestionSnapshot) -> tuple[Mark, ...]:
    """How far a question has gone, as marks that only grow while it lives: its answer (and its
    date: a re-published answer is dated later), its closure, its attributions (a transfer adds
    one), its signalements and renewals (each a count and the latest date)."""
    s = snapshot
    attributed = s.attributions[-1].date if s.attributions and s.attributions[-1].date else _NEVER
    return ((1, s.answer.date) if s.answer else (0, _NEVER),
            (1, s.closure.date or _NEVER) if s.closure else (0, _NEVER),
            (len(s.attributions), attributed),
            (len(s.signaled), max(s.signaled, default=_NEVER)),
            (len(s.renewed), max(s.renewed, default=_NEVER)))


def is_behind(stored: QuestionSnapshot, candidate: QuestionSnapshot) -> bool:
    """True when `candidate` is strictly behind `stored`: no mark of `progress` further on, and one
    at least further back (no answer where one is stored, an older answer, no closure, fewer
    attributions, signalements or renewals).

    Such a snapshot is an older state of the question (an archive built before its page was read):
    storing it would make the question go back, and the next page read forward again. A candidate
    further on in one mark is taken, even if behind in another (the two sources disagree, and the
    archive is the AN's published data); one equal in every mark is taken too (a corrected text, a
    renamed ministry: no mark tells which is newer)."""
    pairs = list(zip(progress(candidate), progress(stored), strict=True))
    return all(new <= old for new, old in pairs) and any(new < old for new, old in pairs)
