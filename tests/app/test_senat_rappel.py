"""`relance import senat --rappel`: the Sénat's liste de rappel as a check of relance's own view, through
the command line, on a real SQLite file, a local HTTP server, a real SMTP server and time-machine.

NO REAL EXPORT of the liste de rappel exists in the samples (samples/senat/SOURCES.md): only its help
text, which gives its columns (the daily CSV's) and says every row is « En cours ». The lists below are
built in that header from the facts of the real questions in samples/senat (tests/app/senat_rows.py),
each row turned into the export's form by `listed`; relance's side comes from the daily CSV's rows and
the real page texts, as in the import tests.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from bot.app.doctor import check_line, rappel_checks
from bot.core.rappel import ABSENT_GRACE_DAYS
from storage.db import open_db
from storage.ledger import email_recipient, list_messages, undelivered_events
from tests.app import senat_site
from tests.app.senat_rows import (
    CSV_PATH,
    before_answer,
    csv_bytes,
    dossus_pending,
    iso_dates,
    listed,
    masson_answered,
    page_before_answer,
    paul_lapsed,
)
from tests.app.senat_site import Site, at, import_json, relance, stored
from tests.conftest import write_config
from tests.senat_pages import page_text
from tests.smtp import Mailer

_no_db_override = senat_site._no_db_override
ADMIN = "admin@example.net"
MASSON = "SEQ091211244"  # published 10/12/2009: answer due 10/02/2010, answered 28/10/2010
DOSSUS = "SEQ221103705"  # published 10/11/2022: answer due 10/01/2023, no answer
PAUL = "SEQ220628479"  # published 30/06/2022, lapsed
# A local address: the real export's is not known (samples/senat/SOURCES.md), hence no default.
RAPPEL_PATH = "/rappel/liste-de-rappel.csv"


class RappelSite(Site):
    """The local Sénat of the import tests, serving a liste de rappel too."""

    def __init__(self, server: HTTPServer) -> None:
        super().__init__(server)
        self.rappel = b""

    def _respond(self, request: Request) -> Response:
        if request.path == RAPPEL_PATH:
            return Response(self.rappel, content_type="text/csv; charset=ISO-8859-1")
        return super()._respond(request)


@pytest.fixture
def site(httpserver: HTTPServer) -> Iterator[RappelSite]:
    yield RappelSite(httpserver)


def rappel_config(tmp_path: Path, site: Site, mailer: Mailer, *, watch: tuple[str, ...] = (),
                  rappel_url: bool = False) -> Path:
    base = site.server.url_for("").rstrip("/")
    senat = {"csv_url": f"{base}{CSV_PATH}"} | ({"rappel_url": f"{base}{RAPPEL_PATH}"} if rappel_url else {})
    return write_config(tmp_path / "config.toml", site=base, smtp_port=mailer.port, sources={"senat": senat},
                        admin={"email": ADMIN}, watch=watch)


def rappel(config: Path, rows: list[dict[str, str]], *, exit_code: int = 0) -> dict[str, Any]:
    path = config.parent / "liste-de-rappel.csv"
    path.write_bytes(csv_bytes(rows))
    result = relance(config, "import", "senat", "--rappel", "--json", "--file", str(path))
    assert result.exit_code == exit_code, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def found(report: dict[str, Any]) -> list[tuple[str, str, bool]]:
    return [(d["ref"], d["details"]["disagreement"], d["new"]) for d in report["disagreements"]]


def rappel_events(config: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(config.parent / "relance.db") as conn:
        return conn.execute("SELECT ref, key FROM events WHERE kind = 'rappel_disagrees' ORDER BY id").fetchall()


def admin_mail(mailer: Mailer) -> list[str]:
    return [str(m["Subject"]) for m in mailer.inbox.to(ADMIN)]


def doctor_lines(config: Path) -> list[str]:
    return [check_line(c) for c in rappel_checks(config.parent / "relance.db")]


# --- a followed question, from pending to late to answered ---------------------------------------

def test_a_followed_question_through_the_lists(tmp_path: Path, site: RappelSite, mailer: Mailer) -> None:
    site.csv = csv_bytes([before_answer(masson_answered())])
    site.page(MASSON, page_before_answer(page_text(MASSON)))
    config = rappel_config(tmp_path, site, mailer, watch=(MASSON,))
    with time_machine.travel(at("2010-01-05"), tick=True):
        assert import_json(config)["new"] == 1
    # Late by 4 days and not listed yet: within the grace, no disagreement.
    with time_machine.travel(at("2010-02-14"), tick=True):
        assert ABSENT_GRACE_DAYS > 4 and rappel(config, [])["disagreements"] == []
    # Listed while relance holds it late: they agree.
    with time_machine.travel(at("2010-03-01"), tick=True):
        agreed = rappel(config, [listed(masson_answered())])
    assert (agreed["listed"], agreed["disagreements"], agreed["imported"]["new"]) == (1, [], 0)
    # Late by 19 days and left out of the list: relance and the Sénat disagree.
    with time_machine.travel(at("2010-03-01"), tick=True):
        absent = rappel(config, [])
    assert found(absent) == [(MASSON, "absent_late", True)]
    assert absent["disagreements"][0]["details"] == {"disagreement": "absent_late", "status": "pending",
                                                     "deadline": "2010-02-10", "days_late": 19}
    assert absent["disagreements"][0]["sentence"] == (
        "Le Sénat ne la compte pas parmi les questions restées sans réponse (liste de rappel), alors que relance "
        "la tient en retard de 19 jours : la réponse était due le 10 février 2010.")
    assert admin_mail(mailer) == ["relance : 1 désaccord avec la liste de rappel du Sénat"]
    # The answer arrives (daily CSV and page); a list made before it still lists the question.
    site.csv = csv_bytes([masson_answered()])
    site.page(MASSON)
    with time_machine.travel(at("2010-10-29"), tick=True):
        assert [e["kind"] for e in import_json(config)["events"]] == ["answered"]
        stale = rappel(config, [listed(masson_answered())])
    assert found(stale) == [(MASSON, "listed_answered", True)]
    assert stale["disagreements"][0]["sentence"] == (
        "Le Sénat la compte parmi les questions restées sans réponse deux mois après leur publication (liste de "
        "rappel), alors que relance la tient pour répondue au JO du 28 octobre 2010.")
    assert rappel_events(config) == [(MASSON, "absent_late|2010-02-10"), (MASSON, "listed_answered|2010-10-28")]
    mail = mailer.inbox.to(ADMIN)[-1]
    assert str(mail["Subject"]) == "relance : 1 désaccord avec la liste de rappel du Sénat"
    body = mail.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert "- Sénat 11244 (2009-12) : Le Sénat la compte parmi les questions" in text
    assert "Que faire : relire chaque question sur le site du Sénat" in text


# --- each kind of disagreement on a question relance holds without following it ---------------------

def test_listed_but_lapsed_or_not_late_yet(tmp_path: Path, site: RappelSite, mailer: Mailer) -> None:
    site.csv = csv_bytes([paul_lapsed(), dossus_pending()])
    config = rappel_config(tmp_path, site, mailer)
    with time_machine.travel(at("2022-11-20"), tick=True):
        assert import_json(config)["new"] == 2
    with time_machine.travel(at("2022-12-01"), tick=True):
        report = rappel(config, [listed(paul_lapsed()), iso_dates(listed(dossus_pending()))])
    assert found(report) == [(PAUL, "listed_ended", True), (DOSSUS, "listed_not_late", True)]
    assert [d["sentence"].split(", alors que ")[1] for d in report["disagreements"]] == [
        "relance la tient pour caduque.", "pour relance son délai de réponse court jusqu'au 10 janvier 2023."]
    assert admin_mail(mailer) == ["relance : 2 désaccords avec la liste de rappel du Sénat"]


def test_a_re_import_adds_nothing_and_tells_the_admin_nothing_more(tmp_path: Path, site: RappelSite,
                                                                    mailer: Mailer) -> None:
    site.csv = csv_bytes([paul_lapsed()])
    config = rappel_config(tmp_path, site, mailer)
    with time_machine.travel(at("2022-11-20"), tick=True):
        import_json(config)
        first = rappel(config, [listed(paul_lapsed())])
        again = rappel(config, [listed(paul_lapsed())])
    assert found(first) == [(PAUL, "listed_ended", True)] and found(again) == [(PAUL, "listed_ended", False)]
    assert again["new_disagreements"] == 0 and again["admin_notices"]["queued"] == 0
    assert len(rappel_events(config)) == 1 and len(admin_mail(mailer)) == 1
    db = open_db(config.parent / "relance.db")
    assert [(m.kind, m.state) for m in list_messages(db)] == [("admin", "sent")]
    # Never in a subscriber's e-mail, a channel or a feed: the ledger does not offer it to them.
    assert [e.kind for e in undelivered_events(db, email_recipient("someone@example.net"))] == ["published"]


def test_the_rows_relance_does_not_hold_are_imported(tmp_path: Path, site: RappelSite, mailer: Mailer) -> None:
    config = rappel_config(tmp_path, site, mailer)
    with time_machine.travel(at("2023-02-01"), tick=True):
        report = rappel(config, [iso_dates(listed(dossus_pending()))])
    assert (report["listed"], report["imported"]["new"], report["disagreements"]) == (1, 1, [])
    dossus = stored(config, DOSSUS)
    assert dossus is not None and dossus["status"] == "pending" and dossus["published"] == "2022-11-10"
    assert mailer.inbox.messages == []


# --- doctor ------------------------------------------------------------------------------------------

def test_doctor_lists_the_current_disagreements(tmp_path: Path, site: RappelSite, mailer: Mailer) -> None:
    site.csv = csv_bytes([paul_lapsed(), dossus_pending()])
    config = rappel_config(tmp_path, site, mailer)
    with time_machine.travel(at("2022-11-20"), tick=True):
        import_json(config)
    assert doctor_lines(config) == [
        "ok        liste de rappel          jamais lue : `relance import senat --rappel` la compare à ce que relance "
        "tient pour répondu, clos ou en retard"]
    with time_machine.travel(at("2022-12-01"), tick=False):
        rappel(config, [listed(paul_lapsed()), listed(dossus_pending())])
    [summary, paul, dossus] = doctor_lines(config)
    assert summary.startswith("ok        liste de rappel          lue le 01/12/2022 10:00 (")
    assert "2 questions listées, 2 désaccords avec relance — que faire : relire chaque question" in summary
    assert paul == ("ok        désaccord (rappel)       Sénat 28479 (2022-06) : Le Sénat la compte parmi les "
                    "questions restées sans réponse deux mois après leur publication (liste de rappel), alors que "
                    "relance la tient pour caduque.")
    assert dossus.startswith("ok        désaccord (rappel)       Sénat 3705 (2022-11) : ")
    # The next list no longer names the lapsed question: only the other disagreement is current.
    with time_machine.travel(at("2022-12-02"), tick=False):
        rappel(config, [listed(dossus_pending())])
    lines = doctor_lines(config)
    assert len(lines) == 2 and "1 question listée, 1 désaccord avec relance" in lines[0] and "3705" in lines[1]


# --- the command line ----------------------------------------------------------------------------------

def test_downloaded_from_the_configured_address(tmp_path: Path, site: RappelSite, mailer: Mailer) -> None:
    site.csv = csv_bytes([paul_lapsed()])
    site.rappel = csv_bytes([listed(paul_lapsed())], encoding="iso-8859-1")
    config = rappel_config(tmp_path, site, mailer, rappel_url=True)
    with time_machine.travel(at("2022-11-20"), tick=True):
        import_json(config)
        result = relance(config, "import", "senat", "--rappel")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == (
        f"{site.server.url_for(RAPPEL_PATH)} : liste de rappel : questions écrites listées 1, lignes d'autres sortes 0")
    assert "désaccords 1 (nouveaux 1), alertes à l'administrateur en file 1, envoyées 1" in result.stdout
    assert "nouveau : —  Sénat 28479 (2022-06)  désaccord avec la liste de rappel du Sénat : listée en retard par " \
           "le Sénat, " \
           "caduque pour relance" in result.stdout


def test_no_address_and_no_file_says_so(tmp_path: Path, site: RappelSite, mailer: Mailer) -> None:
    config = rappel_config(tmp_path, site, mailer)
    result = relance(config, "import", "senat", "--rappel")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "pas d'adresse connue : donner --file CHEMIN" in result.stderr
    assert "[sources.senat] rappel_url" in result.stderr
    since = relance(config, "import", "senat", "--rappel", "--since", "2024-01-01")
    assert since.exit_code == 1 and "--since et --max-pages ne s'appliquent pas" in since.stderr


def test_a_bad_row_is_named_and_the_others_compared(tmp_path: Path, site: RappelSite, mailer: Mailer) -> None:
    site.csv = csv_bytes([paul_lapsed()])
    config = rappel_config(tmp_path, site, mailer)
    with time_machine.travel(at("2022-11-20"), tick=True):
        import_json(config)
        report = rappel(config, [{**listed(dossus_pending()), "Date de publication JO": "10/11/22"},
                                 listed(paul_lapsed())], exit_code=2)
    assert [(r["line"], r["column"], r["value"]) for r in report["rejected"]] == [
        (2, "Date de publication JO", "10/11/22")]
    assert found(report) == [(PAUL, "listed_ended", True)]
