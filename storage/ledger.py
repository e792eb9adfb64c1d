"""The delivery ledger: every message relance sends, and which events each one carries to whom.

Exactly once: a message and its (recipient, event) deliveries are written in one transaction when
it is queued, with its whole body; the unique (recipient, event) key means an event is never put in
two messages to the same recipient. A message is marked `sent` only after the server accepted it;
a `failed` one is sent again, byte for byte, on the next run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlite_utils import Database

from storage.instants import instant_text as _text
from storage.questions import event_from_row
from storage.records import Event

MessageState = Literal["queued", "sent", "failed", "cancelled"]
# admin: source alarms; access: the manage link sent to an address that asks to subscribe again
MessageKind = Literal["confirmation", "immediate", "daily", "weekly", "channel", "admin", "access"]


@dataclass(frozen=True, slots=True)
class Message:
    id: int
    recipient: str  # "email:ADDRESS" or "channel:NAME"
    subscriber_id: int | None
    kind: MessageKind
    message_id: str | None
    subject: str | None
    body: str
    state: MessageState
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


def email_recipient(address: str) -> str:
    return f"email:{address}"


def channel_recipient(name: str) -> str:
    return f"channel:{name}"


def _message(row: dict[str, Any]) -> Message:
    return Message(id=row["id"], recipient=row["recipient"], subscriber_id=row["subscriber_id"], kind=row["kind"],
                   message_id=row["message_id"], subject=row["subject"], body=row["body"] or "", state=row["state"],
                   attempts=row["attempts"], last_error=row["last_error"],
                   created_at=datetime.fromisoformat(row["created_at"]),
                   sent_at=datetime.fromisoformat(row["sent_at"]) if row["sent_at"] else None)


def undelivered_events(db: Database, recipient: str, since: datetime | None = None) -> list[Event]:
    """Events seen at or after `since` that no message to `recipient` carries yet, oldest first."""
    rows = db.execute(
        "SELECT * FROM events e WHERE e.seen_at >= ? AND NOT EXISTS "
        "(SELECT 1 FROM deliveries d WHERE d.recipient = ? AND d.event_id = e.id) ORDER BY e.id",
        [_text(since) if since else "", recipient])
    columns = [c[0] for c in rows.description]
    return [event_from_row(dict(zip(columns, row, strict=True))) for row in rows.fetchall()]


# Builds the message once its row exists: (Message-ID, subject, body) from the row's id.
BuildMessage = Callable[[int], tuple[str | None, str | None, str]]


def queue_message(db: Database, *, recipient: str, kind: MessageKind, events: Sequence[Event],
                  build: BuildMessage, now: datetime, subscriber_id: int | None = None,
                  digest_for: int | None = None) -> Message:
    """Queue one message carrying `events` to `recipient`, all in one transaction. `digest_for`: the
    subscriber whose last digest time becomes `now`, in the same transaction, so a digest is never
    planned twice."""
    with db.atomic():
        table = db.table("messages")
        row_id = table.insert({"recipient": recipient, "subscriber_id": subscriber_id, "kind": kind,
                               "state": "queued", "attempts": 0, "created_at": _text(now)}).last_pk
        assert isinstance(row_id, int)
        message_id, subject, body = build(row_id)
        table.update(row_id, {"message_id": message_id, "subject": subject, "body": body})
        db.table("deliveries").insert_all(
            [{"recipient": recipient, "event_id": e.id, "message": row_id} for e in events])
        if digest_for is not None:
            db.table("subscribers").update(digest_for, {"last_digest_at": _text(now)})
        return _message(table.get(row_id))


def messages_to_send(db: Database, recipient_prefix: str = "") -> list[Message]:
    """Queued and failed messages, oldest first."""
    rows = db.table("messages").rows_where("state IN ('queued', 'failed') AND recipient LIKE ?",
                                           [recipient_prefix + "%"], order_by="id")
    return [_message(row) for row in rows]


def mark_sent(db: Database, message: Message, at: datetime) -> None:
    with db.atomic():
        db.table("messages").update(message.id, {"state": "sent", "sent_at": _text(at),
                                                  "attempts": message.attempts + 1, "last_error": None})


def mark_failed(db: Database, message: Message, error: str) -> None:
    with db.atomic():
        db.table("messages").update(message.id, {"state": "failed", "attempts": message.attempts + 1,
                                                  "last_error": error})


def mark_cancelled(db: Database, message: Message, why: str) -> None:
    """A message that must not go out any more (its subscriber left before it was sent)."""
    with db.atomic():
        db.table("messages").update(message.id, {"state": "cancelled", "last_error": why})


def list_messages(db: Database, recipient: str | None = None) -> list[Message]:
    rows = db.table("messages").rows_where("recipient = ?" if recipient else None,
                                           [recipient] if recipient else [], order_by="id")
    return [_message(row) for row in rows]


def channels_first_seen(db: Database, names: Sequence[str], now: datetime, *,
                        record: bool = True) -> dict[str, datetime]:
    """When each channel was first seen; a channel seen for the first time is recorded as of `now`
    (unless `record` is False: a dry run writes nothing)."""
    if record:
        with db.atomic():
            db.table("channels").insert_all([{"name": n, "first_seen": _text(now)} for n in names], ignore=True)
    known = {row["name"]: datetime.fromisoformat(row["first_seen"]) for row in db.table("channels").rows}
    return {name: known.get(name, now) for name in names}
