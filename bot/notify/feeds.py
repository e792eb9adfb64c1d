"""Feeds a reader subscribes to: events as an Atom feed, open questions' deadlines as an iCalendar.

Pure renderers: the caller reads the store and the clock and passes in items, questions, `today` and
the timestamps; the same input always gives the same bytes, so ids and UIDs never move between runs.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta

import icalendar
from feedgen.feed import FeedGenerator

from bot.core.deadlines import Deadline, deadline_status
from bot.core.status import WatchedQuestion
from bot.notify.content import Item
from bot.notify.i18n import N_, _, current_language
from bot.notify.wording import EVENT_FR, advice_label, days, event_advice, event_sentence, kind_fr
from bot.notify.wording.tags import TagLabels, tag_label
from scrapers.model import QuestionSnapshot, normalize_ministry

# The tagging entity of every id relance mints (RFC 4151): never change it, or every reader sees
# every entry again as new.
TAG_AUTHORITY = "relance,2025"
UID_DOMAIN = "relance"
GENERATOR = "relance"
PRODID = "-//relance//Echeances des questions ecrites//FR"
CALENDAR_NAME = N_("relance — échéances des questions écrites")  # read where shown: `_(CALENDAR_NAME)`
TITLE_CHARS = 90

# Kinds whose natural key (bot.core.events) is the event's JO date, and those whose key is the kind itself.
_DATED_KINDS = frozenset({"answered", "signaled", "renewed", "deadline_soon", "overdue", "signaled_overdue"})
_SELF_KEYED_KINDS = frozenset({"published", "withdrawn", "closed", "lapsed"})
_ENDINGS = frozenset({"withdrawn", "closed", "lapsed"})
_URI_SAFE = re.compile(r"[A-Za-z0-9._~-]+")
# Characters XML 1.0 forbids; a stray one in a source text would make lxml refuse the whole feed.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


# --- shared wording ---------------------------------------------------------------------------------

def _fr(day: date | None) -> str:
    return f"{day:%d/%m/%Y}" if day else "?"


def _short(text: str, limit: int = TITLE_CHARS) -> str:
    """`text` on one line, cut at a word boundary with an ellipsis when longer than `limit`."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    return flat[:limit].rsplit(" ", 1)[0].rstrip(" ,;:.") + "…"


def _headline(label: str, title: str | None) -> str:
    """'AN 17-5268 — Révision de la terminologie…', or the label alone for an untitled question."""
    return f"{label} — {_short(title)}" if title else label


def _clean(text: str) -> str:
    return _XML_INVALID.sub("", text)


# --- stable identities ------------------------------------------------------------------------------

def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]


def natural_key(item: Item) -> str:
    """The event's `key` as `bot.core.events` sets it, rebuilt from what the item carries.

    `Item` does not carry the key itself. For every kind but `answer_changed` the key is rebuilt
    exactly; an `answer_changed` key is the new answer's hash, which the item lacks, so it stands in
    with a digest of the previous hash and the new excerpt: as stable, unique in practice.
    """
    day = item.official_date.isoformat() if item.official_date else ""
    if item.kind in _SELF_KEYED_KINDS:
        return item.kind
    if item.kind in _DATED_KINDS and day:
        return day
    if item.kind == "transferred" and item.to_ministry:
        return f"{normalize_ministry(item.to_ministry)}|{day}"
    if item.kind == "answer_changed":
        return f"{day}|{_digest(str(item.details.get('previous_hash')), item.excerpt or '')}"
    if item.kind == "matched" and isinstance(rules := item.details.get("rules"), list):
        return "|".join(str(rule) for rule in rules)
    return _digest(json.dumps(dict(item.details), sort_keys=True, ensure_ascii=False, default=str))


def event_tag_id(item: Item) -> str:
    """The Atom id of an event, from its natural identity (ref, kind, key), never from a row id:
    'tag:relance,2025:event/QANR5L17QE5268/answered/2025-06-03'. A key that is not URI-safe (a
    ministry's name) is replaced by its digest."""
    key = natural_key(item)
    base = f"tag:{TAG_AUTHORITY}:event/{item.ref}/{item.kind}"
    if key == item.kind:
        return base
    return f"{base}/{key if _URI_SAFE.fullmatch(key) else _digest(key)}"


