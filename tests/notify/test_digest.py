"""The digest and confirmation e-mails, rendered from events about questions read from the real samples.

Golden files: tests/notify/golden/digest.txt, digest.html, confirmation.txt and confirmation.html hold the
expected renderings, compared byte for byte. After a deliberate change of wording or layout, rewrite
them with

    RELANCE_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_digest.py

then read the diff (git diff tests/notify/golden) before keeping it.
"""

from __future__ import annotations

import dataclasses
import os
import re
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import lxml.html
import pytest

from bot.core.deadlines import PARIS
from bot.core.events import diff
from bot.notify.content import Digest, Item, LateQuestion, SourceLine, StillLate, item_from_event
from bot.notify.digest import render_confirmation, render_digest, source_health
from bot.notify.wording import fr_date
from scrapers.an import parse_an_json
from scrapers.model import QuestionSnapshot
from scrapers.senat import parse_senat_text
from storage.records import Event, EventKind
from tests.an_variants import closed_as, dump, qe_json, renewed_on, signaled_on, transferred_to, without_answer
from tests.conftest import sample_bytes
from tests.senat_pages import page_text

GOLDEN = Path(__file__).parent / "golden"
NOW = datetime(2025, 6, 9, 8, 30, tzinfo=PARIS)
TODAY = NOW.date()
AN_JSON_URL = "https://www.assemblee-nationale.fr/dyn/opendata/QANR5L17QE5268.json"
AN_RULE = "Règlement de l'Assemblée nationale, art. 135"
SENAT_RULE = "Règlement du Sénat, art. 75"
TRANSITION = "Ministère de la transition écologique et de la cohésion des territoires"
MANAGE = "https://relance.example.org/manage/tok-manage"
UNSUBSCRIBE = "https://relance.example.org/unsubscribe/tok-unsub"
MAILTO = "mailto:relance@example.org?subject=unsubscribe"


# --- snapshots read from the real samples ----------------------------------------------------------

def an(document: dict[str, Any] | None = None) -> QuestionSnapshot:
    """QANR5L17QE5268 as the AN serves it (answered 3 June 2025), or one of its derived states."""
    if document is None:
        return parse_an_json(sample_bytes("an/QANR5L17QE5268.json"), AN_JSON_URL)
    return parse_an_json(dump(document), AN_JSON_URL)


def an_pending() -> QuestionSnapshot:
    return an(without_answer(qe_json()))


def senat(uid: str) -> QuestionSnapshot:
    yy = int(uid[3:5])
    return parse_senat_text(page_text(uid), f"https://www.senat.fr/questions/base/20{yy:02d}/q{uid}.html")


def excerpt(text: str, limit: int = 400) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit].rsplit(" ", 1)[0] + "…"


def answer_excerpt(snapshot: QuestionSnapshot) -> str:
    assert snapshot.answer is not None
    return excerpt(snapshot.answer.text)


def item(snapshot: QuestionSnapshot, kind: EventKind, official: date | None, seen: datetime,
         **details: Any) -> Item:
    event = Event(ref=snapshot.ref.uid, kind=kind, key=kind, official_date=official, seen_at=seen, details=details)
    return item_from_event(event, snapshot, seen.date())


def flat(text: str) -> str:
    """The text part with its wrapping undone (ASCII spaces only: Babel's no-break spaces stay)."""
    return re.sub(r"[ \n]+", " ", text)


def at(day: date, hour: int = 18) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=PARIS)


# --- one digest with every case ------------------------------------------------------------------
# It gathers events from the samples' different moments (an AN question of 2025 in several derived
# states, Sénat questions of 2009 to 2022) so that every section and wording shows on one page.

def answered_items() -> list[Item]:
    answered = an()
    on_time = senat("SEQ181007406")  # published 25/10/2018, answered 01/11/2018
    changed = senat("SEQ091211244")  # answered 28/10/2010
    assert on_time.answer is not None and changed.answer is not None
    return [
        item(answered, "answered", date(2025, 6, 3), at(date(2025, 6, 3)), excerpt=answer_excerpt(answered),
             days_late=9, page="4348", deadline="2025-05-25",
             ministry="Ministère de l’économie, des finances et de la souveraineté industrielle et numérique"),
        item(on_time, "answered", date(2018, 11, 1), at(date(2018, 11, 1)), excerpt=answer_excerpt(on_time),
             days_late=0, page=on_time.answer.page, ministry="Premier ministre - Relations avec le Parlement"),
        item(changed, "answer_changed", date(2010, 10, 28), at(date(2010, 11, 4)),
             excerpt=answer_excerpt(changed), previous_date="2010-10-28"),
    ]


