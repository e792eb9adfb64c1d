"""The web interface through Flask's test client, on real components (tests/web/seeded.py): a real SQLite
file holding snapshots parsed from the real samples, a real SMTP server, the real config loader. The
public pages, their filters and sorting, and on every response the security headers; errors are pages."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

from bot.web.app import create_app
from tests.notify.subscribers_site import SECRET
from tests.smtp import Mailer
from tests.web import seeded
from tests.web.seeded import (
    AN,
    NEVER_READ,
    SENAT_ANSWERED,
    SENAT_PENDING,
    Site,
    page,
    web_config,
)

# Fixtures, registered here under these names: the site of seeded real snapshots, and today (autouse).
site = seeded.site
clock = seeded.clock


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
    web_config(tmp_path, mailer.port)
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


def test_with_email_no_secret_no_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RELANCE_SECRET", raising=False)
    web_config(tmp_path, 2525)  # an [email] section: the links of the e-mails must be signed
    with pytest.raises(Exception, match="RELANCE_SECRET"):
        create_app(tmp_path / "config.toml")


def test_without_email_the_public_pages_need_no_secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RELANCE_SECRET", raising=False)
    web_config(tmp_path, None)
    client = create_app(tmp_path / "config.toml").test_client()
    assert client.get("/").status_code == 200
    assert client.get("/api/questions").status_code == 200
    assert client.get("/abonnement").status_code == 503  # no e-mail here: said so, as with a secret
    assert client.get("/manage/forged.token").status_code in (400, 404)  # no token can be read


def test_without_email_section_pages_work_and_subscribing_says_why_not(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RELANCE_SECRET", SECRET)
    web_config(tmp_path, None)
    client = create_app(tmp_path / "config.toml").test_client()
    home = page(client.get("/"))
    assert 'action="/abonnement"' not in home and "Flux et API" in home
    response = client.get("/abonnement")
    assert response.status_code == 503 and "[email]" in page(response)
