"""Many late questions in one message are grouped (bot.notify.content.late_group): a count per ministry,
then one line per question, in the digest's two parts and in a chat channel's notice alike.

The late events come from the real diff (bot.core.events.diff) of questions read for the first time long
after their deadline: AN records derived from the real QANR5L17QE5268.json (renumbered, dated, without
their answer: tests/app/an_archives.py) and the real Sénat page of SEQ210723812 with its lapse taken out
(a question still awaiting its answer).
"""

from __future__ import annotations

import dataclasses
import re
from datetime import date, datetime, timedelta

import lxml.html

from bot.core.deadlines import PARIS
from bot.core.events import diff
from bot.notify.channel_notice import late_group_notice
from bot.notify.content import LATE_GROUP_ABOVE, Digest, Item, item_from_event, late_group
from bot.notify.digest import render_digest
from scrapers.an import parse_an_json
from scrapers.model import QuestionSnapshot
from scrapers.senat import parse_senat_text
from tests.an_variants import dump, signaled_on
from tests.app.an_archives import derived
from tests.senat_pages import page_text

TODAY = date(2026, 4, 15)
NOW = datetime(2026, 4, 15, 9, tzinfo=PARIS)
ECONOMY = "Ministère de l’économie, des finances et de la souveraineté industrielle et numérique"
SENAT_PENDING_URL = "https://www.senat.fr/questions/base/2021/qSEQ210723812.html"


def an_late(number: int, published: date = date(2025, 1, 7), signaled: str | None = None) -> QuestionSnapshot:
    document = derived(number, published, None)
    if signaled:
        document = signaled_on(document, signaled)
    return parse_an_json(dump(document), f"https://www.assemblee-nationale.fr/dyn/opendata/QANR5L17QE{number}.json")


def senat_late() -> QuestionSnapshot:
    """SEQ210723812 still awaiting its answer: published 15/07/2021, due 15/09/2021."""
    return parse_senat_text(page_text("SEQ210723812").replace("La question est caduque", ""), SENAT_PENDING_URL)


def late_items(*snapshots: QuestionSnapshot) -> list[Item]:
    """The late events of each question read for the first time today, ready to show."""
    items = []
    for snapshot in snapshots:
        items += [item_from_event(e, snapshot, TODAY) for e in diff(None, snapshot, today=TODAY, last_day=None,
                                                                    seen_at=NOW) if e.kind != "published"]
    return items


def backlog(n: int) -> list[Item]:
    """`n` AN questions published a week apart from 7 January 2025, numbers 101 onwards."""
    return late_items(*(an_late(101 + k, date(2025, 1, 7) + timedelta(weeks=k)) for k in range(n)))


def rendered(items: list[Item]) -> tuple[str, str]:
    mail = render_digest(Digest("daily", tuple(items), (), NOW, "https://relance.test/m", "https://relance.test/u"))
    return mail.text, mail.html


def test_up_to_the_threshold_each_late_question_is_a_card_above_it_they_are_grouped() -> None:
    text, _ = rendered(backlog(LATE_GROUP_ABOVE))
    assert text.count("Délai dépassé de") == LATE_GROUP_ABOVE and "en retard à la fois" not in text
    text, _ = rendered(backlog(LATE_GROUP_ABOVE + 1))
    assert "Délai dépassé de" not in text and f"Délais dépassés ({LATE_GROUP_ABOVE + 1})" in text
    assert f"{LATE_GROUP_ABOVE + 1} questions en retard à la fois" in text


def test_the_count_per_ministry_most_first_and_an_unknown_ministry_last() -> None:
    items = backlog(11) + late_items(senat_late())
    items[0] = dataclasses.replace(items[0], ministry=None)  # a record naming no ministry
    group = late_group(items)
    assert group is not None
    # The real Sénat page names the ministry the question was transferred to.
    assert group.by_ministry == ((ECONOMY, 10), ("Ministère de la transition écologique et de la cohésion des "
                                                 "territoires", 1), (None, 1))
    text = " ".join(rendered(items)[0].split())
    assert (f"- {ECONOMY} : 10 questions - Ministère de la transition écologique et de la cohésion des "
            "territoires : 1 question - Ministère non indiqué : 1 question") in text


def test_most_late_first_and_each_chambers_advice_once() -> None:
    items = backlog(11) + late_items(senat_late())
    text = re.sub(r"[ \n]+", " ", rendered(items)[0])
    # SEQ210723812 (its page text gives no title), due 15/09/2021, is 1673 days late on 15/04/2026 (Babel
    # groups the thousands with a narrow no-break space); AN 17-101, due 07/03/2025, is 404 days late.
    first = text.index("* Sénat 23812 (2021-07) : 1\u202f673 jours de retard")
    assert first < text.index("* AN 17-101 — Révision de la terminologie des diamants synthétiques : 404 jours")
    assert text.count("Que faire : pour les questions de l'Assemblée nationale, demander à un président de "
                      "groupe de la signaler (le ministre doit alors répondre sous 10 jours).") == 1
    assert text.count("Que faire : pour les questions du Sénat, poser une question de rappel, ou demander sa "
                      "conversion en question orale.") == 1


def test_a_signalee_question_is_one_line_with_both_delays() -> None:
    signaled = an_late(200, date(2025, 1, 7), signaled="2025-06-10")  # signalement due 20/06/2025
    items = backlog(10) + late_items(signaled)
    group = late_group(items)
    assert group is not None and len(group.questions) == 11 and len(group.items) == 12
    text = " ".join(rendered(items)[0].split())
    assert ("* AN 17-200 — Révision de la terminologie des diamants synthétiques : 404 jours de retard, délai "
            "du signalement dépassé de 299 jours") in text


def test_both_parts_and_the_chat_notice_say_the_same_lines() -> None:
    items = backlog(12) + late_items(senat_late())
    group = late_group(items)
    assert group is not None
    text, html = rendered(items)
    doc = lxml.html.fromstring(html)
    html_lines = [" ".join(str(li.xpath("string(.)")).split()) for li in doc.xpath("//ul[@class='late-list']/li")]
    text_lines = [" ".join(line.split()) for line in re.findall(r"^\* (.+?)\n  http", text, flags=re.M | re.S)]
    assert html_lines == text_lines and len(html_lines) == 13
    assert next(str(a.get("href")) for a in doc.xpath("//ul[@class='late-list']/li/a")) == SENAT_PENDING_URL
    title, body = late_group_notice(group)
    assert title == "relance — 13 questions en retard"
    assert [" ".join(line.split()) for line in body.splitlines() if line.startswith(("AN ", "Sénat "))] == html_lines
    for line in text.splitlines():
        assert len(line) <= 78 or "://" in line, line
