"""senat.fr question pages: the text parser on the real page texts in samples/senat, and the states
no sample shows (derived from a real text by a named transformation).

Expected values are read from the samples and samples/senat/SOURCES.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

import pytest

from scrapers.model import Attribution, Closure, Ministry
from scrapers.refs import QuestionRef
from tests.scrapers.senat_samples import (
    INTERIEUR_2009,
    NAMES,
    TRANSITION,
    URLS,
    page_text,
    parse,
)

# --- the real page texts --------------------------------------------------------------------------

def test_answered_question_old_ministry_naming() -> None:
    snapshot = parse("SEQ091211244")
    assert snapshot.ref == QuestionRef("senat", 11244, year=2009, month=12)
    assert snapshot.url == URLS["SEQ091211244"]
    assert snapshot.status == "answered"
    assert snapshot.author.name == "Jean Louis Masson"
    assert snapshot.author.civility == "M."
    assert snapshot.author.constituency == "Moselle"
    assert snapshot.author.group == "NI"
    assert snapshot.published == date(2009, 12, 10)
    assert snapshot.published_page == "2853"
    assert snapshot.ministry_asked == Ministry(
        "ministre de l'intérieur, de l'outre-mer et des collectivités territoriales")
    assert snapshot.attributions == ()
    assert not snapshot.transferred
    assert snapshot.text is not None
    assert snapshot.text.startswith("M. Jean Louis Masson attire l'attention de M. le ministre")
    assert snapshot.text.endswith("quelle est la procédure à suivre.")
    answer = snapshot.answer
    assert answer is not None
    assert answer.date == date(2010, 10, 28)
    assert answer.page == "2836"
    assert answer.ministry == INTERIEUR_2009
    assert answer.spoken is None
    assert answer.text.startswith("L'honorable parlementaire est invité à se rapporter")
    assert "question n° 65771" in answer.text
    assert snapshot.closure is None
    assert snapshot.notes == ()
    assert snapshot.title is None
    assert snapshot.rubric is None


def test_excerpt_cut_in_the_answer_is_still_answered() -> None:
    """SEQ181007406 is cut mid-answer: no answer page, no "Page mise à jour le"."""
    snapshot = parse("SEQ181007406")
    assert snapshot.ref == QuestionRef("senat", 7406, year=2018, month=10)
    assert snapshot.status == "answered"
    assert snapshot.published == date(2018, 10, 25)
    assert snapshot.published_page == "5416"
    assert snapshot.ministry_asked == Ministry(
        "ministre auprès du Premier ministre, chargé des relations avec le Parlement")
    answer = snapshot.answer
    assert answer is not None
    assert answer.date == date(2018, 11, 1)
    assert answer.page is None
    assert answer.ministry == "Premier ministre - Relations avec le Parlement"
    assert answer.text.startswith("M. le ministre auprès du Premier ministre, chargé des relations")
    assert answer.text.endswith("le taux")  # the excerpt's trailing space is stripped


def test_transmitted_then_lapsed() -> None:
    snapshot = parse("SEQ130606725")
    assert snapshot.ref == QuestionRef("senat", 6725, year=2013, month=6)
    assert snapshot.status == "lapsed"
    assert snapshot.published == date(2013, 6, 6)
    assert snapshot.published_page == "1693"
    assert snapshot.attributions == (Attribution(Ministry("Ministère de l'intérieur"), None),)
    assert snapshot.closure == Closure(None, "La question est caduque", None)
    assert snapshot.closed is None  # the page gives no date for the lapse
    assert snapshot.answer is None
    # The text addresses "M. le ministre de l'intérieur" and the page says "Transmise au Ministère
    # de l'intérieur": the page's word is taken, a transfer (SOURCES.md: transferred, then lapsed).
    assert snapshot.ministry_asked == Ministry("ministre de l'intérieur")
    assert snapshot.transferred
    assert snapshot.ministry == Ministry("Ministère de l'intérieur")


def test_transferred_to_another_ministry_then_lapsed() -> None:
    snapshot = parse("SEQ210723812")
    assert snapshot.ref == QuestionRef("senat", 23812, year=2021, month=7)
    assert snapshot.status == "lapsed"
    assert snapshot.published == date(2021, 7, 15)
    assert snapshot.published_page == "4357"
    assert snapshot.ministry_asked == Ministry("ministre de l'intérieur")
    assert snapshot.attributions == (Attribution(Ministry(TRANSITION), None),)
    assert snapshot.transferred
    assert snapshot.ministry == Ministry(TRANSITION)
    assert snapshot.text is not None and "n°13179" in snapshot.text


def test_lapsed_group_rattache() -> None:
    snapshot = parse("SEQ220628479")
    assert snapshot.ref == QuestionRef("senat", 28479, year=2022, month=6)
    assert snapshot.status == "lapsed"
    assert snapshot.author.name == "Philippe Paul"
    assert snapshot.author.constituency == "Finistère"
    assert snapshot.author.group == "Les Républicains-R"
    assert snapshot.published == date(2022, 6, 30)
    assert snapshot.published_page == "3051"
    assert snapshot.ministry_asked == Ministry(
        "ministre délégué auprès de la Première ministre, chargé des relations avec le Parlement "
        "et de la vie démocratique")
    assert snapshot.attributions == ()


def test_lapsed_2002_question() -> None:
    snapshot = parse("SEQ020238665")
    assert snapshot.ref == QuestionRef("senat", 38665, year=2002, month=2)
    assert snapshot.status == "lapsed"
    assert snapshot.author.name == "Jean Louis Masson"
    assert snapshot.author.group == "RPR"
    assert snapshot.published == date(2002, 2, 21)
    assert snapshot.published_page == "537"
    assert snapshot.ministry_asked == Ministry("ministre de l'intérieur")
    assert snapshot.attributions == ()
    assert not snapshot.transferred


def test_withdrawn_reminder_question() -> None:
    snapshot = parse("SEQ201018049")
    assert snapshot.ref == QuestionRef("senat", 18049, year=2020, month=10)
    assert snapshot.status == "withdrawn"
    assert snapshot.author.civility == "Mme"
    assert snapshot.author.name == "Christine Herzog"
    assert snapshot.author.constituency == "Moselle"
    assert snapshot.author.group == "NI"
    assert snapshot.published == date(2020, 10, 1)
    assert snapshot.published_page == "4400"
    assert snapshot.ministry_asked == Ministry(
        "ministre de la cohésion des territoires et des relations avec les collectivités "
        "territoriales")
    assert snapshot.closure == Closure(
        None, "Cette question de rappel a été retirée à la suite de la réception de la réponse à "
        "la question qu'elle rappelait.", None)
    assert snapshot.notes == ("Voir la réponse à la question rappelée n°16698",)
    assert snapshot.answer is None


def test_oral_question_answered_in_a_public_sitting() -> None:
    snapshot = parse("oral-1335-lagontrie")
    assert snapshot.status == "answered"
    assert snapshot.title is None  # the first line is page chrome, not a heading
    assert snapshot.author.civility == "Mme"
    assert snapshot.author.name == "Marie-Pierre de La Gontrie"
    assert snapshot.author.constituency == "Paris"
    assert snapshot.author.group == "SER"
    assert snapshot.published == date(2024, 5, 30)
    assert snapshot.published_page == "2350"
    assert snapshot.ministry_asked == Ministry("ministre de l'intérieur et des outre-mer")
    text = snapshot.text
    assert text is not None
    assert text.startswith("Mme Marie-Pierre de La Gontrie demande à M. le ministre de l'intérieur")
    assert text.split("\n")[-1].startswith("Elle lui demande donc s'il va enfin")
    answer = snapshot.answer
    assert answer is not None
    assert answer.date == date(2024, 6, 5)
    assert answer.spoken == date(2024, 6, 4)
    assert answer.page == "3592"
    assert answer.ministry == (
        "Ministère auprès du ministre de l'intérieur et des outre-mer et du ministre de la "
        "transition écologique et de la cohésion des territoires, chargé des collectivités "
        "territoriales et de la ruralité")
    assert answer.text.startswith("M. le président. La parole est à Mme Marie-Pierre de La Gontrie")
    assert answer.text.endswith("dans les meilleures conditions.")
    assert "Réponse apportée" not in answer.text


@pytest.mark.parametrize("name", NAMES)
def test_texts_hold_no_page_markers_nor_blank_lines(name: str) -> None:
    snapshot = parse(name)
    texts = [snapshot.text or "", snapshot.answer.text if snapshot.answer else ""]
    for text in texts:
        assert text == text.strip()
        assert not any(line.startswith("- page") or not line for line in text.split("\n") if text)
        assert "Page mise à jour le" not in text


def test_every_sample_parses_to_its_known_state() -> None:
    states = {name: parse(name).status for name in NAMES}
    assert states == {
        "SEQ091211244": "answered", "SEQ181007406": "answered", "SEQ130606725": "lapsed",
        "SEQ210723812": "lapsed", "SEQ220628479": "lapsed", "SEQ020238665": "lapsed",
        "SEQ201018049": "withdrawn", "oral-1335-lagontrie": "answered",
    }


# --- states no sample shows, derived from a real text ---------------------------------------------

def without_line(text: str, line: str) -> str:
    assert line in text.split("\n"), f"{line!r} is not a line of the sample"
    return "\n".join(kept for kept in text.split("\n") if kept != line)


def before_lapse(text: str) -> str:
    """The question before it lapsed: published, no answer, still awaiting one (pending)."""
    return without_line(text, "La question est caduque")


def before_answer(text: str) -> str:
    """The question before its answer was published: the answer block (from "Réponse du …" to its
    "- page N") is gone, the rest of the page stays (pending)."""
    lines = text.split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith("Réponse du "))
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("- page "))
    return "\n".join(lines[:start] + lines[end + 1:])


def awaiting_answer_from(text: str, ministry: str) -> str:
    """A pending page as older pages word it: "En attente de réponse du {ministry}" after the
    question's "- page N" line."""
    lines = text.split("\n")
    at = next(i for i, line in enumerate(lines) if line.startswith("- page "))
    return "\n".join([*lines[:at + 1], f"En attente de réponse du {ministry}", *lines[at + 1:]])


