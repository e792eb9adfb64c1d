"""The deadline engine on snapshots read from the real samples, and its contract as properties.

Expected dates are worked out by hand from RULES.md § 1 (2 calendar months clamped to the month's
end, 10 days after a signalement), never copied from the engine's output.
"""

from __future__ import annotations

import calendar
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
import time_machine
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.app.context import now
from bot.core.deadlines import RULES, Deadline, deadline_status, rule_for, today_in_paris
from bot.notify.i18n import _, use_language
from scrapers.an import parse_an_json
from scrapers.model import STATUSES, Attribution, Closure, Ministry, QuestionSnapshot, Status
from scrapers.senat import parse_senat_text
from tests.conftest import sample_bytes

AN_URL = "https://www.assemblee-nationale.fr/dyn/opendata/QANR5L17QE5268.json"
SENAT_URL = "https://www.senat.fr/questions/base/2009/qSEQ091211244.html"


# --- snapshots: the real samples, and states derived from them --------------------------------

def an_answered() -> QuestionSnapshot:
    """QANR5L17QE5268: published in the JO on 2025-03-25, answered on 2025-06-03."""
    return parse_an_json(sample_bytes("an/QANR5L17QE5268.json"), AN_URL)


def senat_answered() -> QuestionSnapshot:
    """SEQ091211244: published 10/12/2009, answered 28/10/2010."""
    return parse_senat_text(sample_bytes("senat/SEQ091211244.page-text.txt").decode("utf-8"), SENAT_URL)


def unanswered(snapshot: QuestionSnapshot) -> QuestionSnapshot:
    return replace(snapshot, status="pending", answer=None, closure=None)


def an_pending(published: date | None = None) -> QuestionSnapshot:
    snapshot = unanswered(an_answered())
    return snapshot if published is None else replace(snapshot, published=published)


def answered_on(snapshot: QuestionSnapshot, day: date) -> QuestionSnapshot:
    assert snapshot.answer is not None
    return replace(snapshot, status="answered", answer=replace(snapshot.answer, date=day))


def transferred(snapshot: QuestionSnapshot, on: date) -> QuestionSnapshot:
    other = Attribution(Ministry("Ministère de l'intérieur", "Intérieur"), on)
    return replace(snapshot, attributions=(*snapshot.attributions, other))


def ended(snapshot: QuestionSnapshot, status: Status, label: str) -> QuestionSnapshot:
    return replace(unanswered(snapshot), status=status, closure=Closure(None, label, None))


# --- the sample questions ---------------------------------------------------------------------

def test_an_sample_answered_nine_days_after_its_deadline() -> None:
    status = deadline_status(an_answered(), date(2025, 7, 1))
    assert status.answer_deadline is not None
    assert status.answer_deadline.date == date(2025, 5, 25)
    assert status.answer_deadline.basis == date(2025, 3, 25)
    assert status.answer_deadline.kind == "answer"
    assert status.answer_deadline.rule.id == "an-publication"
    assert (status.open, status.overdue, status.signaled_overdue) == (False, False, False)
    assert status.binding == status.answer_deadline
    assert status.days_left is None
    assert status.days_late == 9
    assert status.answered_on_time is False
    assert status.signalement_deadline is None


def test_senat_sample_answered_late_under_article_75() -> None:
    status = deadline_status(senat_answered(), date(2025, 1, 1))
    assert status.answer_deadline is not None
    assert status.answer_deadline.date == date(2010, 2, 10)
    assert status.answer_deadline.rule.id == "senat-publication"
    # 10/02 → 28/02 is 18 days, then March to September (31+30+31+30+31+31+30), then 28 October.
    assert status.days_late == 18 + 214 + 28
    assert status.answered_on_time is False
    assert status.answer_deadline.explain_fr() == (
        "2 mois après la publication au JO du 10/12/2009 (Règlement du Sénat, art. 75)")


