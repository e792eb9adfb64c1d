"""What changed: the pure diff of a question's stored and new snapshots into events.

`diff` never looks at a clock: `today` (Europe/Paris) and `seen_at` are given. Deadline events fire
when their day falls after the last day the question was read and on or before `today`, so a
deadline passing between two checks gives exactly one event, however many cycles run that day.
A question first seen already late gets its `overdue` (`signaled_overdue`) event at once, under the
same natural key as the crossing would have given it, so neither path can add a second one.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from bot.core.deadlines import Deadline, deadline_status
from bot.core.ministries import same_ministry
from scrapers.model import QuestionSnapshot, normalize_ministry
from storage.records import Event, EventKind

ANSWER_EXCERPT_CHARS = 400
DEFAULT_SOON_DAYS = 7


def _event(new: QuestionSnapshot, kind: EventKind, key: str, official: date | None, seen_at: datetime,
           **details: Any) -> Event:
    return Event(ref=new.ref.uid, kind=kind, key=key, official_date=official, seen_at=seen_at, details=details)


def _excerpt(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= ANSWER_EXCERPT_CHARS else flat[:ANSWER_EXCERPT_CHARS].rsplit(" ", 1)[0] + "…"


def _name(snapshot: QuestionSnapshot) -> str | None:
    return snapshot.ministry.name if snapshot.ministry else None


def _first_sight(new: QuestionSnapshot, today: date, seen_at: datetime) -> list[Event]:
    published = _event(new, "published", "published", new.published, seen_at, title=new.title,
                       author=new.author.name, ministry=_name(new), status=new.status)
    return [published, *already_late(new, today, seen_at)]


def _answer_events(old: QuestionSnapshot, new: QuestionSnapshot, today: date, seen_at: datetime) -> list[Event]:
    if new.answer is None:
        return []
    if old.answer is None:
        status = deadline_status(new, today)
        return [_event(new, "answered", new.answer.date.isoformat(), new.answer.date, seen_at,
                       ministry=new.answer.ministry or _name(new), page=new.answer.page,
                       excerpt=_excerpt(new.answer.text), days_late=status.days_late,
                       deadline=status.answer_deadline.date.isoformat() if status.answer_deadline else None)]
    # An empty old text is an answer known only by its date (a bulk file): reading its text is no change.
    if old.answer.text.strip() and old.answer.text_hash != new.answer.text_hash:
        return [_event(new, "answer_changed", new.answer.text_hash, new.answer.date, seen_at,
                       previous_hash=old.answer.text_hash, previous_date=old.answer.date.isoformat(),
                       excerpt=_excerpt(new.answer.text))]
    return []


def _transfer_events(old: QuestionSnapshot, new: QuestionSnapshot, seen_at: datetime) -> list[Event]:
    before, after = _name(old), _name(new)
    # The same ministry under a new name (the AN keeps its identifier) is no transfer.
    if new.ministry is None or after is None:
        return []
    if old.ministry is not None and same_ministry(old.ministry, new.ministry):
        return []
    on = new.attributions[-1].date if new.attributions else None
    key = f"{normalize_ministry(after)}|{on.isoformat() if on else ''}"
    return [_event(new, "transferred", key, on, seen_at, from_ministry=before, to_ministry=after)]


def _dated_events(old: QuestionSnapshot, new: QuestionSnapshot, seen_at: datetime) -> list[Event]:
    events = [_event(new, "signaled", d.isoformat(), d, seen_at) for d in new.signaled if d not in old.signaled]
    events += [_event(new, "renewed", d.isoformat(), d, seen_at) for d in new.renewed if d not in old.renewed]
    return events


def _ending_events(old: QuestionSnapshot, new: QuestionSnapshot, seen_at: datetime) -> list[Event]:
    if new.status == old.status or new.status not in ("withdrawn", "closed", "lapsed"):
        return []
    closure = new.closure
    return [_event(new, new.status, new.status, closure.date if closure else None, seen_at,
                   label=closure.label if closure else None, code=closure.code if closure else None)]


def _crossed(day: date, last_day: date, today: date) -> bool:
    return last_day < day <= today


def _deadline_detail(d: Deadline) -> dict[str, Any]:
    return {"deadline": d.date.isoformat(), "rule": d.rule.id, "explanation": d.explain_fr()}


def deadline_events(new: QuestionSnapshot, last_day: date, today: date, seen_at: datetime,
                    soon_days: int = DEFAULT_SOON_DAYS) -> list[Event]:
    """Deadline events whose day came after `last_day` (the last day the question was read)."""
    status = deadline_status(new, today)
    if not status.open:
        return []
    events = []
    answer = status.answer_deadline
    if answer is not None:
        if _crossed(answer.date - timedelta(days=soon_days), last_day, today) and today <= answer.date:
            events.append(_event(new, "deadline_soon", answer.date.isoformat(), answer.date, seen_at,
                                 days_left=(answer.date - today).days, ministry=_name(new),
                                 **_deadline_detail(answer)))
        if _crossed(answer.date + timedelta(days=1), last_day, today):
            events.append(_late(new, "overdue", answer, today, seen_at))
    signal = status.signalement_deadline
    if signal is not None and _crossed(signal.date + timedelta(days=1), last_day, today):
        events.append(_late(new, "signaled_overdue", signal, today, seen_at))
    return events


def _late(new: QuestionSnapshot, kind: EventKind, deadline: Deadline, today: date, seen_at: datetime) -> Event:
    """A passed deadline's event: dated by the deadline and keyed by it, whichever path finds it."""
    return _event(new, kind, deadline.date.isoformat(), deadline.date, seen_at, days_late=(today - deadline.date).days,
                  ministry=_name(new), **_deadline_detail(deadline))


