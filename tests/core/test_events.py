"""The pure diff of two snapshots into events, on snapshots read from the real samples."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime

from bot.core.deadlines import PARIS
from bot.core.events import diff
from scrapers.an import parse_an_json
from scrapers.model import Answer, Attribution, Closure, Ministry, QuestionSnapshot
from scrapers.senat import parse_senat_text
from tests.an_variants import dump, qe_json, without_answer
from tests.senat_pages import page_text

URL = "https://www.assemblee-nationale.fr/dyn/opendata/QANR5L17QE5268.json"
SEEN = datetime(2025, 6, 3, 18, 0, tzinfo=PARIS)


def answered() -> QuestionSnapshot:
    return parse_an_json(dump(qe_json()), URL)


def pending() -> QuestionSnapshot:
    return parse_an_json(dump(without_answer(qe_json())), URL)


def events(old: QuestionSnapshot | None, new: QuestionSnapshot, today: date = date(2025, 6, 3),
           last_day: date | None = date(2025, 6, 2)) -> list[tuple[str, str, date | None]]:
    return [(e.kind, e.key, e.official_date) for e in diff(old, new, today=today, last_day=last_day, seen_at=SEEN)]


def test_first_sight_is_published_only_even_when_overdue() -> None:
    found = diff(None, pending(), today=date(2025, 9, 1), last_day=None, seen_at=SEEN)
    assert [(e.kind, e.official_date) for e in found] == [("published", date(2025, 3, 25))]
    assert found[0].details["author"] == "Olivia Grégoire" and found[0].ref == "QANR5L17QE5268"


def test_same_snapshot_gives_nothing() -> None:
    assert events(answered(), answered()) == []


def test_answered() -> None:
    found = diff(pending(), answered(), today=date(2025, 6, 3), last_day=date(2025, 6, 2), seen_at=SEEN)
    assert [(e.kind, e.key, e.official_date) for e in found] == [("answered", "2025-06-03", date(2025, 6, 3))]
    details = found[0].details
    assert details["days_late"] == 9 and details["deadline"] == "2025-05-25" and details["page"] == "4348"
    assert details["excerpt"].startswith("À la suite de la sollicitation") and len(details["excerpt"]) <= 401


def test_answer_changed() -> None:
    old = answered()
    assert old.answer is not None
    corrected = dataclasses.replace(old, answer=dataclasses.replace(
        old.answer, text=old.answer.text.replace("consomaation", "consommation")))
    assert events(old, corrected) == [("answer_changed", corrected.answer_hash, date(2025, 6, 3))]
    # Whitespace alone is not a change.
    spaced = dataclasses.replace(old, answer=dataclasses.replace(old.answer, text=old.answer.text.replace(" ", "  ")))
    assert events(old, spaced) == []


def test_transferred_with_its_date() -> None:
    old = pending()
    new = dataclasses.replace(old, attributions=(*old.attributions, Attribution(
        Ministry("Ministère de l'intérieur", "Intérieur", "PO1"), date(2025, 5, 6))))
    found = diff(old, new, today=date(2025, 5, 7), last_day=date(2025, 5, 6), seen_at=SEEN)
    assert [(e.kind, e.official_date) for e in found] == [("transferred", date(2025, 5, 6))]
    assert found[0].details["to_ministry"] == "Ministère de l'intérieur"
    assert found[0].details["from_ministry"].startswith("Ministère de l’économie")


def test_senat_transfer_without_date() -> None:
    url = "https://www.senat.fr/questions/base/2021/qSEQ210723812.html"
    transferred = parse_senat_text(page_text("SEQ210723812").replace("La question est caduque", ""), url)
    before = dataclasses.replace(transferred, attributions=())
    found = diff(before, transferred, today=date(2021, 8, 1), last_day=date(2021, 7, 31), seen_at=SEEN)
    assert [(e.kind, e.official_date) for e in found] == [("transferred", None)]
    assert found[0].details["to_ministry"] == "Ministère de la transition écologique et de la cohésion des territoires"


def test_signaled_and_renewed() -> None:
    old = pending()
    new = dataclasses.replace(old, signaled=(date(2025, 5, 13),), renewed=(date(2025, 5, 27),))
    assert events(old, new, today=date(2025, 5, 20), last_day=date(2025, 5, 19)) == [
        ("signaled", "2025-05-13", date(2025, 5, 13)), ("renewed", "2025-05-27", date(2025, 5, 27))]


def test_endings() -> None:
    old = pending()
    for status, label in (("withdrawn", "Retrait"), ("closed", "Fin de mandat"), ("lapsed", "Caduque")):
        new = dataclasses.replace(old, status=status, closure=Closure("X", label, date(2025, 4, 1)))
        found = diff(old, new, today=date(2025, 4, 2), last_day=date(2025, 4, 1), seen_at=SEEN)
        assert [(e.kind, e.official_date, e.details["label"]) for e in found] == [(status, date(2025, 4, 1), label)]


def test_overdue_once_when_the_deadline_passes() -> None:
    q = pending()  # deadline 2025-05-25
    assert events(q, q, today=date(2025, 5, 25), last_day=date(2025, 5, 24)) == []
    assert events(q, q, today=date(2025, 5, 26), last_day=date(2025, 5, 25)) == [
        ("overdue", "2025-05-25", date(2025, 5, 25))]
    assert events(q, q, today=date(2025, 5, 26), last_day=date(2025, 5, 26)) == []
    # Back after a week without a successful read: still exactly one overdue event.
    assert [k for k, _, _ in events(q, q, today=date(2025, 6, 2), last_day=date(2025, 5, 20))] == ["overdue"]


def test_deadline_soon_once() -> None:
    q = pending()
    assert events(q, q, today=date(2025, 5, 18), last_day=date(2025, 5, 17)) == [
        ("deadline_soon", "2025-05-25", date(2025, 5, 25))]
    assert events(q, q, today=date(2025, 5, 19), last_day=date(2025, 5, 18)) == []


def test_signaled_overdue() -> None:
    q = dataclasses.replace(pending(), published=date(2025, 6, 1), signaled=(date(2025, 6, 10),))
    found = events(q, q, today=date(2025, 6, 21), last_day=date(2025, 6, 20))
    assert found == [("signaled_overdue", "2025-06-20", date(2025, 6, 20))]


def test_answered_question_has_no_deadline_events() -> None:
    q = answered()
    assert events(q, q, today=date(2025, 7, 1), last_day=date(2025, 5, 1)) == []


def test_oral_answer_counts_as_answer() -> None:
    q = pending()
    oral = Answer(date(2025, 6, 4), None, "…", spoken=date(2025, 6, 4))
    spoken = dataclasses.replace(q, status="answered", answer=oral)
    assert [k for k, _, _ in events(q, spoken)] == ["answered"]


def test_reading_the_text_of_an_answer_known_only_by_its_date_is_no_change() -> None:
    """A bulk file (the Sénat CSV) gives an answer's date without its text; the page then gives the text."""
    old = answered()
    assert old.answer is not None
    dated_only = dataclasses.replace(old, answer=dataclasses.replace(old.answer, text=""))
    assert events(dated_only, old) == []
