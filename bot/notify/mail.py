"""E-mail messages as relance stores and sends them: the whole message, and its Message-ID.

Sending them is `bot.notify.smtp`'s job.
"""

from __future__ import annotations

from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from bot.notify.addresses import needs_smtputf8, smtp_address


def sender_domain(sender: str) -> str:
    return parseaddr(sender)[1].rpartition("@")[2] or "relance.invalid"


def message_id(sender: str, kind: str, row_id: int) -> str:
    """The Message-ID of the ledger's message `row_id`: stable, so a repeat is recognisable."""
    return f"<relance.{kind}.{row_id}@{sender_domain(sender)}>"


def build_email(*, sender: str, to: str, subject: str, text: str, html: str | None, message_id: str,
                date: datetime, unsubscribe_url: str | None = None,
                unsubscribe_mailto: str | None = None) -> str:
    """The whole message, as the text sent to the server (and stored in the ledger): ASCII, unless the
    recipient's local part is not (then UTF-8 headers, for a server that offers SMTPUTF8). The
    recipient's domain is written as its A-label. `unsubscribe_mailto` is a whole `mailto:` URI."""
    utf8 = needs_smtputf8(to)
    message = EmailMessage(policy=policy.SMTPUTF8 if utf8 else policy.SMTP)
    message["From"] = sender
    message["To"] = smtp_address(to)
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
    if utf8:
        return message.as_bytes(policy=policy.SMTPUTF8).decode("utf-8")
    return message.as_bytes(policy=policy.SMTP).decode("ascii")
