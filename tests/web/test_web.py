"""The web interface through Flask's test client, on real components: a real SQLite file holding
snapshots parsed from the real samples, a real SMTP server (aiosmtpd) for the e-mails, the real
config loader. Every route, and the bad inputs: forged, expired, misused tokens, missing CSRF,
oversized forms, too many requests.

Expected values are read from the samples: AN 17-5268 published on 25/03/2025 and answered on
03/06/2025 (deadline 25/05/2025, 9 days late); Sénat 11244 published on 10/12/2009 and answered on
28/10/2010; Sénat 23812 published on 15/07/2021 and, with its ending taken out, still pending.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import time_machine
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from bot.core.deadlines import PARIS
from bot.core.events import diff
from bot.core.status import WatchedQuestion, status_row
from bot.main import main
from bot.notify.tokens import TokenClaim, make_token
from bot.web.app import create_app
from bot.web.limits import Limit, Limiters, SlidingWindow
from scrapers.an import parse_an_json
from scrapers.model import QuestionSnapshot
from scrapers.refs import parse_ref
from scrapers.senat import parse_senat_text
from storage.db import open_db
from storage.questions import save_check
from storage.records import Event, Poll
from storage.subscribers import Subscriber, get_subscriber
from tests.an_variants import dump, qe_json, without_answer
from tests.conftest import sample_bytes
from tests.senat_pages import page_text
from tests.smtp import Mailer
from tests.test_notify import SECRET, text_of, token_in

AN_URL = "https://www.assemblee-nationale.fr/dyn/opendata/QANR5L17QE5268.json"
SENAT_ANSWERED_URL = "https://www.senat.fr/questions/base/2009/qSEQ091211244.html"
SENAT_PENDING_URL = "https://www.senat.fr/questions/base/2021/qSEQ210723812.html"
AN, SENAT_ANSWERED, SENAT_PENDING, NEVER_READ = "QANR5L17QE5268", "SEQ091211244", "SEQ210723812", "QANR5L14QE47351"
NOW = datetime(2025, 6, 10, 12, 0, tzinfo=PARIS)
BASE = "https://relance.test"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


# --- the site: a config, a database of real snapshots, an SMTP server ---------------------------


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=PARIS)


def an_pending() -> QuestionSnapshot:
    return parse_an_json(dump(without_answer(qe_json())), AN_URL)


def an_answered() -> QuestionSnapshot:
    return parse_an_json(sample_bytes("an/QANR5L17QE5268.json"), AN_URL)


def senat_answered() -> QuestionSnapshot:
    return parse_senat_text(page_text(SENAT_ANSWERED), SENAT_ANSWERED_URL)


def senat_pending() -> QuestionSnapshot:
    """The real caduque page of SEQ210723812 without its ending: still awaiting its answer."""
    return parse_senat_text(page_text(SENAT_PENDING).replace("La question est caduque", ""), SENAT_PENDING_URL)


def store(db_path: Path, old: QuestionSnapshot | None, new: QuestionSnapshot, day: date,
          last_day: date | None = None) -> list[Event]:
    """One successful check, as the check cycle records it: the real diff, then `save_check`."""
    seen = at(day)
    events = diff(old, new, today=day, last_day=last_day, seen_at=seen)
    db = open_db(db_path)
    try:
        return save_check(db, new, events, Poll(seen, new.ref.uid, new.chamber, new.url, 200, "changed"))
    finally:
        db.close()


def write_config(path: Path, db_path: Path, smtp_port: int | None, extra: str = "") -> None:
    email = f"""
[email]
host = "127.0.0.1"
port = {smtp_port}
security = "none"
sender = "relance <relance@relance.test>"
timeout = 5
""" if smtp_port else ""
    path.write_text(f"""
