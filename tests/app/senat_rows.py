"""The rows of the Sénat's CSV (`questions-depuis-un-an.csv`) the tests read, and what they derive.

NO REAL ROW of `questions-depuis-un-an.csv` exists in the samples (samples/SOURCES.md): what is known
is its header, its separators (`;`, once described as `|`), its encodings (ISO-8859-1, windows-1252
or UTF-8), dates as dd/mm/yyyy or ISO yyyy-mm-dd, the `Sort` values « Réponse reçue » and « En cours »,
themes joined by "," with no space (one theme's name holds ", "), an empty `Type Appartenance`, and
`http://` URLs (the "Newer facts" of samples/SOURCES.md). The Sénat's liste de rappel export has the
same columns (senat/liste-de-rappel-help.txt) and no recorded row either. So the rows below are
BUILT in that header from the facts of the real questions in samples/senat (their number, author,
department and group, dates, ministries, state, as each page text or SOURCES.md gives them), and
every other state is derived from one of them by a small named transformation. A column no sample
gives a value for is left empty (no title shows on the senat.fr page texts); the values chosen by
the tests are the date of SEQ210723812's transfer, which the page never shows (see TRANSFER_DATE),
and a second theme name (POLICE_THEME)."""

from __future__ import annotations

import csv
import io
from typing import Any

from scrapers.senat_csv import COLUMNS, parse_senat_csv

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
# The one theme name the samples know (samples/SOURCES.md, "Newer facts"): it holds ", " itself.
FISCAL_THEME = "Économie et finances, fiscalité"
# No sample names a second theme: this one is the tests' own, to join two themes as the file does.
POLICE_THEME = "Police et sécurité"


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


def listed(row: dict[str, str]) -> dict[str, str]:
    """The same question as the Sénat's liste de rappel lists it: every row of that export is « En
    cours », with no answer (senat/liste-de-rappel-help.txt); a transfer, where there is one, stays."""
    return {**row, "Sort": "En cours", "Ministère de réponse": "", "Date de réponse JO": ""}


def iso_dates(row: dict[str, str]) -> dict[str, str]:
    """The same row with every date written ISO yyyy-mm-dd, as the fixture cut from the real file
    writes them (samples/SOURCES.md, "Newer facts")."""
    dated = ("Date de publication JO", "Date de transmission", "Date de réponse JO")
    return {**row, **{c: "-".join(reversed(row[c].split("/"))) for c in dated if row.get(c)}}


def answer_received(row: dict[str, str]) -> dict[str, str]:
    """An answered row with the `Sort` the real file writes for it: « Réponse reçue »."""
    return {**row, "Sort": "Réponse reçue"}


def without_membership(row: dict[str, str]) -> dict[str, str]:
    """The same row with `Type Appartenance` left empty, as the real file may leave it."""
    return {**row, "Type Appartenance": ""}


def with_themes(row: dict[str, str], *themes: str) -> dict[str, str]:
    """The same row classed under `themes`, joined as the real file joins them: "," with no space."""
    return {**row, "Thème(s)": ",".join(themes)}


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
    return {row.id: row for row in parse_senat_csv(data, URL).rows}
