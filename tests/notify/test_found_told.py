"""The `matched` event of a question a rule found, told in e-mails, channels and feeds."""

from __future__ import annotations

import json
from typing import Any

from pytest_httpserver import HTTPServer
from sqlite_utils import Database

from bot.app.config import load_config
from bot.cli.views import event_text
from bot.notify.channel_notice import notice_text, payload
from bot.notify.channels import Channel, notify_channels
from bot.notify.content import Digest, item_from_event
from bot.notify.digest import render_digest
from bot.notify.feeds import atom_feed
from storage.followed import list_followed
from storage.ledger import channel_recipient, list_messages
from storage.questions import get_question, list_events
from tests.follow_questions import (
    BUNDLED,
    DOSSUS_UID,
    LAGONTRIE_UID,
    NOW,
    db,  # noqa: F401 (fixtures)
    dossus,
    ingest_all,
    lagontrie,
    rule,
)

# --- the matched event, told --------------------------------------------------------------------------

def found_items(db: Database) -> list[Any]:
    return [item_from_event(e, (s.snapshot if (s := get_question(db, e.ref)) else None), NOW.date())
            for e in list_events(db) if e.ref in (LAGONTRIE_UID, DOSSUS_UID)]


def test_a_digest_tells_the_found_questions_once_each(db: Database) -> None:
    ingest_all(db, load_config(BUNDLED).follow, questions=[lagontrie(), dossus()])
    items = found_items(db)
    # Dossus's question, found two years after its deadline, is announced late at once (`overdue`).
    assert [i.kind for i in items] == ["published", "matched", "published", "matched", "overdue"]
    digest = Digest("daily", tuple(items), (), NOW, "https://relance.test/manage", "https://relance.test/unsub")
    rendered = render_digest(digest)
    assert rendered.subject == "Résumé quotidien — relance : 1 délai dépassé, 2 questions trouvées"
    text = " ".join(rendered.text.split())
    assert "Questions trouvées par les règles de suivi (2)" in text
    assert ("Nouvelle question trouvée par la règle « Reconnaissance faciale », publiée au JO le 30 mai 2024 ; "
            "elle est désormais suivie.") in text
    assert "État : répondue" in text
    assert ("Nouvelle question trouvée par la règle « Vidéosurveillance algorithmique », publiée au JO le "
            "10 novembre 2022 ; elle est désormais suivie.") in text
    assert "Échéance : 10 janvier 2023 Délai : 2 mois après la publication au JO du 10/11/2022" in text
    assert "Nouvelle question suivie" not in text  # the `published` items go with the found ones
    assert "Nouvelle question trouvée par la règle « Reconnaissance faciale »" in rendered.html


def test_a_question_found_by_two_rules_names_both(db: Database) -> None:
    rules = (*load_config(BUNDLED).follow, rule(name="Police", keywords=["forces de sécurité intérieure"]))
    [event] = [e for e in ingest_all(db, rules, questions=[lagontrie()]).events if e.kind == "matched"]
    assert event.key == "Reconnaissance faciale|Police"
    assert event_text(event).endswith("trouvée par les règles « Reconnaissance faciale » et « Police »")
    title, _ = notice_text(item_from_event(event, lagontrie(), NOW.date()))
    assert title == "Sénat 1335 (2024-05) — trouvée par les règles « Reconnaissance faciale » et « Police »"


def test_channel_notice_payload_and_feed_entry(db: Database) -> None:
    ingest_all(db, load_config(BUNDLED).follow, questions=[dossus()])
    published, matched, _overdue = found_items(db)
    title, body = notice_text(matched)
    assert title == "Sénat 3705 (2022-11) — trouvée par la règle « Vidéosurveillance algorithmique »"
    # The very sentence of the e-mail (bot/notify/wording/), then where the question stands.
    assert body.splitlines()[:4] == [
        "Utilisation illégale des algorithmes de vidéosurveillance par les polices municipales (Thomas Dossus)",
        "Nouvelle question trouvée par la règle « Vidéosurveillance algorithmique », publiée au JO le "
        "10 novembre 2022 ; elle est désormais suivie.",
        "État : en attente de réponse.",
        "Échéance : 10/01/2023."]
    data = payload(matched)
    assert (data["kind"], data["kind_fr"], data["rules"], data["date"]) == (
        "matched", "trouvée par la règle « Vidéosurveillance algorithmique »", ["Vidéosurveillance algorithmique"],
        "2022-11-10")
    assert payload(published)["rules"] is None
    feed = atom_feed([published, matched], feed_id="tag:relance.test,2025:feed", title="t",
                     self_url="https://relance.test/feed", updated=NOW).decode("utf-8")
    assert feed.count("<entry>") == 1  # the published entry goes with the found one
    assert ("<title>Trouvée par la règle « Vidéosurveillance algorithmique » — Sénat 3705 (2022-11) : "
            "Utilisation illégale des algorithmes de vidéosurveillance par les polices municipales</title>") in feed
    assert ("Nouvelle question trouvée par la règle « Vidéosurveillance algorithmique », publiée au JO le "
            "10 novembre 2022") in feed


def test_a_channel_gets_one_notice_per_found_question(db: Database, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    ingest_all(db, load_config(BUNDLED).follow)
    channel = Channel("vsa", f"json://127.0.0.1:{httpserver.port}/hook?cto=2&rto=2", tags=("vsa",))
    tags = {f.ref: f.tags for f in list_followed(db)}
    report = notify_channels(db, [channel], tags, NOW)
    assert (report.queued, report.sent, report.errors) == (3, 3, [])
    bodies = [json.loads(request.get_data()) for request, _ in httpserver.log]
    assert [(b["relance"]["ref"], b["relance"]["kind"]) for b in bodies] == [
        (LAGONTRIE_UID, "matched"), (DOSSUS_UID, "matched"), (DOSSUS_UID, "overdue")]  # Dossus's: found, late
    # at once: the rule's notice first, then the lateness
    # Each message carries the question's published and matched events: neither is sent again.
    [first, second, _late] = list_messages(db, channel_recipient("vsa"))
    assert notify_channels(db, [channel], tags, NOW).queued == 0
    assert first.subject == "Sénat 1335 (2024-05) — trouvée par la règle « Reconnaissance faciale »"
    assert second.subject == "Sénat 3705 (2022-11) — trouvée par la règle « Vidéosurveillance algorithmique »"
