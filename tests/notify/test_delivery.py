"""The one delivery loop on a real SQLite ledger: what it records for each outcome, when it stops;
and the SMTP transport's reading of a real server's refusals (aiosmtpd: 550 for good, 450 for now)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlite_utils import Database

from bot.notify.delivery import DeliveryError, deliver
from bot.notify.smtp import MailRefused, MailUnavailable, SmtpSettings, SmtpTransport
from storage.db import open_db
from storage.ledger import Message, list_messages, messages_to_send
from tests.notify.queued_mail import NOW, SENDER, queue
from tests.smtp import Mailer


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = open_db(tmp_path / "relance.db")
    yield database
    database.close()


class Scripted:
    """A transport that answers each address as told: None accepts, an error refuses."""

    def __init__(self, answers: dict[str, DeliveryError | None], give_up_after: int | None = 3) -> None:
        self.answers, self.give_up_after = answers, give_up_after
        self.tried: list[str] = []

    def send(self, message: Message) -> None:
        self.tried.append(message.recipient.address)
        if (error := self.answers.get(message.recipient.address)) is not None:
            raise error


def states(db: Database) -> list[tuple[str, str, int, int]]:
    return [(m.recipient.address, m.state, m.attempts, m.refusals) for m in list_messages(db)]


def test_each_outcome_is_recorded(db: Database) -> None:
    queue(db, "a@x.test", "b@x.test", "c@x.test")
    transport = Scripted({"b@x.test": DeliveryError("550 unknown", permanent=True),
                          "c@x.test": DeliveryError("451 later")})
    done = deliver(db, messages_to_send(db), transport, now=lambda: NOW)
    assert (done.sent, done.failed, done.given_up, done.stopped) == (1, 2, 0, False)
    assert done.errors == ["550 unknown", "451 later"]
    assert states(db) == [("a@x.test", "sent", 1, 0), ("b@x.test", "failed", 1, 1), ("c@x.test", "failed", 1, 0)]
    [message] = [m for m in list_messages(db) if m.recipient.address == "b@x.test"]
    assert message.last_error == "550 unknown" and message.sent_at is None


def test_a_permanent_refusal_is_given_up_after_give_up_after_tries(db: Database) -> None:
    queue(db, "b@x.test")
    transport = Scripted({"b@x.test": DeliveryError("550 unknown", permanent=True)}, give_up_after=3)
    for expected in (("failed", 1, 1), ("failed", 2, 2)):
        assert deliver(db, messages_to_send(db), transport, now=lambda: NOW).given_up == 0
        assert states(db) == [("b@x.test", *expected)]
    third = deliver(db, messages_to_send(db), transport, now=lambda: NOW)
    assert (third.failed, third.given_up) == (1, 1)
    assert third.errors == ["550 unknown (abandonné après 3 refus définitifs)"]
    assert states(db) == [("b@x.test", "given_up", 3, 3)]
    assert messages_to_send(db) == []  # never tried again
    assert transport.tried == ["b@x.test"] * 3


def test_temporary_failures_are_never_given_up(db: Database) -> None:
    queue(db, "c@x.test")
    transport = Scripted({"c@x.test": DeliveryError("451 later")}, give_up_after=1)
    for _ in range(5):
        deliver(db, messages_to_send(db), transport, now=lambda: NOW)
    assert states(db) == [("c@x.test", "failed", 5, 0)]
    transport.answers.clear()
    assert deliver(db, messages_to_send(db), transport, now=lambda: NOW).sent == 1
    assert states(db) == [("c@x.test", "sent", 6, 0)]


def test_an_unreachable_transport_stops_the_loop(db: Database) -> None:
    queue(db, "a@x.test", "b@x.test", "c@x.test")
    transport = Scripted({"b@x.test": DeliveryError("connection refused", unreachable=True)})
    done = deliver(db, messages_to_send(db), transport, now=lambda: NOW)
    assert (done.sent, done.failed, done.stopped) == (1, 1, False)
    assert [s[1] for s in states(db)] == ["sent", "failed", "queued"]  # the rest waits, untried


def test_stop_after_failures_in_a_row(db: Database) -> None:
    queue(db, "a@x.test", "b@x.test", "c@x.test", "d@x.test")
    down = DeliveryError("503")
    transport = Scripted({"a@x.test": down, "b@x.test": down, "c@x.test": down})
    done = deliver(db, messages_to_send(db), transport, now=lambda: NOW, stop_after=2)
    assert (done.sent, done.failed, done.stopped) == (0, 2, True)
    assert [s[1] for s in states(db)] == ["failed", "failed", "queued", "queued"]


# --- the SMTP transport against a real server -------------------------------------------------------

def smtp(mailer: Mailer, give_up_after: int = 3) -> SmtpTransport:
    return SmtpTransport(SmtpSettings("127.0.0.1", mailer.port, "none", 5), SENDER, give_up_after)


def test_smtp_550_is_permanent_450_is_not(db: Database, mailer: Mailer) -> None:
    ok, unknown, busy = queue(db, "ok@x.test", "unknown@x.test", "busy@x.test")
    mailer.inbox.refuse.add("unknown@x.test")
    mailer.inbox.defer.add("busy@x.test")
    with smtp(mailer) as transport:
        transport.send(ok)
        with pytest.raises(MailRefused) as refused:
            transport.send(unknown)
        with pytest.raises(MailRefused) as deferred:
            transport.send(busy)
    assert refused.value.permanent and "550" in str(refused.value) and "unknown@x.test" in str(refused.value)
    assert not deferred.value.permanent and "450" in str(deferred.value)
    assert not refused.value.unreachable and not deferred.value.unreachable
    assert [rcpt for _, rcpt, _ in mailer.inbox.messages] == [["ok@x.test"]]
    assert mailer.inbox.messages[0][0] == "relance@relance.test"  # the envelope's sender: [email] sender


def test_smtp_down_is_temporary_and_unreachable(db: Database, mailer: Mailer) -> None:
    [message] = queue(db, "ok@x.test")
    mailer.stop()
    with smtp(mailer) as transport, pytest.raises(MailUnavailable) as down:
        transport.send(message)
    assert down.value.unreachable and not down.value.permanent


def test_the_loop_gives_up_a_real_550(db: Database, mailer: Mailer) -> None:
    queue(db, "ok@x.test", "unknown@x.test")
    mailer.inbox.refuse.add("unknown@x.test")
    with smtp(mailer, give_up_after=2) as transport:
        first = deliver(db, messages_to_send(db), transport, now=lambda: NOW)
        second = deliver(db, messages_to_send(db), transport, now=lambda: NOW)
    assert (first.sent, first.failed, first.given_up) == (1, 1, 0)
    assert (second.sent, second.failed, second.given_up) == (0, 1, 1)
    assert states(db) == [("ok@x.test", "sent", 1, 0), ("unknown@x.test", "given_up", 2, 2)]
    [given_up] = [m for m in list_messages(db) if m.state == "given_up"]
    assert given_up.last_error is not None and "550" in given_up.last_error and "mailbox unknown" in given_up.last_error
