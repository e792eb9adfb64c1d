"""The JSON objects of `--json` outputs and of the web API: the same keys wherever relance prints them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlite_utils import Database

from bot.app.config import Config
from bot.app.notes import note_json
from bot.app.questions import watched_questions
from bot.core.status import WatchedQuestion, status_row
from bot.notify.content import item_from_event
from bot.notify.i18n import _
from bot.notify.wording import event_sentence
from scrapers.errors import CannotRun
from scrapers.model import QuestionSnapshot
from scrapers.refs import QuestionRef
from storage.notes import list_notes
from storage.questions import get_question, list_events
from storage.records import Event
from storage.subscribers import Subscriber

ANSWER_PREVIEW_CHARS = 300


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _fr(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else "—"


def snapshot_json(snapshot: QuestionSnapshot) -> dict[str, Any]:
    """One JSON object per question; the same keys wherever relance prints questions as JSON."""
    s = snapshot
    return {
        "ref": s.ref.uid,
        "label": s.ref.label,
        "chamber": s.chamber,
        "legislature": s.legislature,
        "number": s.number,
        "url": s.ref.public_url,
        "source_url": s.url,
        "title": s.title,
        "rubric": s.rubric,
        "author": s.author.name,
        "author_civility": s.author.civility,
        "group": s.author.group,
        "constituency": s.author.constituency,
        "ministry": s.ministry.name if s.ministry else None,
        "ministry_asked": s.ministry_asked.name if s.ministry_asked else None,
        "transferred": s.transferred,
        "attributions": [{"ministry": a.ministry.name, "date": _iso(a.date)} for a in s.attributions],
        "published": _iso(s.published),
        "published_page": s.published_page,
        "status": s.status,
        "answered": _iso(s.answered),
        "answer": None if s.answer is None else {
            "date": _iso(s.answer.date), "page": s.answer.page, "ministry": s.answer.ministry,
            "spoken": _iso(s.answer.spoken), "text": s.answer.text, "hash": s.answer.text_hash,
        },
        "signaled": _iso(s.signaled[-1]) if s.signaled else None,
        "signalements": [_iso(d) for d in s.signaled],
        "renewals": [_iso(d) for d in s.renewed],
        "closed": _iso(s.closed),
        "closure": None if s.closure is None else {
            "code": s.closure.code, "label": s.closure.label, "date": _iso(s.closure.date)},
        "text": s.text,
        "notes": list(s.notes),
    }


EVENT_KEYS = ("id", "ref", "kind", "date", "seen_at", "details")  # an event's JSON keys, in order


def event_json(event: Event) -> dict[str, Any]:
    return {"id": event.id, "ref": event.ref, "kind": event.kind, "date": _iso(event.official_date),
            "seen_at": event.seen_at.isoformat(), "details": dict(event.details)}


class UnknownQuestion(CannotRun, LookupError):
    """A reference relance holds nothing about: never read by a check, never imported."""

    def __init__(self, uid: str, label: str) -> None:
        self.uid = uid
        super().__init__(_("{uid} ({label}) : question inconnue de relance, jamais lue ni importée ; pour la suivre : "
                           "relance add {uid}, puis relance check", uid=uid, label=label))


def question_json(question: WatchedQuestion, events: Sequence[Event], today: date) -> dict[str, Any]:
    """`relance show REF --json`: the keys of a `status --json` row (the same function builds them), then
    `group`, `text`, `answer` (date, page, ministry, text; or null), `attributions` ({ministry, date} in
    date order) and `history` (the question's events, each with the wording module's sentence)."""
    row = status_row(question, today)
    s = question.stored.snapshot if question.stored else None
    row.update({
        "group": s.author.group if s else None,
        "text": s.text if s else None,
        "answer": None if s is None or s.answer is None else {
            "date": _iso(s.answer.date), "page": s.answer.page, "ministry": s.answer.ministry,
            "text": s.answer.text},
        "attributions": [{"ministry": a.ministry.name, "date": _iso(a.date)} for a in s.attributions] if s else [],
        "history": [{"kind": e.kind, "date": _iso(e.official_date), "seen_at": e.seen_at.isoformat(),
                     "sentence": event_sentence(item_from_event(e, s, today))} for e in events],
    })
    return row


def show_json(config: Config, db: Database, ref: QuestionRef, today: date) -> dict[str, Any]:
    """`question_json` of any stored question, watched or not (a watched one with its tags). Raises
    `UnknownQuestion` when the store holds nothing about `ref`."""
    stored = get_question(db, ref.uid)
    if stored is None:
        raise UnknownQuestion(ref.uid, ref.label)
    tags = next((q.tags for q in watched_questions(config, db) if q.ref == ref), ())
    shown = question_json(WatchedQuestion(ref, tags, stored), list_events(db, ref=ref.uid), today)
    return {**shown, "notes": [note_json(note) for note in list_notes(db, ref.uid)]}  # what `relance note` kept


def subscriber_json(s: Subscriber) -> dict[str, Any]:
    return {"email": s.email, "state": s.state, "frequency": s.frequency, "tags": list(s.tags), "refs": list(s.refs),
            "created_at": s.created_at.isoformat(),
            "confirmed_at": s.confirmed_at.isoformat() if s.confirmed_at else None,
            "last_digest_at": s.last_digest_at.isoformat() if s.last_digest_at else None}
