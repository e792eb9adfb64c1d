"""What a team channel is told of one event: a short notice (title and body) in relance's language, and,
for webhooks, the event as a JSON object, whose keys and values are the same whatever the language
(`kind_fr` stays French, as documented).

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

from datetime import date
from typing import Any

from bot.core.deadlines import PARIS
from bot.notify.content import Item, LateGroup
from bot.notify.i18n import _, in_language
from bot.notify.wording import STATUS_LONG_FR, advice_label, event_advice, event_sentence, kind_fr
from bot.notify.wording.late_group import (
    late_group_action,
    late_group_intro,
    late_group_line,
    late_group_ministry,
    late_group_title,
)

PAYLOAD_VERSION = 1
EXCERPT_CHARS = 280  # a chat notice quotes this much of an answer; the payload has the whole excerpt


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _fr(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else "?"


def payload(item: Item) -> dict[str, Any]:
    """The documented JSON object of one event (see the module's docstring): every key, always."""
    return {
        "relance_version": PAYLOAD_VERSION,
        "event_id": item.event_id,
        "kind": item.kind,
        "kind_fr": _kind_in_french(item),
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


def _kind_in_french(item: Item) -> str:
    """The payload's `kind_fr`: French whatever language relance speaks, as the payload is documented."""
    with in_language("fr"):
        return kind_fr(item.kind, item.details)


def _rules(item: Item) -> list[str]:
    rules = item.details.get("rules")
    return [str(r) for r in rules] if isinstance(rules, list) else []


def _quote(text: str) -> str:
    flat = " ".join(text.split())
    if len(flat) > EXCERPT_CHARS:
        flat = flat[:EXCERPT_CHARS].rsplit(" ", 1)[0] + "…"
    return f"« {flat} »"


def _what(item: Item) -> list[str]:
    """The lines saying what happened (the sentence every output uses), then what to do if anything."""
    lines = [event_sentence(item)]
    if item.excerpt and item.kind in ("answered", "answer_changed"):
        lines.append(_quote(item.excerpt))
    status = item.details.get("status")
    if item.kind == "matched" and isinstance(status, str) and status in STATUS_LONG_FR:
        lines.append(_("État : {status}.", status=STATUS_LONG_FR[status]))
    if item.kind == "matched" and item.deadline and status in (None, "pending"):
        lines.append(_("Échéance : {day}.", day=_fr(item.deadline)))
    if item.kind in ("deadline_soon", "overdue", "signaled_overdue") and item.deadline_rule:
        lines.append(item.deadline_rule)
    if (advice := event_advice(item)) is not None:
        lines.append(_("{label} : {action}", label=advice_label(), action=advice))
    return lines


def notice_text(item: Item) -> tuple[str, str]:
    """(title, body) of a chat notice: which question, what happened, where to read it."""
    title = f"{item.label} — {kind_fr(item.kind, item.details)}"
    about = item.title or _("(sans titre)")
    lines = [f"{about} ({item.author})" if item.author else about, *_what(item)]
    if item.ministry and item.kind != "transferred":
        lines.append(_("Ministère : {ministry}", ministry=item.ministry))
    lines.append(item.url)
    return title, "\n".join(lines)


def late_group_notice(group: LateGroup) -> tuple[str, str]:
    """(title, body) of the one chat notice that tells many late questions at once (a channel's batch
    after a bulk import): the count per ministry, then one line per question, then what to do."""
    lines = [late_group_intro(len(group.questions)), ""]
    lines += [f"- {late_group_ministry(name, n)}" for name, n in group.by_ministry]
    lines.append("")
    lines += [late_group_line(q.label, q.title, q.days_late, q.signal_days_late) for q in group.questions]
    actions = [action for chamber in group.chambers if (action := late_group_action(chamber))]
    if actions:
        lines += ["", *(_("{label} : {action}", label=advice_label(), action=action) for action in actions)]
    return late_group_title(len(group.questions)), "\n".join(lines)


def late_group_payload(group: LateGroup) -> dict[str, Any]:
    """What the ledger keeps beside a grouped notice: its kind (a warning, as every late event) and the
    events it tells. Never posted: a webhook gets each event on its own (see the module's docstring)."""
    return {"kind": "overdue", "grouped": True, "event_ids": [i.event_id for i in group.items]}

