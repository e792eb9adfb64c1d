"""A row of the Sénat's CSV to a snapshot, alone or merged with the question's real page: what each
source knows is kept, a stale row never undoes a page read since (rows: tests/app/senat_rows.py)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from bot.app.import_senat import csv_shows_change
from bot.core.deadlines import PARIS
from bot.core.events import diff
from scrapers.model import QuestionSnapshot
from scrapers.senat import parse_senat_text
from scrapers.senat_csv import row_to_snapshot
from tests.app.senat_rows import (
    INTERIEUR_2009,
    TRANSITION,
    before_answer,
    csv_bytes,
    dossus_pending,
    masson_answered,
    masson_transferred,
    parse,
    paul_lapsed,
)
from tests.senat_pages import page_text, page_url_path

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
