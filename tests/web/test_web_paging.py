"""Pages that cost what they show: the questions table, the tag pages, the API and the feeds filtered,
sorted, counted and paged in SQL (storage/listing.py), checked against the rows `relance status --json`
computes in Python (`status_row`) for every watched question.

The database holds the web tests' real snapshots (tests/web/seeded.py) and 60 more AN questions derived
from the real QANR5L17QE5268.json by tests/app/an_archives.py (renumbered, dated, without their answer
or answered on another day) and tests/an_variants.py (signaled): found by a follow rule, as the
`followed` table records it, with the tags `lot-pair` / `lot-impair`. Today is 10 June 2025 (seeded.NOW).
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from typing import Any
from urllib.parse import quote, unquote

import pytest
from click.testing import CliRunner

import bot.app.feeds
from bot.app.config import load_config
from bot.app.database import open_database
from bot.app.questions import WatchedView, watched_questions
from bot.core.status import status_row
from bot.main import main
from bot.notify.wording import STATUS_FR
from scrapers.an import parse_an_json
from scrapers.model import QuestionSnapshot
from storage.followed import follow
from tests.an_variants import dump, signaled_on
from tests.app.an_archives import derived
from tests.web import seeded
from tests.web.seeded import AN, NOW, SENAT_PENDING, Site, page, store

site = seeded.site
clock = seeded.clock
TODAY = NOW.date()
DERIVED = 60
FIRST = date(2024, 12, 1)


def derived_snapshot(i: int) -> QuestionSnapshot:
    """Question 9000 + i: published every third day from December 2024; one in three answered 40 + i days
    after its publication (late past 61 days), one in seven of the others signaled 70 days after it."""
    published = FIRST + timedelta(days=3 * i)
    answered = published + timedelta(days=40 + i) if i % 3 == 0 else None
    if answered is not None and answered > TODAY:
        answered = None
    document = derived(9000 + i, published, answered)
    if answered is None and i % 7 == 0 and published + timedelta(days=70) <= TODAY:
        document = signaled_on(document, (published + timedelta(days=70)).isoformat())
    uid = document["question"]["uid"]
    return parse_an_json(dump(document), f"https://www.assemblee-nationale.fr/dyn/opendata/{uid}.json")


@pytest.fixture
def big(site: Site) -> Site:
    """The web tests' site with the 60 derived questions, found by the rule `lots`."""
    db = open_database(site.db_path)
    try:
        for i in range(1, DERIVED + 1):
            snapshot = derived_snapshot(i)
            store(site.db_path, None, snapshot, TODAY - timedelta(days=1))
            follow(db, snapshot.ref.uid, ["lots"], ["lots", "lot-pair" if i % 2 == 0 else "lot-impair"], NOW)
    finally:
        db.close()
    return site


def python_rows(site: Site) -> list[dict[str, Any]]:
    """Every watched question's status row, computed in Python as `relance status --json` did."""
    db = open_database(site.db_path)
    try:
        return [status_row(q, TODAY) for q in watched_questions(load_config(site.config), db)]
    finally:
        db.close()


def ref_key(row: dict[str, Any]) -> tuple[Any, ...]:
    return (row["chamber"], row["legislature"] or 0, row["number"])


def documented_order(rows: list[dict[str, Any]]) -> list[str]:
    """The default order docs/web.md states: the questions late now first (pending past a deadline), then
    by days late (of a pending question, or of an answer that came late) or minus days left, most first;
    rows with neither last; ties in reference order."""
    def delay(row: dict[str, Any]) -> int | None:
        if row["days_overdue"]:
            return int(row["days_overdue"])
        return -row["days_left"] if row["days_left"] is not None else None
    known = sorted((r for r in rows if delay(r) is not None), key=ref_key)
    known.sort(key=lambda r: (r["overdue"], delay(r)), reverse=True)
    unknown = sorted((r for r in rows if delay(r) is None), key=ref_key)
    return [r["ref"] for r in known + unknown]


