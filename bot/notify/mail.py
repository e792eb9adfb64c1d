"""E-mail messages and the SMTP connection (standard library only: plain, STARTTLS or implicit TLS).

Credentials come only from the environment (`RELANCE_SMTP_USER`, `RELANCE_SMTP_PASSWORD`), never
from the config file.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from types import TracebackType
from typing import Literal, Self

from scrapers.errors import CannotRun

Security = Literal["starttls", "tls", "none"]


class MailError(CannotRun):
    """A message that was not handed over to the SMTP server."""


class MailUnavailable(MailError):
    """The server could not be reached, or dropped the connection: every message waits."""


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
    def with_env_credentials(cls, host: str, port: int, security: Security, timeout: float) -> SmtpSettings:
        return cls(host, port, security, timeout, os.environ.get("RELANCE_SMTP_USER") or None,
                   os.environ.get("RELANCE_SMTP_PASSWORD") or None)


def sender_domain(sender: str) -> str:
    return parseaddr(sender)[1].rpartition("@")[2] or "relance.invalid"


def build_email(*, sender: str, to: str, subject: str, text: str, html: str | None, message_id: str,
                date: datetime, unsubscribe_url: str | None = None,
                unsubscribe_mailto: str | None = None) -> str:
    """The whole message, as the ASCII text sent to the server (and stored in the ledger).
    `unsubscribe_mailto` is a whole `mailto:` URI."""
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(date)
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"
    targets = [f"<{unsubscribe_mailto}>"] if unsubscribe_mailto else []
    if unsubscribe_url:
        targets.insert(0, f"<{unsubscribe_url}>")
        # RFC 8058: a mail client may unsubscribe with one POST to the https URL, no page to visit.
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    if targets:
        message["List-Unsubscribe"] = ", ".join(targets)
    message.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
    if html is not None:
        message.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    return message.as_bytes(policy=policy.SMTP).decode("ascii")


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


class SmtpSender:
    """One SMTP session, opened on first use; `send` raises MailError and never half-reports."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        return connect(self.settings)

    def send(self, sender: str, to: str, body: str) -> None:
        """Hand one message to the server; returns only once the server has accepted it."""
        if self._smtp is None:
            self._smtp = self._connect()
        where = f"SMTP server {self.settings.host}:{self.settings.port}"
        try:
            self._smtp.sendmail(parseaddr(sender)[1], [to], body.encode("ascii"))
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as error:
            raise MailRefused(f"{where} refused the message to {to}: {type(error).__name__}: {error}") from None
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
