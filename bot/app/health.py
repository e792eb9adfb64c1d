"""Source-health alarms: the admin hears once when a source keeps failing, once a day while it lasts,
and once when it works again.

Run after each check cycle. A source raises its alarm when every read of it failed in the last
`[admin] failed_cycles` cycles (`SourceHealth.failed_cycles`). While the alarm lasts, one reminder per
Europe/Paris day, and only when the source was tried and failed again since the last notice (a source
no longer read, or read once a week, does not remind every day of an old failure). A successful read
after the alarm ends it with one "recovered" notice. A question its site does not have (a `missing`
poll: 404, 410) is the question's problem: it counts neither as a failed nor as a successful read of its
source (`storage.questions.source_health`), so it raises no alarm and ends none.

Every notice goes through the delivery ledger (kind `admin`), queued in the transaction that changes
the alarm's state, then sent: a notice is never sent twice, and one that cannot be sent (SMTP down)
stays queued and goes out on the next cycle. E-mails go to the admin's address like any e-mail, so
`relance notify` may send a waiting one too; the admin channel is the channel `@admin`, a name no
`[[channel]]` can take, so only this module sends to it. Sending is the one delivery loop
(`bot.notify.delivery`), over the SMTP transport and an Apprise one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from bot.app.config import Config
from bot.app.settings import smtp_sender
from bot.core.deadlines import PARIS, today_in_paris
from bot.notify.channels import Channel, ChannelTransport, stored_notice
from bot.notify.delivery import Transport, deliver
from bot.notify.i18n import _
from bot.notify.mail import build_email, message_id
from bot.notify.smtp import MailUnavailable
from bot.notify.wording import SOURCE_NAMES, rappel_sentence
from bot.notify.wording.admin import rappel_alarm_text, source_alarm_text
from scrapers.refs import parse_ref
from storage.alarms import Alarm, AlarmChange, Notice, failing_since, get_alarms, record_alarm_change
from storage.ledger import Message, Recipient, RecipientKind, channel_recipient, email_recipient, messages_to_send
from storage.questions import source_health
from storage.records import Event, SourceHealth

ADMIN_CHANNEL = "@admin"  # `@` cannot appear in a [[channel]] name: the ledger never mixes the two
PAYLOAD_VERSION = 1

# What a notice is, for the JSON payload of a webhook admin channel.
_PAYLOAD_KIND: dict[AlarmChange, str] = {"raised": "source_failing", "reminded": "source_still_failing",
                                         "recovered": "source_recovered"}


@dataclass(frozen=True, slots=True)
class HealthSettings:
    failed_cycles: int = 3
    email: str | None = None  # the admin's address
    channel: str | None = None  # the admin's Apprise URL
    sender: str | None = None  # the From of the e-mails: [email] sender
    base_urls: Mapping[str, str] = field(default_factory=dict)  # source → the site to check, for the advice

    @property
    def recipients(self) -> tuple[Recipient, ...]:
        return ((email_recipient(self.email),) if self.email else ()) + \
            ((channel_recipient(ADMIN_CHANNEL),) if self.channel else ())


def health_settings(config: Config) -> HealthSettings:
    an, senat = config.sources.an, config.sources.senat
    return HealthSettings(failed_cycles=config.admin.failed_cycles, email=config.admin.email,
                          channel=config.admin.channel, sender=config.email.sender if config.email else None,
                          base_urls={"an": an.base_url, "an-legacy": an.legacy_base_url, "senat": senat.base_url})


@dataclass
class HealthReport:
    """What one check did: the notices queued (their subjects), sent and failed, one line per problem."""

    notices: list[str] = field(default_factory=list)
    sent: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------- deciding

def decide(health: SourceHealth, alarm: Alarm | None, now: datetime, threshold: int) -> AlarmChange | None:
    """What a source's alarm does now, from its health and its alarm's state: pure."""
    if alarm is None or not alarm.active:
        return "raised" if health.failed_cycles >= threshold else None
    if health.failed_cycles == 0 or (health.last_success is not None and health.last_success > alarm.raised_at):
        return "recovered"
    failed_again = health.last_failure is not None and health.last_failure > alarm.last_notice_at
    if failed_again and today_in_paris(alarm.last_notice_at) < today_in_paris(now):
        return "reminded"
    return None


def _payload(change: AlarmChange, health: SourceHealth, since: datetime | None, base_url: str | None
             ) -> dict[str, Any]:
    def iso(value: datetime | None) -> str | None:
        return value.astimezone(PARIS).isoformat(timespec="seconds") if value else None
    return {"relance_version": PAYLOAD_VERSION, "kind": _PAYLOAD_KIND[change], "source": health.source,
            "source_name": SOURCE_NAMES.get(health.source, health.source), "url": base_url,
            "failed_cycles": health.failed_cycles, "failing_since": iso(since),
            "last_success": iso(health.last_success), "last_error": health.last_error}


def _builds(settings: HealthSettings, subject: str, text: str, payload: Mapping[str, Any],
            now: datetime) -> list[Notice]:
    notices = []
    if settings.email and settings.sender:
        sender, to = settings.sender, settings.email

        def build_mail(row_id: int) -> tuple[str, str, str]:
            mid = message_id(sender, "admin", row_id)
            return mid, subject, build_email(sender=sender, to=to, subject=subject, text=text, html=None,
                                             message_id=mid, date=now)
        notices.append(Notice(email_recipient(to), build_mail))
    if settings.channel:
        stored = stored_notice(subject, text.strip(), payload)

        def build_channel(_row_id: int) -> tuple[str | None, str | None, str]:
            return None, subject, stored
        notices.append(Notice(channel_recipient(ADMIN_CHANNEL), build_channel))
    return notices


# ---------------------------------------------------------------------------------------------- sending

class _NoEmail:
    """The e-mail transport when there is no [email] section: the admin's e-mails wait for one."""

    give_up_after: int | None = None

    def send(self, message: Message) -> None:
        raise MailUnavailable(_("pas de section [email] : l'e-mail de l'administrateur ne peut pas être envoyé"))