def api_pages(site: Site, query: str, limit: int) -> tuple[list[dict[str, Any]], int, int]:
    """Every row of /api/questions?query, following the Link headers; (rows, X-Total-Count, requests)."""
    url: str | None = f"/api/questions?{query}&limit={limit}"
    rows: list[dict[str, Any]] = []
    total, requests = -1, 0
    while url:
        response = site.client.get(url)
        assert response.status_code == 200, response.get_data(as_text=True)
        requests += 1
        rows += response.json or []
        total = int(response.headers["X-Total-Count"])
        link = response.headers.get("Link", "")
        nexts = re.findall(r'<([^>]*)>; rel="next"', link)  # a URL may hold commas (RFC 8288)
        url = nexts[0].removeprefix(seeded.BASE) if nexts else None
    return rows, total, requests


def test_the_default_order_is_late_now_first_as_documented(big: Site) -> None:
    expected = python_rows(big)
    rows, total, requests = api_pages(big, "", 25)
    assert total == len(expected) == 64 and requests == 3
    assert [r["ref"] for r in rows] == documented_order(expected)
    by_ref = {r["ref"]: r for r in expected}
    assert all(rows[i] == by_ref[rows[i]["ref"]] for i in range(len(rows)))  # the very rows of status --json
    late_now = [r["overdue"] for r in rows]
    assert late_now == sorted(late_now, reverse=True) and any(late_now) and not all(late_now)
    # The AN question answered 9 days late comes after every question late now.
    assert [r["ref"] for r in rows].index(AN) >= late_now.index(False)
    signaled = [r for r in rows if r["signaled"]]
    assert signaled and all(r["overdue"] for r in signaled if r["status"] == "pending")


@pytest.mark.parametrize("sort", ["ref", "published", "deadline", "author", "status", "checked", "chamber"])
@pytest.mark.parametrize("order", ["asc", "desc"])
def test_every_column_sorts_in_sql_as_in_python(big: Site, sort: str, order: str) -> None:
    expected = python_rows(big)
    rows, total, _ = api_pages(big, f"sort={sort}&order={order}", 40)
    assert total == len(expected) and sorted(r["ref"] for r in rows) == sorted(r["ref"] for r in expected)

    def value(row: dict[str, Any]) -> Any:
        if sort == "ref":
            return ref_key(row)
        if sort == "checked":
            return row["last_checked"]
        if sort == "status":  # in the order of the states' French names
            return STATUS_FR[row["status"]]
        found = row[sort]
        return found.casefold() if isinstance(found, str) else found
    shown = [value(r) for r in rows]
    known = [v for v in shown if v is not None]
    assert known == sorted(known, reverse=order == "desc")
    assert all(v is None for v in shown[len(known):])  # rows without a value last, either way


@pytest.mark.parametrize("query", ["chamber=an", "chamber=senat", "tag=lot-pair", "tag=vsa", "status=pending",
                                   "status=answered", "status=unknown", "overdue=1", "overdue=1&tag=lot-impair",
                                   "ministry=", "ministry=&chamber=senat"])
def test_filters_select_in_sql_what_python_selects(big: Site, query: str) -> None:
    ministry = derived_snapshot(1).ministry
    assert ministry is not None
    query = query.replace("ministry=", "ministry=" + quote(ministry.name))
    expected = python_rows(big)
    for part in query.split("&"):
        name, _, wanted = part.partition("=")
        wanted = unquote(wanted)
        expected = [r for r in expected if (wanted in r["tags"] if name == "tag" else
                                            r["overdue"] if name == "overdue" else r[name] == wanted)]
    rows, total, _ = api_pages(big, query, 30)
    assert {r["ref"] for r in rows} == {r["ref"] for r in expected} and total == len(expected)
    assert total > 0 or query.endswith("chamber=senat")  # the Sénat's questions have other ministries
    html = page(big.client.get(f"/questions?{query}"))
    assert f"{total} question{'s' if total > 1 else ''} sur 64" in html


