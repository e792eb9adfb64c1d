"""The Sénat's CSV parser on rows built from the real questions (tests/app/senat_rows.py): separators,
encodings, columns by name, ISO and French dates, themes as the file joins them, and each bad row set
aside with its line, column and value named while the rows beside it are read."""

from __future__ import annotations

from datetime import date

import pytest

from scrapers.model import ParseError
from scrapers.senat_csv import parse_senat_csv, row_to_snapshot, split_themes
from tests.app.senat_rows import (
    DOSSUS_TITLE,
    FISCAL_THEME,
    HEADER,
    INTERIEUR_2009,
    POLICE_THEME,
    TRANSITION,
    URL,
    all_rows,
    answer_received,
    csv_bytes,
    dossus_pending,
    herzog_withdrawn,
    iso_dates,
    masson_answered,
    masson_transferred,
    parse,
    paul_lapsed,
    transferred_pending,
    with_themes,
    without_membership,
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


def rejected(data: bytes) -> list[str]:
    return [str(row) for row in parse_senat_csv(data, URL).rejected]


def test_a_bad_date_sets_its_row_aside_naming_line_column_and_value() -> None:
    row = {**masson_answered(), "Date de réponse JO": "28/13/2010"}
    read = parse_senat_csv(csv_bytes([dossus_pending(), row, herzog_withdrawn()]), URL)
    assert [r.id for r in read.rows] == ["SEQ221103705", "SEQ201018049"]  # the rows beside it are read
    [bad] = read.rejected
    assert (bad.line, bad.column, bad.value) == (3, "Date de réponse JO", "28/13/2010")
    assert str(bad) == ("line 3, column 'Date de réponse JO': not a date dd/mm/yyyy or yyyy-mm-dd: "
                        "found '28/13/2010'")


@pytest.mark.parametrize(("sort", "status"), [
    ("En cours", "pending"), ("EN COURS", "pending"), ("Réponse reçue", "answered"), ("Répondu", "answered"),
    ("Réponse publiée", "answered"), ("repondu", "answered"), ("Caduque", "lapsed"), ("caduque", "lapsed"),
    ("Retirée", "withdrawn"), ("Retiree", "withdrawn"), ("Transformée en QOSD", "closed")])
def test_sort_wordings(sort: str, status: str) -> None:
    rows = parse(csv_bytes([{**dossus_pending(), "Sort": sort}]))
    assert rows["SEQ221103705"].status == status


def test_an_unknown_sort_sets_that_row_aside_only() -> None:
    read = parse_senat_csv(csv_bytes([{**dossus_pending(), "Sort": "Irrecevable"}, masson_answered()]), URL)
    assert [r.id for r in read.rows] == ["SEQ091211244"]
    [bad] = read.rejected
    assert (bad.line, bad.column, bad.value) == (2, "Sort", "Irrecevable")
    assert "unknown sort" in bad.problem and "Réponse reçue" in bad.problem


def test_reference_from_the_url_when_the_reference_is_empty() -> None:
    rows = parse(csv_bytes([{**masson_transferred(), "Référence": ""}]))
    assert rows["SEQ210723812"].ref is not None and rows["SEQ210723812"].ref.year == 2021


def test_a_row_without_any_id_is_set_aside() -> None:
    [bad] = parse_senat_csv(csv_bytes([{**dossus_pending(), "Référence": "", "URL Question": ""}]), URL).rejected
    assert bad.line == 2 and bad.column is None and "no question id" in bad.problem


def test_an_unquoted_separator_shifting_the_columns_sets_the_row_aside() -> None:
    good = csv_bytes([dossus_pending(), masson_answered()]).decode("windows-1252")
    shifted = good.replace(DOSSUS_TITLE, "Utilisation illégale; des algorithmes")  # unquoted: one cell too many
    read = parse_senat_csv(shifted.encode("windows-1252"), URL)
    assert [r.id for r in read.rows] == ["SEQ091211244"]
    assert [(r.line, "cells where the header has" in r.problem) for r in read.rejected] == [(2, True)]


# --- the file as the Sénat publishes it (samples/SOURCES.md, "Newer facts") ----------------------

@pytest.mark.parametrize(("sep", "encoding"), [(";", "windows-1252"), ("|", "windows-1252"), (";", "iso-8859-1"),
                                               (";", "utf-8"), ("|", "utf-8-sig")])
def test_iso_and_french_dates_in_one_file(sep: str, encoding: str) -> None:
    rows = parse(csv_bytes([iso_dates(masson_transferred()), masson_answered(), iso_dates(dossus_pending())],
                           sep=sep, encoding=encoding))
    masson = rows["SEQ210723812"]
    assert (masson.published, masson.transfer_date) == (date(2021, 7, 15), date(2022, 7, 21))
    assert (rows["SEQ091211244"].published, rows["SEQ091211244"].answered) == (date(2009, 12, 10), date(2010, 10, 28))
    assert rows["SEQ221103705"].published == date(2022, 11, 10)


def test_an_iso_date_that_does_not_exist_is_named() -> None:
    assert rejected(csv_bytes([{**dossus_pending(), "Date de publication JO": "2022-11-31"}])) == [
        "line 2, column 'Date de publication JO': not a date dd/mm/yyyy or yyyy-mm-dd: found '2022-11-31'"]


def test_answer_received_is_answered() -> None:
    answered = parse(csv_bytes([iso_dates(answer_received(masson_answered()))]))["SEQ091211244"]
    assert (answered.sort, answered.status, answered.answered) == ("Réponse reçue", "answered", date(2010, 10, 28))


def test_themes_split_on_a_comma_no_space_follows() -> None:
    row = with_themes(masson_transferred(), FISCAL_THEME, POLICE_THEME)
    assert row["Thème(s)"] == "Économie et finances, fiscalité,Police et sécurité"
    read = parse(csv_bytes([row, with_themes(dossus_pending(), FISCAL_THEME)]))
    assert read["SEQ210723812"].themes == (FISCAL_THEME, POLICE_THEME)
    assert read["SEQ210723812"].rubric == "Économie et finances, fiscalité ; Police et sécurité"
    assert read["SEQ221103705"].themes == (FISCAL_THEME,)  # one theme holding ", " stays whole
    assert read["SEQ221103705"].rubric == FISCAL_THEME
    assert split_themes(f"{FISCAL_THEME}, {POLICE_THEME}") == (f"{FISCAL_THEME}, {POLICE_THEME}",)


def test_an_empty_membership_leaves_the_group_as_it_is() -> None:
    row = parse(csv_bytes([without_membership(paul_lapsed())]))["SEQ220628479"]
    assert row.membership is None and row.author_group == "Les Républicains"


def test_a_pending_question_carrying_a_transfer() -> None:
    row = parse(csv_bytes([iso_dates(transferred_pending(masson_transferred()))]))["SEQ210723812"]
    assert (row.status, row.ministry_answer, row.answered) == ("pending", None, None)
    snapshot = row_to_snapshot(row, None)
    assert snapshot.status == "pending" and snapshot.answer is None and snapshot.closure is None
    assert [(a.ministry.name, a.date) for a in snapshot.attributions] == [(TRANSITION, date(2022, 7, 21))]
    assert snapshot.ministry is not None and snapshot.ministry.name == TRANSITION
