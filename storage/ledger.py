"""The delivery ledger: every message relance sends, and which events each one carries to whom.

Exactly once: a message and its (recipient, event) deliveries are written in one transaction when
it is queued, with its whole body; the unique (recipient, event) key means an event is never put in
two messages to the same recipient. A message is marked `sent` only after the server accepted it;
a `failed` one is sent again, byte for byte, on the next run, unless the receiving end refused it
for good too often: then it is `given_up`. A recipient is typed (`Recipient`: an e-mail address or a
channel's name), stored in two columns, `recipient_kind` and `recipient`.

Before its attempt a sender claims a message (`claim`), so that two processes sending side by side (the
web's sender and `relance notify`) never both send it; recording the outcome releases the claim. A claim
left by a process that stopped between the server's acceptance and the record lapses as soon as that
process is gone (it ran on this machine, and its pid no longer does), else after `CLAIM_SECONDS`; the
message is sent again then: the one documented repeat.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlite_utils import Database

from storage.instants import instant_text as _text
from storage.questions import event_from_row
from storage.records import ADMIN_EVENT_KINDS, Event

MessageState = Literal["queued", "sent", "failed", "given_up", "cancelled"]
# admin: source alarms; access: the manage link sent to an address that asks to subscribe again
MessageKind = Literal["confirmation", "immediate", "daily", "weekly", "channel", "admin", "access"]
RecipientKind = Literal["email", "channel"]
# Far longer than any one attempt ([email] timeout is at most 300 s): a claim older than this is a
# process that stopped mid-attempt. One further in the future than this is a clock stepped back.
CLAIM_SECONDS = 15 * 60


@dataclass(frozen=True, slots=True)
class Recipient:
    """Who a message goes to: an e-mail address, or a team channel by its name."""

    kind: RecipientKind
    address: str  # the e-mail address, or the channel's name

    def __str__(self) -> str:
        return f"{self.kind} {self.address}"


@dataclass(frozen=True, slots=True)
class Message:
    id: int
    recipient: Recipient
    subscriber_id: int | None
    kind: MessageKind
    message_id: str | None
    subject: str | None
    body: str
    state: MessageState
    attempts: int
    refusals: int  # the attempts the receiving end refused for good (an SMTP 5xx)
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


def email_recipient(address: str) -> Recipient:
    return Recipient("email", address)


def channel_recipient(name: str) -> Recipient:
    return Recipient("channel", name)


def _message(row: dict[str, Any]) -> Message:
    return Message(id=row["id"], recipient=Recipient(row["recipient_kind"], row["recipient"]),
                   subscriber_id=row["subscriber_id"], kind=row["kind"], message_id=row["message_id"],
                   subject=row["subject"], body=row["body"] or "", state=row["state"], attempts=row["attempts"],
                   refusals=row["refusals"], last_error=row["last_error"],
                   created_at=datetime.fromisoformat(row["created_at"]),
                   sent_at=datetime.fromisoformat(row["sent_at"]) if row["sent_at"] else None)


def _columns(recipient: Recipient) -> dict[str, str]:
    return {"recipient_kind": recipient.kind, "recipient": recipient.address}


def undelivered_events(db: Database, recipient: Recipient, since: datetime | None = None, *,
                       after_event: int | None = None) -> list[Event]:
    """Events recorded after the event id `after_event` (when given: an order no clock changes), else
    seen at or after `since`, that no message to `recipient` carries yet, oldest first; never the
    admin's own kinds (`ADMIN_EVENT_KINDS`), which only the admin's notices carry."""
    admin_only = sorted(ADMIN_EVENT_KINDS)
    after = ("e.id > ?", after_event) if after_event is not None else ("e.seen_at >= ?", _text(since) if since else "")
    rows = db.execute(
        f"SELECT * FROM events e WHERE {after[0]} AND e.kind NOT IN ({', '.join('?' * len(admin_only))}) "
        "AND NOT EXISTS (SELECT 1 FROM deliveries d "
        "WHERE d.recipient_kind = ? AND d.recipient = ? AND d.event_id = e.id) ORDER BY e.id",
        [after[1], *admin_only, recipient.kind, recipient.address])
    columns = [c[0] for c in rows.description]
    return [event_from_row(dict(zip(columns, row, strict=True))) for row in rows.fetchall()]


# Builds the message once its row exists: (Message-ID, subject, body) from the row's id.
BuildMessage = Callable[[int], tuple[str | None, str | None, str]]


def queue_message(db: Database, *, recipient: Recipient, kind: MessageKind, events: Sequence[Event],
                  build: BuildMessage, now: datetime, subscriber_id: int | None = None,
                  digest_for: int | None = None) -> Message:
    """Queue one message carrying `events` to `recipient`, all in one transaction. `digest_for`: the
    subscriber whose last digest time becomes `now`, in the same transaction, so a digest is never
    planned twice."""
    with db.atomic():
        table = db.table("messages")
        row_id = table.insert({**_columns(recipient), "subscriber_id": subscriber_id, "kind": kind,
                               "state": "queued", "attempts": 0, "refusals": 0, "created_at": _text(now)}).last_pk
        assert isinstance(row_id, int)
        message_id, subject, body = build(row_id)
        table.update(row_id, {"message_id": message_id, "subject": subject, "body": body})
        db.table("deliveries").insert_all(
            [{**_columns(recipient), "event_id": e.id, "message": row_id} for e in events])
        if digest_for is not None:
            db.table("subscribers").update(digest_for, {"last_digest_at": _text(now)})
        return _message(table.get(row_id))


def _where(via: RecipientKind | None, to: Recipient | None, kind: MessageKind | None) -> tuple[str, list[str]]:
    clauses: list[str] = []
    values: list[str] = []
    if via is not None:
        clauses.append("recipient_kind = ?")
        values.append(via)
    if to is not None:
        clauses += ["recipient_kind = ?", "recipient = ?"]
        values += [to.kind, to.address]
    if kind is not None:
        clauses.append("kind = ?")
        values.append(kind)
    return " AND ".join(clauses), values


def messages_to_send(db: Database, *, via: RecipientKind | None = None, to: Recipient | None = None,
                     kind: MessageKind | None = None) -> list[Message]:
    """Queued and failed messages, oldest first: all of them, those going `via` e-mail or channels,
    those `to` one recipient, those of one `kind`."""
    where, values = _where(via, to, kind)
    pending = "state IN ('queued', 'failed')" + (f" AND {where}" if where else "")
    rows = db.table("messages").rows_where(pending, values, order_by="id")
    return [_message(row) for row in rows]


def iter_messages_to_send(db: Database, *, via: RecipientKind | None = None) -> Iterator[Message]:
    """`messages_to_send`, read one message at a time: the ids first, then each row just before it is
    wanted, so a morning of thousands of queued digests holds one body in memory, and no cursor stays
    open while the caller records each outcome."""
    where, values = _where(via, None, None)
    pending = "state IN ('queued', 'failed')" + (f" AND {where}" if where else "")
    ids = [row_id for (row_id,) in db.execute(f"SELECT id FROM messages WHERE {pending} ORDER BY id", values)]
    for row_id in ids:
        rows = list(db.table("messages").rows_where("id = ? AND state IN ('queued', 'failed')", [row_id]))
        if rows:
            yield _message(rows[0])


def message_events(db: Database, message: Message) -> list[Event]:
    """The events a queued message carries (the delivery ledger's rows for it), in their order."""
    rows = db.execute("SELECT e.* FROM deliveries d JOIN events e ON e.id = d.event_id WHERE d.message = ? "
                      "ORDER BY e.id", [message.id])
    names = [column[0] for column in rows.description]
    return [event_from_row(dict(zip(names, row, strict=True))) for row in rows.fetchall()]


def this_process() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _gone(claimed_by: str | None) -> bool:
    """Whether the process that made a claim has stopped: known only for a process of this machine."""
    host, _, pid = (claimed_by or "").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:  # alive, under another user
        return False
    return False


def claim(db: Database, message: Message, now: datetime) -> bool:
    """Take `message` for one attempt; False when it is no longer to send (another process sent it, or
    holds it now). A claim whose process is gone, older than CLAIM_SECONDS, or dated beyond them ahead of
    `now` (a clock stepped back), has lapsed."""
    lapse = timedelta(seconds=CLAIM_SECONDS)
    with db.atomic():
        row = db.execute("SELECT claimed_at, claimed_by FROM messages WHERE id = ? AND state IN ('queued', 'failed')",
                         [message.id]).fetchone()
        if row is None:
            return False
        claimed_at, claimed_by = row
        held = claimed_at is not None and _text(now - lapse) <= claimed_at <= _text(now + lapse)
        if held and not _gone(claimed_by):
            return False
        db.execute("UPDATE messages SET claimed_at = ?, claimed_by = ? WHERE id = ?",
                   [_text(now), this_process(), message.id])
        return True


def mark_sent(db: Database, message: Message, at: datetime) -> None:
    with db.atomic():
        db.table("messages").update(message.id, {"state": "sent", "sent_at": _text(at), "claimed_at": None,
                                                  "attempts": message.attempts + 1, "last_error": None})


def mark_failed(db: Database, message: Message, error: str, *, refused: bool = False) -> None:
    """An attempt that failed; the message is sent again on the next run. `refused`: the receiving
    end refused it for good (counted in `refusals`)."""
    with db.atomic():
        db.table("messages").update(message.id, {"state": "failed", "attempts": message.attempts + 1,
                                                  "refusals": message.refusals + refused, "last_error": error,
                                                  "claimed_at": None})


def mark_given_up(db: Database, message: Message, error: str) -> None:
    """A message refused for good once too often: never sent again (`relance subscribers` shows it)."""
    with db.atomic():
        db.table("messages").update(message.id, {"state": "given_up", "attempts": message.attempts + 1,
                                                  "refusals": message.refusals + 1, "last_error": error,
                                                  "claimed_at": None})


def mark_cancelled(db: Database, message: Message, why: str) -> None:
    """A message that must not go out any more (its subscriber left before it was sent)."""
    with db.atomic():
        db.table("messages").update(message.id, {"state": "cancelled", "last_error": why})


def list_messages(db: Database, recipient: Recipient | None = None) -> list[Message]:
    where, values = _where(None, recipient, None)
    rows = db.table("messages").rows_where(where or None, values, order_by="id")
    return [_message(row) for row in rows]


@dataclass(frozen=True, slots=True)
class GivenUp:
    """The messages given up for one recipient: how many, and the last refusal's words."""

    count: int
    last_error: str | None


def given_up(db: Database, via: RecipientKind) -> dict[str, GivenUp]:
    """Address (or channel name) → its given-up messages, for the recipients that have some."""
    rows = db.execute(
        "SELECT recipient, count(*), (SELECT last_error FROM messages l WHERE l.recipient_kind = m.recipient_kind "
        "AND l.recipient = m.recipient AND l.state = 'given_up' ORDER BY l.id DESC LIMIT 1) "
        "FROM messages m WHERE recipient_kind = ? AND state = 'given_up' GROUP BY recipient", [via])
    return {address: GivenUp(count, error) for address, count, error in rows.fetchall()}


def channels_first_seen(db: Database, names: Sequence[str], now: datetime, *,
                        record: bool = True) -> dict[str, datetime]:
    """When each channel was first seen; a channel seen for the first time is recorded as of `now`
    (unless `record` is False: a dry run writes nothing)."""
    if record:
        with db.atomic():
            db.table("channels").insert_all([{"name": n, "first_seen": _text(now)} for n in names], ignore=True)
    known = {row["name"]: datetime.fromisoformat(row["first_seen"]) for row in db.table("channels").rows}
    return {name: known.get(name, now) for name in names}


def remember_smtputf8(db: Database, server: str, offered: bool, now: datetime) -> None:
    """What the SMTP server `server` (host:port) offered when relance last talked to it."""
    with db.atomic():
        db.table("smtp_servers").upsert({"server": server, "smtputf8": int(offered), "seen_at": _text(now)},
                                        pk="server")


def offers_smtputf8(db: Database, server: str) -> bool:
    """Whether `server` offered SMTPUTF8 the last time relance talked to it (False when it never did)."""
    row = db.execute("SELECT smtputf8 FROM smtp_servers WHERE server = ?", [server]).fetchone()
    return bool(row and row[0])
