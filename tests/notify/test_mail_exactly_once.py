"""Exactly once against a busy database (issue 17): when the SMTP server has accepted a message and another
connection holds the database's write lock at the moment relance records it as sent, the record is tried
again before the next message goes out, and the next run sends nothing twice. And two senders side by
side (the web's and `relance notify`) never both send one message: each claims it first. A real aiosmtpd
server, a real SQLite file locked by a second real connection."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlite_utils import Database

from bot.notify.delivery import deliver
from bot.notify.smtp import SmtpSettings, SmtpTransport
from storage.db import open_db
from storage.ledger import (
    CLAIM_SECONDS,
    Message,
    claim,
    list_messages,
    messages_to_send,
)
from tests.notify.queued_mail import NOW, SENDER, queue
from tests.smtp import Inbox, Mailer

LOCK_HELD_S = 1.5


class LockingInbox(Inbox):
    """Accepts every message; on the first, takes the database's write lock through its own connection
    just before answering 250, and lets it go `LOCK_HELD_S` later. Notes, at each message, the states the
    ledger then holds (read through yet another connection)."""

    def __init__(self, db_path: Path) -> None:
        super().__init__()
        self.db_path = db_path
        self.states_seen: list[list[str]] = []
        self.locked = threading.Event()

    def _states(self) -> list[str]:
        with sqlite3.connect(self.db_path) as reader:
            return [state for (state,) in reader.execute("SELECT state FROM messages ORDER BY id")]

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.states_seen.append(self._states())
        if not self.locked.is_set():
            self.locked.set()
            holder = sqlite3.connect(self.db_path, check_same_thread=False, isolation_level=None)
            holder.execute("BEGIN IMMEDIATE")
            threading.Timer(LOCK_HELD_S, lambda: (holder.execute("COMMIT"), holder.close())).start()
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "relance.db"


@pytest.fixture
def db(db_path: Path) -> Iterator[Database]:
    database = open_db(db_path)
    # SQLite's own wait made short, so that the store's retries give up while the lock is still held and
    # the delivery loop's own retry of the record is what is tested.
    database.execute("PRAGMA busy_timeout = 100")
    yield database
    database.close()


def test_a_sent_record_refused_by_a_locked_database_is_retried_before_the_next_message(
        db: Database, db_path: Path) -> None:
    mailer, inbox = Mailer(), LockingInbox(db_path)
    mailer.inbox = inbox
    mailer.start()
    try:
        queue(db, "a@example.net", "b@example.net")
        with SmtpTransport(SmtpSettings("127.0.0.1", mailer.port, "none", 5), SENDER) as smtp:
            first = deliver(db, messages_to_send(db), smtp, now=lambda: NOW)
            again = deliver(db, messages_to_send(db), smtp, now=lambda: NOW)
    finally:
        mailer.stop()
    assert (first.sent, first.failed, first.unrecorded) == (2, 0, None)
    assert (again.sent, again.failed) == (0, 0)  # the next run: nothing left, nothing sent twice
    assert [rcpt for _, rcpt, _ in mailer.inbox.messages] == [["a@example.net"], ["b@example.net"]]
    # When b's message reached the server, a's was already recorded as sent, after the lock went.
    assert inbox.states_seen == [["queued", "queued"], ["sent", "queued"]]
    assert [m.state for m in list_messages(db)] == ["sent", "sent"]


def test_a_record_that_never_goes_in_stops_the_run_and_names_the_message(db: Database, db_path: Path,
                                                                          mailer: Mailer) -> None:
    queue(db, "a@example.net", "b@example.net")
    holder = sqlite3.connect(db_path, isolation_level=None)

    class LockAfterSend(SmtpTransport):
        def send(self, message: Message) -> None:
            super().send(message)
            holder.execute("BEGIN IMMEDIATE")  # from here on, every write of `db` is refused

    try:
        with LockAfterSend(SmtpSettings("127.0.0.1", mailer.port, "none", 5), SENDER) as smtp:
            done = deliver(db, messages_to_send(db), smtp, now=lambda: NOW, record_patience_s=0.5)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert (done.sent, done.failed) == (0, 0) and done.unrecorded is not None
    assert "refusé de l'enregistrer comme envoyé" in done.unrecorded
    assert "<relance.immediate.1@relance.test>" in done.unrecorded
    assert [rcpt for _, rcpt, _ in mailer.inbox.messages] == [["a@example.net"]]  # b was not sent meanwhile
    # The message stays claimed: a second sender does not send it again until the claim lapses.
    assert deliver(db, messages_to_send(db), SmtpTransport(SmtpSettings("127.0.0.1", mailer.port, "none", 5), SENDER),
                   now=lambda: NOW).sent == 1  # b's
    assert [rcpt for _, rcpt, _ in mailer.inbox.messages] == [["a@example.net"], ["b@example.net"]]


def test_a_message_another_sender_holds_is_left_to_it_until_its_claim_lapses(db: Database, mailer: Mailer) -> None:
    [message] = queue(db, "a@example.net")
    assert claim(db, message, NOW)  # the web's sender took it
    transport = SmtpTransport(SmtpSettings("127.0.0.1", mailer.port, "none", 5), SENDER)
    with transport:
        assert deliver(db, messages_to_send(db), transport, now=lambda: NOW + timedelta(seconds=30)).sent == 0
        assert mailer.inbox.messages == []
        # The other sender stopped mid-attempt (a crash): once the claim lapses, the message goes.
        lapsed = NOW + timedelta(seconds=CLAIM_SECONDS + 1)
        assert deliver(db, messages_to_send(db), transport, now=lambda: lapsed).sent == 1
    assert len(mailer.inbox.messages) == 1 and not claim(db, message, lapsed)  # sent: nobody claims it again


def test_a_claim_dated_ahead_by_a_clock_stepped_back_lapses_too(db: Database) -> None:
    [message] = queue(db, "a@example.net")
    assert claim(db, message, NOW + timedelta(hours=2))  # claimed before the clock went back two hours
    assert not claim(db, message, NOW + timedelta(hours=2, seconds=10))
    assert claim(db, message, NOW)


def test_the_claim_of_a_sender_that_died_lapses_at_once(db: Database, db_path: Path, mailer: Mailer) -> None:
    [message] = queue(db, "a@example.net")
    # Another real process claims the message and dies before recording anything (a SIGKILL mid-send).
    child = ("import sys; from datetime import datetime; from storage.db import open_db; "
             "from storage.ledger import claim, messages_to_send; db = open_db(sys.argv[1]); "
             "[m] = messages_to_send(db); assert claim(db, m, datetime.fromisoformat(sys.argv[2])); "
             "import os; os._exit(9)")
    done = subprocess.run([sys.executable, "-c", child, str(db_path), NOW.isoformat()], check=False,
                          cwd=Path(__file__).resolve().parents[2], timeout=60)
    assert done.returncode == 9
    with sqlite3.connect(db_path) as reader:
        [(claimed_by,)] = reader.execute("SELECT claimed_by FROM messages").fetchall()
    assert claimed_by and not claimed_by.endswith(f":{os.getpid()}")  # held by the dead child, not by us
    with SmtpTransport(SmtpSettings("127.0.0.1", mailer.port, "none", 5), SENDER) as smtp:
        assert deliver(db, messages_to_send(db), smtp, now=lambda: NOW).sent == 1  # the next run sends it
    assert [m.state for m in list_messages(db)] == ["sent"] and len(mailer.inbox.messages) == 1
    assert not claim(db, message, NOW)  # sent: nobody claims it again