def test_answer_on_the_deadline_day_is_on_time() -> None:
    status = deadline_status(answered_on(an_answered(), date(2025, 5, 25)), date(2025, 7, 1))
    assert status.answered_on_time is True
    assert status.days_late == 0


# --- month arithmetic -------------------------------------------------------------------------

@pytest.mark.parametrize(("published", "deadline"), [
    (date(2025, 3, 25), date(2025, 5, 25)),
    (date(2022, 12, 31), date(2023, 2, 28)),
    (date(2023, 12, 31), date(2024, 2, 29)),
    (date(2023, 8, 31), date(2023, 10, 31)),
    # Same day number, not "month end to month end": 30 November gives 30 January.
    (date(2023, 11, 30), date(2024, 1, 30)),
    (date(2023, 12, 30), date(2024, 2, 29)),
    (date(2024, 7, 31), date(2024, 9, 30)),
])
def test_two_calendar_months_clamped_to_the_month_end(published: date, deadline: date) -> None:
    status = deadline_status(an_pending(published), published)
    assert status.answer_deadline is not None
    assert status.answer_deadline.date == deadline


# --- a pending question day by day ------------------------------------------------------------

def test_pending_on_the_deadline_day_has_zero_days_left() -> None:
    status = deadline_status(an_pending(), date(2025, 5, 25))
    assert status.open is True
    assert status.overdue is False
    assert status.days_left == 0
    assert status.days_late is None


def test_pending_the_day_after_the_deadline_is_one_day_late() -> None:
    status = deadline_status(an_pending(), date(2025, 5, 26))
    assert status.overdue is True
    assert status.days_left is None
    assert status.days_late == 1
    assert status.answered_on_time is None


def test_pending_a_month_before_the_deadline() -> None:
    status = deadline_status(an_pending(), date(2025, 4, 25))
    assert status.days_left == 30
    assert status.binding is not None and status.binding.kind == "answer"


# --- signalement ------------------------------------------------------------------------------

def test_signalement_adds_a_ten_day_deadline() -> None:
    snapshot = replace(an_pending(), signaled=(date(2025, 6, 10),))
    status = deadline_status(snapshot, date(2025, 6, 12))
    assert status.signalement_deadline is not None
    assert status.signalement_deadline.date == date(2025, 6, 20)
    assert status.signalement_deadline.kind == "signalement"
    assert status.signalement_deadline.rule.id == "an-signalement"
    assert status.signalement_deadline.explain_fr() == (
        "10 jours après le signalement du 10/06/2025 (Règlement de l'Assemblée nationale, art. 135)")
    assert status.answer_deadline is not None and status.answer_deadline.date == date(2025, 5, 25)
    # The answer deadline has passed, the signalement's has not: the one that matters now is the latter.
    assert status.overdue is True
    assert status.signaled_overdue is False
    assert status.binding == status.signalement_deadline
    assert (status.days_left, status.days_late) == (8, None)


def test_signaled_overdue_even_before_the_two_month_deadline() -> None:
    snapshot = replace(an_pending(date(2025, 6, 1)), signaled=(date(2025, 6, 10),))
    on_time = deadline_status(snapshot, date(2025, 6, 20))
    assert on_time.signaled_overdue is False
    assert on_time.binding == on_time.signalement_deadline
    assert on_time.days_left == 0

    late = deadline_status(snapshot, date(2025, 6, 21))
    assert late.signaled_overdue is True
    assert late.overdue is False
    assert late.answer_deadline is not None and late.answer_deadline.date == date(2025, 8, 1)
    # Still ahead: 21 June → 1 August is 9 + 31 + 1 days.
    assert late.binding == late.answer_deadline
    assert late.days_left == 41


def test_both_deadlines_passed_counts_late_from_the_earliest() -> None:
    snapshot = replace(an_pending(), signaled=(date(2025, 6, 10),))
    status = deadline_status(snapshot, date(2025, 6, 25))
    assert status.overdue and status.signaled_overdue
    assert status.binding == status.answer_deadline
    assert status.days_late == 31


