"""Plain e-mails queued in the delivery ledger, one per address, for the tests of the delivery loop."""

from __future__ import annotations

from datetime import datetime

from sqlite_utils import Database

from bot.core.deadlines import PARIS
from bot.notify.mail import build_email, message_id
from storage.ledger import BuildMessage, Message, email_recipient, queue_message

NOW = datetime(2025, 6, 4, 10, 0, tzinfo=PARIS)
SENDER = "relance <relance@relance.test>"


def email_to(address: str, *, subject: str = "Bonjour", text: str = "Bonjour.\n") -> BuildMessage:
    def build(row_id: int) -> tuple[str, str, str]:
        mid = message_id(SENDER, "immediate", row_id)
        return mid, subject, build_email(sender=SENDER, to=address, subject=subject, text=text, html=None,
                                         message_id=mid, date=NOW)
    return build


def queue(db: Database, *addresses: str, subject: str = "Bonjour", text: str = "Bonjour.\n") -> list[Message]:
    """One immediate e-mail queued to each address, in order."""
    return [queue_message(db, recipient=email_recipient(a), kind="immediate", events=[],
                          build=email_to(a, subject=subject, text=text), now=NOW) for a in addresses]
