"""What a notice says, before it is rendered: events made ready to show, grouped into sections.

Built from the store by the sender, rendered by `bot.notify.digest` (e-mail), `bot.notify.feeds`
and `bot.notify.channels`. Pure data: no I/O here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, Literal

from bot.core.deadlines import Deadline, deadline_status
from bot.notify.i18n import _
from scrapers.model import QuestionSnapshot, normalize_ministry
from scrapers.refs import parse_ref
from storage.records import Event, EventKind, SourceHealth

SectionName = Literal["answered", "overdue", "soon", "transferred", "ended", "found", "other"]

# Digest sections, in the order the e-mail shows them; each kind of event goes in one section.
SECTION_ORDER: tuple[SectionName, ...] = ("answered", "overdue", "soon", "transferred", "ended", "found", "other")
SECTION_OF: Mapping[EventKind, SectionName] = {
    "answered": "answered", "answer_changed": "answered",
    "overdue": "overdue", "signaled_overdue": "overdue",
    "deadline_soon": "soon",
    "transferred": "transferred",
    "closed": "ended", "withdrawn": "ended", "lapsed": "ended",
    "matched": "found",  # a question a follow rule found: watched from now on
    "published": "other", "signaled": "other", "renewed": "other",
}
LATE_KINDS: frozenset[EventKind] = frozenset({"overdue", "signaled_overdue"})
# More late questions than this in one message (a digest, a channel's batch: typically the first after
# a bulk import) are grouped, a count per ministry then one short line each, instead of a card each.
LATE_GROUP_ABOVE = 10


@dataclass(frozen=True, slots=True)
class Item:
    """One event about one question, with what a reader needs to act on it."""

    event_id: int | None
    kind: EventKind
    ref: str
    label: str  # "AN 17-5268", "Sénat 3705 (2022-11)"
    chamber: Literal["an", "senat"]
    url: str  # the question's official page
    title: str | None
    author: str | None
    ministry: str | None
    official_date: date | None  # the JO date of the event
    seen_at: datetime
    deadline: date | None = None
    deadline_rule: str | None = None  # "2 mois après la publication au JO du … (Règlement …)"
    days_late: int | None = None
    days_left: int | None = None
    excerpt: str | None = None  # the first lines of an answer
    from_ministry: str | None = None  # transfers
    to_ministry: str | None = None
    label_fr: str | None = None  # an ending's label as the source words it
    details: Mapping[str, Any] = field(default_factory=dict)
    note: str | None = None  # the question's latest note (relance note), dated: shown in the digest card


@dataclass(frozen=True, slots=True)
class SourceLine:
    """A source's health for the footer: 'vérifiée il y a 2 h' or 'en échec depuis 3 cycles'."""

    source: str
    name: str
    last_success: datetime | None
    failed_cycles: int


@dataclass(frozen=True, slots=True)
class Digest:
    """One e-mail's content: its items by section, the sources' health and the subscriber's links."""

    frequency: Literal["immediate", "daily", "weekly"]
    items: tuple[Item, ...]
    sources: tuple[SourceLine, ...]
    now: datetime
    manage_url: str
    unsubscribe_url: str
    unsubscribe_mailto: str | None = None
    still_late: StillLate | None = None  # a digest's closing block (daily and weekly ones)

    def shown(self) -> tuple[Item, ...]:
        """The items to show: a question's `published` item is left out when a `matched` one about it
        is here too, since the question found by a rule is new to the reader in any case."""
        found = {i.ref for i in self.items if i.kind == "matched"}
        return tuple(i for i in self.items if not (i.kind == "published" and i.ref in found))

    def section(self, name: SectionName) -> tuple[Item, ...]:
        return tuple(i for i in self.shown() if SECTION_OF[i.kind] == name)

    def sections(self) -> list[tuple[SectionName, tuple[Item, ...]]]:
        """The non-empty sections, in order."""
        return [(name, items) for name in SECTION_ORDER if (items := self.section(name))]

    def late_group(self) -> LateGroup | None:
        """The late questions grouped, when there are too many for a card each (see `late_group`)."""
        return late_group(self.section("overdue"))


@dataclass(frozen=True, slots=True)
class LateQuestion:
    """One line of a grouped list of late questions: the question, and how late it is against its answer
    deadline (`overdue`) and, at the AN, its signalement's (`signaled_overdue`)."""

    ref: str
    label: str
    chamber: Literal["an", "senat"]
    url: str
    title: str | None
    ministry: str | None
    days_late: int | None = None  # None: its answer deadline's event is not in this message
    signal_days_late: int | None = None  # None: no signalement deadline passed in this message

    @property
    def most_late(self) -> int:
        return max(self.days_late or 0, self.signal_days_late or 0)


