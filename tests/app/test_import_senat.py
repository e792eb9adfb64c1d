"""The Sénat's open data: the CSV of the last year's questions read, merged and imported, and the
Sénat search paged for older periods.

NO REAL ROW of `questions-depuis-un-an.csv` exists in the samples (samples/SOURCES.md): what is known
is its header, its separators (`;`, once described as `|`), its encodings (ISO-8859-1, windows-1252
or UTF-8), dates as dd/mm/yyyy and `http://` URLs. So the rows below are BUILT in that header from
the facts of the real questions in samples/senat (their number, author, department and group,
dates, ministries, state, as each page text or SOURCES.md gives them), and every other state is
derived from one of them by a small named transformation. A column no sample gives a value for is
left empty (no title shows on the senat.fr page texts, no theme anywhere); the one value chosen by
the test is the date of SEQ210723812's transfer, which the page never shows (see TRANSFER_DATE).

The imports run through the command line against a local HTTP server (pytest-httpserver) serving
the CSV with an ETag, question pages derived from the real page texts (tests/senat_pages.py) and the
real search results page, on a real SQLite file, with time-machine for today.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import sqlite3
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
import time_machine
from click.testing import CliRunner, Result
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from bot.app.config import load_config
from bot.app.import_senat import csv_shows_change, import_senat, search_url
from bot.app.settings import http_settings
from bot.core.deadlines import PARIS
from bot.core.events import diff
from bot.main import main
from scrapers.http import PoliteClient
from scrapers.model import ParseError, QuestionSnapshot
from scrapers.senat import parse_senat_text
from scrapers.senat_csv import COLUMNS, parse_senat_csv, row_to_snapshot
from storage.db import open_db
from tests.conftest import sample_bytes
from tests.senat_pages import page_from_text, page_text, page_url_path

CSV_PATH = "/data/questions/questions-depuis-un-an.csv"
SEARCH_PATH = "/basile/rechercheQuestion.do"
HEADER = list(COLUMNS.values())  # the header as the descriptions of the file give it (samples/SOURCES.md)
assert HEADER == ["Sort", "Nature", "Numéro", "Référence", "Titre", "Nom", "Prénom", "Civilité", "Circonscription",
                  "Groupe", "Type Appartenance", "Date de publication JO", "Ministère de dépôt",
                  "Date de transmission", "Ministère de transmission", "Ministère de réponse",
                  "Date de réponse JO", "Thème(s)", "URL Question"]

INTERIEUR_2009 = "Ministère de l'intérieur, de l'outre-mer et des collectivités territoriales"
TRANSITION = "Ministère de la transition écologique et de la cohésion des territoires"
DOSSUS_TITLE = "Utilisation illégale des algorithmes de vidéosurveillance par les polices municipales"
# The one value no sample gives: the page of SEQ210723812 says "Transmise au Ministère de la transition
# écologique et de la cohésion des territoires" without a date, and only the CSV dates a transfer.
# Chosen after that ministry was formed (July 2022) and before the question lapsed.
TRANSFER_DATE = "21/07/2022"


# --- rows built from the real questions ---------------------------------------------------------

def masson_transferred() -> dict[str, str]:
    """SEQ210723812 (page text and senat/SOURCES.md): M. MASSON Jean Louis (Moselle - NI), published
    15/07/2021, addressed to the ministre de l'intérieur, transferred to the Ministère de la transition
    écologique et de la cohésion des territoires, lapsed. Its URL written with http://, as the CSV may."""
    return {"Sort": "Caduque", "Nature": "QE", "Numéro": "23812", "Référence": "SEQ210723812", "Nom": "MASSON",
            "Prénom": "Jean Louis", "Civilité": "M.", "Circonscription": "Moselle", "Groupe": "NI",
            "Date de publication JO": "15/07/2021", "Ministère de dépôt": "Ministère de l'intérieur",
            "Date de transmission": TRANSFER_DATE, "Ministère de transmission": TRANSITION,
            "URL Question": "http://www.senat.fr/questions/base/2021/qSEQ210723812.html"}


