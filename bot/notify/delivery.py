"""The one delivery loop: every message of the ledger (an e-mail, a channel notice, an admin alarm)
goes to its transport, then the ledger records it sent, failed (sent again on the next run) or given up.

A `Transport` is one integration (SMTP, Apprise): `send(message)` returns once the other end has
accepted the message, or raises `DeliveryError`, which says whether the refusal is permanent (an
SMTP 5xx: the same message would be refused again) and whether the transport itself is unreachable
(every other message would fail the same way, so the run stops).

Each message is claimed in the ledger before its attempt (`storage.ledger.claim`): a message another
sender holds, or has sent meanwhile, is skipped, so two processes never both send it.

The one window where a crash repeats a message: after the other end accepted it and before the
ledger recorded it as sent. `mark_sent` follows the reply at once, in its own transaction, before
the next message is touched; when the database refuses that record (another process holding it locked
beyond the store's own retries), the record is tried again, for up to `RECORD_PATIENCE_S`, and no other
message goes out meanwhile. If it never goes in, the loop stops there: the message stays claimed, and is
sent again only once its claim lapses, the same repeat as a crash.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from sqlite_utils import Database

from bot.notify.i18n import _, n_
from scrapers.errors import CannotRun
from storage.ledger import Message, claim, mark_failed, mark_given_up, mark_sent
from storage.transactions import DatabaseBusy, is_busy

# How long a "sent" the database refuses is tried again before the loop gives up on the run (each try
# already waits the store's busy timeout and retries): a lock held this long is a stuck process.
RECORD_PATIENCE_S = 120.0
RECORD_PAUSE_S = 0.2


class DeliveryError(CannotRun):
    """A message its transport did not hand over. `reason` is what the ledger records; `permanent`:
    the other end refused this message for good; `unreachable`: the transport is down for every message."""

    def __init__(self, reason: str, *, permanent: bool = False, unreachable: bool = False) -> None:
        self.reason, self.permanent, self.unreachable = reason, permanent, unreachable
        super().__init__(reason)


class Transport(Protocol):
    """One integration: hands one ledger message over, or raises `DeliveryError`."""

    @property
    def give_up_after(self) -> int | None:
        """Permanent refusals after which a message is given up; None: never."""

    def send(self, message: Message) -> None: ...


@dataclass(frozen=True, slots=True)
class Failure:
    message: Message
    error: DeliveryError
    given_up: bool = False

    def __str__(self) -> str:
        if self.given_up:
            return n_("{error} (abandonné après {n} refus définitif)", "{error} (abandonné après {n} refus définitifs)",
                      self.message.refusals + 1, error=self.error)
        return str(self.error)


@dataclass
class Delivery:
    """What one pass of the loop did."""

    sent: int = 0
    failures: list[Failure] = field(default_factory=list)
    stopped: bool = False  # `stop_after` failures in a row: the rest was left for the next run

    @property
    def failed(self) -> int:
        return len(self.failures)

    @property
    def given_up(self) -> int:
        return sum(f.given_up for f in self.failures)

    @property
    def errors(self) -> list[str]:
        return [str(f) for f in self.failures] + ([self.unrecorded] if self.unrecorded else [])

    # A message the transport took whose "sent" the database would not record: the run stopped there.
    unrecorded: str | None = None


def _record_failure(db: Database, message: Message, error: DeliveryError, give_up_after: int | None) -> Failure:
    if error.permanent and give_up_after is not None and message.refusals + 1 >= give_up_after:
        mark_given_up(db, message, error.reason)
        return Failure(message, error, given_up=True)
    mark_failed(db, message, error.reason, refused=error.permanent)
    return Failure(message, error)


def record_sent(db: Database, message: Message, at: datetime, *, patience_s: float = RECORD_PATIENCE_S) -> bool:
    """Record `message` as sent, trying again while the database refuses (locked by another process) for
    up to `patience_s`; False when it never went in."""
    deadline = time.monotonic() + patience_s
    while True:
        try:
            mark_sent(db, message, at)
            return True
        except sqlite3.OperationalError as error:
            if not (isinstance(error, DatabaseBusy) or is_busy(error)):
                raise
            if time.monotonic() >= deadline:
                return False
            time.sleep(RECORD_PAUSE_S)


def deliver(db: Database, messages: Iterable[Message], transport: Transport, *, now: Callable[[], datetime],
            stop_after: int | None = None, record_patience_s: float = RECORD_PATIENCE_S) -> Delivery:
    """Hand each message to `transport` in turn and record the outcome in the ledger. The loop stops
    at an unreachable transport, after `stop_after` failures in a row, or at a "sent" the database will
    not record; the messages not tried wait in the ledger for the next run. `messages` is read lazily,
    one message before its attempt; one another sender holds is left to it."""
    done = Delivery()
    in_a_row = 0
    for message in messages:
        if not claim(db, message, now()):
            continue
        try:
            transport.send(message)
        except DeliveryError as error:
            done.failures.append(_record_failure(db, message, error, transport.give_up_after))
            in_a_row += 1
            if error.unreachable:
                break
            if stop_after is not None and in_a_row >= stop_after:
                done.stopped = True
                break
            continue
        if not record_sent(db, message, now(), patience_s=record_patience_s):
            done.unrecorded = _("{recipient} a accepté le message {id} ({message_id}), mais la base de données a "
                                "refusé de l'enregistrer comme envoyé pendant {seconds} s : l'envoi s'arrête ici ; il "
                                "sera envoyé de nouveau quand sa réservation expirera", recipient=message.recipient,
                                id=message.id, message_id=message.message_id, seconds=format(record_patience_s, "g"))
            break
        done.sent += 1
        in_a_row = 0
    return done
