"""The Atom feed of events and the iCalendar of deadlines, built from the real samples' snapshots.

Events come from the real diff (`bot.core.events.diff`) of snapshots parsed from the real AN record and
Sénat page; expected dates and wordings are read from the samples (AN 17-5268 published on
25/03/2025, answered on 03/06/2025; Sénat 11244 of 10/12/2009, answered on 28/10/2010).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import icalendar
import pytest
from lxml import etree

from bot.core.deadlines import PARIS
from bot.core.events import diff
from bot.core.status import WatchedQuestion
from bot.notify.content import Item, item_from_event
from bot.notify.feeds import atom_feed, event_tag_id, ical_deadlines, natural_key
from scrapers.an import parse_an_json
from scrapers.model import Attribution, Closure, Ministry, QuestionSnapshot
from scrapers.refs import parse_ref
from scrapers.senat import parse_senat_text
from storage.records import Event, StoredQuestion
from tests.an_variants import dump, qe_json, signaled_on, without_answer
from tests.conftest import sample_bytes
from tests.senat_pages import page_text

AN_URL = "https://www.assemblee-nationale.fr/dyn/opendata/QANR5L17QE5268.json"
AN_PAGE = "https://www.assemblee-nationale.fr/dyn/17/questions/QANR5L17QE5268"
SENAT_URL = "https://www.senat.fr/questions/base/2009/qSEQ091211244.html"
SENAT_PENDING_URL = "https://www.senat.fr/questions/base/2021/qSEQ210723812.html"
ATOM = "{http://www.w3.org/2005/Atom}"
TITLE = "Révision de la terminologie des diamants synthétiques"
FEED_ID = "tag:relance,2025:feed/events"
SELF_URL = "https://relance.example.org/feeds/events.atom"
STAMP = datetime(2025, 6, 12, 8, 0, tzinfo=UTC)


# --- snapshots from the real samples ----------------------------------------------------------------

def an_answered() -> QuestionSnapshot:
    return parse_an_json(sample_bytes("an/QANR5L17QE5268.json"), AN_URL)


def an_pending() -> QuestionSnapshot:
    return parse_an_json(dump(without_answer(qe_json())), AN_URL)


def an_signaled() -> QuestionSnapshot:
    return parse_an_json(dump(signaled_on(without_answer(qe_json()), "2025-06-10")), AN_URL)


def senat_answered() -> QuestionSnapshot:
    return parse_senat_text(page_text("SEQ091211244"), SENAT_URL)


def senat_pending() -> QuestionSnapshot:
    """The real caduque page of SEQ210723812 without its ending: a Sénat question still awaiting its answer."""
    return parse_senat_text(page_text("SEQ210723812").replace("La question est caduque", ""), SENAT_PENDING_URL)


def at(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=PARIS)


def run(old: QuestionSnapshot | None, new: QuestionSnapshot, today: date, last_day: date | None) -> list[Event]:
    return diff(old, new, today=today, last_day=last_day, seen_at=at(today))


def an_history() -> list[tuple[Event, QuestionSnapshot, date]]:
    """The life of AN 17-5268 as relance sees it: followed, deadline near, passed, then answered."""
    pending, answered = an_pending(), an_answered()
    steps = [(None, pending, date(2025, 3, 26), None), (pending, pending, date(2025, 5, 18), date(2025, 5, 17)),
             (pending, pending, date(2025, 5, 26), date(2025, 5, 25)),
             (pending, answered, date(2025, 6, 3), date(2025, 6, 2))]
    return [(e, new, today) for old, new, today, last in steps for e in run(old, new, today, last)]


def senat_history() -> list[tuple[Event, QuestionSnapshot, date]]:
    answered = senat_answered()
    before = dataclasses.replace(answered, status="pending", answer=None)
    return [(e, answered, date(2010, 10, 29)) for e in run(before, answered, date(2010, 10, 29), date(2010, 10, 28))]


def items(first_id: int = 1) -> list[Item]:
    """Items as the sender makes them, with row ids from `first_id` on (another database: other ids)."""
    history = an_history() + senat_history()
    return [item_from_event(dataclasses.replace(e, id=first_id + n), snap, today)
            for n, (e, snap, today) in enumerate(history)]


def watched(snapshot: QuestionSnapshot | None, ref: str = "QANR5L17QE5268", tags: tuple[str, ...] = ()
            ) -> WatchedQuestion:
    seen = at(date(2025, 3, 26))
    stored = StoredQuestion(ref, snapshot, seen, seen, seen, None, seen)
    return WatchedQuestion(parse_ref(ref), tags, stored)


# --- Atom -------------------------------------------------------------------------------------------

def feed(entries: Sequence[Item]) -> bytes:
    return atom_feed(entries, feed_id=FEED_ID, title="relance — événements", self_url=SELF_URL,
                     updated=datetime(2025, 6, 3, 18, 5, tzinfo=PARIS))


def feed_root(entries: Sequence[Item]) -> etree._Element:
    return etree.fromstring(feed(entries))


def entries_of(root: etree._Element) -> list[etree._Element]:
    return root.findall(f"{ATOM}entry")


def text_of(element: etree._Element, tag: str) -> str:
    found = element.find(f"{ATOM}{tag}")
    assert found is not None and found.text, f"no {tag}"
    return found.text


def test_history_gives_the_expected_events() -> None:
    assert [(i.kind, i.ref, i.official_date) for i in items()] == [
        ("published", "QANR5L17QE5268", date(2025, 3, 25)), ("deadline_soon", "QANR5L17QE5268", date(2025, 5, 25)),
        ("overdue", "QANR5L17QE5268", date(2025, 5, 25)), ("answered", "QANR5L17QE5268", date(2025, 6, 3)),
        ("answered", "SEQ091211244", date(2010, 10, 28))]


def test_atom_feed_level_elements() -> None:
    root = feed_root(items())
    assert root.tag == f"{ATOM}feed"
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "fr"
    assert text_of(root, "id") == FEED_ID
    assert text_of(root, "title") == "relance — événements"
    assert text_of(root, "updated") == "2025-06-03T18:05:00+02:00"
    assert text_of(root, "generator") == "relance"
    assert [(link.get("rel"), link.get("href")) for link in root.findall(f"{ATOM}link")] == [
        ("self", SELF_URL)]
    # The feed's author makes entries without one valid (RFC 4287 § 4.1.1).
    assert root.findtext(f"{ATOM}author/{ATOM}name") == "relance"


def test_atom_entries_have_the_required_elements() -> None:
    entries = entries_of(feed_root(items()))
    assert len(entries) == 5
    for entry in entries:
        for tag in ("id", "title", "updated", "published", "summary"):
            text_of(entry, tag)
        links = entry.findall(f"{ATOM}link")
        assert [link.get("rel", "alternate") for link in links] == ["alternate"]  # no rel: alternate
        assert links[0].get("href", "").startswith(("https://www.assemblee-nationale.fr/", "https://www.senat.fr/"))
        assert entry.find(f"{ATOM}summary").get("type") == "text"  # type: ignore[union-attr]
    ids = [text_of(e, "id") for e in entries]
    assert len(set(ids)) == len(ids)


def test_atom_newest_first() -> None:
    entries = entries_of(feed_root(items()))
    assert [text_of(e, "updated") for e in entries] == [
        "2025-06-03T09:00:00+02:00", "2025-05-26T09:00:00+02:00", "2025-05-18T09:00:00+02:00",
        "2025-03-26T09:00:00+01:00", "2010-10-29T09:00:00+02:00"]


def test_entry_ids_are_the_natural_identity() -> None:
    ids = [text_of(e, "id") for e in entries_of(feed_root(items()))]
    assert ids == [
        "tag:relance,2025:event/QANR5L17QE5268/answered/2025-06-03",
        "tag:relance,2025:event/QANR5L17QE5268/overdue/2025-05-25",
        "tag:relance,2025:event/QANR5L17QE5268/deadline_soon/2025-05-25",
        "tag:relance,2025:event/QANR5L17QE5268/published",
        "tag:relance,2025:event/SEQ091211244/answered/2010-10-28",
    ]


def test_same_events_same_feed_whatever_the_order_or_the_row_ids() -> None:
    first = feed(items())
    assert feed(items()) == first
    assert feed(list(reversed(items()))) == first
    # Another database numbers the same events differently: the ids do not move.
    assert [event_tag_id(i) for i in items(first_id=1000)] == [event_tag_id(i) for i in items()]


def test_natural_key_rebuilds_the_events_key() -> None:
    pending = an_pending()
    moved = dataclasses.replace(pending, attributions=(*pending.attributions, Attribution(
        Ministry("Ministère de l'intérieur", "Intérieur", "PO1"), date(2025, 5, 6))))
    signaled = dataclasses.replace(pending, signaled=(date(2025, 5, 13),), renewed=(date(2025, 5, 27),))
    closed = dataclasses.replace(pending, status="closed", closure=Closure("FIN_MANDAT", "Fin de mandat", None))
    late_signal = an_signaled()
    events = (run(pending, moved, date(2025, 5, 7), date(2025, 5, 6)) + run(pending, signaled, date(2025, 5, 20),
              date(2025, 5, 19)) + run(pending, closed, date(2025, 7, 1), date(2025, 6, 30))
              + run(late_signal, late_signal, date(2025, 6, 21), date(2025, 6, 20)))
    assert {e.kind for e in events} == {"transferred", "signaled", "renewed", "closed", "signaled_overdue"}
    for event, _, today in [*((e, None, None) for e in events), *an_history(), *senat_history()]:
        assert natural_key(item_from_event(event, None, today or date(2025, 7, 1))) == event.key, event.kind
    transfer = item_from_event(events[0], moved, date(2025, 5, 7))
    assert event_tag_id(transfer).startswith("tag:relance,2025:event/QANR5L17QE5268/transferred/")
    assert " " not in event_tag_id(transfer) and "|" not in event_tag_id(transfer)


def test_two_answer_changes_get_two_ids() -> None:
    old = an_answered()
    assert old.answer is not None
    once = dataclasses.replace(old, answer=dataclasses.replace(
        old.answer, text=old.answer.text.replace("consomaation", "consommation")))
    twice = dataclasses.replace(once, answer=dataclasses.replace(old.answer, text="Réponse remplacée."))
    changes = run(old, once, date(2025, 6, 5), date(2025, 6, 4)) + run(once, twice, date(2025, 6, 6), date(2025, 6, 5))
    assert [e.kind for e in changes] == ["answer_changed", "answer_changed"]
    ids = [event_tag_id(item_from_event(e, twice, date(2025, 6, 6))) for e in changes]
    assert len(set(ids)) == 2
    assert ids == [event_tag_id(item_from_event(e, twice, date(2025, 6, 6))) for e in changes]


def test_answered_entry_reads_in_french() -> None:
    entry = entries_of(feed_root(items()))[0]
    assert text_of(entry, "title") == f"Réponse publiée — AN 17-5268 : {TITLE}"
    assert entry.findtext(f"{ATOM}author/{ATOM}name") == "Olivia Grégoire"
    assert entry.find(f"{ATOM}link").get("href") == AN_PAGE  # type: ignore[union-attr]
    assert text_of(entry, "published") == "2025-06-03T09:00:00+02:00"
    summary = text_of(entry, "summary")
    # Deadline 25/05/2025, answered 03/06/2025: 9 days late.
    assert summary.startswith("Réponse au JO du 3 juin 2025 (page 4348), publiée avec 9 jours de retard.")
    assert "Ministère : Ministère de l’économie, des finances et de la souveraineté" in summary
    assert "« À la suite de la sollicitation d'un opérateur" in summary
    assert "Échéance : 25/05/2025 — 2 mois après la publication au JO du 25/03/2025" in summary
    assert summary.endswith(AN_PAGE)


def test_deadline_entries_say_the_date_and_the_rule() -> None:
    entries = entries_of(feed_root(items()))
    overdue, soon = text_of(entries[1], "summary"), text_of(entries[2], "summary")
    assert text_of(entries[1], "title") == f"Délai dépassé — AN 17-5268 : {TITLE}"
    # The same sentence as the e-mail's, then what to do (RULES.md § 1: ask for a signalement).
    assert overdue.startswith("Délai dépassé de 1 jour : la réponse était due le 25 mai 2025.\n"
                              "Que faire : demander à un président de groupe de la signaler")
    assert "(Règlement de l'Assemblée nationale, art. 135)" in overdue
    assert text_of(entries[2], "title") == f"Échéance proche — AN 17-5268 : {TITLE}"
    assert soon.startswith("Échéance dans 7 jours, le 25 mai 2025.")


def test_untitled_senat_question() -> None:
    entry = entries_of(feed_root(items()))[-1]
    assert text_of(entry, "title") == "Réponse publiée — Sénat 11244 (2009-12)"
    assert entry.findtext(f"{ATOM}author/{ATOM}name") == "Jean Louis Masson"
    assert "L'honorable parlementaire est invité" in text_of(entry, "summary")


def test_empty_feed_is_valid() -> None:
    root = feed_root([])
    assert entries_of(root) == [] and text_of(root, "id") == FEED_ID


def test_feedparser_reads_it() -> None:
    feedparser = pytest.importorskip("feedparser")
    parsed = feedparser.parse(feed(items()))
    assert not parsed.bozo and parsed.version == "atom10"
    assert len(parsed.entries) == 5
    assert parsed.entries[0].id == "tag:relance,2025:event/QANR5L17QE5268/answered/2025-06-03"
    assert parsed.entries[0].title == f"Réponse publiée — AN 17-5268 : {TITLE}"
    assert parsed.entries[0].author == "Olivia Grégoire"


# --- iCalendar --------------------------------------------------------------------------------------

def calendar(questions: Sequence[WatchedQuestion], today: date, sequence_of: dict[str, int] | None = None
             ) -> icalendar.Calendar:
    raw = ical_deadlines(questions, today=today, stamp=STAMP, sequence_of=sequence_of or {})
    return icalendar.Calendar.from_ical(raw)


def vevents(cal: icalendar.Calendar) -> list[icalendar.Component]:
    return cal.walk("VEVENT")


def test_calendar_level_properties() -> None:
    cal = calendar([watched(an_pending())], date(2025, 5, 1))
    assert str(cal["VERSION"]) == "2.0"
    assert "relance" in str(cal["PRODID"])
    assert str(cal["X-WR-CALNAME"]) == "relance — échéances des questions écrites"


def test_pending_an_question_has_its_answer_deadline() -> None:
    cal = calendar([watched(an_pending(), tags=("diamants",))], date(2025, 5, 1), {"QANR5L17QE5268": 42})
    [event] = vevents(cal)
    # Published 25/03/2025 + 2 months: 25/05/2025, an all-day event ending the next day.
    assert event.decoded("DTSTART") == date(2025, 5, 25)
    assert type(event.decoded("DTSTART")) is date and type(event.decoded("DTEND")) is date
    assert event.decoded("DTEND") == date(2025, 5, 26)
    assert str(event["UID"]) == "QANR5L17QE5268-answer@relance"
    assert event.decoded("SEQUENCE") == 42
    assert event.decoded("DTSTAMP") == STAMP
    assert str(event["SUMMARY"]) == f"Échéance : AN 17-5268 — {TITLE}"
    assert str(event["URL"]) == AN_PAGE
    description = str(event["DESCRIPTION"])
    assert "Échéance de la réponse : 25/05/2025 (dans 24 jours)" in description
    assert ("Règle : 2 mois après la publication au JO du 25/03/2025 "
            "(Règlement de l'Assemblée nationale, art. 135)") in description
    assert "Ministère : Ministère de l’économie, des finances et de la souveraineté" in description
    assert "Auteur : Mme Olivia Grégoire" in description and AN_PAGE in description
    assert str(event["TRANSP"]) == "TRANSPARENT"
    assert event["CATEGORIES"].to_ical() == b"diamants"


def test_signaled_question_has_both_deadlines_the_passed_one_marked() -> None:
    cal = calendar([watched(an_signaled())], date(2025, 6, 12), {"QANR5L17QE5268": 7})
    answer, signal = vevents(cal)
    assert (answer.decoded("DTSTART"), str(answer["UID"])) == (date(2025, 5, 25), "QANR5L17QE5268-answer@relance")
    assert str(answer["SUMMARY"]) == f"Délai dépassé : AN 17-5268 — {TITLE}"
    assert "(dépassée de 18 jours)" in str(answer["DESCRIPTION"])
    # Signalée on 10/06/2025: 10 days, 20/06/2025.
    assert signal.decoded("DTSTART") == date(2025, 6, 20) and signal.decoded("DTEND") == date(2025, 6, 21)
    assert str(signal["UID"]) == "QANR5L17QE5268-signalement@relance"
    assert str(signal["SUMMARY"]) == f"Échéance du signalement : AN 17-5268 — {TITLE}"
    assert "Règle : 10 jours après le signalement du 10/06/2025" in str(signal["DESCRIPTION"])
    assert [e.decoded("SEQUENCE") for e in (answer, signal)] == [7, 7]


def test_uids_stay_when_the_question_changes() -> None:
    before = vevents(calendar([watched(an_pending())], date(2025, 5, 1), {"QANR5L17QE5268": 3}))
    after = vevents(calendar([watched(an_signaled())], date(2025, 6, 12), {"QANR5L17QE5268": 5}))
    assert str(before[0]["UID"]) == str(after[0]["UID"])
    assert before[0].decoded("SEQUENCE") < after[0].decoded("SEQUENCE")


def test_senat_pending_question() -> None:
    [event] = vevents(calendar([watched(senat_pending(), "SEQ210723812")], date(2021, 8, 1)))
    # Published 15/07/2021 + 2 months (Règlement du Sénat, art. 75).
    assert event.decoded("DTSTART") == date(2021, 9, 15)
    assert str(event["UID"]) == "SEQ210723812-answer@relance"
    assert event.decoded("SEQUENCE") == 0
    assert "Règlement du Sénat, art. 75" in str(event["DESCRIPTION"])
    assert str(event["SUMMARY"]).startswith("Échéance : Sénat 23812 (2021-07)")


def test_answered_ended_and_unread_questions_have_no_event() -> None:
    closed = dataclasses.replace(an_pending(), status="closed", closure=Closure("FIN_MANDAT", "Fin de mandat", None))
    never_read = WatchedQuestion(parse_ref("AN 17-1"), (), None)
    questions = [watched(an_answered()), watched(senat_answered(), "SEQ091211244"), watched(closed),
                 watched(None, "QANR5L17QE2"), never_read]
    cal = calendar(questions, date(2025, 5, 1))
    assert vevents(cal) == []
    assert str(cal["VERSION"]) == "2.0"


def test_events_in_date_order_and_same_bytes_twice() -> None:
    questions = [watched(an_signaled()), watched(senat_pending(), "SEQ210723812")]
    raw = ical_deadlines(questions, today=date(2025, 6, 12), stamp=STAMP, sequence_of={})
    assert ical_deadlines(list(reversed(questions)), today=date(2025, 6, 12), stamp=STAMP, sequence_of={}) == raw
    starts = [e.decoded("DTSTART") for e in vevents(icalendar.Calendar.from_ical(raw))]
    assert starts == [date(2021, 9, 15), date(2025, 5, 25), date(2025, 6, 20)]


def test_wire_format_crlf_folded_all_day() -> None:
    raw = ical_deadlines([watched(an_signaled())], today=date(2025, 6, 12),
                         stamp=datetime(2025, 6, 12, 10, 0, tzinfo=PARIS), sequence_of={"QANR5L17QE5268": 9})
    assert raw.startswith(b"BEGIN:VCALENDAR\r\n") and raw.endswith(b"END:VCALENDAR\r\n")
    lines = raw.split(b"\r\n")[:-1]
    assert b"\n" not in b"".join(lines) and b"\r" not in b"".join(lines)
    assert all(len(line) <= 75 for line in lines)  # RFC 5545 § 3.1: octets, continuation lines included
    assert any(line.startswith(b" ") for line in lines)  # the long description is folded
    for line in lines:
        line.decode("utf-8")  # folding never splits a character
    assert b"DTSTART;VALUE=DATE:20250525\r\n" in raw and b"DTEND;VALUE=DATE:20250621\r\n" in raw
    assert raw.count(b"BEGIN:VEVENT") == 2
    # A Paris stamp is written in UTC.
    assert b"DTSTAMP:20250612T080000Z\r\n" in raw and b"SEQUENCE:9\r\n" in raw


def test_naive_stamp_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        ical_deadlines([], today=date(2025, 6, 12), stamp=datetime(2025, 6, 12, 10, 0), sequence_of={})  # noqa: DTZ001


def test_deadline_day_itself_is_not_overdue() -> None:
    [event] = vevents(calendar([watched(an_pending())], date(2025, 5, 25)))
    assert str(event["SUMMARY"]).startswith("Échéance :")
    assert "(aujourd'hui)" in str(event["DESCRIPTION"])
    [late] = vevents(calendar([watched(an_pending())], date(2025, 5, 25) + timedelta(days=1)))
    assert str(late["SUMMARY"]).startswith("Délai dépassé :")