def masson_answered() -> dict[str, str]:
    """SEQ091211244: M. MASSON Jean Louis (Moselle - NI), published 10/12/2009, answered by the Ministère de
    l'intérieur, de l'outre-mer et des collectivités territoriales, published 28/10/2010."""
    return {"Sort": "Répondu", "Nature": "QE", "Numéro": "11244", "Référence": "SEQ091211244", "Nom": "MASSON",
            "Prénom": "Jean Louis", "Civilité": "M.", "Circonscription": "Moselle", "Groupe": "NI",
            "Date de publication JO": "10/12/2009", "Ministère de dépôt": INTERIEUR_2009,
            "Ministère de réponse": INTERIEUR_2009, "Date de réponse JO": "28/10/2010",
            "URL Question": "https://www.senat.fr/questions/base/2009/qSEQ091211244.html"}


def dossus_pending() -> dict[str, str]:
    """SEQ221103705 (NosSénateurs text): Thomas Dossus, written question n° 3705 to the Ministère de
    l'intérieur, submitted 10/11/2022, no answer yet. His department and group are in no sample."""
    return {"Sort": "En cours", "Nature": "QE", "Numéro": "3705", "Référence": "SEQ221103705",
            "Titre": DOSSUS_TITLE, "Nom": "Dossus", "Prénom": "Thomas", "Civilité": "M.",
            "Date de publication JO": "10/11/2022", "Ministère de dépôt": "Ministère de l'intérieur",
            "URL Question": "https://www.senat.fr/questions/base/2022/qSEQ221103705.html"}


def paul_lapsed() -> dict[str, str]:
    """SEQ220628479: M. PAUL Philippe (Finistère - Les Républicains-R: rattaché), published 30/06/2022,
    addressed to the ministre délégué (…) chargé des relations avec le Parlement et de la vie
    démocratique, lapsed. "-R" is the CSV's "Type Appartenance" rattaché (liste-de-rappel-help.txt)."""
    return {"Sort": "Caduque", "Nature": "QE", "Numéro": "28479", "Référence": "SEQ220628479", "Nom": "PAUL",
            "Prénom": "Philippe", "Civilité": "M.", "Circonscription": "Finistère", "Groupe": "Les Républicains",
            "Type Appartenance": "rattaché", "Date de publication JO": "30/06/2022",
            "Ministère de dépôt": "ministre délégué auprès de la Première ministre, chargé des relations avec le "
                                  "Parlement et de la vie démocratique",
            "URL Question": "https://www.senat.fr/questions/base/2022/qSEQ220628479.html"}


def herzog_withdrawn() -> dict[str, str]:
    """SEQ201018049: Mme HERZOG Christine (Moselle - NI), published 01/10/2020, a reminder of her
    question n° 16698 of 11/06/2020 (so SEQ200616698), withdrawn once that one was answered."""
    return {"Sort": "Retirée", "Nature": "QE", "Numéro": "18049", "Référence": "SEQ201018049", "Nom": "HERZOG",
            "Prénom": "Christine", "Civilité": "Mme", "Circonscription": "Moselle", "Groupe": "NI",
            "Date de publication JO": "01/10/2020",
            "Ministère de dépôt": "Ministère de la cohésion des territoires et des relations avec les "
                                  "collectivités territoriales",
            "Référence de la question rappelée": "SEQ200616698",
            "URL Question": "https://www.senat.fr/questions/base/2020/qSEQ201018049.html"}


def labazee_actualite() -> dict[str, str]:
    """qSEQ16030791G, the first hit of the real search page: a question d'actualité (not a written
    question) of M. Georges Labazée, answered 18/03/2016 by the Ministère de l'aménagement du territoire,
    de la ruralité et des collectivités territoriales."""
    ministry = "Ministère de l'aménagement du territoire, de la ruralité et des collectivités territoriales"
    return {"Sort": "Répondu", "Nature": "QG", "Numéro": "0791G", "Référence": "SEQ16030791G",
            "Titre": "Partenariat entre La Poste et l'État : maisons de services au public", "Nom": "LABAZÉE",
            "Prénom": "Georges", "Civilité": "M.", "Date de publication JO": "18/03/2016",
            "Ministère de dépôt": ministry, "Ministère de réponse": ministry, "Date de réponse JO": "18/03/2016"}


def all_rows() -> list[dict[str, str]]:
    return [masson_answered(), masson_transferred(), herzog_withdrawn(), paul_lapsed(), dossus_pending(),
            labazee_actualite()]


# --- derived states (each a named transformation of a row built above) ---------------------------

