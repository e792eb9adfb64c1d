"""The pure diff of two snapshots into events, on snapshots read from the real samples."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.core.deadlines import PARIS
from bot.core.events import diff
from scrapers.an import parse_an_json
from scrapers.model import Answer, Attribution, Closure, Ministry, QuestionSnapshot
from scrapers.senat import parse_senat_text
from tests.an_variants import closed_as, dump, qe_json, signaled_on, without_answer
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


def test_first_sight_is_published_only_when_not_late() -> None:
    found = diff(None, pending(), today=date(2025, 4, 1), last_day=None, seen_at=SEEN)
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


# --- late from the first reading ------------------------------------------------------------------

def signaled_pending() -> QuestionSnapshot:
    """Still unanswered, signalée on 10 June 2025: its signalement deadline is 20 June 2025."""
    return parse_an_json(dump(signaled_on(without_answer(qe_json()), "2025-06-10")), URL)


def first_sight(new: QuestionSnapshot, today: date) -> list[tuple[str, str, date | None]]:
    return events(None, new, today=today, last_day=None)


def test_first_read_a_year_after_the_deadline_gives_one_overdue_dated_by_the_deadline() -> None:
    q = pending()  # published 25 March 2025, deadline 25 May 2025
    found = diff(None, q, today=date(2026, 5, 25), last_day=None, seen_at=SEEN)
    assert [(e.kind, e.key, e.official_date) for e in found] == [
        ("published", "published", date(2025, 3, 25)), ("overdue", "2025-05-25", date(2025, 5, 25))]
    late = found[1].details
    assert (late["days_late"], late["deadline"], late["rule"]) == (365, "2025-05-25", "an-publication")
    assert late["explanation"] == ("2 mois après la publication au JO du 25/03/2025 "
                                   "(Règlement de l'Assemblée nationale, art. 135)")
    assert late["ministry"].startswith("Ministère de l’économie") and found[1].seen_at == SEEN
    # The next reads, the same day, the next day, a month later: nothing more.
    assert events(q, q, today=date(2026, 5, 25), last_day=date(2026, 5, 25)) == []
    assert events(q, q, today=date(2026, 5, 26), last_day=date(2026, 5, 25)) == []
    assert events(q, q, today=date(2026, 6, 25), last_day=date(2026, 5, 26)) == []


def test_first_read_on_the_deadline_day_is_not_late_and_the_next_day_is() -> None:
    q = pending()
    assert first_sight(q, date(2025, 5, 25)) == [("published", "published", date(2025, 3, 25))]
    assert events(q, q, today=date(2025, 5, 26), last_day=date(2025, 5, 25)) == [
        ("overdue", "2025-05-25", date(2025, 5, 25))]


def test_no_deadline_soon_at_first_sight() -> None:
    """Only what is already late is announced at once; a deadline to come shows with the question."""
    assert first_sight(pending(), date(2025, 5, 20)) == [("published", "published", date(2025, 3, 25))]


def test_a_signalee_question_first_read_past_both_deadlines() -> None:
    found = first_sight(signaled_pending(), date(2025, 7, 1))
    assert found == [("published", "published", date(2025, 3, 25)), ("overdue", "2025-05-25", date(2025, 5, 25)),
                     ("signaled_overdue", "2025-06-20", date(2025, 6, 20))]


def test_a_signalee_question_first_read_between_its_deadlines_then_its_signalement_passes() -> None:
    q = signaled_pending()
    assert first_sight(q, date(2025, 6, 15)) == [("published", "published", date(2025, 3, 25)),
                                                 ("overdue", "2025-05-25", date(2025, 5, 25))]
    # The crossing path gives the signalement's event under the key first sight would have given it.
    assert events(q, q, today=date(2025, 6, 21), last_day=date(2025, 6, 15)) == [
        ("signaled_overdue", "2025-06-20", date(2025, 6, 20))]


def test_an_ended_question_first_read_long_after_gives_no_late_event() -> None:
    assert first_sight(answered(), date(2026, 6, 3)) == [("published", "published", date(2025, 3, 25))]
    closed = parse_an_json(dump(closed_as(qe_json(), "X", "Fin de mandat", "2025-04-01")), URL)
    assert [kind for kind, _, _ in first_sight(closed, date(2026, 6, 3))] == ["published"]


def test_a_senat_question_first_read_past_its_deadline() -> None:
    url = "https://www.senat.fr/questions/base/2021/qSEQ210723812.html"
    pending_page = parse_senat_text(page_text("SEQ210723812").replace("La question est caduque", ""), url)
    found = diff(None, pending_page, today=date(2025, 6, 9), last_day=None, seen_at=SEEN)
    assert [(e.kind, e.key, e.official_date) for e in found][1:] == [("overdue", "2021-09-15", date(2021, 9, 15))]
    assert found[1].details["rule"] == "senat-publication" and found[1].details["days_late"] == 1363


@given(first=st.integers(min_value=0, max_value=200), gaps=st.lists(st.integers(min_value=0, max_value=40),
                                                                      max_size=8))
def test_one_overdue_event_whatever_the_day_of_the_first_read_and_the_reads_after(first: int,
                                                                                   gaps: list[int]) -> None:
    """From publication day + `first`, reads `gaps` days apart: one overdue event in all, under the
    deadline's key, once the last read is past the deadline; none before. Not one left for the log's
    natural key to drop."""
    q = pending()
    day = date(2025, 3, 25) + timedelta(days=first)
    told = first_sight(q, day)
    for gap in gaps:
        last, day = day, day + timedelta(days=gap)
        told += events(q, q, today=day, last_day=last)
    overdue = [(key, official) for kind, key, official in told if kind == "overdue"]
    assert overdue == ([("2025-05-25", date(2025, 5, 25))] if day > date(2025, 5, 25) else [])