def test_the_latest_signalement_sets_the_deadline() -> None:
    snapshot = replace(an_pending(), signaled=(date(2025, 9, 2), date(2025, 6, 10)))
    status = deadline_status(snapshot, date(2025, 9, 3))
    assert status.signalement_deadline is not None
    assert status.signalement_deadline.date == date(2025, 9, 12)


def test_signaled_then_answered_is_no_longer_overdue() -> None:
    snapshot = replace(an_answered(), signaled=(date(2025, 5, 27),))
    status = deadline_status(snapshot, date(2025, 7, 1))
    assert status.signaled_overdue is False
    assert status.binding == status.answer_deadline
    assert status.days_late == 9


# --- endings and missing dates ----------------------------------------------------------------

@pytest.mark.parametrize(("status_name", "label"), [
    ("lapsed", "La question est caduque"),
    ("withdrawn", "Retrait"),
    ("closed", "Fin de mandat"),
])
def test_an_ended_question_has_no_pending_deadline(status_name: Status, label: str) -> None:
    snapshot = replace(ended(an_answered(), status_name, label), signaled=(date(2025, 6, 10),))
    status = deadline_status(snapshot, date(2026, 1, 1))
    assert (status.open, status.overdue, status.signaled_overdue) == (False, False, False)
    assert (status.days_left, status.days_late, status.answered_on_time) == (None, None, None)
    assert status.answer_deadline is not None
    assert status.binding == status.answer_deadline


def test_without_a_publication_date_there_is_no_deadline() -> None:
    status = deadline_status(replace(an_pending(), published=None), date(2025, 6, 1))
    assert status.answer_deadline is None
    assert status.signalement_deadline is None
    assert status.binding is None
    assert (status.overdue, status.signaled_overdue) == (False, False)
    assert (status.days_left, status.days_late, status.answered_on_time) == (None, None, None)

    answered = deadline_status(replace(an_answered(), published=None), date(2025, 7, 1))
    assert (answered.answer_deadline, answered.days_late, answered.answered_on_time) == (None, None, None)


# --- any stored date (issue 17): the deadline is unknown, never a crash ---------------------------

def test_a_publication_on_the_last_representable_day_has_no_deadline() -> None:
    """31/12/9999 plus two months is in the year 10000: no deadline, the question stays open and on time."""
    status = deadline_status(an_pending(date(9999, 12, 31)), date(2025, 6, 1))
    assert (status.answer_deadline, status.binding, status.open) == (None, None, True)
    assert (status.overdue, status.days_left, status.days_late) == (False, None, None)


def test_a_signalement_days_before_the_last_day_has_no_deadline() -> None:
    """Ten days after 25/12/9999 is past date.max (the days overflow, not the year): no signalement deadline;
    the answer deadline of the real publication (25/05/2025) is kept and binds."""
    status = deadline_status(replace(an_pending(), signaled=(date(9999, 12, 25),)), date(2025, 6, 1))
    assert status.signalement_deadline is None
    assert status.binding is not None and status.binding.date == date(2025, 5, 25)
    assert status.days_late == 7


def test_an_answer_of_year_one_to_a_question_of_year_one() -> None:
    """Before the Fifth Republic no rule applies: no deadline, so no lateness either."""
    snapshot = answered_on(replace(an_answered(), published=date(1, 1, 1)), date(1, 1, 1))
    status = deadline_status(snapshot, date(2025, 6, 1))
    assert (status.answer_deadline, status.days_late, status.answered_on_time) == (None, None, None)


@settings(max_examples=300)
@given(published=st.dates(), signaled=st.lists(st.dates(), max_size=3), answered=st.none() | st.dates(),
       today=st.dates())
