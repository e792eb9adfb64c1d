"""Real SMTP servers for the tests: aiosmtpd on a free port of 127.0.0.1, keeping what it accepts (with or
without SMTPUTF8); and a dripping one, a real TCP server that answers one byte a second."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
import time
from collections.abc import Callable
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


class Inbox:
    """An aiosmtpd handler keeping every message it accepts. It refuses the recipients in `refuse` for
    good (550: mailbox unknown), and those in `defer` for now (450)."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], EmailMessage]] = []
        self.refuse: set[str] = set()
        self.defer: set[str] = set()

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str,
                          rcpt_options: list[str]) -> str:
        if address in self.refuse:
            return f"550 5.1.1 <{address}>: mailbox unknown"
        if address in self.defer:
            return f"450 4.2.1 <{address}>: mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        parsed = email.message_from_bytes(content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append((envelope.mail_from or "", list(envelope.rcpt_tos), parsed))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for _, rcpt, m in self.messages if address in rcpt]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Mailer:
    """aiosmtpd on a free port; `smtputf8`: it offers SMTPUTF8 (RFC 6531) in its EHLO answer."""

    def __init__(self, smtputf8: bool = False) -> None:
        self.port = free_port()
        self.inbox = Inbox()
        self.smtputf8 = smtputf8
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port,
                                     enable_SMTPUTF8=self.smtputf8)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


class DrippingServer:
    """A real SMTP peer that sends its greeting one byte a second (`drip_s`), forever: each read gets a
    byte well within any socket timeout, so only a deadline on the whole exchange ends it. Counts the
    connections it accepted."""

    GREETING = b"220 drip.test ESMTP " + b"." * 10_000

    def __init__(self, drip_s: float = 1.0) -> None:
        self.drip_s = drip_s
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self.connections = 0
        self._stopped = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                peer, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._drip, args=(peer,), daemon=True).start()

    def _drip(self, peer: socket.socket) -> None:
        with peer:
            for byte in self.GREETING:
                if self._stopped.wait(self.drip_s):
                    return
                try:
                    peer.sendall(bytes([byte]))
                except OSError:
                    return

    def stop(self) -> None:
        self._stopped.set()
        self.listener.close()


def elapsed(work: Callable[[], object]) -> float:
    """Seconds `work()` took, measured here on the client's side."""
    started = time.monotonic()
    work()
    return time.monotonic() - started
