"""One deadline per message, connection included (issue 17): an SMTP server that answers one byte a second
gives every read a byte well within the socket timeout, so only a deadline on the whole exchange ends it.
A real dripping TCP server on 127.0.0.1 (tests/smtp.py) against the transport, `relance subscribe` and
`relance notify`; the times are measured here, on the client's side, against a wide margin (the old code
was held about 100 s by the same server, [email] timeout being 5 s)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from bot.core.deadlines import PARIS
from bot.notify.smtp import MailUnavailable, SmtpSettings, SmtpTransport, connect
from storage.db import open_db
from storage.ledger import email_recipient, queue_message
from tests.conftest import write_config
from tests.notify.subscribers_site import SECRET, relance
from tests.smtp import DrippingServer, elapsed

DEADLINE_S = 2.0
MARGIN_S = 8.0  # two busy CPU loops beside the test slow a thread, never by minutes
NOW = datetime(2025, 6, 4, 10, 0, tzinfo=PARIS)


@pytest.fixture
def drip() -> Iterator[DrippingServer]:
    server = DrippingServer()
    yield server
    server.stop()


def test_the_transport_gives_up_at_the_deadline(drip: DrippingServer, tmp_path: Path) -> None:
    db = open_db(tmp_path / "relance.db")
    message = queue_message(db, recipient=email_recipient("a@example.net"), kind="immediate", events=[],
                            build=lambda row_id: ("<m@x>", "s", "Subject: s\r\n\r\nx\r\n"), now=NOW)
    transport = SmtpTransport(SmtpSettings("127.0.0.1", drip.port, "none", DEADLINE_S), "relance@relance.test")
    errors: list[MailUnavailable] = []

    def send() -> None:
        with transport, pytest.raises(MailUnavailable) as down:
            transport.send(message)
        errors.append(down.value)

    took = elapsed(send)
    assert DEADLINE_S * 0.9 <= took < DEADLINE_S + MARGIN_S
    assert errors[0].unreachable and f"dans le délai de {DEADLINE_S:g} s" in str(errors[0])
    db.close()


def test_doctor_s_connection_check_gives_up_at_the_deadline(drip: DrippingServer) -> None:
    def check() -> None:
        with pytest.raises(MailUnavailable, match="pas de réponse complète dans le délai"):
            connect(SmtpSettings("127.0.0.1", drip.port, "none", DEADLINE_S))

    assert elapsed(check) < DEADLINE_S + MARGIN_S


def test_subscribe_and_notify_are_held_one_deadline_not_minutes(drip: DrippingServer, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RELANCE_SECRET", SECRET)
    monkeypatch.delenv("RELANCE_DB", raising=False)
    config = write_config(tmp_path / "config.toml", smtp_port=drip.port, web={"base_url": "https://relance.test"})
    results = []
    took = elapsed(lambda: results.append(relance(config, "subscribe", "alice@example.net")))
    assert results[0].exit_code == 2 and "dans le délai de" in results[0].stderr  # queued, said so, in one line
    assert took < 5 + MARGIN_S  # [email] timeout = 5 s in the tests' config
    took = elapsed(lambda: results.append(relance(config, "notify")))
    assert results[1].exit_code == 2 and "dans le délai de" in results[1].stderr
    assert "Traceback" not in results[1].output
    assert took < 5 + MARGIN_S
    with sqlite3.connect(tmp_path / "relance.db") as conn:
        assert conn.execute("SELECT kind, state, attempts FROM messages").fetchall() == [("confirmation", "failed", 2)]
