"""`relance import senat` for older periods: the Sénat search, paged and bounded, served by a local
HTTP server from the real search results page; a question already read is not read again."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from urllib.parse import parse_qs

import time_machine

from bot.app.import_senat import search_url
from tests.app import senat_site
from tests.app.senat_rows import (
    SEARCH_PATH,
    csv_bytes,
    written_hit,
)
from tests.app.senat_site import Site, at, events, import_json, senat_config, stored
from tests.conftest import sample_bytes
from tests.senat_pages import page_url_path

# Fixtures, registered here under these names: the local Sénat sites, and no $RELANCE_DB.
site = senat_site.site
_no_db_override = senat_site._no_db_override


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
    config = senat_config(tmp_path, site)
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
    config = senat_config(tmp_path, site)
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
    config = senat_config(tmp_path, site)
    with time_machine.travel(at("2016-04-03"), tick=True):
        first = import_json(config, "--file", str(path), "--since", "2015-01-01")
        second = import_json(config, "--file", str(path), "--since", "2015-01-01")
    assert (first["pages_fetched"], second["pages_fetched"]) == (1, 0)
    assert site.requests_to(page_url_path("SEQ091211244")) == 1
