"""The SMTP transport (standard library only: plain, STARTTLS or implicit TLS): one session, opened
on first use, that hands the ledger's e-mails to the server.

Credentials come only from the environment (`RELANCE_SMTP_USER`, `RELANCE_SMTP_PASSWORD`), never
from the config file. A 5xx reply to a message (its recipient unknown, its content refused) is a
permanent refusal; anything else (a 4xx, a refused or dropped connection) is temporary.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parseaddr
from types import TracebackType
from typing import Literal, Self

from bot.notify.delivery import DeliveryError
from storage.ledger import Message

Security = Literal["starttls", "tls", "none"]
PERMANENT = 500  # SMTP reply codes from here on refuse for good


class MailError(DeliveryError):
    """A message that was not handed over to the SMTP server."""


class MailUnavailable(MailError):
    """The server could not be reached, or dropped the connection: every message waits."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, unreachable=True)


class MailRefused(MailError):
    """The server refused this one message (its recipient, its sender or its content)."""


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str
    port: int
    security: Security
    timeout: float = 30.0
    user: str | None = None
    password: str | None = None

    @classmethod
    def with_env_credentials(cls, host: str, port: int, security: Security, timeout: float,
                             env: Mapping[str, str] = os.environ) -> SmtpSettings:
        return cls(host, port, security, timeout, env.get("RELANCE_SMTP_USER") or None,
                   env.get("RELANCE_SMTP_PASSWORD") or None)


def connect(s: SmtpSettings) -> smtplib.SMTP:
    """An open SMTP session, secured and logged in as `s` says; raises MailUnavailable. Also used by
    `relance doctor` to try the server without sending anything."""
    try:
        if s.security == "tls":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout,
                                                  context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            if s.security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
        if s.user and s.password:
            smtp.login(s.user, s.password)
    except (OSError, smtplib.SMTPException) as error:
        raise MailUnavailable(f"SMTP server {s.host}:{s.port}: {type(error).__name__}: {error}") from None
    return smtp


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

    def send(self, message: Message) -> None:
        """Hand one e-mail to the server; returns only once the server has accepted it."""
        to = message.recipient.address
        if self._smtp is None:
            self._smtp = connect(self.settings)
        where = f"SMTP server {self.settings.host}:{self.settings.port}"
        try:
            self._smtp.sendmail(parseaddr(self.sender)[1], [to], message.body.encode("ascii"))
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as error:
            raise MailRefused(f"{where} refused the message to {to}: {type(error).__name__}: {error}",
                              permanent=_refusal_is_permanent(error)) from None
        except (OSError, smtplib.SMTPException) as error:
            self.close()
            raise MailUnavailable(f"{where} did not take the message to {to}: {type(error).__name__}: {error}") \
                from None

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (OSError, smtplib.SMTPException):
                self._smtp.close()
            self._smtp = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
