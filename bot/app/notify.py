"""A notify pass: send what is due, the same from `relance notify`, the scheduler and the web."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlite_utils import Database

from bot.app.config import Config
from bot.app.settings import email_schedule, mail_settings, smtp_sender
from bot.app.watched import tags_of
from bot.notify.channels import Channel, ChannelReport, notify_channels
from bot.notify.emails import SendReport, notify_emails, preview_emails
from bot.notify.i18n import _
from bot.notify.smtp import SmtpTransport
from bot.notify.wording.preview import NOTHING_DUE, preview_heading
from storage.ledger import channels_first_seen, offers_smtputf8, remember_smtputf8

Now = Callable[[], datetime]


def has_recipients(config: Config) -> bool:
    """Whether a notify pass can tell anyone anything: e-mail or at least one channel is configured."""
    return config.email is not None or bool(config.channel)


def smtputf8_offered(config: Config, db: Database) -> bool:
    """Whether [email]'s SMTP server offered SMTPUTF8 when relance last talked to it, so that an address
    with accents before the @ can be accepted (the web form cannot ask the server while a person waits)."""
    return config.email is not None and offers_smtputf8(db, f"{config.email.host}:{config.email.port}")


def remember_server(db: Database, transport: SmtpTransport, now: datetime) -> None:
    """Keep what the server offered in the session `transport` opened (nothing when it opened none)."""
    if transport.offers_smtputf8 is not None:
        remember_smtputf8(db, transport.settings.server, transport.offers_smtputf8, now)


@dataclass
class NotifyReport:
    email: SendReport | None = None  # None: no [email] section, or a dry run
    channels: ChannelReport | None = None  # None: no [[channel]]
    errors: list[str] = field(default_factory=list)


def notify_once(config: Config, db: Database, *, now: Now, dry_run: bool = False,
                echo: Callable[[str], None] = print) -> NotifyReport:
    """Send what is due (what `relance notify` runs): immediate notices, digests whose time has come,
    channel notices. `dry_run` echoes what would be sent and changes nothing."""
    report = NotifyReport()
    if config.email is not None:
        settings = mail_settings(config)
        if dry_run:
            previews = preview_emails(db, tags_of(config, db), now=now(), settings=settings,
                                      schedule=email_schedule(config))
            for preview in previews:
                echo(f"{preview_heading(preview.to, preview.kind, preview.subject, preview.events)}\n\n"
                     f"{preview.text}\n")
            if not previews:
                echo(_(NOTHING_DUE))
        else:
            with smtp_sender(config) as smtp:
                report.email = notify_emails(db, tags_of(config, db), now=now, settings=settings,
                                             schedule=email_schedule(config), transport=smtp)
                remember_server(db, smtp, now())
            report.errors += report.email.errors
    if config.channel:
        channels = [Channel(c.name, c.url, c.tags, c.kinds) for c in config.channel]
        since = channels_first_seen(db, [c.name for c in channels], now(), record=not dry_run)
        report.channels = notify_channels(db, channels, tags_of(config, db), now(), since=since, dry_run=dry_run,
                                          echo=echo)
        report.errors += report.channels.errors
    return report
