"""Migration m006 on a database written by the previous relance: recipients were prefixed strings
("email:…", "channel:…"); they become typed, and the messages still queued are sent as they were."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

from sqlite_utils import Database

from bot.core.deadlines import PARIS
from bot.notify.delivery import deliver
from bot.notify.mail import build_email
from bot.notify.smtp import SmtpSettings, SmtpTransport
from storage.db import migrations, open_db
from storage.ledger import (
    Recipient,
    channel_recipient,
    email_recipient,
    list_messages,
    messages_to_send,
    undelivered_events,
)
from tests.smtp import Mailer

NOW = datetime(2025, 6, 4, 10, 0, tzinfo=PARIS)
SENDER = "relance <relance@relance.test>"
MESSAGE_ID = "<relance.immediate.1@relance.test>"


def old_database(path: Path) -> None:
    """The ledger as relance wrote it before m006: one notice queued for alice, one sent to a channel."""
    db = Database(sqlite3.connect(path))
    migrations.apply(db, stop_before="m006_typed_recipients")
    db.table("events").insert_all([
        {"id": 1, "ref": "QANR5L17QE5268", "kind": "answered", "key": "2025-06-03", "seen_at": "2025-06-04T07:30:00Z"},
        {"id": 2, "ref": "QANR5L17QE5268", "kind": "overdue", "key": "2025-05-25", "seen_at": "2025-06-04T07:30:00Z"},
    ])
    body = build_email(sender=SENDER, to="alice@example.net", subject="Réponse", text="Une réponse.\n", html=None,
                       message_id=MESSAGE_ID, date=NOW)
    common = {"kind": "immediate", "attempts": 0, "created_at": "2025-06-04T08:00:00Z"}
    db.table("messages").insert_all([
        {"id": 1, "recipient": "email:alice@example.net", "state": "queued", "message_id": MESSAGE_ID,
         "subject": "Réponse", "body": body, **common},
        {"id": 2, "recipient": "channel:equipe", "state": "sent", "subject": "AN 17-5268", "body": "{}",
         **common, "kind": "channel"},
        {"id": 3, "recipient": "channel:@admin", "state": "failed", "subject": "alarme", "body": "{}",
         **common, "kind": "admin"},
    ])
    db.table("deliveries").insert_all([{"recipient": "email:alice@example.net", "event_id": 1, "message": 1},
                                       {"recipient": "channel:equipe", "event_id": 1, "message": 2}])
    db.close()


def test_old_recipients_become_typed_and_queued_mail_still_goes(tmp_path: Path, mailer: Mailer) -> None:
    path = tmp_path / "relance.db"
    old_database(path)
    db = open_db(path)
    assert [m.recipient for m in list_messages(db)] == [Recipient("email", "alice@example.net"),
                                                       Recipient("channel", "equipe"), Recipient("channel", "@admin")]
    assert all(m.refusals == 0 for m in list_messages(db))
    # The ledger's unique key still knows who got what: event 1 is carried to both, event 2 to neither.
    assert [e.id for e in undelivered_events(db, email_recipient("alice@example.net"))] == [2]
    assert [e.id for e in undelivered_events(db, channel_recipient("equipe"))] == [2]
    assert [e.id for e in undelivered_events(db, email_recipient("equipe"))] == [1, 2]  # another kind: another one
    assert [m.id for m in messages_to_send(db, via="email")] == [1]
    assert [m.id for m in messages_to_send(db, to=channel_recipient("@admin"), kind="admin")] == [3]

    with SmtpTransport(SmtpSettings("127.0.0.1", mailer.port, "none", 5), SENDER) as smtp:
        done = deliver(db, messages_to_send(db, via="email"), smtp, now=lambda: NOW)
    assert done.sent == 1
    [(_sender, to, received)] = mailer.inbox.messages
    assert to == ["alice@example.net"] and received["Message-ID"] == MESSAGE_ID  # the very message queued
    assert [m.state for m in list_messages(db)] == ["sent", "sent", "failed"]
    db.close()
