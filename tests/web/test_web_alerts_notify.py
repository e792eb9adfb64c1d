"""What a search alert tells at notify time, on a real SQLite file holding the real samples' snapshots stored
through the real diff (tests/web/seeded.py): a search finds questions no follow rule watches, including
those stored after it was saved; a search alone is not « everything »; tags and questions work as before;
daily digests end with the subscriber's questions still late, the latest to have become late first.

From the samples: AN 17-5268 (Olivia Grégoire, « diamants synthétiques ») due by 25/05/2025; Sénat 23812
(Jean Louis Masson), published on 15/07/2021, due by 15/09/2021; both stored here unanswered, so both late
on 10/06/2025. Only the AN question is watched (`TAGS_OF`)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlite_utils import Database

from bot.app.database import fill_deadlines
from bot.core.deadlines import PARIS
from bot.notify.content import Digest
from bot.notify.digest import render_digest
from bot.notify.emails import PlannedEmail, Schedule, plan_emails
from bot.notify.subscriptions import MailSettings, late_of
from scrapers.an import parse_an_json
from scrapers.model import QuestionSnapshot
from storage.db import open_db
from storage.searches import SavedSearch, follow_search, matching
from storage.subscribers import Subscriber, set_state, upsert_pending
from tests.an_variants import dump, qe_json, without_answer
from tests.web.seeded import AN, SENAT_ANSWERED, SENAT_PENDING, an_pending, senat_answered, senat_pending, store

TAGS_OF = {AN: ("diamants",)}  # the watched set: the Sénat questions are stored, not watched
SETTINGS = MailSettings(sender="relance <relance@example.net>", base_url="https://relance.test",
                        secret="a-test-secret-that-is-long-enough")
NOW = datetime(2025, 6, 10, 12, 0, tzinfo=PARIS)
MASSON = SavedSearch(author="Masson", chamber="senat")


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    found = open_db(tmp_path / "relance.db")
    yield found
    found.close()


def subscriber(db: Database, email: str, *, tags: tuple[str, ...] = (), searches: tuple[SavedSearch, ...] = ()
               ) -> Subscriber:
    pending, _ = upsert_pending(db, email, frequency="daily", tags=tags, refs=(),
                                now=datetime(2025, 3, 1, tzinfo=PARIS))
    for search in searches:
        follow_search(db, pending.id, search, datetime(2025, 3, 1, tzinfo=PARIS))
    return set_state(db, pending, "confirmed", datetime(2025, 3, 1, 9, tzinfo=PARIS))


def plans(db: Database) -> dict[str, PlannedEmail]:
    fill_deadlines(db)  # as every command does when it opens the database (bot/app/database.py)
    return {s.email: plan for s, plan in plan_emails(db, TAGS_OF, NOW, SETTINGS, Schedule()) if plan is not None}


def test_a_search_tells_of_questions_no_rule_watches_even_those_stored_after_it(db: Database, tmp_path: Path) -> None:
    subscriber(db, "searcher@example.net", searches=(MASSON,))
    subscriber(db, "tagger@example.net", tags=("diamants",))
    subscriber(db, "everything@example.net")
    for snapshot in (an_pending(), senat_answered(), senat_pending()):  # stored after the searches were saved
        store(tmp_path / "relance.db", None, snapshot, date(2025, 4, 1))
    told = {email: {e.ref for e in plan.events} for email, plan in plans(db).items()}
    assert told == {"searcher@example.net": {SENAT_ANSWERED, SENAT_PENDING},  # Masson's, at the Sénat
                    "tagger@example.net": {AN},
                    "everything@example.net": {AN}}  # everything watched, not every question stored


def test_matching_keeps_the_chamber_and_every_word(db: Database, tmp_path: Path) -> None:
    for snapshot in (an_pending(), senat_pending()):
        store(tmp_path / "relance.db", None, snapshot, date(2025, 4, 1))
    refs = [AN, SENAT_PENDING]
    assert matching(db, [SavedSearch("diamants")], refs) == {AN}
    assert matching(db, [SavedSearch("diamants", chamber="senat")], refs) == set()
    assert matching(db, [SavedSearch("diamants rubis")], refs) == set()  # every word must be there
    assert matching(db, [SavedSearch(author="Jean Louis Masson")], refs) == {SENAT_PENDING}
    assert matching(db, [SavedSearch(ministry="transition écologique")], refs) == {SENAT_PENDING}
    # One query string for two spellings: spaces collapsed, « é » typed as e + U+0301 composed, other keys left.
    typed = SavedSearch.from_args({"q": "  e\u0301tat   civil ", "chamber": "an", "page": "2"})
    assert typed == SavedSearch("état civil", "an") and typed.query == "q=%C3%A9tat+civil&chamber=an"


def test_a_daily_digest_ends_with_the_subscribers_questions_still_late(db: Database, tmp_path: Path) -> None:
    subscriber(db, "both@example.net", tags=("diamants",), searches=(MASSON,))
    for snapshot in (an_pending(), senat_pending()):
        store(tmp_path / "relance.db", None, snapshot, date(2025, 4, 1))
    plan = plans(db)["both@example.net"]
    late = plan.digest.still_late
    assert late is not None and late.count == 2
    # AN 17-5268 became late on 26/05/2025, Sénat 23812 on 16/09/2021: the latest first.
    assert [(q.label, q.days_late) for q in late.questions] == [("AN 17-5268", 16), ("Sénat 23812 (2021-07)", 1364)]
    assert late.url.startswith("https://relance.test/manage/") and late.url.endswith("/sans-reponse")
    text = render_digest(plan.digest).text
    block = text[text.index("Toujours sans réponse"):text.index("\n-- \n")]
    assert block.splitlines()[:4] == ["Toujours sans réponse", "=====================", "",
                                      "2 questions que vous suivez sont toujours sans réponse après leur délai."]
    lines = " ".join(block.split())
    assert "* AN 17-5268 — Révision de la terminologie des diamants synthétiques : 16 jours de retard" in lines
    assert "* Sénat 23812 (2021-07) : 1 364 jours de retard" in lines  # split() takes the narrow space too
    assert lines.endswith(f"Voir les 2 questions en retard : {late.url}")
    assert 'href="https://relance.test/manage/' in render_digest(plan.digest).html


def an_question(number: int, published: str) -> QuestionSnapshot:
    """The real AN sample, unanswered, as question `number` published on `published`: another late question."""
    document = without_answer(qe_json())
    question = document["question"]
    question["uid"] = f"QANR5L17QE{number}"
    question["identifiant"]["numero"] = str(number)
    question["textesQuestion"]["texteQuestion"]["infoJO"]["dateJO"] = published
    return parse_an_json(dump(document), f"https://www.assemblee-nationale.fr/dyn/opendata/QANR5L17QE{number}.json")


def test_the_block_counts_them_all_and_lists_the_five_latest(db: Database, tmp_path: Path) -> None:
    searcher = subscriber(db, "many@example.net", searches=(SavedSearch("diamants synthétiques"),))
    assert late_of(db, searcher, {}, NOW.date()) == []  # nothing stored yet: no question, and no block
    assert plans(db) == {}
    months = ["2024-09-02", "2024-10-01", "2024-11-04", "2024-12-02", "2025-01-06", "2025-02-03", "2025-03-03"]
    for number, published in enumerate(months, start=9001):
        store(tmp_path / "relance.db", None, an_question(number, published), date(2025, 4, 1))
    late = plans(db)["many@example.net"].digest.still_late
    assert late is not None and late.count == 7
    # Each due two months after its publication: the five published last became late last.
    assert [q.label for q in late.questions] == ["AN 17-9007", "AN 17-9006", "AN 17-9005", "AN 17-9004", "AN 17-9003"]
    intro = " ".join(render_digest(plans_again(db)).text.split())
    assert "7 questions que vous suivez sont toujours sans réponse après leur délai. Les 5 dernières à l'avoir " \
           "dépassé :" in intro


def plans_again(db: Database) -> Digest:
    return plans(db)["many@example.net"].digest
