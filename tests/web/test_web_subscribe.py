"""The web interface through Flask's test client, on real components (tests/web/seeded.py): a real SQLite
file holding snapshots parsed from the real samples, a real SMTP server, the real config loader.
Subscribing: the form, its bad inputs, the same answer whoever asks, and the rate limits."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from werkzeug.test import TestResponse

from bot.main import main
from bot.web.app import create_app
from bot.web.limits import Limit, Limiters, SlidingWindow
from bot.web.mailing import wait_for_web_mail
from tests.notify.subscribers_site import SECRET, text_of, token_in
from tests.smtp import DrippingServer, Mailer, elapsed
from tests.web import seeded
from tests.web.seeded import (
    AN,
    CSRF,
    SENAT_PENDING,
    Site,
    page,
    web_config,
)

# Fixtures, registered here under these names: the site of seeded real snapshots, and today (autouse).
site = seeded.site
clock = seeded.clock


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
    mail = " ".join(text_of(site.mails("bob@example.net")[0]).split())
    # Named for a person: the title when relance holds one, the label always; never the raw ids.
    assert ("les questions « Révision de la terminologie des diamants synthétiques » (AN 17-5268), "
            "Sénat 23812 (2021-07)") in mail
    assert "QANR5L17QE5268" not in mail.split("Confirmer")[0]


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
    assert site.mails("alice@example.net") == []  # the web's sender tried, and failed
    with sqlite3.connect(site.db_path) as conn:
        assert conn.execute("SELECT kind, state FROM messages").fetchall() == [("confirmation", "failed")]
    site.mailer.start()
    result = CliRunner().invoke(main, ["--config", str(site.config), "notify"])
    assert result.exit_code == 0, result.output
    assert len(site.mails("alice@example.net")) == 1


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
    web_config(tmp_path, mailer.port)
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
    assert wait_for_web_mail(app)
    assert len(mailer.inbox.messages) == 3


def test_the_subscribe_form_says_what_is_kept_why_and_how_to_leave(site: Site) -> None:
    for path in ("/abonnement", "/"):
        html = site.client.get(path).get_data(as_text=True)
        notice = html[html.index('<details class="privacy">'):html.index("</details>", html.index('class="privacy"'))]
        assert "Ce qui est gardé" in notice and "Pourquoi" in notice and "Partir" in notice
        assert "adresse IP" in notice and "n'est pas enregistrée" in notice


# --- issue 17: addresses SMTP can carry, and a request that never waits for the SMTP server --------


def test_an_idn_address_subscribes_and_its_mail_goes_to_the_a_label(site: Site) -> None:
    assert site.subscribe("jose@exämple.fr").status_code == 303
    assert site.subscriber("jose@exämple.fr").state == "pending"  # kept as the person wrote it
    [mail] = site.mails("jose@xn--exmple-cua.fr")  # the envelope's recipient: the domain as its A-label
    assert mail["To"] == "jose@xn--exmple-cua.fr" and mail["Subject"] == "Confirmez votre abonnement à relance"


def test_accents_before_the_at_are_a_form_error_when_the_server_cannot_carry_them(site: Site) -> None:
    response = site.subscribe("josé@example.fr")
    assert response.status_code == 400
    html = page(response).replace("\u00a0", " ")
    assert "caractères accentués avant le « @ »" in html and 'role="alert"' in html
    assert site.mails("josé@example.fr") == [] and site.mailer.inbox.messages == []


def test_accents_before_the_at_pass_once_the_server_offered_smtputf8(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    mailer = Mailer(smtputf8=True)
    mailer.start()
    try:
        monkeypatch.setenv("RELANCE_SECRET", SECRET)
        web_config(tmp_path, mailer.port)
        app = create_app(tmp_path / "config.toml")
        client = app.test_client()

        def post(email: str) -> TestResponse:
            csrf = CSRF.search(client.get("/abonnement").get_data(as_text=True))[1]  # type: ignore[index]
            return client.post("/abonnement", data={"csrf_token": csrf, "email": email, "frequency": "daily"})

        assert post("josé@example.fr").status_code == 400  # relance has not talked to the server yet
        assert post("bob@example.net").status_code == 303  # its confirmation: the server offers SMTPUTF8
        assert wait_for_web_mail(app)
        assert post("josé@example.fr").status_code == 303
        assert wait_for_web_mail(app)
        [mail] = mailer.inbox.to("josé@example.fr")
        assert mail["To"] == "josé@example.fr" and mail["Subject"] == "Confirmez votre abonnement à relance"
    finally:
        mailer.stop()


def test_a_dripping_smtp_server_holds_no_request(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    drip = DrippingServer()  # its greeting one byte a second: the old code held each request ~100 s
    try:
        monkeypatch.setenv("RELANCE_SECRET", SECRET)
        web_config(tmp_path, drip.port)  # [email] timeout = 5 s: the deadline of one message
        app = create_app(tmp_path / "config.toml")
        client = app.test_client()
        csrf = CSRF.search(client.get("/abonnement").get_data(as_text=True))[1]  # type: ignore[index]

        def post() -> None:
            response = client.post("/abonnement", data={"csrf_token": csrf, "email": "alice@example.net",
                                                         "frequency": "daily"})
            assert response.status_code == 303 and response.location == "/abonnement/envoye"

        assert elapsed(post) < 4  # answered before the 5 s deadline could even pass: nothing waited for SMTP
        assert wait_for_web_mail(app, timeout=30)  # the sender gave up at the deadline, not after minutes
        with sqlite3.connect(tmp_path / "relance.db") as conn:
            [(state, error)] = conn.execute("SELECT state, last_error FROM messages").fetchall()
        # The SMTP error as relance records it (in French, bot/notify/smtp.py): the 5 s deadline ran out.
        assert state == "failed" and "dans le délai de 5 s" in error and drip.connections == 1
    finally:
        drip.stop()
