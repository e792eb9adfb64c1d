"""`relance import-an`: the AN archive downloaded from a local HTTP server with Range and ETag support,
verified, imported through the command line into a real SQLite file; the archives are built from the
real QANR5L17QE5268.json and records derived from it (tests/app/an_archives.py)."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import zipfile
from collections.abc import Iterable, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from click.testing import CliRunner, Result
from pytest_httpserver import HTTPServer

from bot.app.import_an import ImportReport, import_archive
from bot.main import main
from scrapers.sources import SourceSettings
from storage.db import open_db
from storage.downloads import get_download
from storage.followed import list_followed
from storage.questions import get_question, list_events
from tests.an_variants import dump, qe_json, transferred_to, without_answer
from tests.app.an_archives import (
    PUBLISHED,
    TODAY,
    answered,
    corrupted,
    in_legislature,
    list_file,
    pending,
    qg_json,
    write_archive,
)
from tests.conftest import sample_bytes, write_config
from tests.scrapers.range_site import RangeSite

# --- the command, against a local server ----------------------------------------------------------

ARCHIVE_PATH = "/17/questions/questions_ecrites/Questions_ecrites.json.zip"
DIAMANTS = """
[[follow]]
name = "Diamants"
keywords = ["diamants synthétiques"]
tags = ["diamants"]
"""


@pytest.fixture
def site(httpserver: HTTPServer) -> RangeSite:
    served = RangeSite(b"")
    httpserver.expect_request(ARCHIVE_PATH).respond_with_handler(served.handler)
    return served


def an_config(tmp_path: Path, server: HTTPServer, *, retries: int = 0, extra: str = "") -> Path:
    """A config reading the AN (its pages and its archives of the 17th legislature) from `server`."""
    template = server.url_for("/{leg}/questions/questions_ecrites/Questions_ecrites{suffix}.json.zip")
    return write_config(tmp_path / "config.toml", site=server.url_for("").rstrip("/"),
                        http={"retries": retries, "backoff_max": 0.05},
                        sources={"an": {"archive_url": template, "legislatures": [17]}}, extra=extra)


def relance(config: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--config", str(config), *args], env={"RELANCE_DB": None})


def import_json(config: Path, *args: str, code: int = 0) -> dict[str, Any]:
    result = relance(config, "import", "an", "--json", *args)
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def counts(report: Mapping[str, Any]) -> tuple[int, ...]:
    return (*(report[k] for k in ("read", "new", "changed", "unchanged", "matched", "behind")), len(report["errors"]))


def stored(tmp_path: Path) -> sqlite3.Connection:
    return sqlite3.connect(tmp_path / "relance.db")


def kinds(tmp_path: Path) -> list[tuple[str, str]]:
    return [(e.ref, e.kind) for e in list_events(open_db(tmp_path / "relance.db"))]


def archive_bytes(tmp_path: Path, documents: Iterable[dict[str, Any] | tuple[str, bytes]],
                  name: str = "a.zip") -> bytes:
    return write_archive(tmp_path / "built" / name, documents).read_bytes()


def test_download_import_then_unchanged_archive(site: RangeSite, httpserver: HTTPServer, tmp_path: Path) -> None:
    config = an_config(tmp_path, httpserver)
    site.body = archive_bytes(tmp_path, [qe_json(), pending(2), answered(3)])
    url = httpserver.url_for(ARCHIVE_PATH)
    with time_machine.travel(TODAY, tick=True):
        first = import_json(config)
    assert counts(first) == (3, 3, 0, 0, 0, 0, 0)
    assert first["archives"] == [{"legislature": 17, "source": url, "path": str(tmp_path / "cache" / "downloads" /
                                  "an-17" / "Questions_ecrites.json.zip"), "fetched": "downloaded",
                                  "imported": True, "questions": 3, "bytes": len(site.body), "error": None}]
    assert first["events_by_kind"] == {"published": 3} and first["events"] == []
    assert sorted(kinds(tmp_path)) == [("QANR5L17QE2", "published"), ("QANR5L17QE3", "published"),
                                       ("QANR5L17QE5268", "published")]
    db = open_db(tmp_path / "relance.db")
    question = get_question(db, "QANR5L17QE2")
    assert question is not None and question.snapshot is not None
    assert (question.snapshot.status, question.snapshot.published) == ("pending", PUBLISHED)
    assert question.snapshot.url == httpserver.url_for("/dyn/opendata/QANR5L17QE2.json")  # as the check cycle reads it
    row = get_download(db, url)
    assert row is not None and row.complete and row.imported_at is not None
    assert (row.etag, row.length, row.sha256) == ('"v1"', len(site.body), hashlib.sha256(site.body).hexdigest())
    assert Path(row.path).read_bytes() == site.body

    # Unchanged on the server: a 304, nothing downloaded, nothing imported.
    second = import_json(config)
    assert site.requests[-1]["if-none-match"] == '"v1"' and len(site.requests) == 2
    assert counts(second) == (0, 0, 0, 0, 0, 0, 0) and second["archives"][0]["fetched"] == "not_modified"
    assert second["archives"][0]["imported"] is False
    text = relance(config, "import", "an")
    assert text.exit_code == 0 and "AN 17 : inchangé sur le serveur (HTTP 304), rien téléchargé ; déjà importé, " \
        "rien importé" in text.stdout
    # --again reads every question again through the store's diff: nothing changed, no event.
    again = import_json(config, "--again")
    assert counts(again) == (3, 0, 0, 3, 0, 0, 0) and again["unopened"] == 0
    assert len(kinds(tmp_path)) == 3

    # A new archive: question 2 answered, question 4 new; the others' files are byte for byte the same.
    site.publish(archive_bytes(tmp_path, [qe_json(), answered(2), answered(3), pending(4)], "b.zip"), '"v2"')
    with time_machine.travel(TODAY + timedelta(days=1), tick=True):
        third = import_json(config)
    assert counts(third) == (4, 1, 1, 2, 0, 0, 0) and third["unopened"] == 2
    assert third["archives"][0]["fetched"] == "downloaded"
    assert [(e["ref"], e["kind"], e["date"]) for e in third["events"]] == [("QANR5L17QE2", "answered", "2025-06-03")]
    assert kinds(tmp_path).count(("QANR5L17QE2", "answered")) == 1
    assert third["events_by_kind"] == {"answered": 1, "published": 1}


def test_interrupted_download_resumes_on_the_next_run(site: RangeSite, httpserver: HTTPServer,
                                                     tmp_path: Path) -> None:
    config = an_config(tmp_path, httpserver, retries=0)
    site.body = archive_bytes(tmp_path, [qe_json(), *(pending(n) for n in range(2, 40))])
    site.cuts = 1  # the first body stops half-way: the connection drops
    failed = relance(config, "import", "an")
    assert failed.exit_code == 2 and "Traceback" not in failed.output
    assert f"relance: archive de l'AN {httpserver.url_for(ARCHIVE_PATH)} : TransportError" in failed.stderr
    part = tmp_path / "cache" / "downloads" / "an-17" / "Questions_ecrites.json.zip.part"
    kept = part.stat().st_size
    assert 0 < kept < len(site.body)
    db = open_db(tmp_path / "relance.db")
    row = get_download(db, httpserver.url_for(ARCHIVE_PATH))
    assert row is not None and not row.complete and row.etag == '"v1"'
    assert stored(tmp_path).execute("select count(*) from questions").fetchone() == (0,)

    resumed = import_json(config)
    assert site.requests[1]["range"] == f"bytes={kept}-" and site.requests[1]["if-range"] == '"v1"'
    assert resumed["archives"][0]["fetched"] == "resumed" and counts(resumed)[:2] == (39, 39)
    assert (tmp_path / "cache" / "downloads" / "an-17" / "Questions_ecrites.json.zip").read_bytes() == site.body
    assert not part.exists()


def test_interrupted_download_resumes_within_the_run(site: RangeSite, httpserver: HTTPServer,
                                                    tmp_path: Path) -> None:
    config = an_config(tmp_path, httpserver, retries=1)
    site.body = archive_bytes(tmp_path, [qe_json(), *(pending(n) for n in range(2, 40))])
    site.cuts = 1
    report = import_json(config)
    assert report["archives"][0]["fetched"] == "resumed" and report["new"] == 39
    assert len(site.requests) == 2 and "range" in site.requests[1]


def test_server_ignoring_range_restarts_the_file(site: RangeSite, httpserver: HTTPServer, tmp_path: Path) -> None:
    config = an_config(tmp_path, httpserver, retries=0)
    site.body = archive_bytes(tmp_path, [qe_json(), *(pending(n) for n in range(2, 40))])
    site.cuts, site.ignore_range = 1, True
    assert relance(config, "import", "an").exit_code == 2
    report = import_json(config)
    assert "range" in site.requests[1]  # asked for the rest; given the whole file (200): written afresh
    assert report["archives"][0]["fetched"] == "downloaded" and report["new"] == 39
    assert (tmp_path / "cache" / "downloads" / "an-17" / "Questions_ecrites.json.zip").read_bytes() == site.body


def test_corrupt_archive_is_refused_and_downloaded_again(site: RangeSite, httpserver: HTTPServer,
                                                         tmp_path: Path) -> None:
    config = an_config(tmp_path, httpserver)
    documents = [qe_json(), pending(2), answered(3)]
    built = write_archive(tmp_path / "built" / "bad.zip", documents)
    site.body = corrupted(built, "json/QANR5L17QE3.json").read_bytes()
    failed = relance(config, "import", "an")
    path = tmp_path / "cache" / "downloads" / "an-17" / "Questions_ecrites.json.zip"
    assert failed.exit_code == 2
    assert f"archive {path}: damaged member json/QANR5L17QE3.json: BadZipFile: Bad CRC-32" in failed.stderr
    assert stored(tmp_path).execute("select count(*) from questions").fetchone() == (0,)  # nothing imported
    assert kinds(tmp_path) == [] and not path.exists()
    row = get_download(open_db(tmp_path / "relance.db"), httpserver.url_for(ARCHIVE_PATH))
    assert row is not None and not row.complete and row.etag is None
    # The copy was forgotten: the next run asks for the file whole, not whether it changed.
    site.publish(archive_bytes(tmp_path, documents), '"v2"')
    report = import_json(config)
    assert "if-none-match" not in site.requests[-1] and report["new"] == 3


def test_truncated_file_is_refused(tmp_path: Path, httpserver: HTTPServer) -> None:
    config = an_config(tmp_path, httpserver)
    whole = archive_bytes(tmp_path, [qe_json(), pending(2), answered(3)])
    truncated = tmp_path / "Questions_ecrites.json.zip"
    truncated.write_bytes(whole[: len(whole) * 2 // 3])
    result = relance(config, "import", "an", "--file", str(truncated))
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"archive {truncated}: not a zip archive, or truncated" in result.stderr
    assert stored(tmp_path).execute("select count(*) from questions").fetchone() == (0,)


def test_file_import_goes_on_past_a_bad_question(tmp_path: Path, httpserver: HTTPServer) -> None:
    config = an_config(tmp_path, httpserver)
    file = write_archive(tmp_path / "mine.zip", [qe_json(), ("json/QANR5L17QE3.json", dump(pending(3))[:4000]),
                                                 pending(2)])
    with time_machine.travel(TODAY, tick=True):
        report = import_json(config, "--file", str(file), code=2)
    assert counts(report) == (2, 2, 0, 0, 0, 0, 1)
    assert report["errors"][0]["member"] == "json/QANR5L17QE3.json"
    assert report["errors"][0]["error"].startswith(
        f"ParseError: {file}#json/QANR5L17QE3.json: cannot read JSON document")
    assert report["archives"][0]["fetched"] == "file" and report["archives"][0]["questions"] == 3
    assert sorted(kinds(tmp_path)) == [("QANR5L17QE2", "published"), ("QANR5L17QE5268", "published")]
    text = relance(config, "import", "an", "--file", str(file))
    assert text.exit_code == 2
    assert "relance: json/QANR5L17QE3.json: ParseError:" in text.stderr
    assert ("lues 2, nouvelles 0, modifiées 0, inchangées 2 (2 fichiers non rouverts), trouvées par une règle 0, "
            "en retard 0, erreurs 1") in text.stdout
    # The user's mistakes: exit 1, one line.
    missing = relance(config, "import", "an", "--file", str(tmp_path / "nothing.zip"))
    assert missing.exit_code == 1 and "fichier introuvable" in missing.stderr
    both = relance(config, "import", "an", "--file", str(file), "--legislature", "17")
    assert both.exit_code == 1 and "ne vont pas ensemble" in both.stderr


def test_follow_rule_finds_questions_then_status(tmp_path: Path, httpserver: HTTPServer) -> None:
    config = an_config(tmp_path, httpserver, extra=DIAMANTS)
    file = write_archive(tmp_path / "a.zip", [qe_json(), pending(7001)])
    with time_machine.travel(TODAY, tick=True):
        report = import_json(config, "--file", str(file))
        again = import_json(config, "--file", str(file), "--again")
        rows = json.loads(relance(config, "status", "--json", "--tag", "diamants").stdout)
    assert counts(report) == (2, 2, 0, 0, 2, 0, 0)
    assert [(e["ref"], e["kind"], e["details"]["rules"]) for e in report["events"]] == [
        ("QANR5L17QE5268", "matched", ["Diamants"]), ("QANR5L17QE7001", "matched", ["Diamants"])]
    followed = list_followed(open_db(tmp_path / "relance.db"))
    assert [(f.ref, f.rules, f.tags) for f in followed] == [("QANR5L17QE5268", ("Diamants",), ("diamants",)),
                                                           ("QANR5L17QE7001", ("Diamants",), ("diamants",))]
    assert counts(again) == (2, 0, 0, 2, 0, 0, 0) and again["events"] == []
    assert sorted(kinds(tmp_path)).count(("QANR5L17QE7001", "matched")) == 1
    by_ref = {row["ref"]: row for row in rows}
    assert sorted(by_ref) == ["QANR5L17QE5268", "QANR5L17QE7001"]
    assert (by_ref["QANR5L17QE7001"]["status"], by_ref["QANR5L17QE7001"]["published"],
            by_ref["QANR5L17QE7001"]["deadline"], by_ref["QANR5L17QE7001"]["days_left"]) == (
        "pending", "2025-04-10", "2025-06-10", 5)
    assert (by_ref["QANR5L17QE5268"]["status"], by_ref["QANR5L17QE5268"]["deadline"]) == ("answered", "2025-05-25")
    assert by_ref["QANR5L17QE7001"]["tags"] == ["diamants"]


def test_a_new_rule_reads_every_question_again(tmp_path: Path, httpserver: HTTPServer) -> None:
    plain = an_config(tmp_path, httpserver)
    file = write_archive(tmp_path / "a.zip", [qe_json(), pending(2), pending(3)])
    with time_machine.travel(TODAY, tick=True):
        assert import_json(plain, "--file", str(file))["new"] == 3
        unchanged = import_json(plain, "--file", str(file))
        assert counts(unchanged) == (3, 0, 0, 3, 0, 0, 0) and unchanged["unopened"] == 3
        # Another follow rule: the member index no longer applies, every file is read and matched.
        ruled = import_json(an_config(tmp_path, httpserver, extra=DIAMANTS), "--file", str(file))
    assert counts(ruled) == (3, 0, 0, 0, 3, 0, 0) and ruled["unopened"] == 0


def test_archive_behind_the_page_is_skipped(tmp_path: Path, httpserver: HTTPServer) -> None:
    """QANR5L17QE5268 is watched: the check cycle reads its page (the real, answered record). An archive
    built before the answer must not take the answer back; a later one with a transfer is taken, once."""
    httpserver.expect_request("/dyn/opendata/QANR5L17QE5268.json").respond_with_data(
        dump(qe_json()), content_type="application/json")
    config = an_config(tmp_path, httpserver, extra='[[watch]]\nref = "QANR5L17QE5268"\n')
    with time_machine.travel(TODAY, tick=True):
        assert relance(config, "check").exit_code == 0
        older = write_archive(tmp_path / "older.zip", [without_answer(qe_json()), pending(2)])
        report = import_json(config, "--file", str(older))
        assert counts(report) == (2, 1, 0, 0, 0, 1, 0)
        question = get_question(open_db(tmp_path / "relance.db"), "QANR5L17QE5268")
        assert question is not None and question.snapshot is not None and question.snapshot.status == "answered"
        newer = write_archive(tmp_path / "newer.zip", [transferred_to(qe_json(), "Armées", "Ministère des armées",
                                                                      "PO58", "2025-05-20")])
        taken = import_json(config, "--file", str(newer))
        again = import_json(config, "--file", str(newer), "--again")
    assert counts(taken) == (1, 0, 1, 0, 0, 0, 0)
    assert [(e["kind"], e["details"]["to_ministry"]) for e in taken["events"]] == [
        ("transferred", "Ministère des armées")]
    assert counts(again) == (1, 0, 0, 1, 0, 0, 0) and again["events"] == []
    assert kinds(tmp_path) == [("QANR5L17QE5268", "published"), ("QANR5L17QE2", "published"),
                               ("QANR5L17QE5268", "transferred")]


def test_import_stops_between_batches_when_asked(tmp_path: Path) -> None:
    """The service asks `should_stop` between batches: what was stored stays, whole questions only."""
    file = write_archive(tmp_path / "a.zip", [qe_json(), *(pending(n) for n in range(2, 6))])
    db = open_db(tmp_path / "relance.db")
    asked: list[bool] = []

    def should_stop() -> bool:
        asked.append(True)
        return len(asked) > 2

    report = ImportReport()
    with time_machine.travel(TODAY, tick=True):
        count, index = import_archive(db, file, source="file:a.zip", now=TODAY, rules=[], sources=SourceSettings(),
                                      watched_refs=set(), report=report, should_stop=should_stop, batch=2)
    assert (count, report.stopped, report.read, report.new) == (5, True, 4, 4)
    assert sorted(index.members) == ["json/QANR5L17QE2.json", "json/QANR5L17QE3.json", "json/QANR5L17QE4.json",
                                     "json/QANR5L17QE5268.json"]
    assert stored(tmp_path).execute("select count(*) from questions").fetchone() == (4,)


# --- the archive's layouts ------------------------------------------------------------------------


def test_question_files_under_deeper_folders(tmp_path: Path, httpserver: HTTPServer) -> None:
    """One file per question under `Questions_ecrites/json/2019/…`, one not named after its question:
    imported, then not even reopened while unchanged."""
    config = an_config(tmp_path, httpserver)
    file = write_archive(tmp_path / "a.zip", [qe_json(), pending(2)], folder="Questions_ecrites/json/2019")
    with zipfile.ZipFile(file, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("Questions_ecrites/json/2020/question-0003.json", dump(answered(3)))
    with time_machine.travel(TODAY, tick=True):
        first = import_json(config, "--file", str(file))
        second = import_json(config, "--file", str(file))
    assert counts(first) == (3, 3, 0, 0, 0, 0, 0) and first["archives"][0]["questions"] == 3
    assert sorted(kinds(tmp_path)) == [("QANR5L17QE2", "published"), ("QANR5L17QE3", "published"),
                                       ("QANR5L17QE5268", "published")]
    assert counts(second) == (3, 0, 0, 3, 0, 0, 0) and second["unopened"] == 3


def test_one_file_holding_every_question(tmp_path: Path, httpserver: HTTPServer) -> None:
    """A zip of one JSON file listing the questions (the AN's `{"questions": {"question": [...]}}`): each
    question stored; the real QG among them refused by its position, the others imported. A later
    file with one answer more: that question changed, the others unchanged (read again: a list has no
    member index)."""
    config = an_config(tmp_path, httpserver)
    first_file = write_archive(tmp_path / "first.zip", [("Questions_ecrites.json", list_file(
        [qe_json(), pending(2), qg_json(), pending(3)], "questions"))])
    later = write_archive(tmp_path / "later.zip", [("Questions_ecrites.json", list_file(
        [qe_json(), answered(2), pending(3)], "documents"))])
    with time_machine.travel(TODAY, tick=True):
        first = import_json(config, "--file", str(first_file), code=2)
        second = import_json(config, "--file", str(later))
    assert counts(first) == (3, 3, 0, 0, 0, 0, 1) and first["archives"][0]["questions"] == 4
    assert first["errors"] == [{"archive": first_file.resolve().as_uri(), "member": "Questions_ecrites.json[2]",
                                "error": f"ParseError: {first_file}#Questions_ecrites.json[2]: cannot read uid (a "
                                         "written question's: QANR5L…QE…): found 'QANR5L16QG6'"}]
    assert counts(second) == (3, 0, 1, 2, 0, 0, 0) and second["unopened"] == 0
    assert [(e["ref"], e["kind"], e["date"]) for e in second["events"]] == [("QANR5L17QE2", "answered", "2025-06-03")]
    assert len(kinds(tmp_path)) == 4
    text = relance(config, "import", "an", "--file", str(later))
    assert "Questions_ecrites" not in text.stderr and "3 questions, importées" in text.stdout


def test_the_14th_legislature_archive(httpserver: HTTPServer, tmp_path: Path) -> None:
    """Downloaded as `Questions_ecrites_XIV.json.zip` holding one `Questions_ecrites_XIV.json`: its questions
    (the real record moved to the 14th legislature) are given the address the check cycle reads them at,
    the old site's XML view."""
    site = RangeSite(archive_bytes(tmp_path, [("Questions_ecrites_XIV.json", list_file(
        [in_legislature(qe_json(), 14, 47351), in_legislature(without_answer(qe_json()), 14, 2)], "questions"))]))
    httpserver.expect_request("/14/questions/questions_ecrites/Questions_ecrites_XIV.json.zip").respond_with_handler(
        site.handler)
    config = an_config(tmp_path, httpserver)
    with time_machine.travel(TODAY, tick=True):
        report = import_json(config, "--legislature", "14")
    assert counts(report) == (2, 2, 0, 0, 0, 0, 0) and report["archives"][0]["questions"] == 2
    question = get_question(open_db(tmp_path / "relance.db"), "QANR5L14QE47351")
    assert question is not None and question.snapshot is not None and question.snapshot.status == "answered"
    assert question.snapshot.url == httpserver.url_for("/q14/14-47351QE.htm/vue/xml")


@pytest.mark.parametrize(("member", "content", "problem"), [
    ("json/PO845407.json", lambda: sample_bytes("an/amo/amo10-l17-2025-07/json/organe/PO845407.json"),
     "neither one question"),
    ("Questions_ecrites.json", lambda: list_file([qe_json(), pending(2), pending(3)], "questions")[:3000],
     "not a whole JSON document (truncated?)")])
def test_archive_of_neither_layout_is_refused(tmp_path: Path, httpserver: HTTPServer, member: str, content: Any,
                                               problem: str) -> None:
    """A real JSON file of the AN's deputies' data beside the questions, or the list file cut short: the
    archive is refused, naming the member, and nothing is stored."""
    config = an_config(tmp_path, httpserver)
    file = write_archive(tmp_path / "a.zip", [qe_json(), (member, content())])
    result = relance(config, "import", "an", "--file", str(file))
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"archive {file}: member {member}: {problem}" in result.stderr
    assert stored(tmp_path).execute("select count(*) from questions").fetchone() == (0,)
