"""`relance fetch` against a real local HTTP server that serves the real samples."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from bot.main import main
from tests.conftest import sample_bytes, write_config
from tests.senat_pages import PAGE_TEXTS, page_from_text, page_text, page_url_path

RELANCE = Path(sys.executable).parent / "relance"


@pytest.fixture
def site(httpserver: HTTPServer) -> Iterator[HTTPServer]:
    """One local server standing for www.assemblee-nationale.fr, questions.… and www.senat.fr."""
    httpserver.expect_request("/dyn/opendata/QANR5L17QE5268.json").respond_with_data(
        sample_bytes("an/QANR5L17QE5268.json"), content_type="application/json")
    httpserver.expect_request("/q14/14-47351QE.htm/vue/xml").respond_with_data(
        sample_bytes("an/q14-47351QE.vue.xml"), content_type="text/xml; charset=UTF-8")
    for uid in PAGE_TEXTS:
        httpserver.expect_request(page_url_path(uid)).respond_with_data(
            page_from_text(page_text(uid)), content_type="text/html")
    yield httpserver


def cli_config(tmp_path: Path, server: HTTPServer) -> Path:
    """A config reading both chambers from `server`, paced and retried as on the real sites, only faster."""
    return write_config(tmp_path / "config.toml", site=server.url_for("").rstrip("/"),
                        http={"min_interval": 0.5, "retries": 1, "backoff_max": 0.1})


def fetch_json(config: Path, ref: str) -> dict[str, Any]:
    result = CliRunner().invoke(main, ["--config", str(config), "fetch", ref, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


REQUIRED_KEYS = {"ref", "chamber", "legislature", "number", "url", "title", "author", "ministry",
                 "ministry_asked", "published", "status", "answered", "signaled", "closed"}


def test_an_json_question(site: HTTPServer, tmp_path: Path) -> None:
    out = fetch_json(cli_config(tmp_path, site), "https://www.assemblee-nationale.fr/dyn/17/questions/QANR5L17QE5268")
    assert out.keys() >= REQUIRED_KEYS
    assert out["ref"] == "QANR5L17QE5268" and out["chamber"] == "an"
    assert (out["legislature"], out["number"]) == (17, 5268)
    assert out["url"] == "https://www.assemblee-nationale.fr/dyn/17/questions/QANR5L17QE5268"
    assert out["source_url"] == site.url_for("/dyn/opendata/QANR5L17QE5268.json")
    assert out["title"] == "Révision de la terminologie des diamants synthétiques"
    assert out["author"] == "Olivia Grégoire"
    assert out["ministry_asked"].startswith("Ministère de l’économie, des finances")
    assert out["ministry"] == out["ministry_asked"]
    assert (out["published"], out["status"], out["answered"]) == ("2025-03-25", "answered", "2025-06-03")
    assert (out["signaled"], out["closed"]) == (None, None)
    # A User-Agent naming relance and the contact reached the server.
    request, _response = site.log[-1]
    assert request.headers["User-Agent"].startswith("relance/")
    assert "tests@relance.test" in request.headers["User-Agent"]


def test_an_legacy_question(site: HTTPServer, tmp_path: Path) -> None:
    out = fetch_json(cli_config(tmp_path, site), "AN 14-47351")
    assert out["ref"] == "QANR5L14QE47351" and out["legislature"] == 14
    assert out["url"] == "https://questions.assemblee-nationale.fr/q14/14-47351QE.htm"
    assert out["author"] == "François Cornut-Gentille" and out["constituency"] == "Haute-Marne (2e circonscription)"
    assert (out["published"], out["answered"], out["status"]) == ("2014-01-07", "2014-05-13", "answered")
    assert out["renewals"] == ["2014-04-15"]


# Read from each sample's text and senat/SOURCES.md: (published, status, answered, author, transfer)
SENAT_EXPECTED = {
    "SEQ020238665": ("2002-02-21", "lapsed", None, "Jean Louis Masson", None),
    "SEQ091211244": ("2009-12-10", "answered", "2010-10-28", "Jean Louis Masson", None),
    "SEQ130606725": ("2013-06-06", "lapsed", None, "Jean Louis Masson", "Ministère de l'intérieur"),
    "SEQ181007406": ("2018-10-25", "answered", "2018-11-01", "Jean Louis Masson", None),
    "SEQ201018049": ("2020-10-01", "withdrawn", None, "Christine Herzog", None),
    "SEQ210723812": ("2021-07-15", "lapsed", None, "Jean Louis Masson",
                     "Ministère de la transition écologique et de la cohésion des territoires"),
    "SEQ220628479": ("2022-06-30", "lapsed", None, "Philippe Paul", None),
}


@pytest.mark.parametrize("uid", sorted(SENAT_EXPECTED))
def test_senat_questions(site: HTTPServer, tmp_path: Path, uid: str) -> None:
    out = fetch_json(cli_config(tmp_path, site), f"https://www.senat.fr{page_url_path(uid)}")
    published, status, answered, author, transfer = SENAT_EXPECTED[uid]
    assert out.keys() >= REQUIRED_KEYS
    assert out["ref"] == uid and out["chamber"] == "senat" and out["legislature"] is None
    assert out["number"] == int(uid[-5:])
    assert (out["published"], out["status"], out["answered"], out["author"]) == (published, status, answered, author)
    if transfer:
        assert out["ministry"] == transfer and out["transferred"]
    else:
        assert not out["transferred"]


def test_readable_output_through_the_installed_command(site: HTTPServer, tmp_path: Path) -> None:
    config = cli_config(tmp_path, site)
    env = {**os.environ, "RELANCE_CONFIG": str(config)}
    done = subprocess.run([str(RELANCE), "fetch", "QANR5L17QE5268"], capture_output=True, text=True, env=env,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert "QANR5L17QE5268  (AN 17-5268)  répondue" in done.stdout
    assert "Auteur : Mme Olivia Grégoire (EPR)" in done.stdout
    # Dates in sentences are written out (as the JO writes them), in tables as 25/03/2025.
    assert "Publiée au JO le 25 mars 2025, page 1958" in done.stdout
    assert "Réponse publiée le 3 juin 2025, page 4348" in done.stdout


def test_config_from_current_directory(site: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cli_config(tmp_path, site)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RELANCE_CONFIG", raising=False)
    result = CliRunner().invoke(main, ["fetch", "SEQ091211244", "--json"])
    assert result.exit_code == 0 and json.loads(result.stdout)["status"] == "answered"


def run_failing(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([str(RELANCE), *args], capture_output=True, text=True, timeout=60, check=False,
                          env={**os.environ, **(env or {})})
    assert done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "Traceback" not in done.stderr
    return done


def test_unknown_question_is_one_line_and_exit_2(site: HTTPServer, tmp_path: Path) -> None:
    site.expect_request("/dyn/opendata/QANR5L17QE999999.json").respond_with_data("Not Found", status=404)
    done = run_failing(["--config", str(cli_config(tmp_path, site)), "fetch", "AN 17-999999"])
    assert done.returncode == 2 and "QANR5L17QE999999" in done.stderr and "404" in done.stderr


def test_error_page_served_with_200(httpserver: HTTPServer, tmp_path: Path) -> None:
    httpserver.expect_request("/dyn/opendata/QANR5L17QE5268.json").respond_with_data(
        "<html><head><title>Error 503</title></head><body><h1>Error 503</h1></body></html>",
        content_type="text/html")
    done = run_failing(["--config", str(cli_config(tmp_path, httpserver)), "fetch", "AN 17-5268"])
    assert done.returncode == 2 and "page d'erreur servie à la place des données" in done.stderr


def test_page_of_another_question_is_refused(httpserver: HTTPServer, tmp_path: Path) -> None:
    """The server answers with question 5268 for question 5269: never stored under the wrong ref."""
    httpserver.expect_request("/dyn/opendata/QANR5L17QE5269.json").respond_with_data(
        sample_bytes("an/QANR5L17QE5268.json"), content_type="application/json")
    result = CliRunner().invoke(main, ["--config", str(cli_config(tmp_path, httpserver)), "fetch", "AN 17-5269"])
    assert result.exit_code == 2 and "expected QANR5L17QE5269" in result.stderr


def test_bad_reference_exit_1(tmp_path: Path) -> None:
    done = run_failing(["fetch", "not-a-question"], env={"RELANCE_CONFIG": str(tmp_path / "absent.toml")})
    assert done.returncode == 1 and "formes acceptées" in done.stderr


def test_bad_config_exit_1(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[relance]\ncontact = "ops@relance.test"\n[http]\ntimout = 3\n', encoding="utf-8")
    done = run_failing(["--config", str(path), "fetch", "AN 17-5268"])
    assert done.returncode == 1 and f"{path}, entrée http.timout : clé inconnue" in done.stderr


def test_add_and_remove_edit_the_config(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    # `add` reads a new question once: the Sénat site is a closed local port, never the real site.
    head = '# my questions\n[relance]\ncontact = "ops@relance.test"  # who we are\n'
    path.write_text(head + '[http]\nretries = 0\n[sources.senat]\nbase_url = "http://127.0.0.1:9"\n', encoding="utf-8")
    added = CliRunner().invoke(main, ["--config", str(path), "add", "https://www.senat.fr/questions/base/2022/"
                                      "qSEQ221103705.html", "--tag", "vsa", "--note", "Dossus"])
    assert added.exit_code == 0 and "SEQ221103705 ajoutée à" in added.stdout
    text = path.read_text(encoding="utf-8")
    assert text.startswith(head)
    assert '[[watch]]\nref = "SEQ221103705"\ntags = ["vsa"]\nnote = "Dossus"' in text
    again = CliRunner().invoke(main, ["--config", str(path), "add", "SEQ221103705"])
    assert again.exit_code == 0 and "déjà suivie : rien à changer" in again.stdout
    removed = CliRunner().invoke(main, ["--config", str(path), "remove", "SEQ221103705"])
    assert removed.exit_code == 0 and "retirée de la liste de suivi" in removed.stdout
    assert "SEQ221103705" not in path.read_text(encoding="utf-8")
    missing = CliRunner().invoke(main, ["--config", str(path), "remove", "SEQ221103705"])
    assert missing.exit_code == 1 and "n'est ni dans la liste de suivi" in missing.stderr
    bad = CliRunner().invoke(main, ["--config", str(path), "add", "nonsense"])
    assert bad.exit_code == 1 and "formes acceptées" in bad.stderr