def test_any_dates_give_a_status_and_never_raise(published: date, signaled: list[date], answered: date | None,
                                                 today: date) -> None:
    snapshot = replace(an_pending(published), signaled=tuple(signaled))
    if answered is not None:
        snapshot = answered_on(replace(an_answered(), published=published, signaled=tuple(signaled)), answered)
    status = deadline_status(snapshot, today)
    for deadline in (status.answer_deadline, status.signalement_deadline):
        assert deadline is None or deadline.date >= deadline.basis
    assert status.days_left is None or status.days_late is None


# --- the rule rows ----------------------------------------------------------------------------

def test_rule_rows_are_unique_and_never_overlap() -> None:
    assert len({rule.id for rule in RULES}) == len(RULES)
    for a in RULES:
        for b in RULES:
            if a is b or (a.chamber, a.starts_from) != (b.chamber, b.starts_from):
                continue
            a_end = a.valid_until or date.max
            b_end = b.valid_until or date.max
            assert a_end <= b.valid_from or b_end <= a.valid_from, (a.id, b.id)


def test_rule_for_picks_by_chamber_event_and_date() -> None:
    rule = rule_for("senat", "publication", date(2009, 12, 10))
    assert rule is not None
    assert (rule.months, rule.days, rule.source) == (2, 0, "Règlement du Sénat, art. 75")
    assert rule.note is not None and "1 mois" in rule.note
    assert rule_for("senat", "signalement", date(2025, 6, 10)) is None
    assert rule_for("an", "publication", date(1950, 1, 1)) is None


def test_explain_names_the_rule_and_the_basis() -> None:
    rule = rule_for("senat", "publication", date(2022, 11, 10))
    assert rule is not None
    deadline = Deadline(kind="answer", date=date(2023, 1, 10), basis=date(2022, 11, 10), rule=rule)
    assert deadline.explain_fr() == (
        "2 mois après la publication au JO du 10/11/2022 (Règlement du Sénat, art. 75)")


def test_explain_reads_in_the_language_asked_and_explain_fr_stays_french() -> None:
    # A person reads the rule in their language (`explain(_)`); JSON values and stored events keep French.
    rule = rule_for("an", "signalement", date(2025, 3, 4))
    assert rule is not None
    deadline = Deadline(kind="signalement", date=date(2025, 3, 14), basis=date(2025, 3, 4), rule=rule)
    use_language("en")
    try:
        english, kept = deadline.explain(_), deadline.explain_fr()
    finally:
        use_language("fr")
    assert english == ("10 days after the signalement of 04/03/2025 "
                       "(Rules of Procedure of the Assemblée nationale, art. 135)")
    assert kept == deadline.explain(_) == (
        "10 jours après le signalement du 04/03/2025 (Règlement de l'Assemblée nationale, art. 135)")


# --- today in Paris ---------------------------------------------------------------------------

def test_late_evening_utc_on_new_years_eve_is_already_new_year_in_paris() -> None:
    assert today_in_paris(datetime(2024, 12, 31, 23, 30, tzinfo=UTC)) == date(2025, 1, 1)
    assert today_in_paris(datetime(2024, 12, 31, 22, 59, tzinfo=UTC)) == date(2024, 12, 31)


def test_summer_time_is_two_hours_ahead_of_utc() -> None:
    assert today_in_paris(datetime(2025, 6, 30, 22, 0, tzinfo=UTC)) == date(2025, 7, 1)
    assert today_in_paris(datetime(2025, 6, 30, 21, 59, tzinfo=UTC)) == date(2025, 6, 30)


def test_any_aware_offset_is_converted() -> None:
    new_york = timezone(timedelta(hours=-5))
    assert today_in_paris(datetime(2024, 12, 31, 18, 30, tzinfo=new_york)) == date(2025, 1, 1)


def test_a_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        today_in_paris(datetime(2024, 12, 31, 23, 30))  # noqa: DTZ001 (the point of the test)


def test_the_one_clock_gives_the_day_in_paris() -> None:
    with time_machine.travel(datetime(2024, 12, 31, 23, 30, tzinfo=UTC), tick=False):
        assert today_in_paris(now()) == date(2025, 1, 1)