def overdue_items() -> list[Item]:
    return [
        item(an_pending(), "overdue", date(2025, 5, 25), at(date(2025, 6, 6)), deadline="2025-05-25",
             days_late=12, rule="an-publication",
             explanation=f"2 mois après la publication au JO du 25/03/2025 ({AN_RULE})"),
        item(an(signaled_on(without_answer(qe_json()), "2025-05-29")), "signaled_overdue", date(2025, 6, 8),
             at(date(2025, 6, 9), 6), deadline="2025-06-08", days_late=1, rule="an-signalement",
             explanation=f"10 jours après le signalement du 29/05/2025 ({AN_RULE})"),
        item(senat("SEQ210723812"), "overdue", date(2021, 9, 15), at(date(2021, 9, 27)), deadline="2021-09-15",
             days_late=12, rule="senat-publication",
             explanation=f"2 mois après la publication au JO du 15/07/2021 ({SENAT_RULE})"),
    ]


def soon_items() -> list[Item]:
    return [
        item(an_pending(), "deadline_soon", date(2025, 5, 25), at(date(2025, 5, 18)), deadline="2025-05-25",
             days_left=7, explanation=f"2 mois après la publication au JO du 25/03/2025 ({AN_RULE})"),
        item(senat("SEQ220628479"), "deadline_soon", date(2022, 8, 30), at(date(2022, 8, 29)),
             deadline="2022-08-30", days_left=1,
             explanation=f"2 mois après la publication au JO du 30/06/2022 ({SENAT_RULE})"),
    ]


def transferred_items() -> list[Item]:
    moved = an(transferred_to(without_answer(qe_json()), "Comptes publics", "Ministère chargé des comptes publics",
                              "PO999999", "2025-05-06"))
    return [
        item(moved, "transferred", date(2025, 5, 6), at(date(2025, 5, 6)),
             from_ministry="Ministère de l’économie, des finances et de la souveraineté industrielle et numérique",
             to_ministry="Ministère chargé des comptes publics"),
        # The Sénat page gives no date for a transfer, and words the ministry asked as its sentence does.
        item(senat("SEQ210723812"), "transferred", None, at(date(2021, 10, 4)),
             from_ministry="ministre de l'intérieur", to_ministry=TRANSITION),
    ]


def ended_items() -> list[Item]:
    return [
        item(senat("SEQ210723812"), "lapsed", None, at(date(2023, 10, 1)), label="La question est caduque"),
        item(senat("SEQ201018049"), "withdrawn", None, at(date(2020, 11, 5)),
             label="Cette question de rappel a été retirée à la suite de la réception de la réponse à la question "
                   "qu'elle rappelait."),
        item(an(closed_as(qe_json(), "FIN_MANDAT", "Fin de mandat", "2025-06-01")), "closed", date(2025, 6, 1),
             at(date(2025, 6, 2)), label="Fin de mandat", code="FIN_MANDAT"),
    ]


def other_items() -> list[Item]:
    pending, lapsed = an_pending(), senat("SEQ220628479")
    return [
        item(pending, "published", date(2025, 3, 25), at(date(2025, 4, 1)), title=pending.title,
             author="Olivia Grégoire", status="pending"),
        item(lapsed, "published", date(2022, 6, 30), at(date(2025, 6, 8)), author="Philippe Paul",
             status="lapsed"),
        item(an(signaled_on(without_answer(qe_json()), "2025-05-29")), "signaled", date(2025, 5, 29),
             at(date(2025, 5, 29))),
        item(an(renewed_on(without_answer(qe_json()), "2025-06-03")), "renewed", date(2025, 6, 3),
             at(date(2025, 6, 3))),
    ]


def sources() -> tuple[SourceLine, ...]:
    return (SourceLine("an", "Assemblée nationale (open data)", NOW - timedelta(hours=2), 0),
            SourceLine("an-legacy", "Assemblée nationale (ancien site)", None, 0),
            SourceLine("senat", "Sénat", NOW - timedelta(days=3), 3))


def digest(items: list[Item] | None = None, frequency: Any = "weekly") -> Digest:
    if items is None:
        # Shuffled on purpose: the sections put them in order, whatever the store's order.
        items = (other_items() + ended_items() + overdue_items() + transferred_items() + answered_items()
                 + soon_items())
    return Digest(frequency=frequency, items=tuple(items), sources=sources(), now=NOW, manage_url=MANAGE,
                  unsubscribe_url=UNSUBSCRIBE, unsubscribe_mailto=MAILTO)


# --- golden files ------------------------------------------------------------------------------

