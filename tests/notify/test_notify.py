"""Telling people, end to end through the CLI, on real components: a real SMTP server (aiosmtpd)
on a free port, a local HTTP server serving the real samples, a real SQLite file."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import time_machine
from pytest_httpserver import HTTPServer

from bot.app.database import open_database
from bot.notify.emails import Schedule, preview_emails
from bot.notify.mail import build_email
from bot.notify.subscriptions import MailSettings
from storage.ledger import email_recipient, queue_message
from tests.conftest import sample_bytes
from tests.notify.subscribers_site import (
    at,
    config,  # noqa: F401 (the fixture)
    html_of,
    ok,
    relance,
    serve,
    states,
    subscribe_and_confirm,
    text_of,
    token_in,
)
from tests.smtp import Mailer


def test_answer_reaches_each_confirmed_subscriber_once(config: Path, httpserver: HTTPServer, mailer: Mailer) -> None:
    with time_machine.travel(at("2025-04-01"), tick=True):
        ok(relance(config, "check"))
        subscribe_and_confirm(config, mailer, "alice@example.net", "--tag", "diamants", "--frequency", "immediate")
        subscribe_and_confirm(config, mailer, "bob@example.net", "--ref", "AN 17-5268", "--frequency", "immediate")
        ok(relance(config, "subscribe", "carol@example.net", "--frequency", "immediate"))  # never confirms
        subscribe_and_confirm(config, mailer, "dan@example.net", "--tag", "autre", "--frequency", "immediate")
        ok(relance(config, "notify"))  # nothing happened since they confirmed
    assert len(mailer.inbox.messages) == 4  # four confirmations, nothing else

    serve(httpserver, sample_bytes("an/QANR5L17QE5268.json"))
    with time_machine.travel(at("2025-06-03", 18), tick=True):
        ok(relance(config, "check"))
        out = ok(relance(config, "notify")).stdout
        assert "envoyés 2" in out
        ok(relance(config, "check"))
        ok(relance(config, "notify"))  # both again: nothing new
    for address in ("alice@example.net", "bob@example.net"):
        confirmation, notice = mailer.inbox.to(address)
        text = text_of(notice)
        assert "Réponses publiées" in text or "Réponse publiée" in text
        assert "https://www.assemblee-nationale.fr/dyn/17/questions/QANR5L17QE5268" in text
        assert "3 juin 2025" in text and "9 jours de retard" in text
        assert notice["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        unsubscribe = str(notice["List-Unsubscribe"])
        assert re.search(r"<https://relance\.test/unsubscribe/[\w.-]+>", unsubscribe)
        assert "<mailto:relance@relance.test?subject=unsubscribe>" in unsubscribe
        assert notice["Message-ID"].endswith("@relance.test>") and notice["Message-ID"] != confirmation["Message-ID"]
        assert "https://relance.test/manage/" in text and "<a " in html_of(notice)
    assert len(mailer.inbox.to("carol@example.net")) == 1  # the confirmation only
    assert len(mailer.inbox.to("dan@example.net")) == 1  # follows another tag
    assert states(config) == ["sent"] * 6


def test_smtp_down_then_back(config: Path, httpserver: HTTPServer, mailer: Mailer) -> None:
    with time_machine.travel(at("2025-04-01"), tick=True):
        ok(relance(config, "check"))
        subscribe_and_confirm(config, mailer, "alice@example.net", "--frequency", "immediate")
    serve(httpserver, sample_bytes("an/QANR5L17QE5268.json"))
    mailer.stop()
    with time_machine.travel(at("2025-06-03", 18), tick=True):
        ok(relance(config, "check"))
        down = relance(config, "notify")
        assert down.exit_code == 2 and "serveur SMTP 127.0.0.1" in down.stderr
        assert states(config) == ["sent", "failed"]
        mailer.start()
        ok(relance(config, "notify"))
        ok(relance(config, "notify"))
    assert states(config) == ["sent", "sent"]
    assert len(mailer.inbox.to("alice@example.net")) == 2  # confirmation, then the notice, once


def test_daily_digest_waits_for_its_hour_and_comes_once(config: Path, httpserver: HTTPServer,
                                                        mailer: Mailer) -> None:
    with time_machine.travel(at("2025-06-02"), tick=True):
        ok(relance(config, "check"))
        subscribe_and_confirm(config, mailer, "alice@example.net")  # daily by default
    serve(httpserver, sample_bytes("an/QANR5L17QE5268.json"))
    with time_machine.travel(at("2025-06-03", 18), tick=True):
        ok(relance(config, "check"))
        ok(relance(config, "notify"))
    with time_machine.travel(at("2025-06-04", 7), tick=True):  # before the 8 o'clock digest
        ok(relance(config, "notify"))
        assert len(mailer.inbox.to("alice@example.net")) == 2  # confirmation… and yesterday's digest
    digest = mailer.inbox.to("alice@example.net")[1]
    assert digest["Subject"].startswith("Résumé quotidien") and "1 réponse" in digest["Subject"]
    with time_machine.travel(at("2025-06-04", 9), tick=True):
        ok(relance(config, "notify"))
    assert len(mailer.inbox.to("alice@example.net")) == 2


def test_unsubscribe_by_one_click_token(config: Path, httpserver: HTTPServer, mailer: Mailer) -> None:
    with time_machine.travel(at("2025-04-01"), tick=True):
        ok(relance(config, "check"))
        subscribe_and_confirm(config, mailer, "alice@example.net", "--frequency", "immediate")
    serve(httpserver, sample_bytes("an/QANR5L17QE5268.json"))
    with time_machine.travel(at("2025-06-03", 18), tick=True):
        ok(relance(config, "check"))
        ok(relance(config, "notify"))
    notice = mailer.inbox.to("alice@example.net")[-1]
    token = re.search(r"<(https://relance\.test/unsubscribe/([\w.-]+))>", str(notice["List-Unsubscribe"]))
    assert token
    assert "ce lien n'est pas valide" in relance(config, "unsubscribe", token[2] + "x").stderr
    # The whole link, as the e-mail shows it, works as well as its token.
    assert "alice@example.net désabonnée" in ok(relance(config, "unsubscribe", token[1])).stdout
    listed = json.loads(ok(relance(config, "subscribers", "--json")).stdout)
    assert [(s["email"], s["state"]) for s in listed] == [("alice@example.net", "unsubscribed")]


@pytest.mark.parametrize("token", ["nonsense", "InvalidButLooksLike.abc.def"])
def test_bad_token_is_refused(config: Path, token: str) -> None:
    result = relance(config, "confirm", token)
    assert result.exit_code == 1 and "ce lien n'est pas valide" in result.stderr and "Traceback" not in result.output


def test_confirmation_token_of_another_purpose_is_refused(config: Path, mailer: Mailer) -> None:
    ok(relance(config, "subscribe", "alice@example.net"))
    token = token_in(mailer.inbox.to("alice@example.net")[0], "confirm")
    result = relance(config, "unsubscribe", token)
    assert result.exit_code == 1 and "ce lien n'est pas valide" in result.stderr
    ok(relance(config, "confirm", token))
    ok(relance(config, "confirm", token))  # the same link clicked twice: still fine, nothing new
    listed: list[dict[str, Any]] = json.loads(ok(relance(config, "subscribers", "--json")).stdout)
    assert listed[0]["state"] == "confirmed"


@pytest.mark.parametrize("address", ["alice@example.net\r\nBcc: eve@evil.test", "a@b", "<a@relance.test>",
                                     "alice@example.net, eve@evil.test"])
def test_hostile_addresses_are_refused(config: Path, mailer: Mailer, address: str) -> None:
    result = relance(config, "subscribe", address)
    assert result.exit_code == 1 and "n'est pas une adresse e-mail utilisable" in result.stderr
    assert mailer.inbox.messages == []


def test_no_secret_is_a_clear_error(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RELANCE_SECRET")
    result = relance(config, "subscribe", "alice@example.net")
    assert result.exit_code == 1 and "RELANCE_SECRET" in result.stderr


def test_dry_run_sends_and_changes_nothing(config: Path, httpserver: HTTPServer, mailer: Mailer) -> None:
    with time_machine.travel(at("2025-04-01"), tick=True):
        ok(relance(config, "check"))
        subscribe_and_confirm(config, mailer, "alice@example.net", "--frequency", "immediate")
    serve(httpserver, sample_bytes("an/QANR5L17QE5268.json"))
    with time_machine.travel(at("2025-06-03", 18), tick=True):
        ok(relance(config, "check"))
        preview = ok(relance(config, "notify", "--dry-run")).stdout
        lines = preview.splitlines()
        # Who gets what: the recipient, the kind, the subject, each event; then the text as it reads.
        assert lines[0] == "--- à alice@example.net · avis immédiat · « relance : 1 réponse »"
        assert lines[1].startswith("    AN 17-5268 : réponse publiée")
        assert "=?utf-8?" not in preview and "=C3=A9" not in preview  # no MIME source, no quoted-printable
        assert "Réponses publiées (1)" in preview and "Réponse au JO du 3 juin 2025 (page 4348)" in preview
        assert len(mailer.inbox.messages) == 1 and states(config) == ["sent"]
        ok(relance(config, "notify"))
        nothing = ok(relance(config, "notify", "--dry-run")).stdout
        assert nothing.startswith("Aucun e-mail à envoyer maintenant")
    assert len(mailer.inbox.messages) == 2


def test_team_channel_gets_each_event_once_from_when_it_was_added(config: Path, httpserver: HTTPServer) -> None:
    with time_machine.travel(at("2025-04-01"), tick=True):
        ok(relance(config, "check"))  # a `published` event, before the channel exists
    port = httpserver.port
    config.write_text(config.read_text(encoding="utf-8") + f"""
