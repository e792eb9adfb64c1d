"""The Sénat's CSV parser on rows built from the real questions (tests/app/senat_rows.py): separators,
encodings, columns by name, and each bad input refused with its line and column named."""

from __future__ import annotations

from datetime import date

import pytest

from scrapers.model import ParseError
from scrapers.senat_csv import parse_senat_csv
from tests.app.senat_rows import (
    DOSSUS_TITLE,
    HEADER,
    INTERIEUR_2009,
    TRANSITION,
    URL,
    all_rows,
    csv_bytes,
    dossus_pending,
    herzog_withdrawn,
    masson_answered,
    masson_transferred,
    parse,
)

# --- the parser ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("sep", "encoding"), [(";", "windows-1252"), ("|", "windows-1252"), (";", "iso-8859-1"),
                                               (";", "utf-8"), ("|", "utf-8-sig")])
def test_both_separators_and_encodings(sep: str, encoding: str) -> None:
    rows = parse(csv_bytes(all_rows(), sep=sep, encoding=encoding))
    assert list(rows) == ["SEQ091211244", "SEQ210723812", "SEQ201018049", "SEQ220628479", "SEQ221103705",
                          "SEQ16030791G"]
    masson = rows["SEQ210723812"]
    assert masson.ref is not None and masson.ref.uid == "SEQ210723812" and masson.line == 3
    assert (masson.status, masson.published, masson.transfer_date) == ("lapsed", date(2021, 7, 15), date(2022, 7, 21))
    assert masson.ministry_transfer == TRANSITION and masson.ministry_asked == "Ministère de l'intérieur"
    assert masson.author_name == "Jean Louis Masson"
    answered = rows["SEQ091211244"]
    assert (answered.status, answered.answered, answered.ministry_answer) == (
        "answered", date(2010, 10, 28), INTERIEUR_2009)
    assert rows["SEQ221103705"].title == DOSSUS_TITLE and rows["SEQ221103705"].status == "pending"
    assert rows["SEQ221103705"].author_name == "Thomas Dossus"
    assert rows["SEQ201018049"].status == "withdrawn" and rows["SEQ220628479"].status == "lapsed"
    assert rows["SEQ220628479"].author_group == "Les Républicains-R"
    assert rows["SEQ16030791G"].ref is None  # a question d'actualité: read, never imported


def test_optional_columns_and_trailing_empty_columns() -> None:
    # One description adds `Référence de la question rappelée` before `Thème(s)` and `Thème QC` after it.
    header = [*HEADER[:17], "Référence de la question rappelée", "Thème(s)", "Thème QC", "URL Question"]
    rows = parse(csv_bytes([herzog_withdrawn(), dossus_pending()], header=header, trailing=2))
    assert rows["SEQ201018049"].reminded == "SEQ200616698"
    assert rows["SEQ201018049"].url == "https://www.senat.fr/questions/base/2020/qSEQ201018049.html"
    assert rows["SEQ221103705"].reminded is None and rows["SEQ221103705"].theme_qc is None


def test_columns_read_by_name_in_any_order_accents_and_case_folded() -> None:
    shuffled = list(reversed(HEADER))
    written = csv_bytes(all_rows(), header=shuffled)
    # The same file with its header written without accents and in capitals.
    plain = {"Numéro": "NUMERO", "Référence": "REFERENCE", "Prénom": "PRENOM", "Civilité": "CIVILITE",
             "Ministère de dépôt": "MINISTERE DE DEPOT", "Thème(s)": "THEMES"}
    head, _, body = written.partition(b"\r\n")
    for accented, folded in plain.items():
        head = head.replace(accented.encode("windows-1252"), folded.encode("ascii"))
    assert parse(head + b"\r\n" + body) == parse(written) == parse(csv_bytes(all_rows()))


def test_missing_required_columns_are_named() -> None:
    header = [c for c in HEADER if c not in ("URL Question", "Date de publication JO")]
    with pytest.raises(ParseError) as error:
        parse_senat_csv(csv_bytes([dossus_pending()], header=header), URL)
    message = str(error.value)
    assert URL in message and "Date de publication JO" in message and "URL Question" in message


def test_no_separator_is_refused() -> None:
    with pytest.raises(ParseError, match="separator"):
        parse_senat_csv("Sort,Nature,Numéro\r\n".encode(), URL)


def test_bad_date_names_line_and_column() -> None:
    row = {**masson_answered(), "Date de réponse JO": "28/13/2010"}
    with pytest.raises(ParseError) as error:
        parse_senat_csv(csv_bytes([dossus_pending(), row]), URL)
    message = str(error.value)
    assert "line 3" in message and "Date de réponse JO" in message and "28/13/2010" in message


@pytest.mark.parametrize(("sort", "status"), [
    ("En cours", "pending"), ("EN COURS", "pending"), ("Répondu", "answered"), ("Réponse publiée", "answered"),
    ("repondu", "answered"), ("Caduque", "lapsed"), ("caduque", "lapsed"), ("Retirée", "withdrawn"),
    ("Retiree", "withdrawn"), ("Transformée en QOSD", "closed")])
def test_sort_wordings(sort: str, status: str) -> None:
    rows = parse(csv_bytes([{**dossus_pending(), "Sort": sort}]))
    assert rows["SEQ221103705"].status == status


def test_unknown_sort_is_a_parse_error_naming_it() -> None:
    with pytest.raises(ParseError) as error:
        parse_senat_csv(csv_bytes([{**dossus_pending(), "Sort": "Irrecevable"}]), URL)
    assert "Irrecevable" in str(error.value) and "line 2" in str(error.value) and "Sort" in str(error.value)


def test_reference_from_the_url_when_the_reference_is_empty() -> None:
    rows = parse(csv_bytes([{**masson_transferred(), "Référence": ""}]))
    assert rows["SEQ210723812"].ref is not None and rows["SEQ210723812"].ref.year == 2021


def test_a_row_without_any_id_is_refused() -> None:
    with pytest.raises(ParseError, match="line 2"):
        parse_senat_csv(csv_bytes([{**dossus_pending(), "Référence": "", "URL Question": ""}]), URL)


def test_an_unquoted_separator_shifting_the_columns_is_refused() -> None:
    good = csv_bytes([dossus_pending()]).decode("windows-1252")
    shifted = good.replace(DOSSUS_TITLE, "Utilisation illégale; des algorithmes")  # unquoted: one cell too many
    with pytest.raises(ParseError, match="cells where the header has"):
        parse_senat_csv(shifted.encode("windows-1252"), URL)
