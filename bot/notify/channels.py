"""Team channels: each new event about a watched question, posted to a chat room or a webhook through Apprise.

One notice per (channel, event), recorded in the delivery ledger before it is sent, so a channel gets
each event once whatever crashes and re-runs happen; a notice that fails is sent again, unchanged, on
the next run. Many late questions in one run go to a chat room as one grouped notice that carries
them all (`bot.notify.content.late_group`). Sending is the one delivery loop (`bot.notify.delivery`)
over `ChannelTransport`.

Configuration (`config.toml`)
-----------------------------

    [[channel]]
    name = "equipe"                           # unique; the ledger knows the channel by this name
    url = "matrixs://bot:TOKEN@matrix.example.org/!room:example.org"   # any Apprise URL
    tags = ["energie"]                        # optional; empty or absent: every watched question
    kinds = ["answered", "overdue"]           # optional; empty or absent: every kind of event

A channel counts events from the instant it was first configured: adding one does not replay the
history to it. Chat services (Matrix, Slack, Mattermost, ntfy…) get a short notice in relance's language
(French unless asked otherwise): a title such as « AN 17-5268 — réponse publiée » and a few lines of body.

What a notice says, and the webhook's JSON payload: `bot.notify.channel_notice`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import SplitResult, parse_qsl, quote, unquote, urlsplit

import apprise
from sqlite_utils import Database

from bot.core.deadlines import today_in_paris
from bot.notify.channel_notice import late_group_notice, late_group_payload, notice_text, payload
from bot.notify.content import LATE_KINDS, Item, item_from_event, late_group
from bot.notify.delivery import DeliveryError, deliver
from bot.notify.i18n import _, n_
from scrapers.model import QuestionSnapshot
from storage.ledger import (
    BuildMessage,
    Message,
    channel_recipient,
    messages_to_send,
    queue_message,
    undelivered_events,
)
from storage.questions import get_question
from storage.records import EVENT_KINDS, Event

PAYLOAD_KEY = "relance"  # where a json:// webhook finds the event in Apprise's envelope
GIVE_UP_AFTER = 3  # consecutive failures after which a channel is left for the next run (it is down)

_WEBHOOK_SCHEMES = ("json", "jsons")
_ASSET = apprise.AppriseAsset(app_id="relance", app_desc="relance : suivi des questions écrites")


class ChannelError(DeliveryError):
    """A channel could not be used: its name and the problem, with no secret of its URL. Never
    permanent: Apprise does not say whether a service refused a notice for good."""

    def __init__(self, name: str, problem: str) -> None:
        self.name, self.problem = name, problem
        super().__init__(problem)

    def __str__(self) -> str:
        return _("canal « {name} » : {problem}", name=self.name, problem=self.problem)


@dataclass(frozen=True, slots=True)
class Channel:
    """A chat room or webhook that follows some (or all) watched questions and kinds of events."""

    name: str
    url: str  # an Apprise URL; it may hold tokens, so it is never printed as is
    tags: tuple[str, ...] = ()  # empty: every watched question
    kinds: tuple[str, ...] = ()  # empty: every kind of event

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ValueError(_("un canal a besoin d'un nom"))
        unknown = [k for k in self.kinds if k not in EVENT_KINDS]
        if unknown:
            raise ValueError(_("type d'événement inconnu {kind} ; l'un de : {kinds}", kind=repr(unknown[0]),
                               kinds=", ".join(EVENT_KINDS)))

    def follows(self, ref: str, tags_of_ref: Collection[str], kind: str) -> bool:
        """Whether an event of `kind` about the watched question `ref` (tagged `tags_of_ref`) goes here."""
        if self.kinds and kind not in self.kinds:
            return False
        return not self.tags or any(tag in self.tags for tag in tags_of_ref)


@dataclass
class ChannelReport:
    """What one run did: messages queued, sent and failed, and one line per problem."""

    queued: int = 0
    sent: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def _notify_type(kind: str) -> Any:
    if kind in ("answered", "answer_changed"):
        return apprise.NotifyType.SUCCESS
    if kind in ("overdue", "signaled_overdue", "deadline_soon"):
        return apprise.NotifyType.WARNING
    return apprise.NotifyType.INFO


# ---------------------------------------------------------------------------------------------- secrets

def _split(url: str) -> SplitResult | None:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises ValueError on a malformed port)
    except ValueError:
        return None
    return parts


def _scheme(url: str) -> str:
    return url.split("://", 1)[0].lower() if "://" in url else ""


def masked_url(url: str) -> str:
    """The URL reduced to what is safe to print: its scheme and, when Apprise says the host is not a
    secret (it masks Slack's or Discord's tokens in the host place), the host and port; never the
    user, password, path or query, where services keep tokens."""
    scheme = _scheme(url) or "?"
    service: Any = apprise.Apprise.instantiate(url, asset=_ASSET)
    if service is None:
        return f"{scheme}://…"
    parts = _split(service.url(privacy=True))
    if parts is None or not parts.hostname:
        return f"{scheme}://…"
    port = f":{parts.port}" if parts.port else ""
    # Apprise's own scheme: an https://hooks.slack.com/… URL is shown as the slack://… it stands for.
    return f"{parts.scheme or scheme}://{parts.hostname}{port}/…"


def _scrub(text: str, url: str) -> str:
    """`text` (Apprise's log) with every piece of `url` that the masked URL does not show replaced."""
    parts = _split(url)
    shown = masked_url(url)
    pieces: list[str] = []
    if parts is not None:
        pieces += [parts.username or "", parts.password or "", parts.hostname or "", parts.fragment]
        pieces += parts.path.split("/") + [v for _k, v in parse_qsl(parts.query, keep_blank_values=True)]
    else:
        pieces.append(url.split("://", 1)[-1])
    forms = {form for p in pieces if p for form in (p, unquote(p), quote(p, safe=""))}
    for secret in sorted(forms, key=len, reverse=True):
        if len(secret) >= 3 and secret not in shown:
            text = text.replace(secret, "****")
    return text


def _capture() -> Any:
    """Apprise logs why it failed rather than raising: capture its warnings and errors for one call."""
    return apprise.LogCapture(level=logging.WARNING, fmt="%(message)s")  # type: ignore[no-untyped-call]


def _reason(log: Any, url: str) -> str:
    lines = [line.strip() for line in log.getvalue().splitlines() if line.strip()]
    return _scrub(" ".join(lines[-3:]), url) if lines else _("aucune raison donnée")


# ---------------------------------------------------------------------------------------------- sending

def _service(channel: Channel, body_object: Mapping[str, Any] | None) -> Any:
    """The Apprise service of `channel`; a json:// webhook's also carries `body_object` in its payload."""
    with _capture() as log:
        service: Any = apprise.Apprise.instantiate(channel.url, asset=_ASSET)
        if service is not None and body_object is not None and _scheme(channel.url) in _WEBHOOK_SCHEMES:
            # Apprise's JSON plugin adds its `payload` entries (what `:key=value` sets in the URL) to
            # the object it posts; given here rather than in the URL, the value stays a JSON object.
            args: dict[str, Any] = type(service).parse_url(channel.url)
            args["payload"] = {**args.get("payload", {}), PAYLOAD_KEY: dict(body_object)}
            service = apprise.Apprise.instantiate(args, asset=_ASSET)
    if service is None:
        raise ChannelError(channel.name, _("URL Apprise invalide {url} : {reason}", url=masked_url(channel.url),
                                           reason=_reason(log, channel.url)))
    return service


def check_channel(channel: Channel) -> None:
    """Raise `ChannelError` if Apprise cannot use the channel's URL (for checking the configuration)."""
    _service(channel, None)


def send(channel: Channel, title: str, body: str, payload: Mapping[str, Any]) -> None:
    """Send one notice to `channel`; a json:// webhook gets `payload` under the key `relance`.

    Raises `ChannelError` when the URL is invalid or the service did not accept the notice."""
    service = _service(channel, payload)
    notifier = apprise.Apprise(asset=_ASSET)
    if not notifier.add(service):
        raise ChannelError(channel.name, _("URL Apprise invalide {url}", url=masked_url(channel.url)))
    with _capture() as log:
        try:
            ok = bool(notifier.notify(body=body, title=title, notify_type=_notify_type(str(payload.get("kind"))),
                                      body_format=apprise.NotifyFormat.TEXT))
        except Exception as error:  # a plugin's bug must not stop the other channels
            raise ChannelError(channel.name, _("l'envoi à {url} a échoué : {reason}", url=masked_url(channel.url),
                                               reason=type(error).__name__)) from None
    if not ok:
        raise ChannelError(channel.name, _("l'envoi à {url} a échoué : {reason}", url=masked_url(channel.url),
                                           reason=_reason(log, channel.url)))


# ---------------------------------------------------------------------------------------------- the loop

def _build(title: str, body: str) -> BuildMessage:
    return lambda _row_id: (None, title, body)


def stored_notice(title: str, body: str, data: Mapping[str, Any]) -> str:
    """A channel notice as the ledger keeps it (and `ChannelTransport` reads it): what is sent, byte for
    byte, on every attempt. The event notices and the admin's alarms are stored alike."""
    return json.dumps({"title": title, "body": body, "payload": dict(data)}, ensure_ascii=False)


def _message_body(item: Item) -> tuple[str, str]:
    """(subject, stored body) of an event's notice in the ledger."""
    title, body = notice_text(item)
    return title, stored_notice(title, body, payload(item))


class ChannelTransport:
    """The channel transport: posts the ledger's notices to one channel through Apprise."""

    give_up_after: int | None = None  # no failure is permanent: a notice waits until the channel takes it

    def __init__(self, channel: Channel) -> None:
        self.channel = channel

    def send(self, message: Message) -> None:
        try:
            stored = json.loads(message.body)
            title, body, data = stored["title"], stored["body"], stored["payload"]
        except (ValueError, KeyError, TypeError):
            raise ChannelError(self.channel.name, _("le message {id} du registre d'envoi n'est pas un avis de canal",
                                                    id=message.id)) from None
        send(self.channel, title, body, data)


def _notices(events: Sequence[Event]) -> list[tuple[Event, list[Event]]]:
    """One notice per event, as (the event it tells, the events its message carries): a question's
    `published` event goes with its `matched` one when both are to be sent, in one notice, the
    `matched` one, since a question found by a rule is new to the channel in any case."""
    found = {e.ref for e in events if e.kind == "matched"}
    notices = []
    for event in events:
        if event.kind == "published" and event.ref in found:
            continue
        carried = [e for e in events if e.kind == "published" and e.ref == event.ref] if event.kind == "matched" else []
        notices.append((event, [*carried, event]))
    return notices


def _batch(channel: Channel, events: Sequence[Event], item: Callable[[Event], Item]
           ) -> list[tuple[str, str, list[Event]]]:
    """A channel's notices for `events`, as (subject, stored body, the events it carries): one per event
    (`_notices`), but many late questions at once (the first batch after a bulk import) go to a chat
    room as one grouped notice. A webhook gets every event on its own, as its payload is documented."""
    late = [e for e in events if e.kind in LATE_KINDS]
    group = None if _scheme(channel.url) in _WEBHOOK_SCHEMES else late_group([item(e) for e in late])
    notices = []
    if group is not None:
        title, body = late_group_notice(group)
        notices.append((title, stored_notice(title, body, late_group_payload(group)), late))
        events = [e for e in events if e.kind not in LATE_KINDS]
    return notices + [(*_message_body(item(event)), carried) for event, carried in _notices(events)]


def notify_channels(db: Database, channels: Sequence[Channel], tags_of: Mapping[str, Collection[str]],
                    now: datetime, *, since: Mapping[str, datetime] | None = None, dry_run: bool = False,
                    echo: Callable[[str], None] = print) -> ChannelReport:
    """Queue one ledger message per (channel, new event it follows), then send each channel's pending ones.

    `tags_of`: the watched questions and their tags (an event about a question no longer watched goes
    nowhere). `since[name]`: the instant from which events count for that channel, normally when it was
    first configured; a channel without one gets every event it was never sent. Failed messages stay
    in the ledger and are sent again on the next run. `dry_run`: queue and send nothing, echo what
    would be sent.
    """
    report = ChannelReport()
    today = today_in_paris(now)
    snapshots: dict[str, QuestionSnapshot | None] = {}

    def item(event: Event) -> Item:
        if event.ref not in snapshots:
            stored = get_question(db, event.ref)
            snapshots[event.ref] = stored.snapshot if stored else None
        return item_from_event(event, snapshots[event.ref], today)

    for channel in channels:
        recipient = channel_recipient(channel.name)
        start = since.get(channel.name) if since else None
        wanted = [e for e in undelivered_events(db, recipient, start)
                  if e.ref in tags_of and channel.follows(e.ref, tags_of[e.ref], e.kind)]
        for subject, stored, carried in _batch(channel, wanted, item):
            report.queued += 1
            if dry_run:
                echo(_("canal « {name} » ({url}) recevrait : {subject}", name=channel.name,
                       url=masked_url(channel.url), subject=subject))
                continue
            queue_message(db, recipient=recipient, kind="channel", events=carried, build=_build(subject, stored),
                          now=now)
        pending = messages_to_send(db, to=recipient)
        if dry_run:
            for message in pending:
                echo(_("canal « {name} » ({url}) recevrait de nouveau : {subject}", name=channel.name,
                       url=masked_url(channel.url), subject=message.subject))
            continue
        try:
            check_channel(channel)
        except ChannelError as error:  # a configuration mistake: the messages wait until the URL is fixed
            report.errors.append(str(error))
            continue
        _send_pending(db, channel, pending, now, report)
    return report


def _send_pending(db: Database, channel: Channel, pending: Sequence[Message], now: datetime,
                  report: ChannelReport) -> None:
    done = deliver(db, pending, ChannelTransport(channel), now=lambda: now, stop_after=GIVE_UP_AFTER)
    report.sent += done.sent
    report.failed += done.failed
    report.errors += done.errors
    if done.stopped:
        report.errors.append(n_("canal « {name} » : {n} échec de suite, le reste attend la prochaine exécution",
                                "canal « {name} » : {n} échecs de suite, le reste attend la prochaine exécution",
                                GIVE_UP_AFTER, name=channel.name))
