"""A mailbox that does not exist, end to end through the CLI: the real SMTP server (aiosmtpd) answers
550 for it, relance gives its message up after [email] give_up_after tries and says so in
`relance notify`, `relance subscribers` and `relance doctor`; a 450 is retried as long as it lasts."""

from __future__ import annotations

import json
from pathlib import Path

import time_machine
import tomlkit
from pytest_httpserver import HTTPServer

from bot.app.doctor import database_checks
from tests.conftest import sample_bytes
from tests.notify.subscribers_site import at, ok, relance, serve, states, subscribe_and_confirm
from tests.notify.subscribers_site import config as notify_config  # noqa: F401  (the fixture)
from tests.smtp import Mailer

ALICE, BOB = "alice@example.net", "bob@example.net"


def notices_due(config: Path, httpserver: HTTPServer, mailer: Mailer) -> None:
    """Alice and Bob subscribed (immediate), then the answer: one notice due to each."""
    with time_machine.travel(at("2025-04-01"), tick=True):
        ok(relance(config, "check"))
        for address in (ALICE, BOB):
            subscribe_and_confirm(config, mailer, address, "--frequency", "immediate")
    serve(httpserver, sample_bytes("an/QANR5L17QE5268.json"))
    with time_machine.travel(at("2025-06-03", 18), tick=True):
        ok(relance(config, "check"))


def test_a_550_is_given_up_after_three_tries(notify_config: Path, httpserver: HTTPServer,
                                             mailer: Mailer) -> None:
    notices_due(notify_config, httpserver, mailer)
    mailer.inbox.refuse.add(BOB)
    with time_machine.travel(at("2025-06-03", 18), tick=True):
        first = relance(notify_config, "notify")
        assert first.exit_code == 2 and "envoyés 1, en échec 1" in first.stdout and "abandonnés" not in first.stdout
        assert "il a refusé le message pour bob@example.net" in first.stderr and "550" in first.stderr
        assert relance(notify_config, "notify").exit_code == 2
        assert states(notify_config)[-1] == "failed"
        third = relance(notify_config, "notify")
        assert third.exit_code == 2 and "envoyés 0, en échec 1, abandonnés 1" in third.stdout
        assert "abandonné après 3 refus définitifs" in third.stderr
        assert states(notify_config) == ["sent", "sent", "sent", "given_up"]
        assert "envoyés 0, en échec 0" in ok(relance(notify_config, "notify")).stdout  # never tried again
    assert len(mailer.inbox.to(BOB)) == 1 and len(mailer.inbox.to(ALICE)) == 2  # bob: his confirmation only

    listed = json.loads(ok(relance(notify_config, "subscribers", "--json")).stdout)
    assert [(s["email"], s["state"], s["given_up"]) for s in listed] == [(ALICE, "confirmed", 0),
                                                                        (BOB, "confirmed", 1)]
    text = ok(relance(notify_config, "subscribers")).stdout.splitlines()
    # A table (address, state, frequency, what it follows, messages given up), then a line for each
    # address whose messages were given up, wrapped between words at 80 columns (not a terminal).
    assert text[0].split() == ["Adresse", "État", "Fréquence", "Suit", "Abandonnés"]
    assert (text[2].split()[0], text[2].split()[-1], text[3].split()[0], text[3].split()[-1]) == (ALICE, "0", BOB, "1")
    given = " ".join(line.strip() for line in text[4:])
    assert given.startswith(f"{BOB} : 1 message abandonné, dernier refus : serveur SMTP 127.0.0.1")
    assert "mailbox unknown" in given and all(len(line) <= 80 for line in text)

    [check] = [c for c in database_checks(notify_config.parent / "relance.db") if c.name == "messages abandonnés"]
    assert check.ok and check.detail.startswith("1 refusé définitivement par le serveur SMTP")
    assert "relance subscribers" in check.detail and "relance unsubscribe ADRESSE" in check.detail


def test_give_up_after_is_a_setting(notify_config: Path, httpserver: HTTPServer, mailer: Mailer) -> None:
    config = tomlkit.parse(notify_config.read_text(encoding="utf-8"))
    config["email"]["give_up_after"] = 1  # type: ignore[index]
    notify_config.write_text(tomlkit.dumps(config), encoding="utf-8")
    notices_due(notify_config, httpserver, mailer)
    mailer.inbox.refuse.add(BOB)
    with time_machine.travel(at("2025-06-03", 18), tick=True):
        assert "en échec 1, abandonnés 1" in relance(notify_config, "notify").stdout
    assert states(notify_config)[-1] == "given_up"


def test_a_450_is_retried_until_it_goes(notify_config: Path, httpserver: HTTPServer, mailer: Mailer) -> None:
    notices_due(notify_config, httpserver, mailer)
    mailer.inbox.defer.add(BOB)
    with time_machine.travel(at("2025-06-03", 18), tick=True):
        for _ in range(4):
            result = relance(notify_config, "notify")
            assert result.exit_code == 2 and "450" in result.stderr and "abandonnés" not in result.stdout
        assert states(notify_config)[-1] == "failed"
        mailer.inbox.defer.clear()
        assert "envoyés 1, en échec 0" in ok(relance(notify_config, "notify")).stdout
    assert states(notify_config)[-1] == "sent" and len(mailer.inbox.to(BOB)) == 2
    [check] = [c for c in database_checks(notify_config.parent / "relance.db") if c.name == "messages abandonnés"]
    assert check.ok and check.detail == "aucun"