def already_late(new: QuestionSnapshot, today: date, seen_at: datetime) -> list[Event]:
    """The deadline events of a question seen for the first time: what is already late, nothing else.

    An open question whose answer deadline (or AN signalement deadline) passed before `today` gets its
    `overdue` (`signaled_overdue`) event now, dated by that deadline, with the days late as of
    `today`: a backlog loaded at once, or an old question a rule finds, is announced as late like one
    that became late while watched. Its key is the deadline's date, the key the "crossed since the
    last read" path gives, so later reads (whose last day is already past the deadline) add nothing.
    `deadline_soon` does not fire at first sight: a deadline still to come shows in the `published`
    event's entry (its deadline and rule), and only what is already late calls for action. An
    answered, withdrawn, closed or lapsed question gets none.
    """
    status = deadline_status(new, today)
    if not status.open:
        return []
    answer, signal = status.answer_deadline, status.signalement_deadline
    events = [_late(new, "overdue", answer, today, seen_at)] if answer is not None and status.overdue else []
    if signal is not None and status.signaled_overdue:
        events.append(_late(new, "signaled_overdue", signal, today, seen_at))
    return events


def diff(old: QuestionSnapshot | None, new: QuestionSnapshot, *, today: date, last_day: date | None,
         seen_at: datetime, soon_days: int = DEFAULT_SOON_DAYS) -> list[Event]:
    """The events between the stored snapshot `old` (None when first seen) and `new`.

    A question seen for the first time gives one `published` event and, when it is already late,
    its `overdue` / `signaled_overdue` events (`already_late`); none of its past events (answers,
    transfers, signalements, deadlines soon) is replayed. `last_day` is the day (Europe/Paris) of the
    previous successful read; the other deadline events need one.
    """
    if old is None:
        return _first_sight(new, today, seen_at)
    events = _answer_events(old, new, today, seen_at)
    events += _transfer_events(old, new, seen_at)
    events += _dated_events(old, new, seen_at)
    events += _ending_events(old, new, seen_at)
    if last_day is not None:
        events += deadline_events(new, last_day, today, seen_at, soon_days)
    return events
