"""The simulated parliament of bench/parliament.py: when each question is published, answered,
transferred or closed, and its documents on a given day (the AN's JSON record, the Sénat's CSV row
and page), each derived from the real samples by the named transformations of tests/.

Every fact below that is not read from a sample is a rate or a date chosen here; bench/parliament.py's
docstring states each one and why. Draws are seeded (`SEED`): the same sizes give the same parliament.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from tests.an_variants import closed_as, qe_json, transferred_to, without_answer
from tests.app.an_archives import set_dates, set_number
from tests.app.senat_rows import (
    TRANSITION,
    answer_received,
    before_answer,
    herzog_withdrawn,
    masson_answered,
    page_before_answer,
)
from tests.senat_pages import page_from_text, page_text, page_url_path

SEED = 17
LEGISLATURE_OPENED = date(2024, 7, 18)  # the 17th legislature's first sitting
START = date(2026, 1, 5)  # a Monday, after PO873685 took office (13 October 2025)
AN_PACE = 146  # new AN questions a week: QE 5268 was published on 2025-03-25, 36 weeks after the opening
AN_REFERENCE_SIZE = 25_000
# The later economy ministry (real organe PO873685, samples/an/amo/amo10-l17-2026-04), as tests/notify
# hands questions to it; its first day as tests/notify/test_late_backlog.py takes it.
LATER_ECONOMY = ("PO873685", "Économie, finances, souveraineté industrielle, énergétique et numérique",
                 "Ministère de l’économie, des finances et de la souveraineté industrielle, énergétique et numérique")
LATER_ECONOMY_FIRST_DAY = date(2025, 10, 14)
# Rates (bench/parliament.py's docstring says where each comes from).
ANSWERED_SHARE = 0.30  # answered at all (within a year)
EARLY_SHARE = 0.30  # of the answered, within two months: 9 % of all
AN_TRANSFER_EVERY = 12  # every 12th AN question handed to LATER_ECONOMY three weeks after publication
AN_CLOSED_SHARE = 0.01  # unanswered AN questions closed at the end of their author's mandate
SENAT_REMINDER_EVERY = 50  # every 50th Sénat question a reminder (Herzog's), half of them withdrawn
SENAT_TRANSFER_EVERY = 20  # every 20th other Sénat question transferred to TRANSITION


@dataclass(frozen=True, slots=True)
class Fate:
    """One question's life: the days its JO records appear (None: never within the simulation)."""

    number: int
    published: date
    answered: date | None = None
    transferred: date | None = None
    closed: date | None = None  # AN: end of mandate; Sénat: withdrawn (reminders only)
    reminder: bool = False  # Sénat: a question de rappel (Herzog's facts)

    def seen(self, day: date) -> Fate:
        """What the chamber had published of it by `day`."""
        def upto(d: date | None) -> date | None:
            return d if d is not None and d <= day else None
        return Fate(self.number, self.published, upto(self.answered), upto(self.transferred), upto(self.closed),
                    self.reminder)

    def events(self) -> Iterator[date]:
        yield self.published
        yield from (d for d in (self.answered, self.transferred, self.closed) if d is not None)