def deadline_uid(ref: str, deadline: Deadline) -> str:
    """One UID per question and kind of deadline, so a moved date updates the calendar's event."""
    return f"{ref}-{deadline.kind}@{UID_DOMAIN}"


# --- Atom -------------------------------------------------------------------------------------------

def entry_title(item: Item) -> str:
    """'Réponse publiée — AN 17-5268 : Révision de la terminologie des diamants synthétiques'."""
    what = kind_fr(item.kind, item.details)
    what = f"{what[0].upper()}{what[1:]}"
    if item.title:
        return _("{what} — {label} : {title}", what=what, label=item.label, title=_short(item.title))
    return f"{what} — {item.label}"


def entry_text(item: Item) -> str:
    """The plain-text body of an entry: what happened (and what to do, once late), the answer's excerpt,
    then the question."""
    lines = [event_sentence(item)]
    if (advice := event_advice(item)) is not None:
        lines.append(_("{label} : {action}", label=advice_label(), action=advice))
    if item.excerpt:
        lines += ["", _("« {quote} »", quote=item.excerpt)]
    lines.append("")
    if item.title:
        lines.append(_("Question : {title}", title=item.title))
    if item.author:
        lines.append(_("Auteur : {author}", author=item.author))
    if item.ministry:  # for an answer, the ministry that answered
        lines.append(_("Ministère : {ministry}", ministry=item.ministry))
    if item.deadline and item.kind not in _ENDINGS:
        rule = f" — {item.deadline_rule}" if item.deadline_rule else ""
        lines.append(_("Échéance : {day}{rule}", day=_fr(item.deadline), rule=rule))
    lines.append(item.url)
    return "\n".join(lines)


def _newest_first(items: Sequence[Item]) -> list[Item]:
    # A question's `published` entry is left out when a `matched` one tells the same news: a question
    # found by a rule is new to the reader in any case.
    found = {i.ref for i in items if i.kind == "matched"}
    items = [i for i in items if not (i.kind == "published" and i.ref in found)]
    # The tag id breaks ties, so events seen in the same instant keep one order whatever the input's.
    ordered = sorted(items, key=event_tag_id)
    return sorted(ordered, key=lambda i: (i.seen_at, i.event_id or 0), reverse=True)


def _add_entry(feed: FeedGenerator, item: Item) -> None:
    entry = feed.add_entry(order="append")
    entry.id(event_tag_id(item))
    entry.title(_clean(entry_title(item)))
    entry.link(href=item.url, rel="alternate", type="text/html")
    # An event never changes once seen: it enters the feed, and is last modified, when relance saw it.
    entry.updated(item.seen_at)
    entry.published(item.seen_at)
    if item.author:
        entry.author(name=_clean(item.author))
    entry.category(term=item.kind, label=EVENT_FR[item.kind])
    entry.summary(_clean(entry_text(item)), type="text")


def atom_feed(items: Sequence[Item], *, feed_id: str, title: str, self_url: str, updated: datetime) -> bytes:
    """An Atom 1.0 feed of `items`, newest first; `updated` (aware) is the feed's own date.

    Entries of questions whose author is unknown inherit the feed's author, 'relance', which also
    keeps the feed valid (RFC 4287 § 4.1.1: an entry needs an author, its own or the feed's).
    """
    feed = FeedGenerator()
    feed.id(feed_id)
    feed.title(title)
    feed.link(href=self_url, rel="self", type="application/atom+xml")
    feed.updated(updated)
    feed.author(name=GENERATOR)
    feed.generator(GENERATOR)
    feed.language(current_language())
    for item in _newest_first(items):
        _add_entry(feed, item)
    xml: bytes = feed.atom_str(pretty=True)
    return xml


# --- iCalendar --------------------------------------------------------------------------------------

def _open_deadlines(snapshot: QuestionSnapshot, today: date) -> list[Deadline]:
    status = deadline_status(snapshot, today)
    if not status.open:
        return []
    return [d for d in (status.answer_deadline, status.signalement_deadline) if d is not None]


def deadline_summary(label: str, title: str | None, deadline: Deadline, today: date) -> str:
    """'Échéance : AN 17-5268 — Révision…', 'Délai dépassé : …' once the day has passed."""
    overdue, question = today > deadline.date, _headline(label, title)
    if deadline.kind == "signalement":
        return (_("Délai du signalement dépassé : {question}", question=question) if overdue
                else _("Échéance du signalement : {question}", question=question))
    return (_("Délai dépassé : {question}", question=question) if overdue
            else _("Échéance : {question}", question=question))


