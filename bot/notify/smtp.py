"""The SMTP transport (standard library only: plain, STARTTLS or implicit TLS): one session, opened
on first use, that hands the ledger's e-mails to the server.

Each message has one deadline, `[email] timeout`, for all of it: the connection when it opens the
session, every command and the data. A socket timeout alone bounds each read, so a server answering
one byte a second would hold a message for minutes; at the deadline the session's socket is shut down
and whatever was waiting fails at once.

Credentials come only from the environment (`RELANCE_SMTP_USER`, `RELANCE_SMTP_PASSWORD`), never
from the config file. A 5xx reply to a message (its recipient unknown, its content refused) is a
permanent refusal; anything else (a 4xx, a refused or dropped connection, the deadline) is temporary.
An address whose local part is not ASCII goes only to a server that offers SMTPUTF8; elsewhere its
message is refused for good, alone.
"""

from __future__ import annotations

import contextlib
import os
import smtplib
import socket
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parseaddr
from types import TracebackType
from typing import Literal, Self

from bot.notify.addresses import needs_smtputf8, smtp_address
from bot.notify.delivery import DeliveryError
from bot.notify.i18n import _
from storage.ledger import Message

Security = Literal["starttls", "tls", "none"]
PERMANENT = 500  # SMTP reply codes from here on refuse for good
QUIT_SECONDS = 5.0  # saying goodbye to a server is polite, not worth waiting for


class MailError(DeliveryError):
    """A message that was not handed over to the SMTP server."""