def before_answer(row: dict[str, str]) -> dict[str, str]:
    """The same question before its answer was published: « En cours », no ministry or date of answer."""
    return {**row, "Sort": "En cours", "Ministère de réponse": "", "Date de réponse JO": ""}


def before_transfer(row: dict[str, str]) -> dict[str, str]:
    """The same question before it was transferred, while still unanswered: « En cours », no transfer."""
    return {**row, "Sort": "En cours", "Date de transmission": "", "Ministère de transmission": ""}


def transferred_pending(row: dict[str, str]) -> dict[str, str]:
    """The same question once transferred, before it lapsed: « En cours » with its transfer."""
    return {**row, "Sort": "En cours"}


def page_before_answer(text: str) -> str:
    """A real page text without its answer block (from "Réponse du …" to the answer's "- page N"):
    the page of the same question while it awaited its answer."""
    lines = text.split("\n")
    start = next(at for at, line in enumerate(lines) if line.startswith("Réponse du "))
    end = next(at for at in range(start, len(lines)) if lines[at].startswith("- page "))
    return "\n".join(lines[:start] + lines[end + 1:])


def written_hit(page: bytes, old_id: bytes = b"qSEQ16030791G", new_id: bytes = b"qSEQ091211244") -> bytes:
    """The real search page with its first hit's id renumbered into a written question's: what a page
    of the written-question search (_na=QE) holds, which the recorded page (questions d'actualité) does not."""
    assert page.count(old_id) == 1
    return page.replace(old_id, new_id)


def csv_bytes(rows: list[dict[str, str]], *, sep: str = ";", encoding: str = "windows-1252",
              header: list[str] | None = None, trailing: int = 0) -> bytes:
    """A file in the known header (or `header`), rows in the file's order, `trailing` empty columns."""
    columns = header or HEADER
    out = io.StringIO()
    writer = csv.writer(out, delimiter=sep, lineterminator="\r\n")
    writer.writerow(columns + [""] * trailing)
    for row in rows:
        writer.writerow([row.get(column, "") for column in columns] + [""] * trailing)
    return out.getvalue().encode(encoding)


URL = "https://data.senat.fr/data/questions/questions-depuis-un-an.csv"


def parse(data: bytes) -> dict[str, Any]:
    return {row.id: row for row in parse_senat_csv(data, URL)}


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


# --- a row to a snapshot, alone or merged with the page ------------------------------------------

def page(uid: str, text: str | None = None) -> QuestionSnapshot:
    return parse_senat_text(page_text(uid) if text is None else text,
                            f"https://www.senat.fr{page_url_path(uid)}")


def test_snapshot_from_the_row_alone() -> None:
    row = parse(csv_bytes([masson_transferred()]))["SEQ210723812"]
    snapshot = row_to_snapshot(row, None)
    assert snapshot.url == "https://www.senat.fr/questions/base/2021/qSEQ210723812.html"
    assert (snapshot.author.name, snapshot.author.civility, snapshot.author.constituency, snapshot.author.group) == (
        "Jean Louis Masson", "M.", "Moselle", "NI")
    assert snapshot.ministry_asked is not None and snapshot.ministry_asked.name == "Ministère de l'intérieur"
    assert [(a.ministry.name, a.date) for a in snapshot.attributions] == [(TRANSITION, date(2022, 7, 21))]
    assert snapshot.status == "lapsed" and snapshot.closure is not None and snapshot.closure.label == "Caduque"
    assert snapshot.text is None and snapshot.published == date(2021, 7, 15) and snapshot.answer is None
    answered = row_to_snapshot(parse(csv_bytes([masson_answered()]))["SEQ091211244"], None)
    assert answered.answer is not None
    assert (answered.answer.date, answered.answer.text, answered.answer.ministry) == (
        date(2010, 10, 28), "", INTERIEUR_2009)


def test_the_csv_author_reads_as_the_page_author() -> None:
    # Written in capitals with a "-R" group on the page; in the CSV, Nom/Prénom and "rattaché".
    row = parse(csv_bytes([paul_lapsed()]))["SEQ220628479"]
    assert row_to_snapshot(row, None).author == page("SEQ220628479").author