# --- properties -------------------------------------------------------------------------------

PROPERTIES = settings(max_examples=200, deadline=None)
days = st.dates(min_value=date(1960, 1, 1), max_value=date(2090, 12, 31))
statuses = st.sampled_from(STATUSES)


def _answer_date(snapshot: QuestionSnapshot) -> date:
    status = deadline_status(snapshot, snapshot.published or date.min)
    assert status.answer_deadline is not None
    return status.answer_deadline.date


@PROPERTIES
@given(published=days)
def test_deadline_is_two_calendar_months_later_same_day_or_clamped(published: date) -> None:
    deadline = _answer_date(an_pending(published))
    assert deadline > published
    assert deadline.year * 12 + deadline.month == published.year * 12 + published.month + 2
    last_day = calendar.monthrange(deadline.year, deadline.month)[1]
    assert deadline.day == published.day or (deadline.day < published.day and deadline.day == last_day)


@PROPERTIES
@given(published=days, senat=st.booleans())
def test_answer_on_the_deadline_is_on_time_and_a_day_later_one_day_late(published: date, senat: bool) -> None:
    question = replace(senat_answered() if senat else an_answered(), published=published)
    deadline = _answer_date(question)
    on_time = deadline_status(answered_on(question, deadline), deadline)
    assert (on_time.answered_on_time, on_time.days_late) == (True, 0)
    next_day = deadline + timedelta(days=1)
    late = deadline_status(answered_on(question, next_day), next_day)
    assert (late.answered_on_time, late.days_late) == (False, 1)


@PROPERTIES
@given(published=days, after=st.integers(0, 400), today=days, status=statuses)
def test_a_transfer_never_moves_a_deadline(published: date, after: int, today: date, status: Status) -> None:
    question = replace(an_answered(), published=published, status=status)
    moved = transferred(question, published + timedelta(days=after))
    assert moved.transferred
    assert deadline_status(moved, today) == deadline_status(question, today)


@PROPERTIES
@given(published=days, after=st.integers(0, 400), today=days)
def test_a_signalement_adds_its_own_ten_day_deadline(published: date, after: int, today: date) -> None:
    question = an_pending(published)
    signaled_on = published + timedelta(days=after)
    before = deadline_status(question, today)
    status = deadline_status(replace(question, signaled=(signaled_on,)), today)
    assert status.answer_deadline == before.answer_deadline
    assert status.signalement_deadline is not None
    assert status.signalement_deadline.date == signaled_on + timedelta(days=10)
    assert status.signaled_overdue == (today > signaled_on + timedelta(days=10))
    assert status.overdue == before.overdue


@PROPERTIES
@given(published=days, renewals=st.lists(st.integers(1, 1500), max_size=3), today=days, status=statuses)
def test_renewals_change_nothing(published: date, renewals: list[int], today: date, status: Status) -> None:
    question = replace(an_answered(), published=published, status=status)
    renewed = replace(question, renewed=tuple(published + timedelta(days=n) for n in sorted(renewals)))
    assert deadline_status(renewed, today) == deadline_status(question, today)


@PROPERTIES
@given(published=days, signaled=st.lists(st.integers(0, 400), max_size=2), today=days, status=statuses,
       answered_after=st.integers(0, 400))
def test_days_left_and_days_late_are_never_both_set(published: date, signaled: list[int], today: date,
                                                    status: Status, answered_after: int) -> None:
    question = answered_on(replace(an_answered(), published=published),
                           published + timedelta(days=answered_after))
    question = replace(question, status=status, signaled=tuple(published + timedelta(days=n) for n in signaled))
    result = deadline_status(question, today)
    assert result.days_left is None or result.days_late is None
    assert result.days_left is None or result.days_left >= 0
    assert result.days_late is None or result.days_late >= 0
    if status != "pending":
        assert not (result.open or result.overdue or result.signaled_overdue)
