"""One place for the wording: every output tells an event in the sentence of bot/notify/wording/,
and a passed deadline comes with the chamber's advice (RULES.md § 1) wherever it is told: e-mail,
team channel, Atom feed, and (for a question late now) the terminal and the question page."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from bot.core.deadlines import PARIS
from bot.notify.channel_notice import notice_text
from bot.notify.content import Digest, Item
from bot.notify.digest import render_digest
from bot.notify.feeds import entry_text
from bot.notify.wording import event_line, event_sentence, late_question_advice, overdue_advice

NOW = datetime(2023, 1, 12, 9, 0, tzinfo=PARIS)


def overdue(chamber: str) -> Item:
    """Sénat 3705 (published 10/11/2022, due 10/01/2023) and AN 17-5268 (published 25/03/2025, due
    25/05/2025), two days past their deadlines, as the events diff records them."""
    if chamber == "senat":
        return Item(event_id=7, kind="overdue", ref="SEQ221103705", label="Sénat 3705 (2022-11)", chamber="senat",
                    url="https://www.senat.fr/questions/base/2022/qSEQ221103705.html", title="Vidéosurveillance",
                    author="Thomas Dossus", ministry="Ministère de l'intérieur", official_date=date(2023, 1, 11),
                    seen_at=NOW, deadline=date(2023, 1, 10), days_late=2,
                    deadline_rule="2 mois après la publication au JO du 10/11/2022")
    return Item(event_id=8, kind="overdue", ref="QANR5L17QE5268", label="AN 17-5268", chamber="an",
                url="https://www.assemblee-nationale.fr/dyn/17/questions/QANR5L17QE5268", title="Diamants",
                author="Olivia Grégoire", ministry="Ministère de l'économie", official_date=date(2025, 5, 26),
                seen_at=NOW, deadline=date(2025, 5, 25), days_late=2,
                deadline_rule="2 mois après la publication au JO du 25/03/2025")


ADVICE = {"senat": ("liste de rappel", "question de rappel", "question orale"),
          "an": ("président de groupe", "signaler", "10 jours")}


def told_everywhere(item: Item) -> dict[str, str]:
    digest = Digest("immediate", (item,), (), NOW, "https://relance.test/m", "https://relance.test/u")
    return {"e-mail": " ".join(render_digest(digest).text.split()), "channel": " ".join(notice_text(item)),
            "feed": entry_text(item)}


@pytest.mark.parametrize("chamber", ["senat", "an"])
def test_a_passed_deadline_is_told_in_one_sentence_with_its_advice_everywhere(chamber: str) -> None:
    item = overdue(chamber)
    sentence = event_sentence(item)
    for output, text in told_everywhere(item).items():
        assert sentence in " ".join(text.split()), output
        for words in ADVICE[chamber]:
            assert words in text, f"{output} lacks « {words} »"


def test_the_senat_sentence_names_the_reminder_list_and_the_an_one_does_not() -> None:
    assert event_sentence(overdue("senat")) == ("Délai dépassé de 2 jours : la réponse était due le 10 janvier 2023. "
                                                "La question entre dans la liste de rappel publiée chaque mois au "
                                                "JO Sénat.")
    assert event_sentence(overdue("an")) == "Délai dépassé de 2 jours : la réponse était due le 25 mai 2025."


def test_a_question_late_now_gets_the_advice_of_its_chamber() -> None:
    senat = late_question_advice("senat")
    assert senat is not None and all(words in senat for words in ADVICE["senat"])
    an = late_question_advice("an")
    assert an is not None and an.startswith("Que faire : demander à un président de groupe de la signaler")
    # A signalement whose ten days passed too: nothing more to ask for at the AN.
    assert overdue_advice("an", signaled_overdue=True) is None


def test_the_short_form_keeps_the_detail() -> None:
    details = {"deadline": "2025-05-25", "days_late": 9, "explanation": "2 mois"}
    assert event_line("overdue", details) == "délai dépassé : échéance du 25/05/2025, 9 jours de retard"
    assert event_line("answered", {"ministry": "Économie", "days_late": 9}) == \
        "réponse publiée : Économie, 9 jours après l'échéance"
