"""The web interface through Flask's test client, on real components (tests/web/seeded.py): a real SQLite
file holding snapshots parsed from the real samples, a real SMTP server, the real config loader. The
feeds (Atom, iCalendar) with their validators, and the JSON API."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from click.testing import CliRunner

from bot.core.status import WatchedQuestion, status_row
from bot.main import main
from scrapers.refs import parse_ref
from storage.db import open_db
from storage.questions import save_check
from storage.records import Event, Poll
from tests.web import seeded
from tests.web.seeded import (
    AN,
    NOW,
    SENAT_PENDING,
    SENAT_PENDING_URL,
    Site,
    senat_pending,
)

# Fixtures, registered here under these names: the site of seeded real snapshots, and today (autouse).
site = seeded.site
clock = seeded.clock


# --- feeds and API ------------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "mimetype"), [("/feeds/events.atom", "application/atom+xml"),
                                                ("/feeds/deadlines.ics", "text/calendar"),
                                                ("/feeds/events.atom?tag=vsa", "application/atom+xml"),
                                                ("/feeds/deadlines.ics?tag=vsa", "text/calendar")])
def test_feeds_answer_304_to_conditional_requests(site: Site, path: str, mimetype: str) -> None:
    first = site.client.get(path)
    assert first.status_code == 200 and first.mimetype == mimetype
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert etag.startswith('"') and modified.endswith("GMT")
    assert site.client.get(path).data == first.data  # the same state gives the same bytes
    by_etag = site.client.get(path, headers={"If-None-Match": etag})
    assert by_etag.status_code == 304 and by_etag.data == b"" and by_etag.headers["ETag"] == etag
    by_date = site.client.get(path, headers={"If-Modified-Since": modified})
    assert by_date.status_code == 304
    # If-None-Match wins over If-Modified-Since (RFC 9110 § 13.2.2): another ETag means a new body.
    stale = site.client.get(path, headers={"If-None-Match": '"stale"', "If-Modified-Since": modified})
    assert stale.status_code == 200 and stale.data == first.data


def test_a_new_event_changes_the_feeds_validators(site: Site) -> None:
    first = site.client.get("/feeds/events.atom?tag=vsa")
    signaled = Event(SENAT_PENDING, "signaled", "2025-06-10", date(2025, 6, 10), NOW, {})
    db = open_db(site.db_path)
    save_check(db, senat_pending(), [signaled], Poll(NOW, SENAT_PENDING, "senat", SENAT_PENDING_URL, 200, "changed"))
    db.close()
    second = site.client.get("/feeds/events.atom?tag=vsa", headers={"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 200 and second.headers["ETag"] != first.headers["ETag"]
    assert f"event/{SENAT_PENDING}/signaled/2025-06-10".encode() in second.data  # the new entry, by its id


def test_atom_feed_per_tag_holds_only_that_tags_events(site: Site) -> None:
    everything = site.client.get("/feeds/events.atom").get_data(as_text=True)
    diamonds = site.client.get("/feeds/events.atom?tag=diamants").get_data(as_text=True)
    # AN published and answered, one `published` per Sénat question, the pending one's `overdue` (late when first read)
    assert everything.count("<entry>") == 5
    assert diamonds.count("<entry>") == 2 and SENAT_PENDING not in diamonds
    assert "<id>https://relance.test/feeds/events.atom?tag=diamants</id>" in diamonds
    assert "tag:relance,2025:event/QANR5L17QE5268/answered/2025-06-03" in diamonds


def test_calendar_holds_the_open_deadlines(site: Site) -> None:
    ics = site.client.get("/feeds/deadlines.ics").get_data(as_text=True)
    assert ics.count("BEGIN:VEVENT") == 1  # only the pending Sénat question is open
    assert "UID:SEQ210723812-answer@relance" in ics and "DTSTART;VALUE=DATE:20210915" in ics


def test_api_rows_are_the_rows_of_relance_status_json(site: Site) -> None:
    keys = list(status_row(WatchedQuestion(parse_ref(AN), (), None), date(2025, 6, 10)))
    api = site.client.get("/api/questions")
    assert api.status_code == 200 and api.mimetype == "application/json"
    rows = api.json
    assert isinstance(rows, list) and len(rows) == 4
    assert all(list(row) == keys for row in rows)
    cli = CliRunner().invoke(main, ["--config", str(site.config), "status", "--json"])
    assert cli.exit_code == 0, cli.output
    assert {r["ref"]: r for r in json.loads(cli.stdout)} == {r["ref"]: r for r in rows}
    one = site.client.get(f"/api/questions/{AN}").json
    assert one == next(r for r in rows if r["ref"] == AN)
    assert one is not None and one["days_overdue"] == 9 and one["deadline"] == "2025-05-25"
    assert api.headers["Access-Control-Allow-Origin"] == "*"
    assert site.client.get("/api/questions", headers={"If-None-Match": api.headers["ETag"]}).status_code == 304


def test_api_events_since_a_day(site: Site) -> None:
    events = site.client.get("/api/events?since=2025-06-01").json
    assert events is not None and [(e["ref"], e["kind"], e["date"]) for e in events] == [(AN, "answered",
                                                                                           "2025-06-03")]
    assert list(events[0]) == ["id", "ref", "kind", "date", "seen_at", "details"]  # as `relance events --json`
    everything = site.client.get("/api/events").json
    assert everything is not None and len(everything) == 5  # with the pending Sénat question's `overdue`
    only_vsa = site.client.get("/api/events?tag=vsa").json
    assert only_vsa is not None and {e["ref"] for e in only_vsa} == {SENAT_PENDING}
    assert len(site.client.get("/api/events?ref=AN 17-5268").json or []) == 2
    assert site.client.get("/api/events?since=01/06/2025").json == events  # the French form relance prints


@pytest.mark.parametrize("since", ["yesterday", "2025-13-01", "2025-6-1", "20250601"])
def test_api_events_bad_since_is_400(site: Site, since: str) -> None:
    response = site.client.get(f"/api/events?since={since}")
    assert response.status_code == 400 and response.json is not None and "since" in response.json["error"]


def test_each_api_list_as_csv_has_the_json_keys_as_columns(site: Site) -> None:
    rows = site.client.get("/api/questions?sort=ref").json
    table = site.client.get("/api/questions.csv?sort=ref")
    assert table.status_code == 200 and table.mimetype == "text/csv"
    assert 'filename="questions.csv"' in table.headers["Content-Disposition"]
    assert table.headers["X-Total-Count"] == "4"
    parsed = list(csv.DictReader(io.StringIO(table.get_data(as_text=True))))
    assert rows is not None and [r["ref"] for r in parsed] == [r["ref"] for r in rows]
    assert list(parsed[0]) == list(rows[0])  # one column per JSON key, in order
    an = next(r for r in parsed if r["ref"] == AN)
    assert (an["deadline"], an["days_overdue"], an["overdue"], an["last_error"]) == ("2025-05-25", "9", "false", "")
    assert site.client.get("/api/questions.csv?sort=ref",
                           headers={"If-None-Match": table.headers["ETag"]}).status_code == 304

    events = list(csv.DictReader(io.StringIO(site.client.get("/api/events.csv?since=2025-06-01").get_data(
        as_text=True))))
    assert [(e["ref"], e["kind"], e["date"]) for e in events] == [(AN, "answered", "2025-06-03")]
    assert list(events[0]) == ["id", "ref", "kind", "date", "seen_at", "details"]
    assert json.loads(events[0]["details"])["page"] == "4348"  # the details as their JSON text
    paged = site.client.get("/api/events.csv?limit=2")
    assert paged.headers["X-Total-Count"] == "5" and 'rel="next"' in paged.headers["Link"]
    assert "/api/events.csv?" in paged.headers["Link"]