def weekday_on_or_after(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def _answer_day(rng: random.Random, published: date) -> date | None:
    if rng.random() >= ANSWERED_SHARE:
        return None
    weeks = rng.randint(2, 8) if rng.random() < EARLY_SHARE else rng.randint(9, 52)
    return published + timedelta(weeks=weeks)


def _publication_days(size: int, first: date, weekly_new: int, weekday: int, days: int) -> list[date]:
    """`size` questions spread evenly over the chamber's JO days from `first` to before START, then
    `weekly_new` more on each JO day of the simulation's `days`."""
    past = [weekday_on_or_after(first, weekday) + timedelta(weeks=w)
            for w in range((START - weekday_on_or_after(first, weekday)).days // 7 + 1)]
    past = [d for d in past if d < START]
    spread = [past[(i * len(past)) // size] for i in range(size)]
    coming = [d for d in (START + timedelta(days=k) for k in range(days)) if d.weekday() == weekday]
    return spread + [d for d in coming for _ in range(weekly_new)]


def an_fates(size: int, days: int) -> list[Fate]:
    """The AN questions QANR5L17QE1…: `size` published on Tuesdays since the opening, then new ones."""
    rng = random.Random(f"{SEED}-an")
    weekly = max(1, round(AN_PACE * size / AN_REFERENCE_SIZE))
    fates = []
    for number, published in enumerate(_publication_days(size, LEGISLATURE_OPENED, weekly, 1, days), 1):
        answered = _answer_day(rng, published)
        transferred = closed = None
        if number % AN_TRANSFER_EVERY == 0:
            transferred = max(published + timedelta(weeks=3), LATER_ECONOMY_FIRST_DAY)
            if answered is not None and answered <= transferred:
                answered = transferred + timedelta(weeks=2)
        if answered is None and rng.random() < AN_CLOSED_SHARE:
            closed = published + timedelta(weeks=20)
        fates.append(Fate(number, published, answered, transferred, closed))
    return fates


def senat_fates(size: int, days: int) -> list[Fate]:
    """The Sénat questions: `size` published on Thursdays over the year before START, then new ones."""
    rng = random.Random(f"{SEED}-senat")
    weekly = max(1, round(size / 52))
    fates = []
    for number, published in enumerate(_publication_days(size, START - timedelta(weeks=52), weekly, 3, days), 1):
        if number % SENAT_REMINDER_EVERY == 0:
            withdrawn = published + timedelta(weeks=rng.randint(4, 20)) if rng.random() < 0.5 else None
            fates.append(Fate(number, published, closed=withdrawn, reminder=True))
            continue
        answered = _answer_day(rng, published)
        transferred = None
        if number % SENAT_TRANSFER_EVERY == 0:
            transferred = published + timedelta(weeks=3)
            if answered is not None and answered <= transferred:
                answered = transferred + timedelta(weeks=2)
        fates.append(Fate(number, published, answered, transferred))
    return fates


# --- the AN's JSON record -----------------------------------------------------------------------

AN_TEMPLATES: dict[bool, dict[str, Any]] = {}


def an_uid(number: int) -> str:
    return f"QANR5L17QE{number}"


def an_document(fate: Fate) -> dict[str, Any]:
    """The real QANR5L17QE5268.json as question `fate.number` shows on the day `fate` was seen:
    renumbered and dated (tests/app/an_archives.py), without its answer while unanswered, handed to
    the later economy ministry once transferred, closed at the end of its author's mandate (the
    known label « Fin de mandat ») once closed (tests/an_variants.py)."""
    answered = fate.answered is not None
    if not AN_TEMPLATES:
        AN_TEMPLATES[True], AN_TEMPLATES[False] = qe_json(), without_answer(qe_json())
    document = copy.deepcopy(AN_TEMPLATES[answered])
    set_number(document, fate.number)
    set_dates(document, fate.published, fate.answered)
    if fate.transferred is not None:
        document = transferred_to(document, LATER_ECONOMY[1], LATER_ECONOMY[2], LATER_ECONOMY[0],
                                  fate.transferred.isoformat())
    if fate.closed is not None:
        document = closed_as(document, "FIN_MANDAT", "Fin de mandat", fate.closed.isoformat())
    return document


# --- the Sénat's CSV row and page ---------------------------------------------------------------

def senat_uid(fate: Fate) -> str:
    return f"SEQ{fate.published:%y%m}{fate.number:05d}"


def _french(day: date) -> str:
    return f"{day:%d/%m/%Y}"


def renumbered_row(row: dict[str, str], uid: str, number: int, published: date) -> dict[str, str]:
    """A row built from a real question's facts (tests/app/senat_rows.py) as another question of the
    same author: its number, reference, publication date and address (senat.fr's pattern) rewritten."""
    url = f"https://www.senat.fr{page_url_path(uid)}"
    return {**row, "Numéro": str(number), "Référence": uid, "Date de publication JO": _french(published),
            "URL Question": url}


def senat_row(fate: Fate) -> dict[str, str]:
    """The CSV row of the question as seen: Masson's answered question (SEQ091211244's facts) before its
    answer, transferred to the Ministère de la transition écologique (as his SEQ210723812 was), answered
    by the ministry holding it; or Herzog's reminder (SEQ201018049's facts), « En cours » until withdrawn."""
    uid = senat_uid(fate)
    if fate.reminder:
        row = renumbered_row(herzog_withdrawn(), uid, fate.number, fate.published)
        return row if fate.closed is not None else {**row, "Sort": "En cours"}
    row = renumbered_row(masson_answered(), uid, fate.number, fate.published)
    if fate.transferred is not None:
        row = {**row, "Date de transmission": _french(fate.transferred), "Ministère de transmission": TRANSITION,
               "Ministère de réponse": TRANSITION}
    if fate.answered is None:
        return before_answer(row)
    return answer_received({**row, "Date de réponse JO": _french(fate.answered)})


PAGE_SOURCES = {False: "SEQ091211244", True: "SEQ201018049"}  # Masson's answered page; Herzog's reminder


def dated_page(text: str, published: date, answered: date | None) -> str:
    """A real page text as another question's: its question's publication date (the first « publiée le »)
    and its answer's (the second) rewritten."""
    first, _, rest = text.partition("publiée le ")
    text = f"{first}publiée le {_french(published)}{rest[10:]}"
    if answered is not None and "publiée le " in rest:
        head, _, tail = text.rpartition("publiée le ")
        text = f"{head}publiée le {_french(answered)}{tail[10:]}"
    return text


def page_transferred(text: str, ministry: str) -> str:
    """The page once the question was transferred: a « Transmise au … » line after the question's
    « - page N » line, as the real page of SEQ130606725 shows its transfer."""
    lines = text.split("\n")
    at = next(i for i, line in enumerate(lines) if line.startswith("- page "))
    return "\n".join([*lines[:at + 1], "", f"Transmise au {ministry}", *lines[at + 1:]])


def page_answered_by(text: str, ministry: str) -> str:
    """The answered page, the answer given by `ministry` (the one holding the question)."""
    head, _, tail = text.partition("Réponse du ")
    return f"{head}Réponse du {ministry} publiée le {tail.partition(' publiée le ')[2]}"


def page_not_withdrawn(text: str) -> str:
    """Herzog's reminder page while it awaited the answer it recalled: without the lines saying it was
    withdrawn and pointing to that answer."""
    return "\n".join(line for line in text.split("\n")
                     if not line.startswith(("Cette question de rappel a été retirée", "Voir la réponse")))


_PAGE_TEXTS: dict[str, str] = {}


def senat_page(fate: Fate) -> bytes:
    """The question's senat.fr page on the day `fate` was seen, from the real page texts (tests/senat_pages.py)."""
    source = PAGE_SOURCES[fate.reminder]
    if source not in _PAGE_TEXTS:
        _PAGE_TEXTS[source] = page_text(source)
    text = _PAGE_TEXTS[source]
    if fate.reminder:
        text = dated_page(text, fate.published, None)
        return page_from_text(text if fate.closed is not None else page_not_withdrawn(text))
    if fate.answered is None:
        text = page_before_answer(text)
    elif fate.transferred is not None:
        text = page_answered_by(text, TRANSITION)
    text = dated_page(text, fate.published, fate.answered)
    if fate.transferred is not None:
        text = page_transferred(text, TRANSITION)
    return page_from_text(text)