def older_design(text: str) -> str:
    """The page in the older design's wording: each heading ends "publiée dans le JO Sénat du
    dd/mm/yyyy - page N" and the separate "- page N" line that followed it goes."""
    lines = text.split("\n")
    for at, line in enumerate(lines):
        if match := re.search(r" publiée le (\d\d/\d\d/\d{4})$", line):
            page_at = next(i for i in range(at, len(lines)) if lines[i].startswith("- page "))
            page = lines[page_at].removeprefix("- page ")
            lines[at] = line[:match.start()] + f" publiée dans le JO Sénat du {match[1]} - page {page}"
            lines[page_at] = ""
    return "\n".join(lines)


def older_design_two_lines(text: str) -> str:
    """The older design with "publiée dans le JO Sénat du … - page N" on its own line under the
    "Question de …" / "Réponse du …" line it completes."""
    return re.sub(r" (publiée dans le JO Sénat du )", r"\n\1", older_design(text))


def converted_to_oral(text: str) -> str:
    """A question its author had converted into an oral question (older wording) instead of
    letting it lapse: closed."""
    return text.replace("La question est caduque", "Transformée en QOSD")


def withdrawn_for_cause(text: str) -> str:
    """A question withdrawn in the older design's wording ("La question a été retirée pour cause
    de …"), standing where the reminder's withdrawal sentence was."""
    return re.sub(r"Cette question de rappel a été retirée[^\n]*",
                  "La question a été retirée pour cause de fin de mandat.", text)