@dataclass(frozen=True, slots=True)
class LateGroup:
    """Many late questions told at once: how many each ministry holds, then each question."""

    questions: tuple[LateQuestion, ...]  # the most late first
    by_ministry: tuple[tuple[str | None, int], ...]  # (a ministry's name as first met, its count): most first
    items: tuple[Item, ...]  # the events the group tells

    @property
    def chambers(self) -> tuple[Literal["an", "senat"], ...]:
        """The chambers whose questions are late against their answer deadline, AN first."""
        late = {q.chamber for q in self.questions if q.days_late is not None}
        return tuple(c for c in ("an", "senat") if c in late)


@dataclass(frozen=True, slots=True)
class StillLate:
    """The subscriber's questions still late when a digest is made: how many, the latest to have become
    late (the most recent first), and the page listing them all."""

    count: int
    questions: tuple[LateQuestion, ...]
    url: str


def _late_questions(items: Sequence[Item]) -> list[LateQuestion]:
    by_ref: dict[str, LateQuestion] = {}
    for i in items:
        known = by_ref.get(i.ref) or LateQuestion(i.ref, i.label, i.chamber, i.url, i.title, i.ministry)
        late = i.days_late if i.days_late is not None else 0
        by_ref[i.ref] = (replace(known, signal_days_late=late) if i.kind == "signaled_overdue"
                         else replace(known, days_late=late))
    return sorted(by_ref.values(), key=lambda q: (-q.most_late, q.label))


def _by_ministry(questions: Sequence[LateQuestion]) -> tuple[tuple[str | None, int], ...]:
    names: dict[str, str | None] = {}
    counts: dict[str, int] = {}
    for q in questions:
        key = normalize_ministry(q.ministry) if q.ministry else ""
        names.setdefault(key, q.ministry)
        counts[key] = counts.get(key, 0) + 1
    # A question whose ministry is unknown goes last, whatever its count.
    ordered = sorted(counts, key=lambda key: (key == "", -counts[key], key))
    return tuple((names[key], counts[key]) for key in ordered)


def late_group(items: Sequence[Item]) -> LateGroup | None:
    """The `overdue` and `signaled_overdue` items of one message grouped by question, when they concern
    more than LATE_GROUP_ABOVE questions; None when few enough to be told one card each."""
    late = [i for i in items if i.kind in LATE_KINDS]
    questions = _late_questions(late)
    if len(questions) <= LATE_GROUP_ABOVE:
        return None
    return LateGroup(tuple(questions), _by_ministry(questions), tuple(late))


def _int(value: object) -> int | None:
    return value if isinstance(value, int) else None


def _day(value: object) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) and value else None


def _deadline_rule(details: Mapping[str, Any], binding: Deadline | None) -> str | None:
    """How the event's deadline was counted, in the reader's language when it is the question's deadline
    now; else as the event stored it (in French, as events keep it)."""
    stored = details.get("explanation")
    if binding is None:
        return stored if isinstance(stored, str) else None
    if stored is None or _day(details.get("deadline")) == binding.date:
        return binding.explain(_)
    return str(stored)


def item_from_event(event: Event, snapshot: QuestionSnapshot | None, today: date) -> Item:
    """Make an event ready to show, completing it from the question's stored snapshot."""
    ref = parse_ref(event.ref)
    d = event.details
    status = deadline_status(snapshot, today) if snapshot else None
    binding = status.binding if status else None
    return Item(
        event_id=event.id, kind=event.kind, ref=event.ref, label=ref.label, chamber=ref.chamber, url=ref.public_url,
        title=snapshot.title if snapshot else d.get("title"),
        author=snapshot.author.name if snapshot else d.get("author"),
        ministry=d.get("ministry") or (snapshot.ministry.name if snapshot and snapshot.ministry else None),
        official_date=event.official_date, seen_at=event.seen_at,
        deadline=_day(d.get("deadline")) or (binding.date if binding else None),
        deadline_rule=_deadline_rule(d, binding),
        days_late=_int(d.get("days_late")), days_left=_int(d.get("days_left")), excerpt=d.get("excerpt"),
        from_ministry=d.get("from_ministry"), to_ministry=d.get("to_ministry"), label_fr=d.get("label"),
        details=dict(d),
    )


def source_lines(health: Sequence[SourceHealth], names: Mapping[str, str]) -> tuple[SourceLine, ...]:
    return tuple(SourceLine(h.source, names.get(h.source, h.source), h.last_success, h.failed_cycles)
                 for h in health)
