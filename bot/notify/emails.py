"""E-mail notices and digests through the delivery ledger: plan what is due, queue it, send it.

Planning queues, for each confirmed subscriber whose time has come (every run for `immediate`; once
a day from `daily_hour` for `daily`; on `weekly_day` for `weekly`), one message with every event
they follow that no earlier message carried. Sending is the one delivery loop (`bot.notify.delivery`)
over the SMTP transport, after cancelling the messages nobody wants any more; a message keeps its
Message-ID, so the one repeat a crash can cause is recognisable.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_string, policy
from email.message import EmailMessage
from email.utils import parseaddr

from sqlite_utils import Database

from bot.core.deadlines import PARIS, today_in_paris
from bot.notify.content import Digest, item_from_event, source_lines
from bot.notify.delivery import Transport, deliver
from bot.notify.digest import render_digest, with_note
from bot.notify.mail import build_email, message_id
from bot.notify.subscriptions import MailSettings, link, still_late, told_refs
from bot.notify.wording import SOURCE_NAMES
from storage.ledger import (
    Message,
    email_recipient,
    iter_messages_to_send,
    mark_cancelled,
    message_events,
    messages_to_send,
    queue_message,
    undelivered_events,
)
from storage.notes import latest_notes
from storage.questions import get_question, source_health
from storage.records import Event
from storage.subscribers import Subscriber, get_subscriber, list_subscribers, mark_digest_sent

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True, slots=True)
class Schedule:
    daily_hour: int = 8
    weekly_day: str = "monday"


def digest_due(subscriber: Subscriber, now: datetime, schedule: Schedule) -> bool:
    """Is it time for this subscriber's next message? Days and hours are Europe/Paris ones."""
    if subscriber.frequency == "immediate":
        return True
    local = now.astimezone(PARIS)
    if local.hour < schedule.daily_hour:
        return False
    if subscriber.frequency == "weekly" and WEEKDAYS[local.weekday()] != schedule.weekly_day:
        return False
    last = subscriber.last_digest_at
    return last is None or today_in_paris(last) < local.date()


@dataclass(frozen=True, slots=True)
class PlannedEmail:
    subscriber: Subscriber
    events: tuple[Event, ...]
    digest: Digest


def _digest(subscriber: Subscriber, events: Sequence[Event], db: Database, now: datetime,
            settings: MailSettings, *, tags_of: Mapping[str, tuple[str, ...]]) -> Digest:
    today = today_in_paris(now)
    # Daily and weekly digests end with the subscriber's questions still late; a notice tells its news only.
    late = still_late(db, subscriber, tags_of, today, settings) if subscriber.frequency != "immediate" else None
    snapshots = {e.ref: (stored.snapshot if (stored := get_question(db, e.ref)) else None) for e in events}
    notes = latest_notes(db, snapshots)
    return Digest(frequency=subscriber.frequency, items=tuple(with_note(item_from_event(e, snapshots[e.ref], today),
                                                                        notes.get(e.ref)) for e in events),
                  sources=source_lines(source_health(db), SOURCE_NAMES), now=now,
                  manage_url=link(settings, "manage", subscriber),
                  unsubscribe_url=link(settings, "unsubscribe", subscriber),
                  unsubscribe_mailto=_mailto(settings), still_late=late)


def _mailto(settings: MailSettings) -> str | None:
    address = settings.unsubscribe_mailto or parseaddr(settings.sender)[1]
    return f"mailto:{address}?subject=unsubscribe" if address else None


def plan_emails(db: Database, tags_of: Mapping[str, tuple[str, ...]], now: datetime, settings: MailSettings,
                schedule: Schedule) -> Iterator[tuple[Subscriber, PlannedEmail | None]]:
    """Each subscriber whose time came, with the message due now, or None when there is nothing to tell
    (a digest subscriber: their calm day is recorded). One at a time: a morning of thousands of
    digests never holds more than one in memory."""
    for subscriber in list_subscribers(db, "confirmed"):
        if not digest_due(subscriber, now, schedule):
            continue
        undelivered = undelivered_events(db, email_recipient(subscriber.email), subscriber.confirmed_at,
                                         after_event=subscriber.after_event)
        told = told_refs(db, subscriber, {e.ref for e in undelivered}, tags_of)  # tags, questions, searches
        events = [e for e in undelivered if e.ref in told]
        if events:
            yield subscriber, PlannedEmail(subscriber, tuple(events),
                                           _digest(subscriber, events, db, now, settings, tags_of=tags_of))
        elif subscriber.frequency != "immediate":
            yield subscriber, None


