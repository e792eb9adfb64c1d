"""Late from the first reading: a question relance first reads already past its deadline is told late at
once, in the e-mail, the channels and the Atom feed; many at once (a bulk import) are grouped.

Everything goes through the command line on real components (a real SMTP server, a local HTTP server
serving the real AN sample or receiving the channels' posts, a real SQLite file). The questions are the
real QANR5L17QE5268.json (published 25 March 2025, deadline 25 May 2025) without its answer
(tests/an_variants.py), and for the bulk import records derived from it (tests/app/an_archives.py).
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
import time_machine
from dateutil.relativedelta import relativedelta
from pytest_httpserver import HTTPServer

from bot.core.events import diff
from bot.notify.content import LATE_GROUP_ABOVE, Digest, item_from_event
from bot.notify.digest import render_digest
from scrapers.an import parse_an_json
from storage.db import open_db
from storage.questions import list_events
from tests.an_variants import dump, qe_json, signaled_on, transferred_to, without_answer
from tests.app.an_archives import derived, write_archive
from tests.notify.subscribers_site import (
    at,
    config,  # noqa: F401 (the fixture)
    html_of,
    ok,
    relance,
    subscribe_and_confirm,
    text_of,
)
from tests.smtp import Mailer

AN_REF = "QANR5L17QE5268"
TIMEOUTS = "cto=2&rto=2"
# The economy ministry of the Lecornu II government (the real AMO file
# samples/an/amo/amo10-l17-2026-04/json/organe/PO873685.json, in office from 13 October 2025).
LATER_ECONOMY = ("PO873685", "Économie, finances, souveraineté industrielle, énergétique et numérique",
                 "Ministère de l’économie, des finances et de la souveraineté industrielle, énergétique et numérique")
ECONOMY = "Ministère de l’économie, des finances et de la souveraineté industrielle et numérique"  # the sample's


def with_channels(config: Path, server: HTTPServer) -> Path:
    """The config with a webhook (json://) and a chat-like channel (Apprise's form://) on `server`."""
    for path in ("/hook", "/chat"):
        server.expect_request(path, method="POST").respond_with_data("ok")
    config.write_text(config.read_text(encoding="utf-8") + (
        f'\n[[channel]]\nname = "webhook"\nurl = "json://127.0.0.1:{server.port}/hook?{TIMEOUTS}"\n'
        f'\n[[channel]]\nname = "chat"\nurl = "form://127.0.0.1:{server.port}/chat?{TIMEOUTS}"\n'),
        encoding="utf-8")
    return config


def posts(server: HTTPServer, path: str) -> list[dict[str, Any]]:
    """What a channel received: the webhook's JSON bodies, or the form's fields (title, message…)."""
    found = []
    for request, _ in server.log:
        if request.path == path:
            body = request.get_data(as_text=True)
            found.append(json.loads(body) if path == "/hook" else
                         {k: v[0] for k, v in parse_qs(body).items()} | dict(request.form))
    return found


def kinds(config: Path) -> list[tuple[str, str, str | None]]:
    db = open_db(config.parent / "relance.db")
    try:
        return [(e.kind, e.key, e.official_date.isoformat() if e.official_date else None) for e in list_events(db)]
    finally:
        db.close()


# --- one question, first read a year after its deadline ----------------------------------------------

def test_a_question_first_read_a_year_late_is_told_late_everywhere_once(config: Path, httpserver: HTTPServer,
                                                                        mailer: Mailer) -> None:
    with_channels(config, httpserver)
    with time_machine.travel(at("2026-05-20"), tick=True):
        subscribe_and_confirm(config, mailer, "alice@example.net", "--tag", "diamants", "--frequency", "immediate")
        ok(relance(config, "notify"))  # the channels count events from now on
    with time_machine.travel(at("2026-05-25"), tick=True):
        ok(relance(config, "check"))  # the first reading: 365 days after the deadline
        ok(relance(config, "check"))  # the same day again
        sent = ok(relance(config, "notify")).stdout
        feed = ok(relance(config, "feed", "atom")).stdout
    with time_machine.travel(at("2026-05-26"), tick=True):
        ok(relance(config, "check"))  # the next day
        ok(relance(config, "notify"))
    assert kinds(config) == [("published", "published", "2025-03-25"), ("overdue", "2025-05-25", "2025-05-25")]
    assert "envoyés 1" in sent

    _confirmation, notice = mailer.inbox.to("alice@example.net")  # one notice, never a second
    assert notice["Subject"] == "relance : 1 délai dépassé, 1 autre nouvelle"
    text = " ".join(text_of(notice).split())
    assert ("Délais dépassés (1) =================== * AN 17-5268 : Révision de la terminologie des diamants "
            "synthétiques Délai dépassé de 365 jours : la réponse était due le 25 mai 2025.") in text
    assert "Que faire : demander à un président de groupe de la signaler" in text
    assert "Délai dépassé de 365 jours : la réponse était due le 25 mai 2025." in html_of(notice)

    [published, overdue] = posts(httpserver, "/hook")
    assert (published["relance"]["kind"], overdue["relance"]["kind"]) == ("published", "overdue")
    assert {k: overdue["relance"][k] for k in ("ref", "date", "deadline", "days_late")} == {
        "ref": AN_REF, "date": "2025-05-25", "deadline": "2025-05-25", "days_late": 365}
    assert overdue["title"] == "AN 17-5268 — délai dépassé" and overdue["type"] == "warning"
    chat = posts(httpserver, "/chat")
    assert [c["title"] for c in chat] == ["AN 17-5268 — nouvelle question suivie", "AN 17-5268 — délai dépassé"]
    assert "Délai dépassé de 365 jours : la réponse était due le 25 mai 2025." in chat[1]["message"]

    assert "<id>tag:relance,2025:event/QANR5L17QE5268/overdue/2025-05-25</id>" in feed
    assert "Délai dépassé de 365 jours : la réponse était due le 25 mai 2025." in feed


def test_a_question_read_before_its_deadline_is_told_late_the_day_after_only(config: Path) -> None:
    with time_machine.travel(at("2025-05-25"), tick=True):
        ok(relance(config, "check"))  # the deadline day: not late yet
    with time_machine.travel(at("2025-05-26"), tick=True):
        ok(relance(config, "check"))
        ok(relance(config, "check"))
    assert kinds(config) == [("published", "published", "2025-03-25"), ("overdue", "2025-05-25", "2025-05-25")]


# --- the sentences of a first-sight late event, in a digest ------------------------------------------

def first_sight_digest(document: dict[str, Any], day: date) -> str:
    snapshot = parse_an_json(dump(document), f"https://www.assemblee-nationale.fr/dyn/opendata/{AN_REF}.json")
    now = at(day.isoformat())
    events = diff(None, snapshot, today=day, last_day=None, seen_at=now)
    items = tuple(item_from_event(e, snapshot, day) for e in events)
    return " ".join(render_digest(Digest("daily", items, (), now, "https://m.test", "https://u.test")).text.split())


def test_a_signalee_question_first_read_past_its_signalement_deadline() -> None:
    text = first_sight_digest(signaled_on(without_answer(qe_json()), "2025-06-10"), date(2025, 7, 1))
    assert "Délais dépassés (2)" in text
    assert "Délai dépassé de 37 jours : la réponse était due le 25 mai 2025." in text
    assert ("Délai du signalement dépassé de 11 jours : le ministre devait répondre dans les 10 jours suivant "
            "le signalement, au plus tard le 20 juin 2025.") in text


def test_an_answered_question_first_read_long_after_is_not_late() -> None:
    text = first_sight_digest(qe_json(), date(2026, 6, 3))
    assert "Délai" not in text and "Autres nouvelles (1)" in text


# --- a bulk import of thirty late questions: the first digest, grouped -------------------------------

BACKLOG = 30
FOLLOW_DIAMANTS = '\n[[follow]]\nname = "Diamants"\nkeywords = ["diamants synthétiques"]\ntags = ["diamants"]\n'


def transferred_to_later(document: dict[str, Any]) -> dict[str, Any]:
    """The question handed to the later economy ministry on 14 October 2025, the day after it took office."""
    ref, short, name = LATER_ECONOMY
    return transferred_to(document, short, name, ref, "2025-10-14")


def backlog() -> list[dict[str, Any]]:
    """Thirty unanswered questions, numbers 101 to 130, published one Tuesday after another from 7 January
    2025; every sixth one, from the first, since handed to the later economy ministry (five in all)."""
    documents = [derived(101 + k, date(2025, 1, 7) + timedelta(weeks=k), None) for k in range(BACKLOG)]
    return [transferred_to_later(d) if k % 6 == 0 else d for k, d in enumerate(documents)]


@pytest.fixture
def imported(config: Path, httpserver: HTTPServer, mailer: Mailer, tmp_path: Path) -> Path:
    """The backlog imported on 15 April 2026 by a follow rule's staffer, with a daily subscriber and two
    channels already there; then the morning's `relance notify`."""
    with_channels(config, httpserver)
    config.write_text(config.read_text(encoding="utf-8") + FOLLOW_DIAMANTS, encoding="utf-8")
    archive = write_archive(tmp_path / "backlog.zip", backlog())
    with time_machine.travel(at("2026-04-14"), tick=True):
        subscribe_and_confirm(config, mailer, "alice@example.net", "--tag", "diamants", "--frequency", "daily")
        ok(relance(config, "notify"))
    with time_machine.travel(at("2026-04-15", 7), tick=True):
        ok(relance(config, "import", "an", "--file", str(archive)))
    with time_machine.travel(at("2026-04-15", 9), tick=True):
        ok(relance(config, "notify"))
    return config


def expected_lines() -> list[tuple[int, int]]:
    """(number, days late on 15 April 2026) of the thirty, the most late first: each is due two calendar
    months after its publication (RULES.md § 1); question 101, published 7 January 2025, on 7 March 2025,
    404 days before; question 130, published 29 July 2025, on 29 September 2025, 198 days before."""
    published = [date(2025, 1, 7) + timedelta(weeks=k) for k in range(BACKLOG)]
    return [(101 + k, (date(2026, 4, 15) - (day + relativedelta(months=2))).days) for k, day in enumerate(published)]


def test_the_first_digest_after_a_bulk_import_groups_the_late_questions(imported: Path, mailer: Mailer) -> None:
    assert BACKLOG > LATE_GROUP_ABOVE
    assert sum(kind == "overdue" for kind, _, _ in kinds(imported)) == BACKLOG
    _confirmation, digest = mailer.inbox.to("alice@example.net")
    assert digest["Subject"] == "Résumé quotidien — relance : 30 délais dépassés, 30 questions trouvées"
    text = text_of(digest)
    flat_text = " ".join(text.split())
    section = text[text.index("Délais dépassés (30)"):text.index("Questions trouvées par les règles")]
    flat = " ".join(section.split())
    assert ("30 questions en retard à la fois : le nombre par ministère, puis chaque question, la plus en "
            "retard d'abord.") in flat
    assert flat.index(f"- {ECONOMY} : 25 questions") < flat.index(f"- {LATER_ECONOMY[2]} : 5 questions")
    where = [flat.index(f"* AN 17-{n} — Révision de la terminologie des diamants synthétiques : {days} jours de "
                        f"retard https://www.assemblee-nationale.fr/dyn/17/questions/QANR5L17QE{n}")
             for n, days in expected_lines()]
    assert where == sorted(where)  # one line each, the most late first
    assert expected_lines()[0] == (101, 404) and expected_lines()[-1] == (130, 198)
    assert "Délai dépassé de" not in flat  # no card per question
    assert flat.count("Que faire : pour les questions de l'Assemblée nationale, demander à un président de "
                      "groupe de la signaler") == 1
    html = html_of(digest)
    grouped = html[:html.index("Toujours sans réponse")]  # the digest's closing block lists the 5 latest again
    assert grouped.count('<li style="margin: 0 0 4px 0;"><a href="https://www.assemblee-nationale.fr/dyn/17/'
                         'questions/QANR5L17QE1') == BACKLOG
    assert "30 questions que vous suivez sont toujours sans réponse après leur délai. Les 5 dernières" in flat_text
    assert f"<li>{ECONOMY} : 25 questions</li>" in html
    # The other sections stay one card each.
    assert text.count("elle est désormais suivie.") == BACKLOG


def test_a_chat_channel_gets_one_grouped_notice_and_a_webhook_each_event(imported: Path,
                                                                        httpserver: HTTPServer) -> None:
    chat = posts(httpserver, "/chat")
    grouped = [c for c in chat if c["title"] == "relance — 30 questions en retard"]
    assert len(grouped) == 1 and not [c for c in chat if c["title"].endswith("délai dépassé")]
    body = grouped[0]["message"].splitlines()
    assert body[:5] == ["30 questions en retard à la fois : le nombre par ministère, puis chaque question, la plus "
                        "en retard d'abord.", "", f"- {ECONOMY} : 25 questions", f"- {LATER_ECONOMY[2]} : 5 questions",
                        ""]
    assert body[5:35] == [f"AN 17-{n} — Révision de la terminologie des diamants synthétiques : {days} jours de retard"
                          for n, days in expected_lines()]
    assert body[36].startswith("Que faire : pour les questions de l'Assemblée nationale")
    hooked = [p["relance"]["kind"] for p in posts(httpserver, "/hook")]
    assert hooked.count("overdue") == BACKLOG and hooked.count("matched") == BACKLOG
    with time_machine.travel(at("2026-04-16", 9), tick=True):
        ok(relance(imported, "notify"))  # the grouped notice carried every late event: nothing again
    assert len(posts(httpserver, "/chat")) == len(chat)


def test_a_subscriber_of_everything_hears_of_watched_questions_only(config: Path, mailer: Mailer,
                                                                     tmp_path: Path) -> None:
    """A bulk import stores every question of the archive; a subscriber who chose no tag and no question
    follows "everything watched", so thirty late questions no one watches or follows are no news to them,
    while the same thirty found by a follow rule are."""
    archive = write_archive(tmp_path / "backlog.zip", backlog())
    with time_machine.travel(at("2026-04-14"), tick=True):
        subscribe_and_confirm(config, mailer, "bob@example.net", "--frequency", "daily")
    with time_machine.travel(at("2026-04-15", 7), tick=True):
        ok(relance(config, "import", "an", "--file", str(archive)))
    with time_machine.travel(at("2026-04-15", 9), tick=True):
        ok(relance(config, "notify"))
    assert sum(kind == "overdue" for kind, _, _ in kinds(config)) == BACKLOG  # stored, not watched
    assert len(mailer.inbox.to("bob@example.net")) == 1  # the confirmation only

    config.write_text(config.read_text(encoding="utf-8") + FOLLOW_DIAMANTS, encoding="utf-8")
    with time_machine.travel(at("2026-04-16", 7), tick=True):
        ok(relance(config, "import", "an", "--file", str(archive), "--again"))
    with time_machine.travel(at("2026-04-16", 9), tick=True):
        ok(relance(config, "notify"))
    _confirmation, digest = mailer.inbox.to("bob@example.net")
    assert "Délais dépassés (30)" in text_of(digest)
