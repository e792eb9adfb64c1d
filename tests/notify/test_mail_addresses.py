"""Addresses SMTP can carry (issue 17): an internationalised domain is accepted and sent as its A-label;
a local part with accents is refused, in French, unless the server offers SMTPUTF8; a message the server
cannot carry is that message's failure, never the run's: the next messages still go. On real aiosmtpd
servers, one without SMTPUTF8 and one with it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlite_utils import Database

from bot.notify.addresses import AddressError, needs_smtputf8, normalize_address, smtp_address
from bot.notify.delivery import deliver
from bot.notify.smtp import SmtpSettings, SmtpTransport
from storage.db import open_db
from storage.ledger import list_messages, messages_to_send
from tests.notify.queued_mail import NOW, SENDER, queue
from tests.smtp import Mailer

IDN, IDN_ASCII = "jose@exämple.fr", "jose@xn--exmple-cua.fr"  # ä is xn--…-cua, as RFC 3492 encodes it
ACCENTED = "josé@example.fr"


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = open_db(tmp_path / "relance.db")
    yield database
    database.close()


@pytest.fixture
def utf8_mailer() -> Iterator[Mailer]:
    server = Mailer(smtputf8=True)
    server.start()
    yield server
    server.stop()


def transport(mailer: Mailer, give_up_after: int = 3) -> SmtpTransport:
    return SmtpTransport(SmtpSettings("127.0.0.1", mailer.port, "none", 5), SENDER, give_up_after)


# --- the check ----------------------------------------------------------------------------------


def test_an_internationalised_domain_is_kept_as_written_and_sent_as_its_a_label() -> None:
    assert normalize_address(" Jose@Exämple.FR ") == IDN
    assert smtp_address(IDN) == IDN_ASCII and not needs_smtputf8(IDN)


def test_accents_before_the_at_are_refused_in_french_unless_the_server_offers_smtputf8() -> None:
    with pytest.raises(AddressError) as refused:
        normalize_address(ACCENTED)
    assert refused.value.accented
    said = str(refused.value).replace("\u00a0", " ")  # French typography: no-break spaces inside « »
    assert "« josé@example.fr » n'est pas une adresse e-mail utilisable" in said
    assert "avant le « @ »" in said and "(josé)" in said
    assert normalize_address(ACCENTED, smtputf8=True) == ACCENTED and needs_smtputf8(ACCENTED)


@pytest.mark.parametrize("address", ["alice@example.net\r\nBcc: eve@evil.test", "a@b", "", "x" * 250 + "@example.net"])
def test_unusable_addresses_are_refused_in_french(address: str) -> None:
    with pytest.raises(AddressError) as refused:
        normalize_address(address)
    assert "n'est pas une adresse e-mail utilisable" in str(refused.value) and not refused.value.accented


# --- sending ------------------------------------------------------------------------------------


def test_the_idn_address_goes_out_as_its_a_label(db: Database, mailer: Mailer) -> None:
    queue(db, IDN, subject="Résumé", text="Déjà là.\n")
    with transport(mailer) as smtp:
        assert deliver(db, messages_to_send(db), smtp, now=lambda: NOW).sent == 1
        assert smtp.offers_smtputf8 is False
    [(_, rcpt, message)] = mailer.inbox.messages
    assert rcpt == [IDN_ASCII] and message["To"] == IDN_ASCII


def test_a_message_the_server_cannot_carry_fails_alone_and_is_given_up(db: Database, mailer: Mailer) -> None:
    # The address as the old check let it in (issue 17): a stored subscriber, its message queued.
    queue(db, "a@example.net", ACCENTED, "c@example.net", subject="Résumé", text="Déjà là.\n")
    with transport(mailer, give_up_after=2) as smtp:
        first = deliver(db, messages_to_send(db), smtp, now=lambda: NOW)
        second = deliver(db, messages_to_send(db), smtp, now=lambda: NOW)
    assert (first.sent, first.failed, first.given_up) == (2, 1, 0)  # the next message still went
    assert "il n'offre pas SMTPUTF8" in first.errors[0] and ACCENTED in first.errors[0]
    assert (second.sent, second.given_up) == (0, 1)
    assert [(m.recipient.address, m.state) for m in list_messages(db)] == [
        ("a@example.net", "sent"), (ACCENTED, "given_up"), ("c@example.net", "sent")]
    assert [rcpt for _, rcpt, _ in mailer.inbox.messages] == [["a@example.net"], ["c@example.net"]]


def test_a_server_with_smtputf8_gets_the_accented_address(db: Database, utf8_mailer: Mailer) -> None:
    queue(db, ACCENTED, subject="Résumé", text="Déjà là.\n")
    with transport(utf8_mailer) as smtp:
        assert deliver(db, messages_to_send(db), smtp, now=lambda: NOW).sent == 1
        assert smtp.offers_smtputf8 is True
    [(_, rcpt, message)] = utf8_mailer.inbox.messages
    assert rcpt == [ACCENTED] and message["To"] == ACCENTED
    assert message.get_content().strip() == "Déjà là."
