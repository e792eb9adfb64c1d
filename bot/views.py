"""How a question is shown: the JSON object of `--json` outputs and the readable text of the terminal."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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


STATUS_FR = {"pending": "en attente de réponse", "answered": "répondue", "withdrawn": "retirée",
             "closed": "clôturée", "lapsed": "caduque"}


def snapshot_text(snapshot: QuestionSnapshot) -> str:
    """A readable summary for the terminal, in French like the sources it reads."""
    s = snapshot
    author = " ".join(p for p in (s.author.civility, s.author.name) if p) or "auteur inconnu"
    where = ", ".join(p for p in (s.author.constituency, s.author.group) if p)
    lines = [
        f"{s.ref.uid}  ({s.ref.label})  {STATUS_FR[s.status]}",
        f"  {s.title or '(sans titre)'}",
        f"  Auteur : {author}" + (f" ({where})" if where else ""),
        f"  Publiée au JO le {_fr(s.published)}" + (f", page {s.published_page}" if s.published_page else ""),
        f"  Ministère interrogé : {s.ministry_asked or '—'}",
    ]
    if s.transferred or (s.ministry and s.ministry != s.ministry_asked):
        lines.append(f"  Ministère attributaire : {s.ministry}")
        lines += [f"    - {a.ministry} (depuis le {_fr(a.date)})" for a in s.attributions]
    lines += [f"  Signalée le {_fr(d)}" for d in s.signaled]
    lines += [f"  Renouvelée le {_fr(d)}" for d in s.renewed]
    if s.answer:
        page = f", page {s.answer.page}" if s.answer.page else ""
        lines.append(f"  Réponse publiée le {_fr(s.answer.date)}{page}")
        preview = " ".join(s.answer.text.split())
        if preview:
            more = "…" if len(preview) > ANSWER_PREVIEW_CHARS else ""
            lines.append(f"    {preview[:ANSWER_PREVIEW_CHARS]}{more}")
    if s.closure and s.status != "answered":
        lines.append(f"  Clôture : {s.closure.label} ({_fr(s.closure.date)})")
    lines.append(f"  {s.ref.public_url}")
    return "\n".join(lines)


EVENT_FR = {
    "published": "nouvelle question suivie", "answered": "réponse publiée", "answer_changed": "réponse modifiée",
    "transferred": "transmise", "signaled": "signalée", "renewed": "renouvelée", "withdrawn": "retirée",
    "closed": "clôturée", "lapsed": "caduque", "deadline_soon": "échéance proche", "overdue": "délai dépassé",
    "signaled_overdue": "délai du signalement dépassé", "matched": "trouvée par une règle de suivi",
}


def found_by_fr(rules: Sequence[str]) -> str:
    """'trouvée par la règle « Reconnaissance faciale »', or '… par les règles « A » et « B »'."""
    names = [f"« {rule} »" for rule in rules]
    if not names:
        return EVENT_FR["matched"]
    if len(names) == 1:
        return f"trouvée par la règle {names[0]}"
    return f"trouvée par les règles {', '.join(names[:-1])} et {names[-1]}"


def kind_fr(kind: str, details: Mapping[str, Any]) -> str:
    """What happened, in French: EVENT_FR's words, or for a `matched` event the rules that found it."""
    if kind == "matched":
        rules = details.get("rules")
        return found_by_fr([str(r) for r in rules] if isinstance(rules, list) else [])
    return EVENT_FR[kind]


def event_json(event: Event) -> dict[str, Any]:
    return {"id": event.id, "ref": event.ref, "kind": event.kind, "date": _iso(event.official_date),
            "seen_at": event.seen_at.isoformat(), "details": dict(event.details)}


def _event_detail(event: Event) -> str:
    d = event.details
    if event.kind == "transferred":
        return f"{d.get('from_ministry') or '?'} → {d.get('to_ministry')}"
    if event.kind in ("overdue", "signaled_overdue"):
        return f"échéance {d.get('deadline')}, {d.get('days_late')} j de retard ({d.get('explanation')})"
    if event.kind == "deadline_soon":
        return f"échéance {d.get('deadline')}, {d.get('days_left')} j restants"
    if event.kind == "answered":
        late = d.get("days_late")
        return f"{d.get('ministry') or ''}" + (f", {late} j de retard" if late else "")
    if event.kind in ("withdrawn", "closed", "lapsed"):
        return str(d.get("label") or "")
    if event.kind in ("published", "matched"):
        return str(d.get("title") or "")
    return ""


def event_text(event: Event) -> str:
    detail = _event_detail(event)
    what = kind_fr(event.kind, event.details)
    return f"{_fr(event.official_date)}  {event.ref}  {what}" + (f" : {detail}" if detail else "")


def subscriber_json(s: Subscriber) -> dict[str, Any]:
    return {"email": s.email, "state": s.state, "frequency": s.frequency, "tags": list(s.tags), "refs": list(s.refs),
            "created_at": s.created_at.isoformat(),
            "confirmed_at": s.confirmed_at.isoformat() if s.confirmed_at else None,
            "last_digest_at": s.last_digest_at.isoformat() if s.last_digest_at else None}