def older_reminder_note(text: str) -> str:
    """The reminder's link to the question it reminds, in the older wording."""
    return text.replace("Voir la réponse à la question rappelée n°16698",
                        "Rappelle la question n° 16698")


def answered_in_sitting_only(text: str) -> str:
    """An oral answer given in the sitting but not yet printed in the JO: only the line
    "Réponse apportée en séance publique le …", no "Réponse du … publiée le …" heading."""
    return "\n".join(line for line in text.split("\n") if not line.startswith("Réponse du "))


def test_pending_question_before_lapse() -> None:
    snapshot = parse("SEQ020238665", before_lapse(page_text("SEQ020238665")))
    assert snapshot.status == "pending"
    assert snapshot.closure is None
    assert snapshot.answer is None
    assert snapshot.published == date(2002, 2, 21)
    assert snapshot.published_page == "537"
    assert snapshot.ministry == Ministry("ministre de l'intérieur")


def test_pending_question_before_answer() -> None:
    snapshot = parse("SEQ091211244", before_answer(page_text("SEQ091211244")))
    assert snapshot.status == "pending"
    assert snapshot.answer is None
    assert snapshot.published_page == "2853"
    assert snapshot.notes == ()


def test_pending_with_awaiting_line() -> None:
    text = awaiting_answer_from(before_lapse(page_text("SEQ020238665")), "Ministère de l'intérieur")
    snapshot = parse("SEQ020238665", text)
    assert snapshot.status == "pending"
    # With no transfer shown, the ministry awaited is the one asked, named as the page names it.
    assert snapshot.ministry_asked == Ministry("Ministère de l'intérieur")
    assert snapshot.attributions == ()
    assert not snapshot.transferred