[[channel]]
name = "equipe"
url = "json://127.0.0.1:{port}/hook?cto=2&rto=2"
tags = ["diamants"]
""", encoding="utf-8")
    with time_machine.travel(at("2025-04-02"), tick=True):
        ok(relance(config, "notify"))
    serve(httpserver, sample_bytes("an/QANR5L17QE5268.json"))
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    with time_machine.travel(at("2025-06-03", 18), tick=True):
        ok(relance(config, "check"))
        assert "canaux : envoyés 1" in ok(relance(config, "notify")).stdout
        assert "canaux : envoyés 0" in ok(relance(config, "notify")).stdout
    posts = [json.loads(request.get_data()) for request, _ in httpserver.log if request.path == "/hook"]
    assert [p["relance"]["kind"] for p in posts] == ["answered"]
    assert posts[0]["relance"]["ref"] == "QANR5L17QE5268" and posts[0]["relance"]["days_late"] == 9


def test_a_whole_link_pasted_from_the_email_is_accepted(config: Path, mailer: Mailer) -> None:
    """A subscriber or the operator pastes the link as the e-mail shows it, not only its token."""
    ok(relance(config, "subscribe", "alice@example.net"))
    link = f"https://relance.test/confirm/{token_in(mailer.inbox.to('alice@example.net')[0], 'confirm')}"
    assert "confirmée" in ok(relance(config, "confirm", link + "/")).stdout


def test_dry_run_shows_a_message_waiting_for_a_retry_as_its_reader_sees_it(tmp_path: Path) -> None:
    """A message queued but not sent yet (the SMTP server was down) is stored as its MIME source,
    quoted-printable: the preview decodes its plain-text part."""
    db = open_database(tmp_path / "relance.db")
    text = "Réponse publiée : « diamants synthétiques », échéance dépassée de 9 jours."

    def build(row_id: int) -> tuple[str, str, str]:
        mime = build_email(sender="relance <r@relance.test>", to="alice@example.net", subject="relance : 1 réponse",
                           text=text, html=None, message_id=f"<{row_id}@relance.test>", date=at("2025-06-03"))
        return f"<{row_id}@relance.test>", "relance : 1 réponse", mime

    queue_message(db, recipient=email_recipient("alice@example.net"), kind="immediate", events=[], build=build,
                  now=at("2025-06-03"))
    settings = MailSettings("relance <r@relance.test>", "https://relance.test", "s" * 40)
    [preview] = preview_emails(db, {}, now=at("2025-06-03"), settings=settings, schedule=Schedule())
    assert (preview.to, preview.kind, preview.subject) == ("alice@example.net", "immediate", "relance : 1 réponse")
    assert preview.text.strip() == text
