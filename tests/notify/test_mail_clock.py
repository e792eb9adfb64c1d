"""Delivery decisions do not follow the wall clock forward (issue 17): a subscriber hears of the events
recorded after they confirmed, in the order the database recorded them, so a clock stepped back after
the confirmation (an NTP correction, a VM restored) does not make them miss an event whose `seen_at`
is now earlier than their `confirmed_at`. Through the CLI, on the real AN sample, a real SMTP server."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import time_machine
from pytest_httpserver import HTTPServer

from tests.conftest import sample_bytes
from tests.notify.subscribers_site import at, ok, relance, serve, subscribe_and_confirm, text_of
from tests.notify.subscribers_site import config as notify_config  # noqa: F401  (the fixture)
from tests.smtp import Mailer

ALICE = "alice@example.net"


def test_a_clock_stepped_back_after_confirming_loses_no_event(notify_config: Path, httpserver: HTTPServer,
                                                             mailer: Mailer) -> None:
    confirmed = at("2025-06-03", 18)
    with time_machine.travel(at("2025-04-01"), tick=True):
        ok(relance(notify_config, "check"))  # the question, still pending
    with time_machine.travel(confirmed, tick=True):
        subscribe_and_confirm(notify_config, mailer, ALICE, "--frequency", "immediate")
    serve(httpserver, sample_bytes("an/QANR5L17QE5268.json"))  # the real answer, published on 03/06/2025
    with time_machine.travel(confirmed - timedelta(hours=3), tick=True):  # the clock went back three hours
        ok(relance(notify_config, "check"))
        ok(relance(notify_config, "notify"))
    with sqlite3.connect(notify_config.parent / "relance.db") as conn:
        [(seen_at,)] = conn.execute("SELECT seen_at FROM events WHERE kind = 'answered'").fetchall()
        [(confirmed_at,)] = conn.execute("SELECT confirmed_at FROM subscribers").fetchall()
    assert seen_at < confirmed_at  # the state the old `seen_at >= confirmed_at` rule lost the event in
    [_confirmation, notice] = mailer.inbox.to(ALICE)
    assert "AN 17-5268" in text_of(notice) and "réponse" in text_of(notice).lower()
    with time_machine.travel(confirmed + timedelta(hours=1), tick=True):
        assert "envoyés 0" in ok(relance(notify_config, "notify")).stdout  # told once, whatever the clock does next
    assert len(mailer.inbox.to(ALICE)) == 2


def test_events_recorded_before_confirming_are_not_told_even_with_a_clock_ahead(
        notify_config: Path, httpserver: HTTPServer, mailer: Mailer) -> None:
    serve(httpserver, sample_bytes("an/QANR5L17QE5268.json"))
    with time_machine.travel(at("2025-06-03", 18), tick=True):  # the answer recorded first
        ok(relance(notify_config, "check"))
    with time_machine.travel(at("2025-06-03", 12), tick=True):  # then a clock behind confirms
        subscribe_and_confirm(notify_config, mailer, ALICE, "--frequency", "immediate")
        ok(relance(notify_config, "notify"))
    assert len(mailer.inbox.to(ALICE)) == 1  # the confirmation only: that answer was news before alice came
