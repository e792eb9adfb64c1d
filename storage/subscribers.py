"""Email subscribers: who they are, what they follow, how often they want to hear, and their state.

A subscriber is `pending` until they confirm (double opt-in), then `confirmed`, `paused` while they
want no e-mail for a while (the web manage page), and `unsubscribed` once they leave. `generation`
changes on every change of state, so a token signed for an earlier state (an old confirmation link)
no longer works; `joined_generation` is the generation the current subscription began at, so a manage
or unsubscribe link from before leaving no longer works once the address subscribes again.
`after_event` is the last event id when the subscriber confirmed (or resumed): it hears of the events
recorded after it, an order the clock cannot change.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlite_utils import Database

from storage.instants import instant_from as _instant
from storage.instants import instant_text

Frequency = Literal["immediate", "daily", "weekly"]
FREQUENCIES: tuple[Frequency, ...] = ("immediate", "daily", "weekly")
SubscriberState = Literal["pending", "confirmed", "paused", "unsubscribed"]


@dataclass(frozen=True, slots=True)
class Subscriber:
    id: int
    email: str
    frequency: Frequency
    tags: tuple[str, ...]
    refs: tuple[str, ...]
    state: SubscriberState
    generation: int
    created_at: datetime
    confirmed_at: datetime | None
    unsubscribed_at: datetime | None
    last_digest_at: datetime | None
    joined_generation: int = 0
    after_event: int | None = None

    @property
    def follows_everything(self) -> bool:
        return not self.tags and not self.refs

    def follows(self, ref: str, tags_of_ref: tuple[str, ...] | frozenset[str]) -> bool:
        return self.follows_everything or ref in self.refs or bool(set(self.tags) & set(tags_of_ref))


def _text(value: datetime | None) -> str | None:
    return None if value is None else instant_text(value)


def _subscriber(row: dict[str, Any]) -> Subscriber:
    created = _instant(row["created_at"])
    assert created is not None
    return Subscriber(id=row["id"], email=row["email"], frequency=row["frequency"],
                      tags=tuple(json.loads(row["tags"] or "[]")), refs=tuple(json.loads(row["refs"] or "[]")),
                      state=row["state"], generation=row["generation"], created_at=created,
                      confirmed_at=_instant(row["confirmed_at"]), unsubscribed_at=_instant(row["unsubscribed_at"]),
                      last_digest_at=_instant(row["last_digest_at"]),
                      joined_generation=row.get("joined_generation") or 0, after_event=row.get("after_event"))


def get_subscriber(db: Database, *, email: str | None = None, id: int | None = None) -> Subscriber | None:
    where, value = ("email = ?", email) if email is not None else ("id = ?", id)
    rows = list(db.table("subscribers").rows_where(where, [value]))
    return _subscriber(rows[0]) if rows else None


def list_subscribers(db: Database, state: SubscriberState | None = None) -> list[Subscriber]:
    rows = db.table("subscribers").rows_where("state = ?" if state else None, [state] if state else [], order_by="id")
    return [_subscriber(row) for row in rows]


def upsert_pending(db: Database, email: str, *, frequency: Frequency, tags: tuple[str, ...], refs: tuple[str, ...],
                   now: datetime) -> tuple[Subscriber, bool]:
    """Record a subscription request. A new or departed address becomes `pending` (True: a
    confirmation is to be sent); a pending one gets its choices refreshed and a new confirmation;
    a confirmed or paused one is left as it is (False): only its owner changes it, from its links."""
    with db.atomic():
        existing = get_subscriber(db, email=email)
        if existing is not None and existing.state in ("confirmed", "paused"):
            return existing, False
        row = {"email": email, "frequency": frequency, "tags": json.dumps(list(tags)), "refs": json.dumps(list(refs)),
               "state": "pending", "created_at": _text(now), "confirmed_at": None, "unsubscribed_at": None}
        if existing is None:
            db.table("subscribers").insert({**row, "generation": 1, "joined_generation": 1})
        else:
            generation = existing.generation + 1
            # Coming back after leaving begins a new subscription: the links of the old one stop working.
            joined = generation if existing.state == "unsubscribed" else existing.joined_generation
            db.table("subscribers").update(existing.id, {**row, "generation": generation,
                                                         "joined_generation": joined})
        found = get_subscriber(db, email=email)
    assert found is not None
    return found, True


def set_state(db: Database, subscriber: Subscriber, state: SubscriberState, now: datetime) -> Subscriber:
    """Confirm, pause, resume (`confirmed` again) or unsubscribe; the generation moves on so earlier
    confirmation tokens stop working. Confirming sets `confirmed_at` and `after_event` (the last event
    recorded), so a resumed subscriber hears only of events recorded from then on."""
    changes: dict[str, Any] = {"state": state, "generation": subscriber.generation + 1}
    if state == "unsubscribed":
        changes["unsubscribed_at"] = _text(now)
    with db.atomic():
        if state == "confirmed":
            changes["confirmed_at"] = _text(now)
            changes["after_event"] = db.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0]
        db.table("subscribers").update(subscriber.id, changes)
    updated = get_subscriber(db, id=subscriber.id)
    assert updated is not None
    return updated


def update_choices(db: Database, subscriber: Subscriber, *, frequency: Frequency | None = None,
                   tags: tuple[str, ...] | None = None, refs: tuple[str, ...] | None = None) -> Subscriber:
    changes: dict[str, Any] = {}
    if frequency is not None:
        changes["frequency"] = frequency
    if tags is not None:
        changes["tags"] = json.dumps(list(tags))
    if refs is not None:
        changes["refs"] = json.dumps(list(refs))
    if changes:
        db.table("subscribers").update(subscriber.id, changes)
    updated = get_subscriber(db, id=subscriber.id)
    assert updated is not None
    return updated


def mark_digest_sent(db: Database, subscriber_id: int, at: datetime) -> None:
    db.table("subscribers").update(subscriber_id, {"last_digest_at": _text(at)})
