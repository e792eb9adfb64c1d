"""The JSON objects of `--json` outputs and of the web API: the same keys wherever relance prints them."""

from __future__ import annotations

from datetime import date
from typing import Any

from scrapers.model import QuestionSnapshot
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


def event_json(event: Event) -> dict[str, Any]:
    return {"id": event.id, "ref": event.ref, "kind": event.kind, "date": _iso(event.official_date),
            "seen_at": event.seen_at.isoformat(), "details": dict(event.details)}


def subscriber_json(s: Subscriber) -> dict[str, Any]:
    return {"email": s.email, "state": s.state, "frequency": s.frequency, "tags": list(s.tags), "refs": list(s.refs),
            "created_at": s.created_at.isoformat(),
            "confirmed_at": s.confirmed_at.isoformat() if s.confirmed_at else None,
            "last_digest_at": s.last_digest_at.isoformat() if s.last_digest_at else None}