def test_merged_with_the_page_keeps_the_texts_and_dates_the_transfer() -> None:
    stored = page("SEQ210723812")
    assert [a.date for a in stored.attributions] == [None]  # the page does not date the transfer
    merged = row_to_snapshot(parse(csv_bytes([masson_transferred()]))["SEQ210723812"], stored)
    assert (merged.text, merged.author, merged.ministry_asked) == (stored.text, stored.author, stored.ministry_asked)
    assert [(a.ministry.name, a.date) for a in merged.attributions] == [(TRANSITION, date(2022, 7, 21))]
    assert merged.status == "lapsed" and merged.closure == stored.closure
    # What the CSV adds is no new fact: no event between the page and the merged snapshot.
    assert diff(stored, merged, today=date(2023, 1, 5), last_day=None, seen_at=datetime.now(PARIS)) == []


def test_merged_with_the_page_keeps_the_answer_text() -> None:
    stored = page("SEQ091211244")
    merged = row_to_snapshot(parse(csv_bytes([masson_answered()]))["SEQ091211244"], stored)
    assert merged == stored


def test_a_stale_pending_row_does_not_undo_a_page_read_since() -> None:
    stored = page("SEQ091211244")
    row = parse(csv_bytes([before_answer(masson_answered())]))["SEQ091211244"]
    assert row_to_snapshot(row, stored) == stored


def test_a_changed_sort_updates_the_stored_state() -> None:
    pending = row_to_snapshot(parse(csv_bytes([before_answer(masson_answered())]))["SEQ091211244"], None)
    row = parse(csv_bytes([masson_answered()]))["SEQ091211244"]
    merged = row_to_snapshot(row, pending)
    assert merged.status == "answered" and merged.answered == date(2010, 10, 28)
    assert csv_shows_change(row, pending, merged)
    assert not csv_shows_change(row, merged, row_to_snapshot(row, merged))


def test_themes_become_the_rubric() -> None:
    # No sample shows one of the Sénat's theme names: this one is the test's own.
    row = parse(csv_bytes([{**masson_transferred(), "Thème(s)": "Police et sécurité"}]))["SEQ210723812"]
    assert row_to_snapshot(row, None).rubric == "Police et sécurité"
    assert row_to_snapshot(row, page("SEQ210723812")).rubric == "Police et sécurité"


def test_a_row_is_never_merged_into_another_question() -> None:
    row = parse(csv_bytes([dossus_pending()]))["SEQ221103705"]
    with pytest.raises(ValueError, match="SEQ210723812"):
        row_to_snapshot(row, page("SEQ210723812"))


# --- the import through the command line --------------------------------------------------------

class Site:
    """A local data.senat.fr and senat.fr: the CSV with an ETag (304 when it matches), question pages,
    search pages by their `off` parameter."""

    def __init__(self, server: HTTPServer) -> None:
        self.server = server
        self.csv = b""
        self.pages: dict[str, bytes] = {}
        self.search: dict[str, bytes] = {}
        server.expect_request("").respond_with_handler(self._respond)

    def _respond(self, request: Request) -> Response:
        if request.path == CSV_PATH:
            etag = '"' + hashlib.sha256(self.csv).hexdigest()[:16] + '"'
            if request.headers.get("If-None-Match") == etag:
                return Response(status=304, headers={"ETag": etag})
            return Response(self.csv, content_type="text/csv; charset=ISO-8859-1", headers={"ETag": etag})
        if request.path == SEARCH_PATH:
            body = self.search.get(parse_qs(request.query_string.decode())["off"][0])
            if body is not None:
                return Response(body, content_type="text/html")
        if request.path in self.pages:
            return Response(self.pages[request.path], content_type="text/html")
        return Response(b"Not Found", status=404, content_type="text/plain")

    def page(self, uid: str, text: str | None = None) -> None:
        self.pages[page_url_path(uid)] = page_from_text(page_text(uid) if text is None else text)

    def requests_to(self, path: str) -> int:
        return sum(1 for request, _ in self.server.log if request.path == path)


@pytest.fixture
def site(httpserver: HTTPServer) -> Iterator[Site]:
    yield Site(httpserver)


