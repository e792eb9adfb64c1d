"""The e-mail a web subscription sends at once: the confirmation, or, to an address that already
follows relance, its manage link. Either way one message, so the page and its timing tell nothing.

Only the message just queued is sent here, not the whole queue: the queue is `relance notify`'s (or
`relance run`'s) job, and two processes sending it side by side could send a digest twice. It goes
through the one delivery loop with just that message; one that cannot be sent now stays in the
ledger as failed, and the next notify pass sends it.
"""

from __future__ import annotations

from datetime import datetime

from sqlite_utils import Database

from bot.app.config import Config
from bot.app.logs import describe, log_event
from bot.app.settings import smtp_sender
from bot.notify import delivery
from bot.notify.access_mail import render_access
from bot.notify.mail import build_email, message_id
from bot.notify.smtp import SmtpTransport
from bot.notify.subscriptions import MailSettings, describe_follows, follow_titles, link, subscribe
from storage.ledger import Message, email_recipient, queue_message
from storage.subscribers import Frequency, Subscriber

WEB_SMTP_TIMEOUT = 10.0  # a person is waiting for the page: do not hang for the config's full timeout


def queue_access(db: Database, subscriber: Subscriber, settings: MailSettings, now: datetime) -> Message:
    """Queue the e-mail that answers a subscribe request for an address already subscribed: its manage link."""
    follows = describe_follows(subscriber, follow_titles(db, subscriber.refs), settings.tag_labels)
    rendered = render_access(subscriber.email, link(settings, "manage", subscriber), follows,
                             paused=subscriber.state == "paused", now=now)

    def build(row_id: int) -> tuple[str, str, str]:
        mid = message_id(settings.sender, "access", row_id)
        return mid, rendered.subject, build_email(sender=settings.sender, to=subscriber.email,
                                                  subject=rendered.subject, text=rendered.text, html=rendered.html,
                                                  message_id=mid, date=now)

    # No subscriber id: the notify pass would otherwise cancel it for a paused subscriber, who needs it most.
    return queue_message(db, recipient=email_recipient(subscriber.email), kind="access", events=[], build=build,
                         now=now)


def request_subscription(db: Database, address: str, *, frequency: Frequency, tags: tuple[str, ...],
                         refs: tuple[str, ...], now: datetime, settings: MailSettings) -> Message:
    """Record a subscribe request (bot.notify.subscriptions) and queue the one e-mail it calls for."""
    result = subscribe(db, address, frequency=frequency, tags=tags, refs=refs, now=now, settings=settings)
    return result.confirmation or queue_access(db, result.subscriber, settings, now)


def web_sender(config: Config) -> SmtpTransport:
    return smtp_sender(config, max_timeout=WEB_SMTP_TIMEOUT)


def deliver(db: Database, transport: SmtpTransport, message: Message, now: datetime) -> bool:
    """Send one queued message now; False (logged, left failed for the next notify pass) when it could not go."""
    done = delivery.deliver(db, [message], transport, now=lambda: now)
    for failure in done.failures:
        log_event("web_mail_failed", "warning", kind=message.kind, message=message.id, error=describe(failure.error))
    return done.sent == 1
