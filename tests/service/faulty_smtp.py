"""An SMTP server (aiosmtpd) with faults a test switches on: recipients refused (550), a connection
dropped in the middle of DATA, a message held unanswered; and the notices three subscribers are due."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from tests.app.check_site import relance
from tests.notify.subscribers_site import ok, subscribe_and_confirm
from tests.service.faults import WAIT, rows
from tests.smtp import Inbox, Mailer


class FaultyInbox(Inbox):
    """tests/smtp.py's inbox, with faults a test switches on: refuse some recipients (550), hang up in
    the middle of DATA for some, or hold the n-th message once received until `release` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.refuse: set[str] = set()
        self.hang_up_once: set[str] = set()
        self.hold_message: int | None = None  # the n-th message accepted since the inbox started
        self.holding = threading.Event()
        self.release = threading.Event()

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str,
                          rcpt_options: list[str]) -> str:
        if address in self.refuse:
            return f"550 5.1.1 <{address}>: mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        status = await super().handle_DATA(server, session, envelope)
        if len(self.messages) == self.hold_message:
            # Received whole, not yet answered: the sender waits for our "250" as for a slow server.
            self.holding.set()
            deadline = time.monotonic() + WAIT
            while not self.release.is_set() and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
        return status


class HangingUpSMTP(SMTP):
    """aiosmtpd's server, except that for a recipient in `hang_up_once` it reads the first line of
    the message after `354` and closes the connection: a drop in the middle of DATA."""

    async def smtp_DATA(self, arg: str) -> None:
        inbox = self.event_handler
        to = set(self.envelope.rcpt_tos) if self.envelope else set()
        if isinstance(inbox, FaultyInbox) and to & inbox.hang_up_once and not arg:
            inbox.hang_up_once -= to
            await self.push("354 End data with <CR><LF>.<CR><LF>")
            await self._reader.readuntil(b"\r\n")
            self.transport.close()
            return
        await super().smtp_DATA(arg)


class FaultyController(Controller):
    def factory(self) -> SMTP:
        return HangingUpSMTP(self.handler, **self.SMTP_kwargs)


class FaultyMailer(Mailer):
    def __init__(self) -> None:
        super().__init__()
        self.inbox: FaultyInbox = FaultyInbox()

    def start(self) -> None:
        self.controller = FaultyController(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()


@pytest.fixture
def mailer() -> Iterator[FaultyMailer]:
    """Replaces tests/smtp.py's `mailer` (its `config` fixture, imported here as `notify_config`,
    takes the port from this one)."""
    server = FaultyMailer()
    server.start()
    yield server
    server.inbox.release.set()
    server.stop()


SUBSCRIBERS = ("alice@example.net", "bob@example.net", "carol@example.net")


def three_notices_due(config: Path, mailer: FaultyMailer) -> None:
    """Three confirmed immediate subscribers, then a cycle that sees the question for the first
    time: one notice due to each, queued in this order."""
    for address in SUBSCRIBERS:
        subscribe_and_confirm(config, mailer, address, "--frequency", "immediate")
    ok(relance(config, "check"))


def notices(mailer: FaultyMailer, address: str) -> list[EmailMessage]:
    """What an address received after its confirmation e-mail."""
    return mailer.inbox.to(address)[1:]


def ledger(config: Path) -> dict[str, tuple[str, int]]:
    """recipient -> (state, attempts) of the notices (not the confirmations)."""
    return {recipient: (state, attempts) for recipient, state, attempts in
            rows(config, "SELECT recipient, state, attempts FROM messages WHERE kind = 'immediate' ORDER BY id")}