Transports = Mapping[RecipientKind, Transport]


def admin_transports(settings: HealthSettings, smtp: Transport | None) -> dict[RecipientKind, Transport]:
    """The transports of admin notices: e-mails through `smtp`, channel notices through Apprise."""
    transports: dict[RecipientKind, Transport] = {"email": smtp or _NoEmail()}
    if settings.channel is not None:
        transports["channel"] = ChannelTransport(Channel(ADMIN_CHANNEL, settings.channel))
    return transports


def _send_pending(db: Database, recipients: tuple[Recipient, ...], transports: Transports, now: datetime,
                  report: HealthReport) -> None:
    for recipient in recipients:
        # The admin's address may also be a subscriber's: only the admin notices are sent here.
        pending = messages_to_send(db, to=recipient, kind="admin")
        # A channel that fails once would fail the rest the same way; an SMTP server that is down
        # stops the loop itself, and one refused e-mail does not stop the others.
        done = deliver(db, pending, transports[recipient.kind], now=lambda: now,
                       stop_after=1 if recipient.kind == "channel" else None)
        report.sent += done.sent
        report.failed += done.failed
        report.errors += [_("avis à l'administrateur abandonné : {failure}", failure=f) if f.given_up else
                          _("avis à l'administrateur non envoyé, il reste en attente : {failure}", failure=f)
                          for f in done.failures]


def check_source_health(db: Database, now: datetime, settings: HealthSettings, transports: Transports
                        ) -> HealthReport:
    """After a cycle: raise, remind or end each source's alarm as its health says, queue the notices
    in the same transaction, then send every admin notice waiting. Nothing when no admin is configured."""
    report = HealthReport()
    recipients = settings.recipients
    if not recipients:
        return report
    alarms = get_alarms(db)
    for health in source_health(db):
        alarm = alarms.get(health.source)
        change = decide(health, alarm, now, settings.failed_cycles)
        if change is None:
            continue
        since = failing_since(db, health.source) if change == "raised" else (alarm.failing_since if alarm else None)
        base_url = settings.base_urls.get(health.source)
        subject, text = source_alarm_text(change, health, since, base_url)
        notices = _builds(settings, subject, text, _payload(change, health, since, base_url), now)
        record_alarm_change(db, health.source, change, now=now, notices=notices, since=since)
        report.notices.append(subject)
    _send_pending(db, recipients, transports, now, report)
    return report


def run_source_alarms(db: Database, now: datetime, config: Config) -> HealthReport:
    """`check_source_health` with the config's [admin] and [email]: what `relance check` calls last."""
    settings = health_settings(config)
    if not settings.recipients:
        return HealthReport()
    smtp = smtp_sender(config) if config.email is not None and settings.email is not None else None
    try:
        return check_source_health(db, now, settings, admin_transports(settings, smtp))
    finally:
        if smtp is not None:
            smtp.close()


# ---------------------------------------------------------------------------------------------- the liste de rappel

def rappel_notices(config: Config, source: str, now: datetime) -> Callable[[list[Event]], list[Notice]]:
    """The admin's notice of new disagreements with the Sénat's liste de rappel (bot/app/senat_rappel.py),
    built from their events once stored: one notice per reading that found new ones, to the same
    recipients and through the same ledger as a source alarm."""
    settings = health_settings(config)

    def build(events: list[Event]) -> list[Notice]:
        subject, text = rappel_alarm_text([(parse_ref(e.ref).label, rappel_sentence(e.details)) for e in events],
                                          source)
        payload = {"relance_version": PAYLOAD_VERSION, "kind": "rappel_disagrees", "source": source,
                   "disagreements": [{"ref": e.ref, **e.details} for e in events]}
        return _builds(settings, subject, text, payload, now)
    return build


def send_admin_notices(db: Database, now: datetime, config: Config) -> HealthReport:
    """Send every admin notice waiting in the ledger (source alarms, disagreements with the liste de rappel)."""
    settings, report = health_settings(config), HealthReport()
    if not settings.recipients:
        return report
    smtp = smtp_sender(config) if config.email is not None and settings.email is not None else None
    try:
        _send_pending(db, settings.recipients, admin_transports(settings, smtp), now, report)
    finally:
        if smtp is not None:
            smtp.close()
    return report