def test_transferred_pending_awaiting_another_ministry() -> None:
    text = awaiting_answer_from(before_lapse(page_text("SEQ130606725")), INTERIEUR_2009)
    snapshot = parse("SEQ130606725", text)
    assert snapshot.status == "pending"
    assert snapshot.attributions == (Attribution(Ministry("Ministère de l'intérieur"), None),
                                     Attribution(Ministry(INTERIEUR_2009), None))
    assert snapshot.ministry == Ministry(INTERIEUR_2009)


def test_transferred_and_pending() -> None:
    text = before_lapse(page_text("SEQ210723812"))
    snapshot = parse("SEQ210723812", text)
    assert snapshot.status == "pending"
    assert snapshot.transferred
    assert snapshot.ministry == Ministry(TRANSITION)
    # Saying again which ministry must answer does not add a second attribution.
    again = parse("SEQ210723812", awaiting_answer_from(text, TRANSITION))
    assert again.attributions == snapshot.attributions


@pytest.mark.parametrize("transform", [older_design, older_design_two_lines])
def test_older_design_wording(transform: Callable[[str], str]) -> None:
    current = parse("SEQ091211244")
    older = parse("SEQ091211244", transform(page_text("SEQ091211244")))
    assert older == current  # the same facts, worded the older way


def test_older_design_pending_and_transferred() -> None:
    text = older_design(before_lapse(page_text("SEQ210723812")))
    assert "\n- page" not in text
    snapshot = parse("SEQ210723812", text)
    assert snapshot.status == "pending"
    assert snapshot.published_page == "4357"
    assert snapshot.attributions == (Attribution(Ministry(TRANSITION), None),)
    assert snapshot.text is not None and snapshot.text.endswith("n°13846 et n°18498 susvisées.")


def test_older_design_converted_into_an_oral_question() -> None:
    snapshot = parse("SEQ020238665", older_design(converted_to_oral(page_text("SEQ020238665"))))
    assert snapshot.status == "closed"
    assert snapshot.closure == Closure(None, "Transformée en QOSD", None)


def test_older_design_withdrawn_and_reminder_note() -> None:
    text = older_reminder_note(withdrawn_for_cause(older_design(page_text("SEQ201018049"))))
    snapshot = parse("SEQ201018049", text)
    assert snapshot.status == "withdrawn"
    assert snapshot.closure == Closure(
        None, "La question a été retirée pour cause de fin de mandat.", None)
    assert snapshot.notes == ("Rappelle la question n° 16698",)


def test_oral_answer_not_yet_in_the_jo() -> None:
    snapshot = parse("oral-1335-lagontrie", answered_in_sitting_only(page_text("oral-1335-lagontrie")))
    assert snapshot.status == "answered"
    assert snapshot.answer is not None
    assert snapshot.answer.date == snapshot.answer.spoken == date(2024, 6, 4)
    assert snapshot.answer.ministry is None
    assert snapshot.answer.page == "3592"
