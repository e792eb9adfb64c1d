"""Questions that follow rules found: watched like the config's [[watch]] tables, with the rules that
matched them and the tags those rules give."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlite_utils import Database

from storage.instants import instant_text as _text


@dataclass(frozen=True, slots=True)
class Followed:
    ref: str
    rules: tuple[str, ...]
    tags: tuple[str, ...]
    matched_at: datetime


def list_followed(db: Database) -> list[Followed]:
    return [Followed(row["ref"], tuple(json.loads(row["rules"])), tuple(json.loads(row["tags"])),
                     datetime.fromisoformat(row["matched_at"]))
            for row in db.table("followed").rows_where(order_by="ref")]


def follow(db: Database, ref: str, rules: Sequence[str], tags: Sequence[str], now: datetime) -> list[str]:
    """Record that `rules` matched `ref`, with the tags they give; return the rules that had not
    matched it before (all of them for a question not followed yet)."""
    rows = list(db.table("followed").rows_where("ref = ?", [ref]))
    if not rows:
        db.table("followed").insert({"ref": ref, "rules": json.dumps(list(rules)), "tags": json.dumps(list(tags)),
                                     "matched_at": _text(now)})
        return list(rules)
    old_rules, old_tags = json.loads(rows[0]["rules"]), json.loads(rows[0]["tags"])
    new_rules = [rule for rule in rules if rule not in old_rules]
    merged_tags = list(dict.fromkeys([*old_tags, *tags]))
    if new_rules or merged_tags != old_tags:
        db.table("followed").update(ref, {"rules": json.dumps([*old_rules, *new_rules]),
                                          "tags": json.dumps(merged_tags)})
    return new_rules


def unfollow_rule(db: Database, rule: str, tags_of_rules: Mapping[str, Sequence[str]]) -> int:
    """Forget a removed rule: questions only it matched are no longer followed, and the others keep the
    tags of their other rules only (`tags_of_rules`: the tags of each rule left). Returns how many
    questions are no longer followed."""
    dropped = 0
    with db.atomic():
        for item in list_followed(db):
            if rule not in item.rules:
                continue
            rest = [r for r in item.rules if r != rule]
            if rest:
                tags = list(dict.fromkeys(tag for r in rest for tag in tags_of_rules.get(r, ())))
                db.table("followed").update(item.ref, {"rules": json.dumps(rest), "tags": json.dumps(tags)})
            else:
                db.table("followed").delete(item.ref)
                dropped += 1
    return dropped


def unfollow(db: Database, ref: str) -> bool:
    """Forget that rules found `ref` (`relance remove`, which also excludes it from them); whether it was followed."""
    with db.atomic():
        found = db.execute("SELECT count(*) FROM followed WHERE ref = ?", [ref]).fetchone()[0]
        db.execute("DELETE FROM followed WHERE ref = ?", [ref])
    return bool(found)
