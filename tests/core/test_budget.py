"""The request budget's rule (bot.core.budget.read_reason): which watched questions the check cycle
reads one by one, and why. 3 June 2025 is a Tuesday (the AN's JO day: the real QANR5L17QE5268 was
answered in the JO of that day), 5 June a Thursday (the Sénat's)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.core.budget import BudgetSettings, ReadFacts, bulk_fresh, publication_noon, read_reason
from bot.core.deadlines import PARIS

SETTINGS = BudgetSettings(recheck_closed_days=7, bulk_fresh_hours=24)
IMPORT = datetime(2025, 6, 3, 6, 5, tzinfo=PARIS)  # the morning's bulk import, a Tuesday


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 6, day, hour, minute, tzinfo=PARIS)


def rule_found(chamber: str = "an", status: str = "pending", **changes: object) -> ReadFacts:
    """A question a follow rule found in the morning's bulk import, read one by one last week."""
    facts = ReadFacts(chamber, False, status, last_success=IMPORT, last_checked=IMPORT, bulk_at=IMPORT,
                      bulk_changed=at(1, 6), own_read=at(1, 9))
    return replace(facts, **changes)  # type: ignore[arg-type]


def watch(chamber: str = "an", status: str = "pending", **changes: object) -> ReadFacts:
    return replace(rule_found(chamber, status, **changes), in_watch=True)


def test_a_question_never_read_is_read_at_once() -> None:
    assert read_reason(ReadFacts("an", False, None), at(3, 7), SETTINGS) == "never_read"
    unread = ReadFacts("senat", True, "unknown", last_checked=at(3, 7))  # only failed reads so far
    assert read_reason(unread, at(3, 9), SETTINGS) == "never_read"


def test_a_question_a_fresh_bulk_read_covers_is_not_read_one_by_one() -> None:
    for status in ("pending", "answered", "closed"):
        for now in (at(3, 7), at(3, 12, 30), at(4, 6)):  # a Tuesday noon changes nothing for a rule's question
            assert read_reason(rule_found(status=status), now, SETTINGS) is None
    assert read_reason(rule_found("senat", bulk_at=at(5, 6)), at(5, 13), SETTINGS) is None


def test_a_stale_bulk_read_falls_back_to_the_rules_without_bulk() -> None:
    later = IMPORT + timedelta(hours=24, minutes=1)  # the next import failed
    assert not bulk_fresh(rule_found(), later, SETTINGS)
    assert read_reason(rule_found(), later, SETTINGS) == "open"
    assert read_reason(rule_found(), later, replace(SETTINGS, bulk_fresh_hours=48)) is None
    # An answered one: re-read for corrections once every recheck_closed_days, from its last success.
    assert read_reason(rule_found(status="answered"), later, SETTINGS) is None
    assert read_reason(rule_found(status="answered"), IMPORT + timedelta(days=7), SETTINGS) == "closed_recheck"


def test_a_question_no_bulk_source_covers_is_read_as_before_in_watch_once_a_day_if_a_rule_found_it() -> None:
    legacy = ReadFacts("an", True, "pending", last_success=at(3, 7), last_checked=at(3, 7), own_read=at(3, 7))
    assert read_reason(legacy, at(3, 9), SETTINGS) == "open"  # the user's own list: every cycle
    found = replace(legacy, in_watch=False)  # e.g. a Sénat question older than the CSV's twelve months
    assert read_reason(found, at(3, 9), SETTINGS) is None
    assert read_reason(found, at(4, 6, 40), SETTINGS) is None
    assert read_reason(found, at(4, 6, 45), SETTINGS) == "open"  # a day later, less the slack
    closed = replace(found, status="answered")
    assert read_reason(closed, at(9, 7), SETTINGS) is None
    assert read_reason(closed, at(10, 7), SETTINGS) == "closed_recheck"


def test_a_missing_question_is_read_once_a_day_even_when_covered() -> None:
    missing = replace(watch(), missing=True, last_checked=at(3, 10))
    assert read_reason(missing, at(4, 9), SETTINGS) is None
    assert read_reason(missing, at(4, 9, 45), SETTINGS) == "missing"


def test_a_watched_question_is_read_after_a_bulk_change_its_own_reads_have_not_seen() -> None:
    changed = watch(bulk_changed=IMPORT)  # the archive brought a change this morning
    assert read_reason(changed, at(3, 7), SETTINGS) == "bulk_change"
    assert read_reason(replace(changed, own_read=at(3, 7)), at(3, 9), SETTINGS) is None
    assert read_reason(replace(changed, status="answered"), at(3, 20), SETTINGS) == "bulk_change"
    # First seen in a bulk file: its change is its arrival.
    assert read_reason(watch(own_read=None, bulk_changed=IMPORT), at(3, 7), SETTINGS) == "bulk_change"


def test_an_open_watched_question_is_read_once_on_its_chambers_publication_day_from_noon() -> None:
    an = watch()
    assert read_reason(an, at(3, 11, 59), SETTINGS) is None  # Tuesday morning: the import covers it
    assert read_reason(an, at(3, 12, 30), SETTINGS) == "publication_day"
    assert read_reason(replace(an, own_read=at(3, 12, 30)), at(3, 15), SETTINGS) is None  # once that day
    assert read_reason(replace(an, bulk_at=at(5, 6)), at(5, 13), SETTINGS) is None  # Thursday: the Sénat's day
    senat = watch("senat", bulk_at=at(5, 6), last_success=at(5, 6))
    assert read_reason(senat, at(5, 12, 30), SETTINGS) == "publication_day"
    assert read_reason(replace(senat, bulk_at=IMPORT), at(3, 12, 30), SETTINGS) is None
    # Answered or ended: its corrections come with the bulk file's change.
    assert read_reason(watch(status="answered"), at(3, 12, 30), SETTINGS) is None


def test_the_publication_day_is_the_paris_day() -> None:
    # 10:30 UTC is 12:30 in Paris in June; 23:30 UTC on Monday is already Tuesday in Paris.
    assert publication_noon("an", datetime(2025, 6, 3, 10, 30, tzinfo=UTC)) == at(3, 12)
    assert publication_noon("an", datetime(2025, 6, 3, 9, 30, tzinfo=UTC)) is None
    assert publication_noon("an", datetime(2025, 6, 2, 23, 30, tzinfo=UTC)) is None  # Tuesday 1:30, before noon
    assert publication_noon("senat", at(5, 12)) == at(5, 12)