def _where_it_stands(deadline: Deadline, today: date) -> str:
    if today > deadline.date:
        return _("dépassée de {days}", days=days((today - deadline.date).days))
    if today == deadline.date:
        return _("aujourd'hui")
    return _("dans {days}", days=days((deadline.date - today).days))


def deadline_description(snapshot: QuestionSnapshot, deadline: Deadline, today: date) -> str:
    day, where = _fr(deadline.date), _where_it_stands(deadline, today)
    author = " ".join(p for p in (snapshot.author.civility, snapshot.author.name) if p)
    lines = [_("Échéance du signalement : {day} ({where})", day=day, where=where) if deadline.kind == "signalement"
             else _("Échéance de la réponse : {day} ({where})", day=day, where=where),
             _("Règle : {rule}", rule=deadline.explain(_))]
    if snapshot.title:
        lines.append(_("Question : {title}", title=snapshot.title))
    if snapshot.ministry:
        lines.append(_("Ministère : {ministry}", ministry=snapshot.ministry.name))
    if author:
        lines.append(_("Auteur : {author}", author=author))
    lines.append(snapshot.ref.public_url)
    return "\n".join(lines)


def _vevent(question: WatchedQuestion, snapshot: QuestionSnapshot, deadline: Deadline, *, today: date,
            stamp: datetime, sequence: int, tag_labels: TagLabels) -> icalendar.Event:
    ref = question.ref
    event = icalendar.Event()
    event.add("uid", deadline_uid(ref.uid, deadline))
    event.add("sequence", sequence)
    event.add("dtstamp", stamp)
    event.add("dtstart", deadline.date)
    event.add("dtend", deadline.date + timedelta(days=1))
    event.add("summary", deadline_summary(ref.label, snapshot.title, deadline, today))
    event.add("description", deadline_description(snapshot, deadline, today))
    event.add("url", ref.public_url)
    # A deadline is a reminder, not a meeting: it must not show the day as busy.
    event.add("transp", "TRANSPARENT")
    if question.tags:
        event.add("categories", [tag_label(tag, tag_labels) for tag in question.tags])
    return event


def _deadlines(questions: Sequence[WatchedQuestion], today: date
               ) -> Iterator[tuple[WatchedQuestion, QuestionSnapshot, Deadline]]:
    for question in questions:
        snapshot = question.stored.snapshot if question.stored else None
        if snapshot is not None:
            for deadline in _open_deadlines(snapshot, today):
                yield question, snapshot, deadline


def _utc(stamp: datetime) -> datetime:
    if stamp.tzinfo is None or stamp.utcoffset() is None:
        raise ValueError(f"ical_deadlines needs an aware stamp, got naive {stamp.isoformat()}")
    return stamp.astimezone(UTC)


def ical_deadlines(questions: Sequence[WatchedQuestion], *, today: date, stamp: datetime,
                   sequence_of: Mapping[str, int], name: str | None = None,
                   tag_labels: TagLabels | None = None) -> bytes:
    """An iCalendar of the deadlines of the open (pending) questions: one all-day VEVENT per deadline.

    Passed deadlines stay, marked 'Délai dépassé', until the question is answered or ended; then its
    events are simply left out, and a subscribed calendar drops them at its next refresh. `stamp`
    (aware) is the DTSTAMP; `sequence_of[ref]` the SEQUENCE (0 when absent), a number the caller
    makes grow whenever the question changes. A tag's category is its label (`tag_labels`, the config's).
    """
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", _(CALENDAR_NAME) if name is None else name)
    utc_stamp = _utc(stamp)
    found = sorted(_deadlines(questions, today), key=lambda t: (t[2].date, t[0].ref.uid, t[2].kind))
    for question, snapshot, deadline in found:
        sequence = sequence_of.get(question.ref.uid, 0)
        calendar.add_component(_vevent(question, snapshot, deadline, today=today, stamp=utc_stamp,
                                       sequence=sequence, tag_labels=tag_labels or {}))
    ical: bytes = calendar.to_ical()
    return ical
