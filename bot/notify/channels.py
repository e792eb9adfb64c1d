"""Team channels: each new event about a watched question, posted to a chat room or a webhook through Apprise.

One notice per (channel, event), recorded in the delivery ledger before it is sent, so a channel gets
each event once whatever crashes and re-runs happen; a notice that fails is sent again, unchanged, on
the next run.

Configuration (`config.toml`)
-----------------------------

    [[channel]]
    name = "equipe"                           # unique; the ledger knows the channel by this name
    url = "matrixs://bot:TOKEN@matrix.example.org/!room:example.org"   # any Apprise URL
    tags = ["energie"]                        # optional; empty or absent: every watched question
    kinds = ["answered", "overdue"]           # optional; empty or absent: every kind of event

A channel counts events from the instant it was first configured: adding one does not replay the
history to it. Chat services (Matrix, Slack, Mattermost, ntfy…) get a short French notice: a title
such as « AN 17-5268 — réponse publiée » and a few lines of body.

Webhook payload
---------------

A generic webhook (`json://host/path`, `jsons://host/path`) receives one POST per event, with
`Content-Type: application/json`. The body is Apprise's JSON envelope (`version`, `title`,
`message`, `attachments`, `type`: the same notice as the chat services get; `type` is `success` for
an answer, `warning` for a passed deadline, else `info`) with the event itself, as a JSON object,
under the key `relance`:

```json
{
  "version": "1.0",
  "title": "AN 17-5268 — réponse publiée",
  "message": "Révision de la terminologie des diamants synthétiques (Olivia Grégoire)\\n…",
  "attachments": [],
  "type": "success",
  "relance": {
    "relance_version": 1,
    "event_id": 2,
    "kind": "answered",
    "kind_fr": "réponse publiée",
    "ref": "QANR5L17QE5268",
    "label": "AN 17-5268",
    "chamber": "an",
    "url": "https://www.assemblee-nationale.fr/dyn/17/questions/QANR5L17QE5268",
    "title": "Révision de la terminologie des diamants synthétiques",
    "author": "Olivia Grégoire",
    "ministry": "Ministère de l’économie, des finances et de la souveraineté industrielle et numérique",
    "date": "2025-06-03",
    "seen_at": "2025-06-04T09:30:00+02:00",
    "deadline": "2025-05-25",
    "deadline_rule": "2 mois après la publication au JO du 25/03/2025 (Règlement de l'Assemblée nationale, art. 135)",
    "days_late": 9,
    "days_left": null,
    "excerpt": "À la suite de la sollicitation d'un opérateur produisant des diamants synthétiques, …",
    "from_ministry": null,
    "to_ministry": null,
    "rules": null
  }
}
```

The keys of `relance` are always present, `null` when they do not apply; `relance_version` changes
only if a key is removed or changes meaning. `event_id` is the event's id in relance's log: a
receiver can use it to ignore a repeat. `kind` is one of `published` (a question newly watched),
`answered`, `answer_changed`, `transferred` (`from_ministry` → `to_ministry`), `signaled`,
`renewed`, `withdrawn`, `closed`, `lapsed`, `deadline_soon` (`days_left`), `overdue`,
`signaled_overdue` (`days_late`), and `matched`: a question a follow rule (`[[follow]]`) found and
relance now watches, `rules` naming the rules (null for every other kind); its `published` event,
when both are new, travels in the same notice and is not posted on its own. `date` is the event's
date in the Journal officiel (YYYY-MM-DD; for `published` and `matched`, the question's publication),
`seen_at` when relance saw it (ISO 8601, Paris time with its offset), `deadline` the answer's (or
the signalement's) deadline. The webhook must answer with a 2xx status; anything else counts as a
failure and the same body is posted again on the next run. Apprise's URL options apply: headers
(`json://host/path?+Authorization=Bearer%20TOKEN`), timeouts in seconds (`?cto=4&rto=10`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.parse import SplitResult, parse_qsl, quote, unquote, urlsplit

import apprise
from sqlite_utils import Database

from bot.core.deadlines import PARIS, today_in_paris
from bot.notify.content import Item, item_from_event
from bot.notify.wording import EVENT_FR, STATUS_LONG_FR, kind_fr
from scrapers.errors import CannotRun
from scrapers.model import QuestionSnapshot
from storage.ledger import (
    BuildMessage,
    Message,
    channel_recipient,
    mark_failed,
    mark_sent,
    messages_to_send,
    queue_message,
    undelivered_events,
)
from storage.questions import get_question
from storage.records import EVENT_KINDS, Event

PAYLOAD_VERSION = 1
PAYLOAD_KEY = "relance"  # where a json:// webhook finds the event in Apprise's envelope
EXCERPT_CHARS = 280  # a chat notice quotes this much of an answer; the payload has the whole excerpt
GIVE_UP_AFTER = 3  # consecutive failures after which a channel is left for the next run (it is down)

_WEBHOOK_SCHEMES = ("json", "jsons")
_ASSET = apprise.AppriseAsset(app_id="relance", app_desc="relance : suivi des questions écrites")


class ChannelError(CannotRun):
    """A channel could not be used: its name and the problem, with no secret of its URL."""

    def __init__(self, name: str, problem: str) -> None:
        self.name, self.problem = name, problem
        super().__init__(f"channel {name!r}: {problem}")


@dataclass(frozen=True, slots=True)
class Channel:
    """A chat room or webhook that follows some (or all) watched questions and kinds of events."""

    name: str
    url: str  # an Apprise URL; it may hold tokens, so it is never printed as is
    tags: tuple[str, ...] = ()  # empty: every watched question
    kinds: tuple[str, ...] = ()  # empty: every kind of event

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ValueError("a channel needs a name")
        unknown = [k for k in self.kinds if k not in EVENT_KINDS]
        if unknown:
            raise ValueError(f"unknown event kind {unknown[0]!r}; one of: {', '.join(EVENT_KINDS)}")

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


# ---------------------------------------------------------------------------------------------- content

def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _fr(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else "?"


def _days(n: int) -> str:
    return f"{n} jour" if abs(n) <= 1 else f"{n} jours"  # French: 0 and 1 take the singular


def payload(item: Item) -> dict[str, Any]:
    """The documented JSON object of one event (see the module's docstring): every key, always."""
    return {
        "relance_version": PAYLOAD_VERSION,
        "event_id": item.event_id,
        "kind": item.kind,
        "kind_fr": kind_fr(item.kind, item.details),
        "ref": item.ref,
        "label": item.label,
        "chamber": item.chamber,
        "url": item.url,
        "title": item.title,
        "author": item.author,
        "ministry": item.ministry,
        "date": _iso(item.official_date),
        "seen_at": item.seen_at.astimezone(PARIS).isoformat(timespec="seconds"),
        "deadline": _iso(item.deadline),
        "deadline_rule": item.deadline_rule,
        "days_late": item.days_late,
        "days_left": item.days_left,
        "excerpt": item.excerpt,
        "from_ministry": item.from_ministry,
        "to_ministry": item.to_ministry,
        "rules": _rules(item) if item.kind == "matched" else None,
    }


def _rules(item: Item) -> list[str]:
    rules = item.details.get("rules")
    return [str(r) for r in rules] if isinstance(rules, list) else []


def _quote(text: str) -> str:
    flat = " ".join(text.split())
    if len(flat) > EXCERPT_CHARS:
        flat = flat[:EXCERPT_CHARS].rsplit(" ", 1)[0] + "…"
    return f"« {flat} »"


def _what(item: Item) -> list[str]:
    """The lines saying what happened, by kind."""
    i, on = item, _fr(item.official_date)
    if i.kind == "published":
        return [f"Publiée au JO le {on}."]
    if i.kind == "matched":
        status = i.details.get("status")
        state = f" ({STATUS_LONG_FR[status]})" if isinstance(status, str) and status in STATUS_LONG_FR else ""
        due = [f"Échéance : {_fr(i.deadline)}."] if i.deadline and status in (None, "pending") else []
        return [f"Nouvelle question {kind_fr(i.kind, i.details)}, publiée au JO le {on}{state} : elle est "
                "désormais suivie.", *due]
    if i.kind == "answered":
        late = f", {_days(i.days_late)} après l'échéance du {_fr(i.deadline)}" if i.days_late else ""
        return [f"Réponse publiée au JO le {on}{late}."] + ([_quote(i.excerpt)] if i.excerpt else [])
    if i.kind == "answer_changed":
        return [f"Réponse modifiée (JO du {on})."] + ([_quote(i.excerpt)] if i.excerpt else [])
    if i.kind == "transferred":
        return [f"Transmise le {on} : {i.from_ministry or '?'} → {i.to_ministry or '?'}."]
    if i.kind in ("signaled", "renewed"):
        verb = "Signalée" if i.kind == "signaled" else "Renouvelée"
        return [f"{verb} au JO le {on}."] + ([f"Échéance : {_fr(i.deadline)}."] if i.deadline else [])
    if i.kind in ("withdrawn", "closed", "lapsed"):
        label = f" : {i.label_fr}" if i.label_fr else ""
        return [f"{EVENT_FR[i.kind].capitalize()} le {on}{label}."]
    if i.kind == "deadline_soon":
        left = f", dans {_days(i.days_left)}" if i.days_left is not None else ""
        return [f"Échéance le {_fr(i.deadline)}{left}."] + ([i.deadline_rule] if i.deadline_rule else [])
    # overdue, signaled_overdue
    what = "Échéance du signalement" if i.kind == "signaled_overdue" else "Échéance"
    late = f" dépassée de {_days(i.days_late)}" if i.days_late is not None else " dépassée"
    return [f"{what} du {_fr(i.deadline)}{late}."] + ([i.deadline_rule] if i.deadline_rule else [])


def notice_text(item: Item) -> tuple[str, str]:
    """(title, body) of a chat notice, in French: which question, what happened, where to read it."""
    title = f"{item.label} — {kind_fr(item.kind, item.details)}"
    about = item.title or "(sans titre)"
    lines = [f"{about} ({item.author})" if item.author else about, *_what(item)]
    if item.ministry and item.kind != "transferred":
        lines.append(f"Ministère : {item.ministry}")
    lines.append(item.url)
    return title, "\n".join(lines)


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
    return _scrub(" ".join(lines[-3:]), url) if lines else "no reason given"


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
        raise ChannelError(channel.name, f"invalid Apprise URL {masked_url(channel.url)}: "
                                         f"{_reason(log, channel.url)}")
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
        raise ChannelError(channel.name, f"invalid Apprise URL {masked_url(channel.url)}")
    with _capture() as log:
        try:
            ok = bool(notifier.notify(body=body, title=title, notify_type=_notify_type(str(payload.get("kind"))),
                                      body_format=apprise.NotifyFormat.TEXT))
        except Exception as error:  # a plugin's bug must not stop the other channels
            raise ChannelError(channel.name, f"sending to {masked_url(channel.url)} failed: "
                                             f"{type(error).__name__}") from None
    if not ok:
        raise ChannelError(channel.name, f"sending to {masked_url(channel.url)} failed: {_reason(log, channel.url)}")


# ---------------------------------------------------------------------------------------------- the loop

def _build(title: str, body: str) -> BuildMessage:
    return lambda _row_id: (None, title, body)


def _message_body(item: Item) -> tuple[str, str]:
    """(subject, stored body) of the ledger message: what is sent, byte for byte, on every attempt."""
    title, body = notice_text(item)
    return title, json.dumps({"title": title, "body": body, "payload": payload(item)}, ensure_ascii=False)


def _send_message(channel: Channel, message: Message) -> None:
    try:
        stored = json.loads(message.body)
        title, body, data = stored["title"], stored["body"], stored["payload"]
    except (ValueError, KeyError, TypeError):
        raise ChannelError(channel.name, f"message {message.id} in the ledger is not a channel notice") from None
    send(channel, title, body, data)


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
        for event, carried in _notices(wanted):
            subject, stored = _message_body(item(event))
            report.queued += 1
            if dry_run:
                echo(f"channel {channel.name!r} ({masked_url(channel.url)}) would get: {subject}")
                continue
            queue_message(db, recipient=recipient, kind="channel", events=carried, build=_build(subject, stored),
                          now=now)
        pending = [m for m in messages_to_send(db, recipient) if m.recipient == recipient]  # LIKE is a prefix
        if dry_run:
            for message in pending:
                echo(f"channel {channel.name!r} ({masked_url(channel.url)}) would get again: {message.subject}")
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
    failures = 0
    for message in pending:
        try:
            _send_message(channel, message)
        except ChannelError as error:
            mark_failed(db, message, error.problem)
            report.failed += 1
            report.errors.append(str(error))
            failures += 1
            if failures >= GIVE_UP_AFTER:
                report.errors.append(f"channel {channel.name!r}: {GIVE_UP_AFTER} failures in a row, "
                                     "the rest is left for the next run")
                return
            continue
        mark_sent(db, message, now)
        report.sent += 1
        failures = 0