class MailUnavailable(MailError):
    """The server could not be reached, dropped the connection or outlasted the deadline: every
    message waits."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, unreachable=True)


class MailRefused(MailError):
    """The server refused this one message (its recipient, its sender or its content)."""


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str
    port: int
    security: Security
    timeout: float = 30.0  # the deadline of one message: connection, commands and data together
    user: str | None = None
    password: str | None = None

    @classmethod
    def with_env_credentials(cls, host: str, port: int, security: Security, timeout: float,
                             env: Mapping[str, str] = os.environ) -> SmtpSettings:
        return cls(host, port, security, timeout, env.get("RELANCE_SMTP_USER") or None,
                   env.get("RELANCE_SMTP_PASSWORD") or None)

    @property
    def server(self) -> str:
        return f"{self.host}:{self.port}"


class Deadline:
    """A whole exchange's time limit: when it passes, the socket of `session()` is shut down, which wakes
    a read or write waiting on it (in this thread) with an error. `expired` says that it was the cause."""

    def __init__(self, seconds: float, session: Callable[[], smtplib.SMTP | None]) -> None:
        self.seconds, self.expired = seconds, False
        self._session = session
        self._started = time.monotonic()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def remaining(self) -> float:
        return max(0.001, self.seconds - (time.monotonic() - self._started))

    def _expire(self) -> None:
        self.expired = True
        session = self._session()
        sock = getattr(session, "sock", None)
        if isinstance(sock, socket.socket):
            # The plain socket's shutdown, also under TLS: closing the TLS layer from this thread is not safe.
            with contextlib.suppress(OSError):
                socket.socket.shutdown(sock, socket.SHUT_RDWR)

    def __enter__(self) -> Self:
        self._started = time.monotonic()
        self._timer.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._timer.cancel()


def _open(s: SmtpSettings, deadline: Deadline, hold: Callable[[smtplib.SMTP], None]) -> smtplib.SMTP:
    """The session, connected, secured and logged in within `deadline`; `hold` is told of it before the
    first byte is read, so that the deadline can shut its socket."""
    timeout = min(s.timeout, deadline.remaining())
    smtp: smtplib.SMTP = (smtplib.SMTP_SSL(timeout=timeout, context=ssl.create_default_context())
                          if s.security == "tls" else smtplib.SMTP(timeout=timeout))
    hold(smtp)
    smtp.connect(s.host, s.port)
    if s.security == "starttls":
        smtp.starttls(context=ssl.create_default_context())
    smtp.ehlo_or_helo_if_needed()
    if s.user and s.password:
        smtp.login(s.user, s.password)
    return smtp


def _error_text(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"  # the exception's own words, as the server or the OS said them


def _unavailable(s: SmtpSettings, what: str, error: BaseException, deadline: Deadline) -> MailUnavailable:
    if deadline.expired:
        return MailUnavailable(_("serveur SMTP {server}{what} : pas de réponse complète dans le délai de {timeout} s "
                                 "([email] timeout)", server=s.server, what=what, timeout=format(s.timeout, "g")))
    return MailUnavailable(_("serveur SMTP {server}{what} : {error}", server=s.server, what=what,
                             error=_error_text(error)))


def connect(s: SmtpSettings) -> smtplib.SMTP:
    """An open SMTP session, secured and logged in as `s` says, within `s.timeout` in all; raises
    MailUnavailable. Also used by `relance doctor` to try the server without sending anything."""
    held: list[smtplib.SMTP] = []
    with Deadline(s.timeout, lambda: held[0] if held else None) as deadline:
        try:
            return _open(s, deadline, held.append)
        except (OSError, smtplib.SMTPException) as error:
            if held:
                held[0].close()
            raise _unavailable(s, "", error, deadline) from None


def _close(smtp: smtplib.SMTP | None) -> None:
    if smtp is None:
        return
    with Deadline(QUIT_SECONDS, lambda: smtp):
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()


def _refusal_is_permanent(error: smtplib.SMTPRecipientsRefused | smtplib.SMTPResponseException) -> bool:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= PERMANENT for code, _text in error.recipients.values())
    # A refused sender is the config's, not the message's: every message would meet it, so it is
    # never a reason to give one up.
    return not isinstance(error, smtplib.SMTPSenderRefused) and error.smtp_code >= PERMANENT


class SmtpTransport:
    """The e-mail transport: one SMTP session, opened on first use, sending as `sender` ([email]
    sender); `send` raises MailError and never half-reports."""

    def __init__(self, settings: SmtpSettings, sender: str, give_up_after: int | None = 3) -> None:
        self.settings, self.sender, self.give_up_after = settings, sender, give_up_after
        self._smtp: smtplib.SMTP | None = None
        self._opening: smtplib.SMTP | None = None
        # Whether the server offered SMTPUTF8 when the session opened; None until it has.
        self.offers_smtputf8: bool | None = None

    def _session(self) -> smtplib.SMTP | None:
        return self._smtp or self._opening

    def _hold(self, smtp: smtplib.SMTP) -> None:
        self._opening = smtp

    def send(self, message: Message) -> None:
        """Hand one e-mail to the server within the deadline; returns only once the server has accepted it."""
        with Deadline(self.settings.timeout, self._session) as deadline:
            try:
                self._send(message, deadline)
            except MailRefused:
                raise
            except (OSError, smtplib.SMTPException) as error:
                self._drop()  # a server that failed mid-way is not asked to QUIT: it may drip that too
                raise _unavailable(self.settings, _(" n'a pas pris le message pour {to}",
                                                    to=message.recipient.address), error, deadline) from None
        if deadline.expired:  # accepted just as the deadline shut the socket: the next message reconnects
            self._drop()

    def _send(self, message: Message, deadline: Deadline) -> None:
        if self._smtp is None:
            self._smtp = _open(self.settings, deadline, self._hold)
            self._opening = None
            self.offers_smtputf8 = self._smtp.has_extn("smtputf8")
        to, server = smtp_address(message.recipient.address), self.settings.server
        body = message.body.encode("utf-8")
        options = []
        if needs_smtputf8(to) or not message.body.isascii():
            if not self.offers_smtputf8:
                raise MailRefused(_("serveur SMTP {server} : il n'offre pas SMTPUTF8, dont le message pour {to} a "
                                    "besoin (une adresse accentuée avant le @)", server=server, to=to), permanent=True)
            options = ["SMTPUTF8", "BODY=8BITMIME"] if self._smtp.has_extn("8bitmime") else ["SMTPUTF8"]
        try:
            self._smtp.sendmail(parseaddr(self.sender)[1], [to], body, mail_options=options)
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as error:
            raise MailRefused(_("serveur SMTP {server} : il a refusé le message pour {to} : {error}", server=server,
                                to=to, error=_error_text(error)),
                              permanent=_refusal_is_permanent(error)) from None

    def _drop(self) -> None:
        for session in (self._smtp, self._opening):
            if session is not None:
                session.close()
        self._smtp = self._opening = None

    def close(self) -> None:
        session, self._smtp, self._opening = self._session(), None, None
        _close(session)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
