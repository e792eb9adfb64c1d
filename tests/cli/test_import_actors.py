"""`relance import actors`: the AN's real AMO zip of the 16th legislature downloaded from a local
server standing for data.assemblee-nationale.fr (conditional GET: an unchanged file is not imported
again), or read from a file; a broken file or member named on stderr with exit code 2."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result
from pytest_httpserver import HTTPServer

from bot.main import main
from tests.amo_files import DE_COURSON, THOMIN, amo16_member, amo16_path, member_name, subset_zip, truncated
from tests.conftest import ConfigFactory
from tests.scrapers.range_site import RangeSite

# The AN's folder of the 16th legislature's AMO files, as in [sources.an] actors_url.
AMO_PATH = "/16/amo/deputes_senateurs_ministres_legislature/AMO20_dep_sen_min_tous_mandats_et_organes.json.zip"


def relance(config: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--config", str(config), "import", "actors", *args])


def as_json(result: Result, code: int = 0) -> dict[str, Any]:
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_download_then_unchanged(make_config: ConfigFactory, httpserver: HTTPServer) -> None:
    site = RangeSite(amo16_path().read_bytes())
    httpserver.expect_request(AMO_PATH).respond_with_handler(site.handler)
    template = httpserver.url_for(AMO_PATH.replace("/16/", "/{leg}/"))
    config = make_config(sources={"an": {"actors_url": template, "legislatures": [16]}})
    first = as_json(relance(config, "--json"))
    assert (first["actors"], first["bodies"], first["skipped"], first["errors"]) == (1075, 798, 0, [])
    assert [(f["legislature"], f["fetched"], f["imported"]) for f in first["files"]] == [(16, "downloaded", True)]
    # Unchanged on the server: a 304, nothing imported again.
    second = relance(config)
    assert second.exit_code == 0, second.output
    assert second.stdout.splitlines() == [
        "AMO AN 16 : inchangé sur le serveur (HTTP 304), rien téléchargé ; déjà importé, rien importé",
        "0 acteur, 0 mandat et 0 organe importés ; 0 fichier ignoré (ni acteur ni organe) et "
        "0 fichier illisible ; 0 question de l'AN renommée."]
    assert site.requests[-1].get("if-none-match") == '"v1"'


def test_a_file_with_a_broken_member(make_config: ConfigFactory, tmp_path: Path) -> None:
    config = make_config()
    path = subset_zip(tmp_path / "amo.zip", [THOMIN, "PO800496"],
                      {member_name(DE_COURSON): truncated(amo16_member(DE_COURSON))})
    result = relance(config, "--file", str(path))
    assert result.exit_code == 2, result.output
    assert result.stdout.splitlines()[1] == (
        "1 acteur, 46 mandats et 1 organe importés ; 0 fichier ignoré (ni acteur ni organe) et "
        "1 fichier illisible ; 0 question de l'AN renommée.")
    assert "relance: json/acteur/PA942.json: " in result.stderr and "JSON document" in result.stderr


def test_a_file_that_is_not_an_amo_zip(make_config: ConfigFactory, tmp_path: Path) -> None:
    config = make_config()
    report = as_json(relance(config, "--json", "--file", str(config)), code=2)
    assert report["files"][0]["error"].startswith("AmoFileError: AMO file ")
    assert "not a zip archive" in report["files"][0]["error"]
    result = relance(config, "--file", str(tmp_path / "absent.zip"))
    absent = tmp_path / "absent.zip"
    assert (result.exit_code, result.stderr) == (1, f"relance: --file {absent} : fichier introuvable\n")
    result = relance(config, "--file", str(config), "--legislature", "16")
    assert result.exit_code == 1 and "ne vont pas ensemble" in result.stderr