def test_the_table_is_paged_with_links(big: Site) -> None:
    first = page(big.client.get("/questions"))
    assert "64 questions sur 64, 50 par page" in first and "Page 1 sur 2&nbsp;: questions 1 à 50" in first
    assert first.count('<td data-label="Question">') == 50
    assert 'rel="next" href="/questions?page=2"' in first
    second = page(big.client.get("/questions?page=2&sort=published&order=asc"))
    assert second.count('<td data-label="Question">') == 14 and "questions 51 à 64" in second
    assert 'rel="prev" href="/questions?sort=published&amp;order=asc"' in second
    # A column header starts the new order on its first page.
    assert 'href="/questions?sort=published&amp;order=desc"' in second
    beyond = page(big.client.get("/questions?page=9"))
    assert "Aucune question ne correspond." in beyond
    assert big.client.get("/questions?page=0").status_code == 400


def test_a_tag_page_counts_in_sql_and_pages_its_table(big: Site) -> None:
    expected = [r for r in python_rows(big) if "lots" in r["tags"]]
    html = page(big.client.get("/tags/lots"))
    answered = [r for r in expected if r["status"] == "answered"]
    late = [r for r in answered if r["days_overdue"]]
    assert f"<dt>Questions</dt><dd>{len(expected)}</dd>" in html
    assert f"<dt>Répondues</dt><dd>{len(answered)}</dd>" in html
    assert f"<dt>En retard</dt><dd>{sum(r['overdue'] for r in expected)}</dd>" in html
    assert f"{len(answered) - len(late)} réponse" in html and f"{len(late)} après l'échéance" in html
    assert 'rel="next" href="/tags/lots?page=2"' in html and html.count('<td data-label="Question">') == 50


def test_home_page_lists_the_ten_latest_by_the_table_order(big: Site) -> None:
    expected = documented_order(python_rows(big))
    html = page(big.client.get("/")).split('id="retard"')[1].split("</section>")[0]
    shown = [part.split('"')[0] for part in html.split('href="/questions/')[1:]]
    assert shown == expected[:10]


def test_the_atom_feed_holds_the_latest_events_only(big: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bot.app.feeds, "FEED_EVENTS", 5)
    db = open_database(big.db_path)
    latest = [ref for (ref,) in db.execute("SELECT ref FROM events WHERE kind != 'rappel_disagrees' "
                                           "ORDER BY id DESC LIMIT 5")]
    db.close()
    atom = big.client.get("/feeds/events.atom").get_data(as_text=True)
    assert atom.count("<entry>") == 5 and all(f"event/{ref}/" in atom for ref in latest)


def test_the_api_events_are_paged(big: Site) -> None:
    everything = big.client.get("/api/events?limit=1000").json or []
    first = big.client.get("/api/events?limit=7")
    assert first.json == everything[:7] and int(first.headers["X-Total-Count"]) == len(everything)
    assert 'offset=7>; rel="next"' in first.headers["Link"] and "limit=7" in first.headers["Link"]
    third = big.client.get("/api/events?limit=7&page=3")
    assert third.json == everything[14:21] and 'rel="prev"' in third.headers["Link"]


def test_status_reads_the_same_rows_in_the_watched_order(big: Site) -> None:
    cli = CliRunner().invoke(main, ["--config", str(big.config), "status", "--json", "--tag", "lot-pair"])
    assert cli.exit_code == 0, cli.output
    rows = json.loads(cli.stdout)
    expected = [r for r in python_rows(big) if "lot-pair" in r["tags"]]
    assert rows == expected and len(rows) == DERIVED // 2


def test_a_question_page_and_the_subscribe_form_look_up_one_question(big: Site) -> None:
    assert big.client.get(f"/api/questions/{SENAT_PENDING}").status_code == 200
    assert big.client.get("/api/questions/QANR5L17QE9001").json is not None
    assert big.client.get("/api/questions/QANR5L17QE8999").status_code == 404
    db = open_database(big.db_path)
    try:
        view = WatchedView(load_config(big.config), db, TODAY)
        assert "QANR5L17QE9060" in view and "QANR5L17QE8999" not in view
        assert view.find("QANR5L17QE9002") is not None and view.find("QANR5L17QE9002").tags == (  # type: ignore[union-attr]
            "lots", "lot-pair")
    finally:
        db.close()
