"""The e-mail a web subscription sends at once: the confirmation, or, to an address that already
follows relance, its manage link. Either way one message, so the page and its timing tell nothing.

Only the message just queued is sent here, not the whole queue: the queue is `relance notify`'s (or
`relance run`'s) job, and two processes sending it side by side could send a digest twice. A message
that cannot be sent now stays in the ledger as failed, and the next notify pass sends it.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

import css_inline
from babel.dates import format_time
from jinja2 import ChoiceLoader, Environment, PackageLoader, StrictUndefined, select_autoescape
from sqlite_utils import Database

from bot.app.config import Config
from bot.app.logs import describe, log_event
from bot.app.settings import smtp_sender
from bot.core.deadlines import PARIS
from bot.notify.digest import fill
from bot.notify.mail import MailError, SmtpSender, build_email
from bot.notify.subscriptions import MailSettings, describe_follows, link, message_id, subscribe
from bot.notify.wording import LOCALE, fr_date
from storage.ledger import Message, email_recipient, mark_failed, mark_sent, queue_message
from storage.subscribers import Frequency, Subscriber

ACCESS_SUBJECT = "Votre abonnement à relance"
WEB_SMTP_TIMEOUT = 10.0  # a person is waiting for the page: do not hang for the config's full timeout

_ENV = Environment(
    # The web's own mail templates first; they extend the e-mail layout of bot/notify.
    loader=ChoiceLoader([PackageLoader("bot.web", "templates/mail"), PackageLoader("bot.notify", "templates")]),
    autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), disabled_extensions=("txt", "txt.j2"),
                                 default=True),
    undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
)
_ENV.filters["fill"] = fill


def queue_access(db: Database, subscriber: Subscriber, settings: MailSettings, now: datetime) -> Message:
    """Queue the e-mail that answers a subscribe request for an address already subscribed: its manage link."""
    local = now.astimezone(PARIS)
    context = {"subject": ACCESS_SUBJECT, "email": subscriber.email, "manage_url": link(settings, "manage", subscriber),
               "follows": describe_follows(subscriber), "paused": subscriber.state == "paused",
               "asked_at": f"{fr_date(local.date())} à {format_time(local, 'HH:mm', locale=LOCALE)}"}
    text = _ENV.get_template("access.txt.j2").render(context)
    html = css_inline.inline(_ENV.get_template("access.html.j2").render(context))

    def build(row_id: int) -> tuple[str, str, str]:
        mid = message_id(settings, row_id, "access")
        return mid, ACCESS_SUBJECT, build_email(sender=settings.sender, to=subscriber.email, subject=ACCESS_SUBJECT,
                                                text=text, html=html, message_id=mid, date=now)

    # No subscriber id: the notify pass would otherwise cancel it for a paused subscriber, who needs it most.
    return queue_message(db, recipient=email_recipient(subscriber.email), kind="access", events=[], build=build,
                         now=now)


def request_subscription(db: Database, address: str, *, frequency: Frequency, tags: tuple[str, ...],
                         refs: tuple[str, ...], now: datetime, settings: MailSettings) -> Message:
    """Record a subscribe request (bot.notify.subscriptions) and queue the one e-mail it calls for."""
    result = subscribe(db, address, frequency=frequency, tags=tags, refs=refs, now=now, settings=settings)
    return result.confirmation or queue_access(db, result.subscriber, settings, now)


def web_sender(config: Config) -> SmtpSender:
    sender = smtp_sender(config)
    return SmtpSender(dataclasses.replace(sender.settings, timeout=min(sender.settings.timeout, WEB_SMTP_TIMEOUT)))


def deliver(db: Database, sender: SmtpSender, settings: MailSettings, message: Message, now: datetime) -> bool:
    """Send one queued message now; False (logged, left failed for the next notify pass) when it could not go."""
    try:
        sender.send(settings.sender, message.recipient.removeprefix("email:"), message.body)
    except MailError as error:
        mark_failed(db, message, str(error))
        log_event("web_mail_failed", "warning", kind=message.kind, message=message.id, error=describe(error))
        return False
    mark_sent(db, message, now)
    return True
