"""A visitor's search alert in a real browser: headless Chromium against `relance serve` run as a real process,
a real SMTP server (aiosmtpd) and the chambers' real samples served locally (tests/web/browser_world.py).
A visitor searches from the questions page, follows the search by e-mail, confirms from the e-mail the SMTP
server received, finds the search on the manage page; the AN then records a signalement of the question
the search finds, and the next daily digest tells it, ending with « Toujours sans réponse ».

From the AN sample: AN 17-5268 « Révision de la terminologie des diamants synthétiques », published on
25/03/2025, answer due by 25/05/2025, served here still unanswered: late."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.an_variants import dump, qe_json, signaled_on, without_answer
from tests.app.check_site import AN_PATH
from tests.notify.subscribers_site import html_of, text_of
from tests.web import browser_world
from tests.web.browser_world import AN, PERSON, Tab, World, link_in, served_world, shoot, subscribers

playwright = browser_world.playwright
browser = browser_world.browser
tab = browser_world.tab
WORDS = "diamants synthétiques"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    # Daily digests from midnight: the test's digest is due whatever the hour it runs at.
    with served_world(tmp_path_factory.mktemp("alert"), email={"daily_hour": 0}) as found:
        yield found


def test_a_visitor_follows_a_search_by_email_and_hears_of_it(world: World, tab: Tab) -> None:
    page = tab.page
    # The visitor searches from the questions page.
    page.goto(f"{world.base}/questions")
    page.get_by_label("Rechercher par mots dans toutes les questions").fill(WORDS)
    page.get_by_role("search").get_by_role("button", name="Rechercher").click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(world.base)}/recherche\?q=diamants"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Rechercher dans les questions écrites")
    expect(page.get_by_role("status")).to_have_text(
        f"Questions contenant « {WORDS} »\u00a0: 1 trouvée.")
    expect(page.locator("ol.hits li h2")).to_have_text(
        "AN 17-5268 — Révision de la terminologie des diamants synthétiques")
    feed = page.locator("link[rel=alternate][href*='recherche.atom']")
    expect(feed).to_have_attribute("href", f"{world.base}/recherche.atom?q=diamants+synth%C3%A9tiques")
    shoot(page, "search")

    # The visitor follows it by e-mail.
    page.get_by_label("Votre adresse e-mail").fill(PERSON)
    page.get_by_label("Un résumé par jour").check()
    page.get_by_role("button", name="Suivre cette recherche par e-mail").click()
    expect(page).to_have_url(f"{world.base}/abonnement/envoye")

    # The real SMTP server received the confirmation; it names the search in words.
    [confirmation] = world.mails(PERSON, 1)
    assert confirmation["Subject"] == "Confirmez votre abonnement à relance"
    assert f"les questions contenant « {WORDS} »" in " ".join(text_of(confirmation).split())
    assert subscribers(world)[PERSON]["state"] == "pending"
    page.goto(link_in(confirmation, world.base, "confirm"))
    page.get_by_role("button", name="Confirmer mon abonnement").click()

    # The manage page lists the search, removable.
    expect(page.get_by_role("heading", level=1)).to_have_text("Votre abonnement")
    searches = page.locator("section[aria-labelledby=recherches] li")
    expect(searches).to_have_count(1)
    expect(searches.get_by_role("link")).to_have_text(f"Questions contenant « {WORDS} »")
    expect(searches.get_by_role("button", name=f"Retirer la recherche : questions contenant « {WORDS} »")) \
        .to_be_visible()
    expect(page.locator("main")).to_contain_text(f"Vous suivez les questions contenant « {WORDS} », en un résumé "
                                                 "quotidien.")
    shoot(page, "manage-search")
    assert subscribers(world)[PERSON]["state"] == "confirmed"

    # The AN records a signalement of the question; a check finds it, and the daily digest tells it.
    world.chambers.serve(AN_PATH, dump(signaled_on(without_answer(qe_json()), "2025-06-10")), "application/json")
    report = json.loads(world.relance("check", "--json").stdout)
    assert (AN, "signaled") in [(e["ref"], e["kind"]) for e in report["events"]], report
    world.relance("notify")
    _, digest = world.mails(PERSON, 2)
    assert digest["Subject"].startswith("Résumé quotidien — relance"), digest["Subject"]
    text = " ".join(text_of(digest).split())
    assert "AN 17-5268" in text and "signal" in text, text
    # It ends with the questions still late: the one question the search finds, and the link to them all.
    block = text[text.index("Toujours sans réponse"):]
    assert block.startswith("Toujours sans réponse ===================== 1 question que vous suivez est toujours "
                            "sans réponse après son délai."), block
    assert "AN 17-5268 — Révision de la terminologie des diamants synthétiques :" in block
    assert "jours de retard" in block
    late_page = re.search(rf"{re.escape(world.base)}/manage/[\w.-]+/sans-reponse", text_of(digest))
    assert late_page, text
    assert "Toujours sans réponse" in html_of(digest)

    # Its link shows all of them.
    page.goto(late_page[0])
    expect(page.get_by_role("heading", level=1)).to_have_text("Vos questions toujours sans réponse")
    expect(page.locator("ol.late-list li")).to_have_count(1)
    expect(page.locator("ol.late-list li")).to_contain_text("AN 17-5268 — Révision de la terminologie")
    shoot(page, "still-late")
