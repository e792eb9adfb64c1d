"""Notes where people read them: the web question page (Flask's test client on the seeded real snapshots of
tests/web/seeded.py) and the digest e-mail (a real SMTP server, the real AN sample served by a local HTTP
server, tests/notify/subscribers_site.py). A note is text a person typed: escaped in HTML pages and mails."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import time_machine
from pytest_httpserver import HTTPServer

from bot.core.deadlines import PARIS
from storage.db import open_db
from storage.notes import add_note
from tests.conftest import sample_bytes
from tests.notify.subscribers_site import (
    at,
    config,  # noqa: F401 (the fixture)
    html_of,
    ok,
    relance,
    serve,
    subscribe_and_confirm,
    text_of,
)
from tests.smtp import Mailer
from tests.web import seeded
from tests.web.seeded import AN, SENAT_PENDING, Site, page

site = seeded.site
clock = seeded.clock

TYPED = '<script>alert("x")</script> & signalement demandé'
ESCAPED = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; signalement demandé"


def keep_note(site: Site, ref: str, text: str, when: datetime) -> None:
    db = open_db(site.db_path)
    try:
        add_note(db, ref, text, when)
    finally:
        db.close()


def test_the_question_page_lists_the_notes_under_the_history_escaped(site: Site) -> None:
    assert 'id="notes"' not in page(site.client.get(f"/questions/{AN}"))  # no note: no section
    keep_note(site, AN, "signalement demandé le 3/12", datetime(2025, 6, 4, 14, 5, tzinfo=PARIS))
    keep_note(site, AN, TYPED, datetime(2025, 6, 9, 23, 30, tzinfo=PARIS))
    html = page(site.client.get(f"/questions/{AN}"))
    notes = html[html.index('<h2 id="notes">Notes</h2>'):]
    assert html.index('id="historique"') < html.index('id="notes"')
    assert '<li value="1"><time datetime="2025-06-04T12:05:00+00:00">4 juin 2025 à 14:05</time>&nbsp;: ' \
           "signalement demandé le 3/12</li>" in notes
    assert f'<li value="2"><time datetime="2025-06-09T21:30:00+00:00">9 juin 2025 à 23:30</time>&nbsp;: {ESCAPED}' \
           in notes
    assert "<script>" not in html
    assert 'id="notes"' not in page(site.client.get(f"/questions/{SENAT_PENDING}"))  # another question's page


def test_the_digest_card_shows_the_latest_note_escaped(config: Path, httpserver: HTTPServer,
                                                       mailer: Mailer) -> None:
    with time_machine.travel(at("2025-04-01"), tick=True):
        ok(relance(config, "check"))
        subscribe_and_confirm(config, mailer, "alice@example.net", "--frequency", "immediate")
    with time_machine.travel(at("2025-05-20"), tick=True):
        ok(relance(config, "note", "AN 17-5268", "une note plus ancienne"))
    serve(httpserver, sample_bytes("an/QANR5L17QE5268.json"))
    with time_machine.travel(at("2025-06-03", 18), tick=True):
        ok(relance(config, "note", "AN 17-5268", TYPED))
        ok(relance(config, "check"))
        ok(relance(config, "notify"))
    _, notice = mailer.inbox.to("alice@example.net")
    text = text_of(notice).replace("\r\n", "\n")
    card = text[text.index("* AN 17-5268"):text.index("https://www.assemblee-nationale.fr/dyn/17/questions/")]
    assert "\n  Dernière note : 3 juin 2025 : " in card  # in the question's card, above its link
    assert f"Dernière note : 3 juin 2025 : {TYPED}" in " ".join(card.split())  # as typed, wrapped at 78
    assert "une note plus ancienne" not in text
    html = html_of(notice)
    # css-inline writes the quotes of text as they are, which HTML allows outside attributes.
    assert ("Dernière note&nbsp;:</strong> 3 juin 2025 : &lt;script&gt;alert(\"x\")&lt;/script&gt; &amp; "
            "signalement demandé</p>") in html
    assert "<script>" not in html
