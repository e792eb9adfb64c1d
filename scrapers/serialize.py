"""A snapshot as plain JSON data and back, so the store can keep the whole of what was read."""

from __future__ import annotations

from datetime import date
from typing import Any

from scrapers.model import (
    STATUSES,
    Answer,
    Attribution,
    Author,
    Closure,
    Ministry,
    QuestionSnapshot,
)
from scrapers.refs import parse_ref

FORMAT = 1  # bump when the shape changes; snapshot_from_dict reads every earlier format


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _day(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None


def _ministry(m: Ministry | None) -> dict[str, Any] | None:
    return None if m is None else {"name": m.name, "short": m.short, "id": m.id}


def _ministry_from(data: dict[str, Any] | None) -> Ministry | None:
    return None if data is None else Ministry(name=data["name"], short=data.get("short"), id=data.get("id"))


def snapshot_to_dict(s: QuestionSnapshot) -> dict[str, Any]:
    a = s.author
    return {
        "format": FORMAT,
        "ref": s.ref.uid,
        "url": s.url,
        "status": s.status,
        "title": s.title,
        "rubric": s.rubric,
        "author": {"name": a.name, "civility": a.civility, "group": a.group, "group_name": a.group_name,
                   "constituency": a.constituency, "actor_ref": a.actor_ref},
        "ministry_asked": _ministry(s.ministry_asked),
        "attributions": [{"ministry": _ministry(x.ministry), "date": _iso(x.date)} for x in s.attributions],
        "text": s.text,
        "published": _iso(s.published),
        "published_page": s.published_page,
        "answer": None if s.answer is None else {
            "date": _iso(s.answer.date), "page": s.answer.page, "text": s.answer.text,
            "ministry": s.answer.ministry, "spoken": _iso(s.answer.spoken)},
        "signaled": [_iso(d) for d in s.signaled],
        "renewed": [_iso(d) for d in s.renewed],
        "closure": None if s.closure is None else {
            "code": s.closure.code, "label": s.closure.label, "date": _iso(s.closure.date)},
        "notes": list(s.notes),
    }


def snapshot_from_dict(data: dict[str, Any]) -> QuestionSnapshot:
    """The inverse of `snapshot_to_dict`; raises KeyError or ValueError on data it did not write."""
    status = data["status"]
    if status not in STATUSES:
        raise ValueError(f"unknown status {status!r}")
    answer = data.get("answer")
    closure = data.get("closure")
    answer_date = _day(answer["date"]) if answer else None
    return QuestionSnapshot(
        ref=parse_ref(data["ref"]),
        url=data["url"],
        status=status,
        title=data.get("title"),
        rubric=data.get("rubric"),
        author=Author(**data["author"]),
        ministry_asked=_ministry_from(data.get("ministry_asked")),
        attributions=tuple(Attribution(_ministry_from(x["ministry"]) or Ministry(""), _day(x.get("date")))
                           for x in data.get("attributions", [])),
        text=data.get("text"),
        published=_day(data.get("published")),
        published_page=data.get("published_page"),
        answer=None if not answer or answer_date is None else Answer(
            date=answer_date, page=answer.get("page"), text=answer.get("text", ""),
            ministry=answer.get("ministry"), spoken=_day(answer.get("spoken"))),
        signaled=tuple(d for d in map(_day, data.get("signaled", [])) if d),
        renewed=tuple(d for d in map(_day, data.get("renewed", [])) if d),
        closure=None if not closure else Closure(closure.get("code"), closure.get("label", ""),
                                                 _day(closure.get("date"))),
        notes=tuple(data.get("notes", [])),
    )