def write_config(tmp_path: Path, site: Site, *, watch: tuple[str, ...] = (), follow: str = "") -> Path:
    base = site.server.url_for("").rstrip("/")
    path = tmp_path / "config.toml"
    watches = "".join(f'[[watch]]\nref = "{ref}"\n' for ref in watch)
    path.write_text(f"""
[relance]
contact = "tests@relance.test"
[http]
timeout = 5
min_interval = 0
retries = 0
cache_dir = "{tmp_path / 'cache'}"
[sources.senat]
base_url = "{base}"
csv_url = "{base}{CSV_PATH}"
[storage]
path = "{tmp_path / 'relance.db'}"
{follow}
{watches}
""", encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def _no_db_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RELANCE_DB", raising=False)


def relance(config: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--config", str(config), *args])


def import_json(config: Path, *args: str, exit_code: int = 0) -> dict[str, Any]:
    result = relance(config, "import", "senat", "--json", *args)
    assert result.exit_code == exit_code, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def events(report: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e for e in report["events"] if e["kind"] == kind]


def stored(config: Path, ref: str) -> dict[str, Any] | None:
    with sqlite3.connect(config.parent / "relance.db") as conn:
        row = conn.execute("SELECT snapshot FROM questions WHERE ref = ?", [ref]).fetchone()
    return json.loads(row[0]) if row else None


def at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(f"{day}T{hour:02d}:00:00").replace(tzinfo=PARIS)


def test_import_then_an_unchanged_file_costs_a_304(tmp_path: Path, site: Site) -> None:
    site.csv = csv_bytes(all_rows())
    config = write_config(tmp_path, site)
    with time_machine.travel(at("2023-01-05"), tick=True):
        first = import_json(config)
        assert (first["rows"], first["skipped"], first["new"], first["pages_fetched"]) == (6, 1, 5, 0)
        assert len(events(first, "published")) == 5 and first["errors"] == []
        second = relance(config, "import", "senat")
    assert second.exit_code == 0, second.output
    assert "unchanged since the last import (HTTP 304), nothing parsed" in second.stdout
    assert "rows 0, new 0, changed 0, unchanged 0, matched 0" in second.stdout
    assert [r.headers.get("If-None-Match") is not None for r, _ in site.server.log] == [False, True]
    # What the CSV said, kept whole: the Dossus question is pending, addressed to the Ministère de l'intérieur.
    dossus = stored(config, "SEQ221103705")
    assert dossus is not None and dossus["status"] == "pending" and dossus["title"] == DOSSUS_TITLE
    assert dossus["author"]["name"] == "Thomas Dossus"
    assert dossus["ministry_asked"]["name"] == "Ministère de l'intérieur"
    assert stored(config, "SEQ16030791G") is None


def test_a_changed_sort_gives_one_answered_event_and_reads_the_page(tmp_path: Path, site: Site) -> None:
    site.csv = csv_bytes([before_answer(masson_answered()), masson_transferred()])
    site.page("SEQ091211244", page_before_answer(page_text("SEQ091211244")))
    site.page("SEQ210723812")
    config = write_config(tmp_path, site, watch=("SEQ091211244", "SEQ210723812"))
    with time_machine.travel(at("2010-10-20"), tick=True):
        first = import_json(config)
    # Both watched and new: each page read once for its text.
    assert (first["new"], first["pages_fetched"]) == (2, 2)
    before = stored(config, "SEQ091211244")
    assert before is not None and before["status"] == "pending" and before["text"].startswith("M. Jean Louis Masson")
    site.csv = csv_bytes([masson_answered(), masson_transferred()])
    site.page("SEQ091211244")
    with time_machine.travel(at("2010-10-29"), tick=True):
        second = import_json(config)
    assert (second["changed"], second["unchanged"], second["pages_fetched"]) == (1, 1, 1)
    answered = events(second, "answered")
    assert len(answered) == 1 and [e["kind"] for e in second["events"]] == ["answered"]
    assert answered[0]["ref"] == "SEQ091211244" and answered[0]["date"] == "2010-10-28"
    assert answered[0]["details"]["excerpt"].startswith("L'honorable parlementaire est invité")
    assert answered[0]["details"]["page"] == "2836"
    assert site.requests_to(page_url_path("SEQ091211244")) == 2
    assert site.requests_to(page_url_path("SEQ210723812")) == 1  # unchanged in the CSV: not read again
    after = stored(config, "SEQ210723812")
    assert after is not None and after["attributions"] == [
        {"ministry": {"name": TRANSITION, "short": None, "id": None}, "date": "2022-07-21"}]


def test_a_transfer_row_gives_a_transferred_event_with_the_csv_date(tmp_path: Path, site: Site) -> None:
    site.csv = csv_bytes([before_transfer(masson_transferred())])
    config = write_config(tmp_path, site)
    with time_machine.travel(at("2022-07-01"), tick=True):
        assert import_json(config)["new"] == 1
    site.csv = csv_bytes([transferred_pending(masson_transferred())])
    with time_machine.travel(at("2022-07-28"), tick=True):
        second = import_json(config)
    transferred = events(second, "transferred")
    assert len(transferred) == 1 and transferred[0]["date"] == "2022-07-21"
    assert transferred[0]["details"] == {"from_ministry": "Ministère de l'intérieur", "to_ministry": TRANSITION}
    assert second["pages_fetched"] == 0  # not watched: the CSV's state is enough
    site.csv = csv_bytes([masson_transferred()])
    with time_machine.travel(at("2023-10-02"), tick=True):
        third = import_json(config)
    assert [e["kind"] for e in third["events"]] == ["lapsed"]


@pytest.mark.parametrize("keyword", ["vidéosurveillance", "videosurveillance"])
def test_a_follow_rule_finds_the_dossus_question(tmp_path: Path, site: Site, keyword: str) -> None:
    site.csv = csv_bytes(all_rows())
    follow = f'[[follow]]\nname = "vsa"\nkeywords = ["{keyword}"]\ntags = ["vsa"]\n'
    config = write_config(tmp_path, site, follow=follow)
    with time_machine.travel(at("2022-11-20"), tick=True):
        # The question's senat.fr page could not be recorded (only its NosSénateurs text): the server
        # answers 404, which is reported, while what the CSV says is stored and followed all the same.
        report = import_json(config, exit_code=2)
        matched = events(report, "matched")
        assert [(e["ref"], e["details"]["rules"], e["details"]["tags"]) for e in matched] == [
            ("SEQ221103705", ["vsa"], ["vsa"])]
        assert report["matched"] == 1 and report["pages_fetched"] == 0
        assert [(e["ref"], "NotFound" in e["error"]) for e in report["errors"]] == [("SEQ221103705", True)]
        assert site.requests_to(page_url_path("SEQ221103705")) == 1
        status = json.loads(relance(config, "status", "--json", "--tag", "vsa").stdout)
    assert [(row["ref"], row["status"], row["deadline"]) for row in status] == [
        ("SEQ221103705", "pending", "2023-01-10")]


def test_a_rule_added_later_reads_the_text_of_a_question_already_imported(tmp_path: Path, site: Site) -> None:
    path = tmp_path / "questions.csv"
    path.write_bytes(csv_bytes(all_rows()))
    config = write_config(tmp_path, site)
    with time_machine.travel(at("2022-11-20"), tick=True):
        assert import_json(config, "--file", str(path))["new"] == 5
        config = write_config(tmp_path, site, follow='[[follow]]\nname = "vsa"\nkeywords = ["vidéosurveillance"]\n')
        report = import_json(config, "--file", str(path), exit_code=2)
    # Unchanged in the CSV, but followed now and without its text: its page is asked for (404 here).
    assert [e["kind"] for e in report["events"]] == ["matched"]
    assert (report["new"], report["changed"], report["unchanged"], report["matched"]) == (0, 0, 4, 1)
    assert site.requests_to(page_url_path("SEQ221103705")) == 1


def test_the_python_api_stops_between_two_questions(tmp_path: Path, site: Site) -> None:
    # What `relance run` calls (bot.service.discovery_job), with its stop signal.
    site.csv = csv_bytes(all_rows())
    config = load_config(write_config(tmp_path, site))
    asked: list[int] = []

    def should_stop() -> bool:
        asked.append(1)
        return len(asked) > 2

    db = open_db(tmp_path / "relance.db")
    with PoliteClient(http_settings(config)) as client:
        report = import_senat(config=config, db=db, client=client, now=lambda: at("2023-01-05"),
                              should_stop=should_stop)
    assert report.ok and report.rows == 6 and report.ingest.read == 2 and report.ingest.new == 2


def test_a_missing_column_imports_nothing(tmp_path: Path, site: Site) -> None:
    site.csv = csv_bytes(all_rows(), header=[c for c in HEADER if c != "URL Question"])
    config = write_config(tmp_path, site)
    result = relance(config, "import", "senat")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "required column(s) missing: URL Question" in result.stderr
    assert "Traceback" not in result.output
    with sqlite3.connect(tmp_path / "relance.db") as conn:
        assert conn.execute("SELECT count(*) FROM questions").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == 0


def test_file_and_since(tmp_path: Path, site: Site) -> None:
    path = tmp_path / "questions.csv"
    path.write_bytes(csv_bytes(all_rows(), sep="|", encoding="utf-8"))
    config = write_config(tmp_path, site)
    with time_machine.travel(at("2023-01-05"), tick=True):
        report = import_json(config, "--file", str(path), "--since", "2022-06-01")
    assert report["url"] == str(path) and report["rows"] == 6 and report["skipped"] == 4
    assert sorted(e["ref"] for e in events(report, "published")) == ["SEQ220628479", "SEQ221103705"]
    assert len(site.server.log) == 0  # a file: nothing downloaded, and --since within the CSV's year: no search


def test_a_missing_file_is_one_line_and_exit_1(tmp_path: Path, site: Site) -> None:
    result = relance(write_config(tmp_path, site), "import", "senat", "--file", str(tmp_path / "nope.csv"))
    assert result.exit_code == 1 and "nope.csv" in result.stderr and "Traceback" not in result.output


# --- older periods: the search ------------------------------------------------------------------

def test_search_url_for_a_period() -> None:
    url = search_url("https://www.senat.fr", date(2015, 1, 1), date(2015, 4, 3))
    assert url.startswith("https://www.senat.fr/basile/rechercheQuestion.do?off=0&rch=qa&de=20150101&au=20150403"
                          "&radio=deau&aff=ens&tri=dd&_na=QE")


def test_the_search_is_paged_for_an_older_period(tmp_path: Path, site: Site) -> None:
    real = sample_bytes("senat/recherche-question.html")
    site.search["0"] = real  # the first page asked for: the real results (questions d'actualité only)
    site.search["40"] = written_hit(real)  # its "next page" link (off=40): one written question among them
    site.page("SEQ091211244")
    path = tmp_path / "empty.csv"
    path.write_bytes(csv_bytes([]))
    config = write_config(tmp_path, site)
    with time_machine.travel(at("2016-04-03"), tick=True):
        report = import_json(config, "--file", str(path), "--since", "2015-01-01")
    searches = [r for r, _ in site.server.log if r.path == SEARCH_PATH]
    query = parse_qs(searches[0].query_string.decode())
    assert (query["de"], query["au"], query["_na"]) == (["20150101"], ["20150403"], ["QE"])
    # Page 2 links to itself as the next page (the recorded links repeat their own offset): the
    # import stops there rather than loop; the one written question's page is read and stored.
    assert [parse_qs(r.query_string.decode())["off"] for r in searches] == [["0"], ["40", "30"]]
    assert (report["search_pages"], report["pages_fetched"], report["new"]) == (2, 1, 1)
    assert [e["ref"] for e in events(report, "published")] == ["SEQ091211244"]
    answered = stored(config, "SEQ091211244")
    assert answered is not None and answered["status"] == "answered" and answered["answer"]["date"] == "2010-10-28"


def test_the_search_is_bounded_by_max_pages(tmp_path: Path, site: Site) -> None:
    real = sample_bytes("senat/recherche-question.html")
    site.search["0"] = real
    site.search["40"] = written_hit(real)
    path = tmp_path / "empty.csv"
    path.write_bytes(csv_bytes([]))
    config = write_config(tmp_path, site)
    with time_machine.travel(at("2016-04-03"), tick=True):
        report = import_json(config, "--file", str(path), "--since", "2015-01-01", "--max-pages", "1")
    assert (report["search_pages"], report["pages_fetched"]) == (1, 0)
    assert site.requests_to(SEARCH_PATH) == 1


def test_a_question_already_read_is_not_read_again_by_the_search(tmp_path: Path, site: Site) -> None:
    real = sample_bytes("senat/recherche-question.html")
    site.search["0"] = site.search["40"] = written_hit(real)
    site.page("SEQ091211244")
    path = tmp_path / "empty.csv"
    path.write_bytes(csv_bytes([]))
    config = write_config(tmp_path, site)
    with time_machine.travel(at("2016-04-03"), tick=True):
        first = import_json(config, "--file", str(path), "--since", "2015-01-01")
        second = import_json(config, "--file", str(path), "--since", "2015-01-01")
    assert (first["pages_fetched"], second["pages_fetched"]) == (1, 0)
    assert site.requests_to(page_url_path("SEQ091211244")) == 1

