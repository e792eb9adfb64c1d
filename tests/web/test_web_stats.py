"""The statistics on the web (bot/web/stats.py) through Flask's test client: `/statistiques`, a ministry's
and an author's page, the questions behind a figure, `/api/stats` and `/api/stats.csv`, on the archive of
tests/stats_archive.py (20 AN questions derived from the real record with a known spread of answers, one
real Sénat page; every figure counted by hand there)."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
import time_machine
from click.testing import CliRunner
from flask.testing import FlaskClient

from bot.app.config import load_config
from bot.main import main
from bot.web.app import create_app
from tests.conftest import write_config
from tests.notify.subscribers_site import SECRET
from tests.stats_archive import AGRICULTURE, INTERIOR, TODAY, build, uid

KEYS = ["name", "questions", "answered", "answered_on_time", "pending", "overdue", "answer_rate", "on_time_rate",
        "median_days_to_answer"]


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RELANCE_SECRET", SECRET)
    monkeypatch.delenv("RELANCE_DB", raising=False)
    path = write_config(tmp_path / "config.toml", web={"base_url": "https://relance.test"},
                        watch=[{"ref": "AN 16-90004", "tags": ["sécurité"]}])
    build(load_config(path), tmp_path)
    return path


@pytest.fixture
def client(config: Path) -> Iterator[FlaskClient]:
    with time_machine.travel(TODAY, tick=False):
        yield create_app(config).test_client()


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_api_stats_is_the_json_of_relance_stats(client: FlaskClient, config: Path) -> None:
    for query, args in [("", []), ("?by=author&chamber=an", ["--by", "author", "--chamber", "an"]),
                        ("?by=tag", ["--by", "tag"]), ("?since=2023-09-01&until=2023-10-31", ["--since", "2023-09-01",
                                                                                            "--until", "2023-10-31"])]:
        response = client.get(f"/api/stats{query}")
        assert response.status_code == 200 and response.mimetype == "application/json"
        with time_machine.travel(TODAY, tick=False):
            printed = CliRunner().invoke(main, ["--config", str(config), "stats", "--json", *args])
        assert response.get_json() == json.loads(printed.stdout)
    rows = client.get("/api/stats?chamber=an").get_json()
    assert [list(r) for r in rows] == [KEYS] * 3
    assert rows[0] == {"name": INTERIOR[2], "questions": 8, "answered": 5, "answered_on_time": 4, "pending": 3,
                       "overdue": 2, "answer_rate": 0.625, "on_time_rate": 0.5714, "median_days_to_answer": 56.0}


def test_api_stats_csv_has_the_json_keys(client: FlaskClient) -> None:
    response = client.get("/api/stats.csv?by=chamber")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert list(csv.reader(io.StringIO(response.get_data(as_text=True)))) == [
        KEYS, ["an", "20", "12", "8", "8", "5", "0.6", "0.4706", "52.5"],
        ["senat", "1", "1", "0", "0", "0", "1.0", "0.0", "322.0"]]


@pytest.mark.parametrize("query", ["?by=party", "?chamber=cn", "?since=hier", "?since=2024-01-02&until=2023-01-01"])
def test_api_stats_refuses_a_bad_parameter_in_json(client: FlaskClient, query: str) -> None:
    response = client.get(f"/api/stats{query}")
    assert response.status_code == 400 and response.get_json()["status"] == 400
    assert "=" in response.get_json()["error"]


def test_the_statistics_page_table_chart_and_links(client: FlaskClient) -> None:
    response = client.get("/statistiques?chamber=an")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    text = text_of(html)
    assert "Ministère attributaire Questions Répondues Dans les délais En attente En retard" in text
    assert f"{INTERIOR[2]} 8 5 4 3 2 62,5 % 57,1 % 56" in text.replace("\u00a0", " ").replace("\u202f", " ")
    # Each figure links to the questions behind it: the ministry's page, one figure, the filters kept.
    interior = quote(INTERIOR[2])
    assert f'href="/statistiques/ministere/{interior}?chamber=an&amp;figure=overdue"' in html
    assert f'href="/statistiques/ministere/{quote(AGRICULTURE[2])}?chamber=an&amp;figure=answered_on_time"' in html
    # The chart: one bar per row, its parts links too (4 on time, 1 late, 2 overdue, 1 other for the interior).
    assert html.count("<rect") >= 3 * 3 and "<svg" in html
    assert f'{INTERIOR[2]} : 4 répondues dans les délais, 1 répondues après l\'échéance, 2 en attente, ' \
           "échéance passée, 1 autres" in html.replace("&#39;", "'")
    assert 'href="/api/stats.csv?chamber=an"' in html
    assert 'href="/statistiques"' in client.get("/").get_data(as_text=True)  # in the site's navigation


def test_other_groupings_link_to_the_questions_behind(client: FlaskClient) -> None:
    html = client.get("/statistiques?by=group&since=2023-01-01").get_data(as_text=True)
    assert "/statistiques/questions?by=group&amp;since=2023-01-01&amp;figure=overdue&amp;name=SOC" in html
    listing = client.get("/statistiques/questions?by=group&since=2023-01-01&figure=overdue&name=SOC")
    assert listing.status_code == 200
    refs = re.findall(r"QANR5L16QE\d+", listing.get_data(as_text=True))
    # Thomin's overdue questions, most days late first: 4 (deadline 6 August), 11, 15, 6 (3 December).
    assert list(dict.fromkeys(refs)) == [uid(n) for n in (4, 11, 15, 6)]
    assert "AN 16-90004" in text_of(listing.get_data(as_text=True))


def test_a_ministry_page_late_ones_first(client: FlaskClient) -> None:
    response = client.get(f"/statistiques/ministere/{quote(INTERIOR[2])}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    text = text_of(html).replace("\u00a0", " ").replace("\u202f", " ")
    assert "Questions 8 Répondues 5 Dans les délais 4 En attente 3 En retard 2" in text
    order = re.findall(r"AN 16-9000\d", text)
    assert list(dict.fromkeys(order)) == [f"AN 16-{90000 + n}" for n in (4, 6, 3, 7, 5, 8, 2, 1)]
    assert "152 jours de retard" in text  # 4: deadline 6 August 2023, on 5 January 2024
    assert "répondue 30 jours après l'échéance" in text.replace("&#39;", "'")  # 3: 2 July → 1 August
    assert "<svg" in html and "Réponses publiées par mois" in html
    one = client.get(f"/statistiques/ministere/{quote(INTERIOR[2])}?figure=answered_on_time").get_data(as_text=True)
    assert list(dict.fromkeys(re.findall(r"AN 16-9000\d", text_of(one)))) == [
        f"AN 16-{90000 + n}" for n in (5, 8, 2, 1)]


def test_an_author_page_and_unknown_names(client: FlaskClient) -> None:
    html = client.get("/statistiques/auteur/Charles de Courson?chamber=an").get_data(as_text=True)
    text = text_of(html).replace("\u00a0", " ").replace("\u202f", " ")
    assert "Questions 8 Répondues 5 Dans les délais 3 En attente 3 En retard 1" in text
    assert "Taux de réponse 62,5 % Taux dans les délais 50 % Délai médian (jours) 61" in text
    assert client.get("/statistiques/auteur/Personne").status_code == 404
    assert client.get("/statistiques/ministere/Ministère de rien").status_code == 404
    assert client.get("/statistiques?by=party").status_code == 400
    assert client.get(f"/statistiques/ministere/{quote(INTERIOR[2])}?figure=late").status_code == 400
    assert client.get(f"/statistiques/ministere/{quote(INTERIOR[2])}?page=9").status_code == 404
