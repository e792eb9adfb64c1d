"""The lower layers' errors as a person reads them (bot/notify/wording/errors.py): one sentence naming what
failed and where, in French, or in English when asked; a detail quoted from the source stays as it came."""

from __future__ import annotations

import sqlite3

import pytest

from bot.notify.wording.errors import describe
from scrapers.an import parse_an_json
from scrapers.http import NotFound, RateLimited, TooLarge
from scrapers.model import ParseError
from scrapers.refs import RefError, parse_ref
from storage.db import StorageError
from storage.transactions import DatabaseBusy
from tests.conftest import sample_bytes

AN_URL = "https://www.assemblee-nationale.fr/dyn/opendata/QANR5L17QE5268.json"


def _truncated_sample_error() -> ParseError:
    # The real AN question cut in the middle, as a transfer cut short would leave it.
    data = sample_bytes("an/QANR5L17QE5268.json")
    with pytest.raises(ParseError) as caught:
        parse_an_json(data[: len(data) // 2], AN_URL)
    return caught.value


def _bad_reference() -> RefError:
    with pytest.raises(RefError) as caught:
        parse_ref("AN 17-0")
    return caught.value


def test_a_page_that_cannot_be_read_names_its_address_and_what_was_found() -> None:
    error = _truncated_sample_error()
    said = describe(error)
    assert said.startswith(f"{AN_URL} : {error.field} illisible, trouvé : ")
    assert "ParseError" not in said and "cannot read" not in said


def test_a_site_s_refusals_say_what_the_site_did() -> None:
    assert describe(NotFound(AN_URL, 404)) == f"{AN_URL} : introuvable sur le site (HTTP 404)"
    assert describe(RateLimited(AN_URL, 429, retry_after=120.0)) == \
        f"{AN_URL} : le site demande d'attendre 120 s (HTTP 429)"
    assert describe(TooLarge(AN_URL, 8 * 1024 * 1024, "[http] max_body_mb")) == (
        f"{AN_URL} : réponse de plus de 8\u202f388\u202f608 octets ([http] max_body_mb), refusée sans être lue "
        "plus loin")


def test_a_bad_reference_gives_the_reason_and_the_accepted_forms() -> None:
    said = describe(_bad_reference())
    assert said.startswith("'AN 17-0' : législature ou numéro hors limites ; formes acceptées : ")
    assert "« Sénat 3705 (2022-11) »" in said and "accepted forms" not in said


def test_the_database_s_errors_name_the_file() -> None:
    busy = DatabaseBusy("relance.db", "busy", waited_s=5.25, attempts=3)
    assert describe(busy) == ("base de données relance.db : occupée, un autre processus l'a gardée verrouillée "
                              "5,2 s (3 tentatives) ; rien n'a été écrit, réessayer quand il aura fini")
    # The problem SQLite gave is quoted as it came.
    assert describe(StorageError("relance.db", "DatabaseError: file is not a database")) == \
        "base de données relance.db : DatabaseError: file is not a database"
    assert isinstance(busy, sqlite3.OperationalError)


def test_a_detail_on_several_lines_is_told_on_one() -> None:
    said = describe(StorageError("relance.db", "first line\n  second line"))
    assert said == "base de données relance.db : first line second line"


def test_an_error_raised_in_bot_keeps_its_own_words() -> None:
    assert describe(ValueError("déjà formulé")) == "déjà formulé"
    assert describe(KeyboardInterrupt()) == "KeyboardInterrupt"


def test_the_same_errors_in_english(english: None) -> None:
    assert describe(NotFound(AN_URL, 404)) == f"{AN_URL}: not found on the site (HTTP 404)"
    assert describe(_bad_reference()).startswith(
        "'AN 17-0': legislature or number out of range; accepted forms: AN uid")
    error = _truncated_sample_error()
    assert describe(error).startswith(f"{AN_URL}: cannot read {error.field}, found: ")
    busy = DatabaseBusy("relance.db", "busy", waited_s=5.25, attempts=1)
    assert describe(busy) == ("database relance.db: busy, another process kept it locked for 5.2 s (1 attempt); "
                              "nothing was written, try again once it is done")