def queue_planned(db: Database, plan: PlannedEmail, now: datetime, settings: MailSettings) -> Message:
    rendered = render_digest(plan.digest)
    subscriber = plan.subscriber

    def build(row_id: int) -> tuple[str, str, str]:
        mid = message_id(settings.sender, subscriber.frequency, row_id)
        return mid, rendered.subject, build_email(
            sender=settings.sender, to=subscriber.email, subject=rendered.subject, text=rendered.text,
            html=rendered.html, message_id=mid, date=now, unsubscribe_url=plan.digest.unsubscribe_url,
            unsubscribe_mailto=plan.digest.unsubscribe_mailto)

    digest_for = subscriber.id if subscriber.frequency != "immediate" else None
    return queue_message(db, recipient=email_recipient(subscriber.email), kind=subscriber.frequency,
                         events=plan.events, build=build, now=now, subscriber_id=subscriber.id, digest_for=digest_for)


@dataclass
class SendReport:
    queued: int = 0
    sent: int = 0
    failed: int = 0  # given-up ones included
    cancelled: int = 0
    given_up: int = 0  # refused for good too often: never sent again
    errors: list[str] = field(default_factory=list)


def _still_wanted(db: Database, message: Message) -> bool:
    """A notice or digest goes only to a subscriber who is still confirmed; a confirmation only to
    one still pending."""
    if message.subscriber_id is None:
        return True
    subscriber = get_subscriber(db, id=message.subscriber_id)
    if subscriber is None:
        return False
    return subscriber.state == ("pending" if message.kind == "confirmation" else "confirmed")


def _wanted(db: Database, messages: Iterable[Message], report: SendReport) -> Iterator[Message]:
    """The messages still wanted, each checked just before its attempt; the others are cancelled."""
    for message in messages:
        if _still_wanted(db, message):
            yield message
        else:
            mark_cancelled(db, message, "the subscriber's state changed before it was sent")
            report.cancelled += 1


def send_queued(db: Database, transport: Transport, now: Callable[[], datetime], report: SendReport) -> None:
    """Send every queued or failed e-mail; stop at the first connection failure (the rest waits)."""
    done = deliver(db, _wanted(db, iter_messages_to_send(db, via="email"), report), transport, now=now)
    report.sent += done.sent
    report.failed += done.failed
    report.given_up += done.given_up
    report.errors += done.errors


def notify_emails(db: Database, tags_of: Mapping[str, tuple[str, ...]], *, now: Callable[[], datetime],
                  settings: MailSettings, schedule: Schedule, transport: Transport) -> SendReport:
    report = SendReport()
    for subscriber, plan in plan_emails(db, tags_of, now(), settings, schedule):
        if plan is None:
            mark_digest_sent(db, subscriber.id, now())  # nothing to tell today: a calm inbox, no empty digest
            continue
        queue_planned(db, plan, now(), settings)
        report.queued += 1
    send_queued(db, transport, now, report)
    return report


@dataclass(frozen=True)
class Preview:
    """What `notify --dry-run` shows of one e-mail: who, what kind, its subject, the events it tells,
    and its plain-text part as the reader sees it (not the MIME source)."""

    to: str
    kind: str
    subject: str
    events: tuple[Event, ...]
    text: str


def _plain_text(mime: str) -> str:
    message = message_from_string(mime, policy=policy.default)
    part = message.get_body(preferencelist=("plain",)) if isinstance(message, EmailMessage) else None
    return part.get_content() if part is not None else mime


def preview_emails(db: Database, tags_of: Mapping[str, tuple[str, ...]], *, now: datetime,
                   settings: MailSettings, schedule: Schedule) -> list[Preview]:
    """What `notify` would send now, writing nothing: the e-mails already queued (a retry), then the
    digests and notices whose time has come."""
    previews = [Preview(m.recipient.address, m.kind, m.subject or "", tuple(message_events(db, m)),
                        _plain_text(m.body)) for m in messages_to_send(db, via="email")]
    for subscriber, plan in plan_emails(db, tags_of, now, settings, schedule):
        if plan is None:
            continue
        rendered = render_digest(plan.digest)
        previews.append(Preview(subscriber.email, subscriber.frequency, rendered.subject, plan.events,
                                rendered.text))
    return previews