[relance]
contact = "tests@relance.test"
[storage]
path = "{db_path}"
{email}
[web]
base_url = "{BASE}"
[[watch]]
ref = "AN 17-5268"
tags = ["diamants", "exemples"]
[[watch]]
ref = "{SENAT_ANSWERED_URL}"
tags = ["exemples"]
[[watch]]
ref = "{SENAT_PENDING}"
tags = ["vsa"]
[[watch]]
ref = "{NEVER_READ}"
tags = ["vsa"]
{extra}""", encoding="utf-8")


@dataclass
class Site:
    config: Path
    db_path: Path
    mailer: Mailer
    app: Flask
    client: FlaskClient

    def subscriber(self, email: str) -> Subscriber:
        db = open_db(self.db_path)
        try:
            found = get_subscriber(db, email=email)
        finally:
            db.close()
        assert found is not None
        return found

    def csrf(self, path: str) -> str:
        response = self.client.get(path)
        assert response.status_code == 200, response.get_data(as_text=True)
        found = CSRF.search(response.get_data(as_text=True))
        assert found, f"no CSRF token in {path}"
        return found[1]

    def subscribe(self, email: str, *, frequency: str = "daily", tags: tuple[str, ...] = (), refs: str = "",
                  **extra: str) -> TestResponse:
        data: dict[str, Any] = {"csrf_token": self.csrf("/abonnement"), "email": email, "frequency": frequency,
                                "tags": list(tags), "refs": refs, **extra}
        return self.client.post("/abonnement", data=data)

    def mails(self, email: str) -> list[EmailMessage]:
        return self.mailer.inbox.to(email)

    def confirm(self, email: str) -> TestResponse:
        """Subscribe `email` and confirm it as a person does: the link, then the button."""
        assert self.subscribe(email).status_code == 303
        token = token_in(self.mails(email)[-1], "confirm")
        return self.client.post(f"/confirm/{token}", data={"csrf_token": self.csrf(f"/confirm/{token}")})

    def token(self, email: str, purpose: str) -> str:
        s = self.subscriber(email)
        return make_token(SECRET, purpose, TokenClaim(s.id, s.email, s.generation))  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=True):
        yield


def seed(db_path: Path) -> None:
    store(db_path, None, an_pending(), date(2025, 4, 1))
    store(db_path, an_pending(), an_answered(), date(2025, 6, 3), date(2025, 6, 2))
    store(db_path, None, senat_answered(), date(2025, 4, 1))
    store(db_path, None, senat_pending(), date(2025, 4, 1))


@pytest.fixture
def site(tmp_path: Path, mailer: Mailer, monkeypatch: pytest.MonkeyPatch) -> Site:
    monkeypatch.setenv("RELANCE_SECRET", SECRET)
    monkeypatch.delenv("RELANCE_DB", raising=False)
    db_path, config = tmp_path / "relance.db", tmp_path / "config.toml"
    write_config(config, db_path, mailer.port)
    seed(db_path)
    app = create_app(config)
    return Site(config, db_path, mailer, app, app.test_client())


def page(response: TestResponse) -> str:
    text = response.get_data(as_text=True)
    assert "Traceback" not in text and 'File "' not in text
    return text


# --- public pages -------------------------------------------------------------------------------

PUBLIC = ["/", "/questions", f"/questions/{AN}", f"/questions/{SENAT_PENDING}", f"/questions/{NEVER_READ}",
          "/tags/exemples", "/tags/vsa", "/abonnement", "/abonnement/envoye"]


@pytest.mark.parametrize("path", PUBLIC)
def test_public_pages_are_french_accessible_html_without_scripts(site: Site, path: str) -> None:
    response = site.client.get(path)
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = page(response)
    assert '<html lang="fr">' in html and '<meta name="viewport"' in html
    assert html.count("<h1>") == 1 and '<main id="contenu"' in html
    assert "<script" not in html and ' style="' not in html and " on" + "click=" not in html
    for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", html):
        field_id = re.search(r' id="([^"]+)"', tag)
        if 'type="hidden"' not in tag:
            assert field_id and f'for="{field_id[1]}"' in html, f"{tag} has no label on {path}"


def test_static_stylesheet_is_served(site: Site) -> None:
    response = site.client.get("/static/style.css")
    assert response.status_code == 200 and response.mimetype == "text/css"
    assert b"@media (max-width: 48rem)" in response.data  # tables become cards on a phone


def test_questions_table_lists_the_watched_set_with_its_state(site: Site) -> None:
    html = page(site.client.get("/questions"))
    assert "4 questions sur 4" in html
    an_row = html.split(f'href="/questions/{AN}"')[1].split("</tr>")[0]
    assert "Révision de la terminologie des diamants synthétiques" in an_row
    assert "25/03/2025" in an_row and "25/05/2025" in an_row and "répondue 9 jours après l'échéance" in an_row
    late = (date(2025, 6, 10) - date(2021, 9, 15)).days  # published 15/07/2021: due 15/09/2021
    senat_row = html.split(f'href="/questions/{SENAT_PENDING}"')[1].split("</tr>")[0]
    assert f"{late} jours de retard" in senat_row and "en attente" in senat_row
    assert "inconnu" in html.split(f'href="/questions/{NEVER_READ}"')[1].split("</tr>")[0]


def refs_in(html: str) -> list[str]:
    return re.findall(r'<td data-label="Question"><a href="/questions/(\w+)"', html)


@pytest.mark.parametrize(("query", "expected"), [
    ("chamber=an", {AN, NEVER_READ}),
    ("chamber=senat", {SENAT_ANSWERED, SENAT_PENDING}),
    ("tag=vsa", {SENAT_PENDING, NEVER_READ}),
    ("tag=exemples&chamber=senat", {SENAT_ANSWERED}),
    ("status=answered", {AN, SENAT_ANSWERED}),
    ("status=unknown", {NEVER_READ}),
    ("overdue=1", {SENAT_PENDING}),
    ("tag=nothing-has-it", set()),
])
def test_questions_filters(site: Site, query: str, expected: set[str]) -> None:
    html = page(site.client.get(f"/questions?{query}"))
    assert set(refs_in(html)) == expected
    api = json.loads(site.client.get(f"/api/questions?{query}").data)
    assert {row["ref"] for row in api} == expected


def test_questions_sort_on_any_column_both_ways(site: Site) -> None:
    ascending = refs_in(page(site.client.get("/questions?sort=published&order=asc")))
    assert ascending == [SENAT_ANSWERED, SENAT_PENDING, AN, NEVER_READ]  # 2009, 2021, 2025, never read: last
    assert refs_in(page(site.client.get("/questions?sort=published&order=desc"))) == [AN, SENAT_PENDING,
                                                                                      SENAT_ANSWERED, NEVER_READ]
    # By default the most overdue first: the pending Sénat question, then the answers by days late.
    assert refs_in(page(site.client.get("/questions")))[:3] == [SENAT_PENDING, SENAT_ANSWERED, AN]
    html = page(site.client.get("/questions?sort=author&order=asc"))
    assert 'aria-sort="ascending"' in html and 'href="/questions?sort=author&amp;order=desc"' in html


@pytest.mark.parametrize("query", ["chamber=bundestag", "status=lost", "overdue=maybe", "sort=colour",
                                   "order=sideways", "tag=" + "x" * 101])
def test_bad_filters_are_a_clean_400(site: Site, query: str) -> None:
    response = site.client.get(f"/questions?{query}")
    assert response.status_code == 400 and "Filtre incorrect" in page(response)
    api = site.client.get(f"/api/questions?{query}")
    assert api.status_code == 400 and api.json is not None and api.json["status"] == 400


def test_question_page_texts_ministries_deadline_rule_and_history(site: Site) -> None:
    html = page(site.client.get(f"/questions/{AN}"))
    assert "<h1>AN 17-5268 — Révision de la terminologie des diamants synthétiques</h1>" in html
    assert "Olivia Grégoire" in html
    assert "2 mois après la publication au JO du 25/03/2025 (Règlement de l&#39;Assemblée nationale, art. 135)" \
        in html
    assert "25 mai 2025" in html and "réponse publiée 9 jours après l'échéance" in html
    assert "3 juin 2025" in html  # the answer's JO date
    assert "Texte de la question" in html and "<h2 id=\"reponse\">Réponse" in html
    history = html.split('id="historique"')[1]
    assert history.index("Réponse publiée") < history.index("Nouvelle question suivie")  # newest first
    assert 'href="https://www.assemblee-nationale.fr/dyn/17/questions/QANR5L17QE5268"' in html
    assert f'href="/abonnement?ref={AN}"' in html


def test_question_page_of_a_transferred_senat_question(site: Site) -> None:
    html = page(site.client.get(f"/questions/{SENAT_PENDING}"))
    assert "ministre de l&#39;intérieur" in html
    assert ("attribuée au ministère&nbsp;: Ministère de la transition écologique et de la cohésion des territoires"
            in html)
    assert "15 septembre 2021" in html and "2 mois après la publication au JO du 15/07/2021" in html
    assert "jours de retard" in html


def test_question_page_of_a_question_never_read(site: Site) -> None:
    html = page(site.client.get(f"/questions/{NEVER_READ}"))
    assert "pas encore été lue" in html and "https://questions.assemblee-nationale.fr/q14/14-47351QE.htm" in html


def test_any_form_of_a_ref_redirects_to_the_canonical_page(site: Site) -> None:
    response = site.client.get("/questions/AN 17-5268")
    assert response.status_code == 301 and response.location == f"/questions/{AN}"


@pytest.mark.parametrize("path", ["/questions/QANR5L17QE9999", "/questions/not-a-ref", "/questions/QANR5L16QG6",
                                  "/api/questions/QANR5L17QE9999", "/api/questions/nonsense", "/tags/nope",
                                  "/feeds/events.atom?tag=nope", "/feeds/deadlines.ics?tag=nope", "/nowhere"])
def test_unknown_things_are_404(site: Site, path: str) -> None:
    response = site.client.get(path)
    assert response.status_code == 404
    if path.startswith("/api/"):
        assert response.json == {"error": response.json["error"], "status": 404}  # type: ignore[index]
    else:
        assert "<h1>" in page(response) and response.mimetype == "text/html"


def test_tag_page_counts_and_chart(site: Site) -> None:
    html = page(site.client.get("/tags/exemples"))
    stats = dict(re.findall(r"<div><dt>([^<]+)</dt><dd>([^<]+)</dd></div>", html))
    assert stats == {"Questions": "2", "Répondues": "2", "En attente": "0", "En retard": "0",
                     "Réponses dans les délais": "0\u202f%"}  # both answers came after their deadline
    # 2010 and 2025: more than 24 months apart, so one bar per year, from 2010 to 2025.
    assert '<svg viewBox="0 0 640 240" role="img"' in html and "Réponses publiées par année" in html
    assert html.count('<rect class="late-bar"') == 2 and '<rect class="on-time"' not in html
    assert "<title>2010 : 1 réponse, dont 1 en retard</title>" in html
    assert "<title>2017 : 0 réponse</title>" in html  # empty years are drawn, as gaps
    vsa = page(site.client.get("/tags/vsa"))
    stats = dict(re.findall(r"<div><dt>([^<]+)</dt><dd>([^<]+)</dd></div>", vsa))
    assert stats["En retard"] == "1" and stats["En attente"] == "1" and stats["Réponses dans les délais"] == "—"
    assert "Aucune réponse publiée pour l'instant." in vsa and "<svg" not in vsa
    assert 'href="https://relance.test/feeds/events.atom?tag=vsa"' in vsa  # absolute, from [web] base_url


def test_html_is_escaped_everywhere(site: Site) -> None:
    hostile = '"><img src=x onerror=alert(1)>'
    response = site.client.get(f"/tags/{hostile}")
    assert response.status_code == 404
    html = page(response)
    assert "<img" not in html and "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in html
    listed = page(site.client.get("/questions", query_string={"tag": hostile}))
    assert "<img" not in listed and "tag=%22%3E%3Cimg" in listed  # in links, URL-encoded


# --- security headers and errors ----------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/questions", "/nowhere", "/api/questions", "/feeds/events.atom",
                                  "/static/style.css", "/confirm/forged"])
def test_security_headers_on_every_response(site: Site, path: str) -> None:
    headers = site.client.get(path).headers
    csp = headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"


def test_method_not_allowed_is_a_page_with_allow(site: Site) -> None:
    response = site.client.post("/questions")
    assert response.status_code == 405 and "Méthode non permise" in page(response)
    assert "GET" in response.headers["Allow"]
    api = site.client.delete("/api/questions")
    assert api.status_code == 405 and api.json is not None and api.json["status"] == 405


def test_an_unexpected_error_is_a_500_page_without_traceback(tmp_path: Path, mailer: Mailer,
                                                             monkeypatch: pytest.MonkeyPatch,
                                                             caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv("RELANCE_SECRET", SECRET)
    write_config(tmp_path / "config.toml", tmp_path / "relance.db", mailer.port)
    app = create_app(tmp_path / "config.toml")

    def broken() -> str:
        raise RuntimeError("secret internals")

    app.add_url_rule("/broken/<token>", view_func=broken)
    response = app.test_client().get("/broken/a-private-token")
    assert response.status_code == 500
    html = page(response)
    assert "Erreur du serveur" in html and "secret internals" not in html and "RuntimeError" not in html
    assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
    logged = [r for r in caplog.records if r.name == "relance.web"]
    assert logged and "/broken/<token>" in logged[0].getMessage() and "a-private-token" not in logged[0].getMessage()


def test_no_secret_no_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RELANCE_SECRET", raising=False)
    write_config(tmp_path / "config.toml", tmp_path / "relance.db", None)
    with pytest.raises(Exception, match="RELANCE_SECRET"):
        create_app(tmp_path / "config.toml")


def test_without_email_section_pages_work_and_subscribing_says_why_not(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RELANCE_SECRET", SECRET)
    write_config(tmp_path / "config.toml", tmp_path / "relance.db", None)
    client = create_app(tmp_path / "config.toml").test_client()
    home = page(client.get("/"))
    assert 'action="/abonnement"' not in home and "Flux et API" in home
    response = client.get("/abonnement")
    assert response.status_code == 503 and "[email]" in page(response)


# --- feeds and API ------------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "mimetype"), [("/feeds/events.atom", "application/atom+xml"),
                                                ("/feeds/deadlines.ics", "text/calendar"),
                                                ("/feeds/events.atom?tag=vsa", "application/atom+xml"),
                                                ("/feeds/deadlines.ics?tag=vsa", "text/calendar")])
def test_feeds_answer_304_to_conditional_requests(site: Site, path: str, mimetype: str) -> None:
    first = site.client.get(path)
    assert first.status_code == 200 and first.mimetype == mimetype
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert etag.startswith('"') and modified.endswith("GMT")
    assert site.client.get(path).data == first.data  # the same state gives the same bytes
    by_etag = site.client.get(path, headers={"If-None-Match": etag})
    assert by_etag.status_code == 304 and by_etag.data == b"" and by_etag.headers["ETag"] == etag
    by_date = site.client.get(path, headers={"If-Modified-Since": modified})
    assert by_date.status_code == 304
    # If-None-Match wins over If-Modified-Since (RFC 9110 § 13.2.2): another ETag means a new body.
    stale = site.client.get(path, headers={"If-None-Match": '"stale"', "If-Modified-Since": modified})
    assert stale.status_code == 200 and stale.data == first.data


def test_a_new_event_changes_the_feeds_validators(site: Site) -> None:
    first = site.client.get("/feeds/events.atom?tag=vsa")
    signaled = Event(SENAT_PENDING, "signaled", "2025-06-10", date(2025, 6, 10), NOW, {})
    db = open_db(site.db_path)
    save_check(db, senat_pending(), [signaled], Poll(NOW, SENAT_PENDING, "senat", SENAT_PENDING_URL, 200, "changed"))
    db.close()
    second = site.client.get("/feeds/events.atom?tag=vsa", headers={"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 200 and second.headers["ETag"] != first.headers["ETag"]
    assert b"Question signal\xc3\xa9e le 10/06/2025" in second.data


def test_atom_feed_per_tag_holds_only_that_tags_events(site: Site) -> None:
    everything = site.client.get("/feeds/events.atom").get_data(as_text=True)
    diamonds = site.client.get("/feeds/events.atom?tag=diamants").get_data(as_text=True)
    assert everything.count("<entry>") == 4  # AN published and answered, one `published` per Sénat question
    assert diamonds.count("<entry>") == 2 and SENAT_PENDING not in diamonds
    assert "<id>https://relance.test/feeds/events.atom?tag=diamants</id>" in diamonds
    assert "tag:relance,2025:event/QANR5L17QE5268/answered/2025-06-03" in diamonds


def test_calendar_holds_the_open_deadlines(site: Site) -> None:
    ics = site.client.get("/feeds/deadlines.ics").get_data(as_text=True)
    assert ics.count("BEGIN:VEVENT") == 1  # only the pending Sénat question is open
    assert "UID:SEQ210723812-answer@relance" in ics and "DTSTART;VALUE=DATE:20210915" in ics


def test_api_rows_are_the_rows_of_relance_status_json(site: Site) -> None:
    keys = list(status_row(WatchedQuestion(parse_ref(AN), (), None), date(2025, 6, 10)))
    api = site.client.get("/api/questions")
    assert api.status_code == 200 and api.mimetype == "application/json"
    rows = api.json
    assert isinstance(rows, list) and len(rows) == 4
    assert all(list(row) == keys for row in rows)
    cli = CliRunner().invoke(main, ["--config", str(site.config), "status", "--json"])
    assert cli.exit_code == 0, cli.output
    assert {r["ref"]: r for r in json.loads(cli.stdout)} == {r["ref"]: r for r in rows}
    one = site.client.get(f"/api/questions/{AN}").json
    assert one == next(r for r in rows if r["ref"] == AN)
    assert one is not None and one["days_overdue"] == 9 and one["deadline"] == "2025-05-25"
    assert api.headers["Access-Control-Allow-Origin"] == "*"
    assert site.client.get("/api/questions", headers={"If-None-Match": api.headers["ETag"]}).status_code == 304


def test_api_events_since_a_day(site: Site) -> None:
    events = site.client.get("/api/events?since=2025-06-01").json
    assert events is not None and [(e["ref"], e["kind"], e["date"]) for e in events] == [(AN, "answered",
                                                                                           "2025-06-03")]
    assert list(events[0]) == ["id", "ref", "kind", "date", "seen_at", "details"]  # as `relance events --json`
    everything = site.client.get("/api/events").json
    assert everything is not None and len(everything) == 4
    only_vsa = site.client.get("/api/events?tag=vsa").json
    assert only_vsa is not None and {e["ref"] for e in only_vsa} == {SENAT_PENDING}
    assert len(site.client.get("/api/events?ref=AN 17-5268").json or []) == 2


@pytest.mark.parametrize("since", ["yesterday", "2025-13-01", "2025-6-1", "20250601"])
def test_api_events_bad_since_is_400(site: Site, since: str) -> None:
    response = site.client.get(f"/api/events?since={since}")
    assert response.status_code == 400 and response.json is not None and "since" in response.json["error"]


# --- subscribing --------------------------------------------------------------------------------


def test_subscribe_confirm_by_button_then_manage(site: Site) -> None:
    form = page(site.client.get("/abonnement"))
    assert 'name="tags" type="checkbox" value="diamants"' in form and 'value="vsa"' in form
    response = site.subscribe("alice@example.net", frequency="weekly", tags=("vsa",))
    assert response.status_code == 303 and response.location == "/abonnement/envoye"
    assert "Vérifiez votre boîte aux lettres" in page(site.client.get(response.location))
    [mail] = site.mails("alice@example.net")
    assert mail["Subject"] == "Confirmez votre abonnement à relance"
    token = token_in(mail, "confirm")  # the link starts with [web] base_url
    # Opening the link (as a mail scanner does) shows a button and confirms nothing.
    shown = page(site.client.get(f"/confirm/{token}"))
    assert "Confirmer mon abonnement" in shown and "alice@example.net" in shown
    assert site.subscriber("alice@example.net").state == "pending"
    confirmed = site.client.post(f"/confirm/{token}", data={"csrf_token": CSRF.search(shown)[1]})  # type: ignore[index]
    assert confirmed.status_code == 303 and confirmed.location.startswith("/manage/")
    assert site.subscriber("alice@example.net").state == "confirmed"
    manage = page(site.client.get(confirmed.location))
    assert "Votre abonnement est confirmé" in manage and "actif" in manage and "les questions marquées vsa" in manage
    again = page(site.client.get(f"/confirm/{token}"))  # the link clicked once more
    assert "Abonnement déjà confirmé" in again and 'href="/manage/' in again
    twice = site.client.post(f"/confirm/{token}", data={"csrf_token": site.csrf("/abonnement")})
    assert twice.status_code == 303


def test_subscribe_to_questions_by_reference(site: Site) -> None:
    response = site.subscribe("bob@example.net", refs="AN 17-5268\nhttps://www.senat.fr/questions/base/2021/"
                                                      "qSEQ210723812.html")
    assert response.status_code == 303
    assert site.subscriber("bob@example.net").refs == (AN, SENAT_PENDING)
    assert "les questions QANR5L17QE5268, SEQ210723812" in " ".join(text_of(site.mails("bob@example.net")[0]).split())


def test_subscribe_form_prefills_from_a_question_or_a_tag(site: Site) -> None:
    html = page(site.client.get(f"/abonnement?ref={AN}&tag=vsa&tag=unknown"))
    assert f"{AN}</textarea>" in html
    assert 'checked id="tags-2" name="tags" type="checkbox" value="vsa"' in html
    assert 'value="unknown"' not in html


@pytest.mark.parametrize(("fields", "message"), [
    ({"email": "not an address"}, "n&#39;est pas valable"),
    ({"email": "alice@example.net\r\nBcc: eve@evil.test"}, "n&#39;est pas valable"),
    ({"email": ""}, "Indiquez votre adresse"),
    ({"email": "a@example.net", "refs": "QANR5L16QG6"}, "n&#39;est pas une référence de question écrite"),
    ({"email": "a@example.net", "refs": "AN 17-9999"}, "n&#39;est pas suivie par ce site"),
    ({"email": "a@example.net", "frequency": "hourly"}, "N&#39;est pas un choix valide"),
    ({"email": "a@example.net", "tags": ["not-a-tag"]}, "not-a-tag\u00a0» n&#39;est pas un choix valide"),
])
def test_subscribe_refuses_bad_input_with_the_form_again(site: Site, fields: dict[str, Any], message: str) -> None:
    data = {"frequency": "daily", **fields}
    email = data.pop("email")
    response = site.subscribe(email, **data)
    assert response.status_code == 400
    html = page(response)
    assert message in html and 'role="alert"' in html
    for target in re.findall(r'<li><a href="#([^"]+)">', html):  # the error summary links to its fields
        assert f'id="{target}"' in html
    assert site.mailer.inbox.messages == []


def test_same_answer_whether_the_address_is_subscribed_or_not(site: Site) -> None:
    site.confirm("alice@example.net")
    site.mailer.inbox.messages.clear()
    known = site.subscribe("alice@example.net", frequency="immediate", tags=("diamants",))
    unknown = site.subscribe("zoe@example.net", frequency="immediate", tags=("diamants",))
    assert (known.status_code, known.location, known.data) == (unknown.status_code, unknown.location, unknown.data)
    assert "Set-Cookie" not in known.headers and "Set-Cookie" not in unknown.headers
    assert page(site.client.get(known.location)) == page(site.client.get(unknown.location))
    # Each address gets one e-mail: the new one a confirmation, the subscribed one its manage link.
    [to_known], [to_unknown] = site.mails("alice@example.net"), site.mails("zoe@example.net")
    assert to_unknown["Subject"] == "Confirmez votre abonnement à relance"
    assert to_known["Subject"] == "Votre abonnement à relance"
    assert "https://relance.test/manage/" in text_of(to_known)
    assert site.subscriber("alice@example.net").state == "confirmed"  # nothing changed by the request
    assert site.subscriber("alice@example.net").tags == ()


def test_smtp_down_still_the_same_answer_and_the_mail_waits_in_the_ledger(site: Site) -> None:
    site.mailer.stop()
    response = site.subscribe("alice@example.net")
    assert response.status_code == 303 and response.location == "/abonnement/envoye"
    with sqlite3.connect(site.db_path) as conn:
        assert conn.execute("SELECT kind, state FROM messages").fetchall() == [("confirmation", "failed")]
    site.mailer.start()
    result = CliRunner().invoke(main, ["--config", str(site.config), "notify"])
    assert result.exit_code == 0, result.output
    assert len(site.mails("alice@example.net")) == 1


# --- tokens -------------------------------------------------------------------------------------


def test_forged_tokens_are_refused(site: Site) -> None:
    site.confirm("alice@example.net")
    good = site.token("alice@example.net", "manage")
    forged = good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB")
    for path in (f"/manage/{forged}", f"/unsubscribe/{forged}", f"/confirm/{forged}", "/manage/nonsense",
                 "/manage/" + "x" * 600):
        response = site.client.get(path)
        assert response.status_code == 400 and "Ce lien n&#39;est pas valide" in page(response)
    assert site.client.post(f"/unsubscribe/{forged}", data={"List-Unsubscribe": "One-Click"}).status_code == 400
    assert site.subscriber("alice@example.net").state == "confirmed"


def test_a_token_signed_with_another_secret_is_refused(site: Site) -> None:
    site.confirm("alice@example.net")
    s = site.subscriber("alice@example.net")
    other = make_token("another-secret-also-long-enough", "manage", TokenClaim(s.id, s.email, s.generation))
    assert site.client.get(f"/manage/{other}").status_code == 400


def test_token_for_another_address_is_refused(site: Site) -> None:
    site.confirm("alice@example.net")
    alice = site.subscriber("alice@example.net")
    for purpose in ("manage", "unsubscribe"):
        token = make_token(SECRET, purpose, TokenClaim(alice.id, "mallory@example.net", alice.generation))
        assert site.client.get(f"/{purpose}/{token}").status_code == 400
    token = make_token(SECRET, "unsubscribe", TokenClaim(alice.id, "mallory@example.net", alice.generation))
    assert site.client.post(f"/unsubscribe/{token}").status_code == 400
    assert site.subscriber("alice@example.net").state == "confirmed"


def test_token_of_another_purpose_is_refused(site: Site) -> None:
    assert site.subscribe("alice@example.net").status_code == 303
    confirm_token = token_in(site.mails("alice@example.net")[0], "confirm")
    for path in (f"/manage/{confirm_token}", f"/unsubscribe/{confirm_token}"):
        assert site.client.get(path).status_code == 400
    assert site.client.post(f"/unsubscribe/{confirm_token}").status_code == 400
    manage = site.token("alice@example.net", "manage")
    assert site.client.get(f"/confirm/{manage}").status_code == 400
    assert site.subscriber("alice@example.net").state == "pending"


def test_expired_confirmation_link(site: Site) -> None:
    assert site.subscribe("alice@example.net").status_code == 303
    token = token_in(site.mails("alice@example.net")[0], "confirm")
    with time_machine.travel(NOW + timedelta(days=8), tick=True):
        csrf = site.csrf("/abonnement")  # a fresh form token: only the link is a week old
        shown = site.client.get(f"/confirm/{token}")
        assert shown.status_code == 400 and "Ce lien a expiré" in page(shown)
        posted = site.client.post(f"/confirm/{token}", data={"csrf_token": csrf})
        assert posted.status_code == 400 and "abonnez-vous de nouveau" in page(posted)
    assert site.subscriber("alice@example.net").state == "pending"


def test_an_older_confirmation_link_no_longer_works(site: Site) -> None:
    assert site.subscribe("alice@example.net").status_code == 303
    assert site.subscribe("alice@example.net").status_code == 303  # asked twice: a second link
    first, second = (token_in(m, "confirm") for m in site.mails("alice@example.net"))
    response = site.client.get(f"/confirm/{first}")
    assert response.status_code == 400 and "plus valable" in page(response)
    assert site.client.get(f"/confirm/{second}").status_code == 200


# --- CSRF and sizes -----------------------------------------------------------------------------


def test_every_form_needs_its_csrf_token(site: Site) -> None:
    site.confirm("alice@example.net")
    manage = site.token("alice@example.net", "manage")
    assert site.subscribe("bob@example.net").status_code == 303
    confirm_token = token_in(site.mails("bob@example.net")[0], "confirm")
    posts = [("/abonnement", {"email": "carol@example.net", "frequency": "daily"}),
             (f"/confirm/{confirm_token}", {}), (f"/manage/{manage}", {"frequency": "weekly"}),
             (f"/manage/{manage}/pause", {}), (f"/manage/{manage}/resume", {}), (f"/manage/{manage}/leave", {})]
    fresh = site.app.test_client()  # no session: as a forged cross-site post would be
    for path, data in posts:
        for client, form in ((fresh, data), (site.client, {**data, "csrf_token": "forged"})):
            response = client.post(path, data=form)
            assert response.status_code == 400, path
            assert "Le formulaire a expiré" in page(response)
    assert site.subscriber("alice@example.net").state == "confirmed"
    assert site.subscriber("bob@example.net").state == "pending"
    with pytest.raises(AssertionError):
        site.subscriber("carol@example.net")


def test_https_posts_need_a_same_origin_referer(site: Site) -> None:
    form = site.client.get("/abonnement", base_url=BASE)
    assert "Secure" in form.headers["Set-Cookie"] and "HttpOnly" in form.headers["Set-Cookie"]
    csrf = CSRF.search(form.get_data(as_text=True))[1]  # type: ignore[index]
    data = {"csrf_token": csrf, "email": "alice@example.net", "frequency": "daily"}
    bare = site.client.post("/abonnement", data=data, base_url=BASE)
    assert bare.status_code == 400
    cross = site.client.post("/abonnement", data=data, base_url=BASE, headers={"Referer": "https://evil.test/"})
    assert cross.status_code == 400
    same = site.client.post("/abonnement", data=data, base_url=BASE, headers={"Referer": f"{BASE}/abonnement"})
    assert same.status_code == 303


def test_oversized_form_is_a_clean_413(site: Site) -> None:
    csrf = site.csrf("/abonnement")
    response = site.client.post("/abonnement", data={"csrf_token": csrf, "email": "a@example.net",
                                                     "refs": "AN 17-5268\n" * 3000})
    assert response.status_code == 413 and "Envoi trop volumineux" in page(response)
    one_click = site.client.post(f"/unsubscribe/{'x' * 50}", data={"List-Unsubscribe": "One-Click" * 5000})
    assert one_click.status_code in (400, 413) and "Traceback" not in page(one_click)
    assert site.mailer.inbox.messages == []


# --- rate limits --------------------------------------------------------------------------------


def test_subscribe_is_limited_per_address(site: Site) -> None:
    for _ in range(3):
        assert site.subscribe("alice@example.net").status_code == 303
    refused = site.subscribe("ALICE@example.net")  # the same address, however written
    assert refused.status_code == 429 and "Trop de demandes" in page(refused)
    assert 3000 < int(refused.headers["Retry-After"]) <= 3600
    assert len(site.mails("alice@example.net")) == 3
    assert site.subscribe("bob@example.net").status_code == 303  # another address still goes through


def test_subscribe_is_limited_per_client(tmp_path: Path, mailer: Mailer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RELANCE_SECRET", SECRET)
    write_config(tmp_path / "config.toml", tmp_path / "relance.db", mailer.port)
    limiters = Limiters(SlidingWindow(Limit(3, 3600)), SlidingWindow(Limit(5, 3600)))
    app = create_app(tmp_path / "config.toml", limiters=limiters)
    client = app.test_client()
    csrf = CSRF.search(client.get("/abonnement").get_data(as_text=True))[1]  # type: ignore[index]

    def post(email: str, address: str = "203.0.113.7") -> TestResponse:
        return client.post("/abonnement", data={"csrf_token": csrf, "email": email, "frequency": "daily"},
                           environ_base={"REMOTE_ADDR": address})

    statuses = [post(f"user{i}@example.net" if i % 2 else "bad address").status_code for i in range(5)]
    assert statuses == [400, 303, 400, 303, 400]  # invalid requests count too
    refused = post("late@example.net")
    assert refused.status_code == 429 and refused.headers["Retry-After"]
    assert post("late@example.net", "198.51.100.9").status_code == 303  # another client
    assert len(mailer.inbox.messages) == 3


# --- manage: choices, pause, leave --------------------------------------------------------------


def test_manage_changes_frequency_and_follows(site: Site) -> None:
    site.confirm("alice@example.net")
    path = f"/manage/{site.token('alice@example.net', 'manage')}"
    html = page(site.client.get(path))
    assert 'checked id="frequency-1" name="frequency" required type="radio" value="daily"' in html
    response = site.client.post(path, data={"csrf_token": CSRF.search(html)[1],  # type: ignore[index]
                                            "frequency": "immediate", "tags": ["diamants", "vsa"],
                                            "refs": "SEQ091211244"})
    assert response.status_code == 303 and response.location == path
    alice = site.subscriber("alice@example.net")
    assert (alice.frequency, alice.tags, alice.refs) == ("immediate", ("diamants", "vsa"), (SENAT_ANSWERED,))
    assert "Vos choix sont enregistrés" in page(site.client.get(path))
    bad = site.client.post(path, data={"csrf_token": site.csrf(path), "frequency": "daily", "refs": "AN 17-1"})
    assert bad.status_code == 400 and "n&#39;est pas suivie par ce site" in page(bad)
    assert site.subscriber("alice@example.net").frequency == "immediate"


def test_pause_resume_and_leave(site: Site) -> None:
    site.confirm("alice@example.net")
    path = f"/manage/{site.token('alice@example.net', 'manage')}"
    paused = site.client.post(f"{path}/pause", data={"csrf_token": site.csrf(path)})
    assert paused.status_code == 303 and site.subscriber("alice@example.net").state == "paused"
    html = page(site.client.get(path))
    assert "en pause" in html and "Reprendre mon abonnement" in html
    # A paused subscriber asking to subscribe again is not reset to pending: they get their manage link.
    assert site.subscribe("alice@example.net").status_code == 303
    assert site.subscriber("alice@example.net").state == "paused"
    assert "en pause" in text_of(site.mails("alice@example.net")[-1])
    resumed = site.client.post(f"{path}/resume", data={"csrf_token": site.csrf(path)})
    assert resumed.status_code == 303 and site.subscriber("alice@example.net").state == "confirmed"
    left = site.client.post(f"{path}/leave", data={"csrf_token": site.csrf(path)})
    assert left.status_code == 303 and site.subscriber("alice@example.net").state == "unsubscribed"
    html = page(site.client.get(path))
    assert "désabonné" in html and "abonnez-vous de nouveau" in html and "Enregistrer mes choix" not in html
    again = site.client.post(path, data={"csrf_token": site.csrf("/abonnement"), "frequency": "daily"})
    assert again.status_code == 400 and site.subscriber("alice@example.net").state == "unsubscribed"


def test_a_paused_subscriber_hears_nothing_until_resumed(site: Site) -> None:
    site.confirm("alice@example.net")
    path = f"/manage/{site.token('alice@example.net', 'manage')}"
    site.client.post(path, data={"csrf_token": site.csrf(path), "frequency": "immediate"})
    site.client.post(f"{path}/pause", data={"csrf_token": site.csrf(path)})
    signaled = Event(SENAT_PENDING, "signaled", "2025-06-11", date(2025, 6, 11), NOW + timedelta(hours=1), {})
    db = open_db(site.db_path)
    save_check(db, senat_pending(), [signaled], Poll(NOW, SENAT_PENDING, "senat", SENAT_PENDING_URL, 200, "changed"))
    db.close()
    with time_machine.travel(NOW + timedelta(hours=2), tick=True):
        assert CliRunner().invoke(main, ["--config", str(site.config), "notify"]).exit_code == 0
        assert len(site.mails("alice@example.net")) == 1  # the confirmation only
        site.client.post(f"{path}/resume", data={"csrf_token": site.csrf(path)})
    renewed = Event(SENAT_PENDING, "renewed", "2025-06-12", date(2025, 6, 12), NOW + timedelta(hours=3), {})
    db = open_db(site.db_path)
    save_check(db, senat_pending(), [renewed], Poll(NOW, SENAT_PENDING, "senat", SENAT_PENDING_URL, 200, "changed"))
    db.close()
    with time_machine.travel(NOW + timedelta(hours=4), tick=True):
        assert CliRunner().invoke(main, ["--config", str(site.config), "notify"]).exit_code == 0
    notice = site.mails("alice@example.net")[-1]
    assert len(site.mails("alice@example.net")) == 2
    assert "renouvelée" in text_of(notice).lower() and "signalée" not in text_of(notice).lower()


# --- unsubscribe --------------------------------------------------------------------------------


def test_one_click_unsubscribe_rfc_8058(site: Site) -> None:
    site.confirm("alice@example.net")
    token = site.token("alice@example.net", "unsubscribe")
    shown = site.client.get(f"/unsubscribe/{token}")  # a click, or a scanner: changes nothing
    assert shown.status_code == 200 and "Me désabonner" in page(shown)
    assert site.subscriber("alice@example.net").state == "confirmed"
    mail_client = site.app.test_client(use_cookies=False)  # a mail client: no cookie, no CSRF token
    response = mail_client.post(f"/unsubscribe/{token}", data="List-Unsubscribe=One-Click",
                                content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200 and "Vous êtes désabonné" in page(response)
    assert "Set-Cookie" not in response.headers
    assert site.subscriber("alice@example.net").state == "unsubscribed"
    assert mail_client.post(f"/unsubscribe/{token}", data="List-Unsubscribe=One-Click",
                            content_type="application/x-www-form-urlencoded").status_code == 200  # twice: fine
    assert "déjà désabonné" in page(site.client.get(f"/unsubscribe/{token}"))


def test_the_unsubscribe_link_of_a_real_notice_works(site: Site) -> None:
    site.confirm("alice@example.net")
    path = f"/manage/{site.token('alice@example.net', 'manage')}"
    site.client.post(path, data={"csrf_token": site.csrf(path), "frequency": "immediate"})
    signaled = Event(SENAT_PENDING, "signaled", "2025-06-11", date(2025, 6, 11), NOW + timedelta(hours=1), {})
    db = open_db(site.db_path)
    save_check(db, senat_pending(), [signaled], Poll(NOW, SENAT_PENDING, "senat", SENAT_PENDING_URL, 200, "changed"))
    db.close()
    with time_machine.travel(NOW + timedelta(hours=2), tick=True):
        assert CliRunner().invoke(main, ["--config", str(site.config), "notify"]).exit_code == 0
        notice = site.mails("alice@example.net")[-1]
        found = re.search(r"<https://relance\.test(/unsubscribe/[\w.-]+)>", str(notice["List-Unsubscribe"]))
        assert found and notice["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        response = site.app.test_client(use_cookies=False).post(found[1], data={"List-Unsubscribe": "One-Click"})
        assert response.status_code == 200 and site.subscriber("alice@example.net").state == "unsubscribed"
        manage = re.search(r"https://relance\.test(/manage/[\w.-]+)", text_of(notice))
        assert manage and "désabonné" in page(site.client.get(manage[1]))


def test_no_redirect_goes_to_a_user_supplied_address(site: Site) -> None:
    response = site.subscribe("alice@example.net", next="https://evil.test/", redirect="//evil.test")
    assert response.status_code == 303 and response.location == "/abonnement/envoye"
    for path in ("/questions/https:%2F%2Fevil.test", "/questions//evil.test", "/abonnement?next=//evil.test",
                 "//evil.test/questions"):
        location = urlsplit(site.client.get(path).headers.get("Location") or "")
        assert location.netloc in ("", "localhost") and not location.path.startswith("//")


def test_manage_page_of_a_subscription_not_confirmed_yet(site: Site) -> None:
    assert site.subscribe("alice@example.net").status_code == 303
    path = f"/manage/{site.token('alice@example.net', 'manage')}"
    html = page(site.client.get(path))
    assert "attend sa confirmation" in html and "Mettre en pause" not in html and "Me désabonner" in html
    response = site.client.post(f"{path}/pause", data={"csrf_token": site.csrf(path)})
    assert response.status_code == 303 and site.subscriber("alice@example.net").state == "pending"
    assert "pas encore confirmé" in page(site.client.get(path))