def check_golden(name: str, rendered: str) -> None:
    path = GOLDEN / name
    if os.environ.get("RELANCE_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(rendered.encode("utf-8"))
    if not path.is_file():
        pytest.fail(f"{path} is missing: run with RELANCE_UPDATE_GOLDEN=1 to write it, then read it")
    assert rendered.encode("utf-8") == path.read_bytes(), f"{name} differs from its golden file"


def still_late() -> StillLate:
    """The golden digest's closing block: the pending AN 17-5268 (due 25/05/2025: 15 days late on 9 June)
    and the Sénat 23812 without its ending (due 15/09/2021)."""
    lines = []
    for snapshot, due in ((an_pending(), date(2025, 5, 25)), (senat("SEQ210723812"), date(2021, 9, 15))):
        ref = snapshot.ref
        lines.append(LateQuestion(ref.uid, ref.label, ref.chamber, ref.public_url, snapshot.title, None,
                                  (TODAY - due).days))
    return StillLate(2, tuple(lines), f"{MANAGE}/sans-reponse")


def test_digest_matches_golden_files() -> None:
    rendered = render_digest(dataclasses.replace(digest(), still_late=still_late()))
    check_golden("digest.txt", rendered.text)
    check_golden("digest.html", rendered.html)


def test_confirmation_matches_golden_files() -> None:
    rendered = render_confirmation("lectrice@example.org", "https://relance.example.org/confirm/tok-confirm",
                                   "daily", "les questions marquées energie et les questions QANR5L17QE5268", NOW)
    assert rendered.subject == "Confirmez votre abonnement à relance"
    check_golden("confirmation.txt", rendered.text)
    check_golden("confirmation.html", rendered.html)


# --- what the golden digest says, written from reading the samples ------------------------------------

def test_digest_subject_counts_every_section_in_order() -> None:
    assert render_digest(digest()).subject == (
        "Résumé hebdomadaire — relance : 3 réponses, 3 délais dépassés, 2 échéances proches, "
        "2 questions transmises, 3 questions terminées, 4 autres nouvelles")


def test_digest_text_says_the_facts_in_french() -> None:
    text = flat(render_digest(digest()).text)
    assert "Résumé hebdomadaire du 9 juin 2025" in text
    # QANR5L17QE5268: published 25/03/2025, due 25/05/2025, answered in the JO of 03/06/2025 page 4348.
    assert "Réponse au JO du 3 juin 2025 (page 4348), publiée avec 9 jours de retard." in text
    assert "Auteur : Olivia Grégoire" in text
    # SEQ181007406: published 25/10/2018, answered 01/11/2018, well within two months.
    assert "Réponse au JO du 1er novembre 2018, publiée dans les délais." in text
    assert "Réponse modifiée : le texte de la réponse publiée au JO du 28 octobre 2010" in text
    assert "Délai dépassé de 12 jours : la réponse était due le 25 mai 2025." in text
    assert "Délai du signalement dépassé de 1 jour" in text
    assert "Échéance dans 7 jours, le 25 mai 2025." in text
    assert "Échéance demain, le 30 août 2022." in text
    assert "Question clôturée le 1er juin 2025." in text
    assert "Question caduque (date non indiquée par la source)." in text


def test_overdue_actions_differ_by_chamber() -> None:
    text = flat(render_digest(digest(overdue_items())).text)
    assert ("Que faire : demander à un président de groupe de la signaler (le ministre doit alors répondre "
            "sous 10 jours).") in text
    assert "Que faire : poser une question de rappel, ou demander sa conversion en question orale." in text
    assert "liste de rappel publiée chaque mois au JO Sénat" in text
    assert "le ministre devait répondre dans les 10 jours suivant le signalement, au plus tard le 8 juin 2025" in text
    assert text.count("Que faire") == 2  # nothing more to suggest once the signalement's delay has passed


def test_transfer_shows_both_ministries() -> None:
    text = flat(render_digest(digest(transferred_items())).text)
    # The Sénat page words the ministry asked as its sentence does: "ministre de l'intérieur".
    assert "De : Ministre de l'intérieur À : Ministère de la transition écologique et de la cohésion des " in text
    assert ("De : Ministère de l’économie, des finances et de la souveraineté industrielle et numérique "
            "À : Ministère chargé des comptes publics") in text
    assert "Transmise à un autre ministère le 6 mai 2025 ; le délai de réponse ne change pas." in text
    assert "Transmise à un autre ministère (date non indiquée par la source)" in text


def test_footer_health_and_links() -> None:
    rendered = render_digest(digest())
    text = flat(rendered.text)
    assert "- Assemblée nationale (open data) : vérifiée il y a 2\xa0h" in rendered.text
    assert "- Assemblée nationale (ancien site) : jamais vérifiée" in text
    assert "- Sénat : en échec depuis 3 cycles (dernière réussite il y a 3 jours)" in text
    for url in (MANAGE, UNSUBSCRIBE, MAILTO):
        assert url in rendered.text
    doc = lxml.html.fromstring(rendered.html)
    links = {str(a.xpath("string(.)")): a.get("href") for a in doc.iter("a")}
    assert links["Gérer mon abonnement"] == MANAGE and links["Se désabonner"] == UNSUBSCRIBE
    assert links["Se désabonner par e-mail"] == MAILTO


@pytest.mark.parametrize(("ago", "failed", "expected"), [
    (timedelta(seconds=20), 0, "S : vérifiée à l'instant"),
    (timedelta(minutes=5), 0, "S : vérifiée il y a 5\xa0min"),
    (timedelta(hours=2), 0, "S : vérifiée il y a 2\xa0h"),
    (timedelta(days=3), 0, "S : vérifiée il y a 3 jours"),
    (timedelta(days=1), 1, "S : en échec depuis 1 cycle (dernière réussite il y a 1 jour)"),
    (None, 0, "S : jamais vérifiée"),
    (None, 2, "S : en échec depuis 2 cycles"),
])
def test_source_health(ago: timedelta | None, failed: int, expected: str) -> None:
    line = SourceLine("s", "S", None if ago is None else NOW - ago, failed)
    assert source_health(line, NOW) == expected


def test_french_dates() -> None:
    assert fr_date(date(2025, 6, 3)) == "3 juin 2025"
    assert fr_date(date(2025, 6, 1)) == "1er juin 2025"
    assert fr_date(date(2022, 8, 30)) == "30 août 2022"


# --- subject, sections ---------------------------------------------------------------------------

def test_subject_singular_and_plural_only_non_zero_counts() -> None:
    one_answer = answered_items()[:1]
    two_overdue = overdue_items()[:2]
    assert render_digest(digest(one_answer + two_overdue, "daily")).subject == (
        "Résumé quotidien — relance : 1 réponse, 2 délais dépassés")
    assert render_digest(digest(soon_items()[:1] + answered_items()[:2], "immediate")).subject == (
        "relance : 2 réponses, 1 échéance proche")
    assert render_digest(digest(ended_items()[:1] + transferred_items()[:1] + other_items()[:1])).subject == (
        "Résumé hebdomadaire — relance : 1 question transmise, 1 question terminée, 1 autre nouvelle")


def test_empty_sections_are_omitted() -> None:
    rendered = render_digest(digest(answered_items()[:1], "immediate"))
    for title in ("Délais dépassés", "Échéances proches", "Questions transmises", "Questions closes",
                  "Autres nouvelles"):
        assert title not in rendered.text and title not in rendered.html
    assert "Réponses publiées (1)" in rendered.text
    assert [str(h.xpath("string(.)")) for h in lxml.html.fromstring(rendered.html).iter("h2")] == [
        "Réponses publiées (1)", "État des sources"]


def test_a_digest_with_nothing_says_so() -> None:
    rendered = render_digest(digest([]))
    assert rendered.subject == "Résumé hebdomadaire — relance : rien de nouveau"
    assert "Rien de nouveau sur les questions écrites que vous suivez." in rendered.text


# --- HTML: escaping, inlined CSS, links -----------------------------------------------------------

HOSTILE = "<script>alert(1)</script> & co"


def test_html_is_escaped_and_text_is_verbatim() -> None:
    first = answered_items()[0]
    hostile = dataclasses.replace(first, title=HOSTILE, excerpt=f"Réponse {HOSTILE}")
    rendered = render_digest(digest([hostile]))
    assert "<script" not in rendered.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in rendered.html
    assert f"AN 17-5268 : {HOSTILE}" in rendered.text
    assert f"« Réponse {HOSTILE} »" in flat(rendered.text)
    doc = lxml.html.fromstring(rendered.html)
    assert not list(doc.iter("script"))
    assert HOSTILE in str(doc.xpath("string(//h3)"))


def test_html_confirmation_escapes_its_inputs() -> None:
    rendered = render_confirmation("a&b@example.org", "https://relance.example.org/confirm/x?a=1&b=2", "weekly",
                                   "les questions marquées <b>", NOW)
    assert "a&amp;b@example.org" in rendered.html and "&lt;b&gt;" in rendered.html
    assert 'href="https://relance.example.org/confirm/x?a=1&amp;b=2"' in rendered.html
    assert "a&b@example.org" in flat(rendered.text) and "marquées <b>" in flat(rendered.text)


def html_of(email: str) -> str:
    if email == "digest":
        return render_digest(digest()).html
    return render_confirmation("x@example.org", "https://relance.example.org/confirm/t", "immediate",
                               "toutes les questions suivies", NOW).html


@pytest.mark.parametrize("email", ["digest", "confirmation"])
def test_html_is_a_self_contained_accessible_page(email: str) -> None:
    html = html_of(email)
    doc = lxml.html.fromstring(html)
    assert doc.get("lang") == "fr"
    assert doc.xpath("string(//title)") and doc.xpath("string(//h1)")
    assert "<style" not in html  # css-inline moved every rule into style attributes
    assert doc.xpath("//h1/@style") and doc.xpath("//body/@style") and doc.xpath("//p/@style")
    for tag in ("script", "img", "link", "iframe", "form", "object"):
        assert not list(doc.iter(tag)), tag
    hrefs = [str(a.get("href")) for a in doc.iter("a")]
    assert hrefs and all(h.startswith(("https://", "http://", "mailto:")) for h in hrefs), hrefs


def test_every_question_is_linked_to_its_official_page() -> None:
    doc = lxml.html.fromstring(render_digest(digest()).html)
    hrefs = {a.get("href") for a in doc.iter("a")}
    assert "https://www.assemblee-nationale.fr/dyn/17/questions/QANR5L17QE5268" in hrefs
    assert "https://www.senat.fr/questions/base/2021/qSEQ210723812.html" in hrefs
    assert "https://www.senat.fr/questions/base/2018/qSEQ181007406.html" in hrefs


# --- text part -------------------------------------------------------------------------------------

def test_text_lines_are_short_except_unbreakable_links() -> None:
    for line in render_digest(digest()).text.splitlines():
        assert len(line) <= 78 or "://" in line or "mailto:" in line, line


# --- events from the real diff, not written by hand ------------------------------------------------------

def test_events_of_the_real_diff_render() -> None:
    seen = at(date(2025, 6, 3))
    events = diff(an_pending(), an(), today=date(2025, 6, 3), last_day=date(2025, 6, 2), seen_at=seen)
    events += diff(an_pending(), an_pending(), today=date(2025, 6, 6), last_day=date(2025, 5, 25), seen_at=seen)
    items = [item_from_event(e, an(), date(2025, 6, 6)) for e in events]
    text = flat(render_digest(digest(items, "immediate")).text)
    assert "Réponse au JO du 3 juin 2025 (page 4348), publiée avec 9 jours de retard." in text
    assert "Délai dépassé de 12 jours : la réponse était due le 25 mai 2025." in text
    assert "2 mois après la publication au JO du 25/03/2025" in text


def test_missing_facts_are_left_out_never_shown_as_none() -> None:
    every = answered_items() + overdue_items() + soon_items() + transferred_items() + ended_items() + other_items()
    bare = [dataclasses.replace(i, title=None, author=None, ministry=None, official_date=None, deadline=None,
                                deadline_rule=None, days_late=None, days_left=None, excerpt=None, from_ministry=None,
                                to_ministry=None, label_fr=None, details={}) for i in every]
    rendered = render_digest(digest(bare))
    for part in (rendered.text, rendered.html):
        assert "None" not in part and " ." not in part and ",." not in part
    assert "Échéance proche." in rendered.text and "Délai dépassé." in rendered.text


def test_a_question_first_read_years_after_its_deadline_reads_right() -> None:
    """SEQ210723812 with its lapse taken out (still awaiting its answer), read for the first time on 9 June
    2025: due 15 September 2021, it is 1363 days late (Babel groups the thousands)."""
    url = "https://www.senat.fr/questions/base/2021/qSEQ210723812.html"
    pending = parse_senat_text(page_text("SEQ210723812").replace("La question est caduque", ""), url)
    events = diff(None, pending, today=TODAY, last_day=None, seen_at=NOW)
    text = flat(render_digest(digest([item_from_event(e, pending, TODAY) for e in events], "daily")).text)
    assert ("Délais dépassés (1) =================== * Sénat 23812 (2021-07) Délai dépassé de 1\u202f363 jours : la "
            "réponse était due le 15 septembre 2021. La question entre dans la liste de rappel publiée chaque mois "
            "au JO Sénat.") in text
    assert "Que faire : poser une question de rappel, ou demander sa conversion en question orale." in text
    assert "Autres nouvelles (1)" in text and "Nouvelle question suivie, publiée au JO le 15 juillet 2021." in text
