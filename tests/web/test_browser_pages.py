"""The web interface in a real browser: headless Chromium (Debian's package, driven by Playwright) against
`relance serve` run as a real process on 127.0.0.1, with a real SMTP server (aiosmtpd) and a local HTTP
server serving the real samples (tests/web/browser_world.py). The public pages render
on a desktop and on a phone with their feeds; the form is usable with the keyboard alone and without
JavaScript."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.web import browser_world
from tests.web.browser_world import (
    AN,
    AN_TITLE,
    SHOTS,
    Browser,
    Tab,
    World,
    definitions,
    expect,
    link_in,
    open_tab,
    shoot,
    subscribers,
)

# Fixtures, registered here under these names: the world (one per module), the browser, a tab.
world = browser_world.world
playwright = browser_world.playwright
browser = browser_world.browser
tab = browser_world.tab


# --- the public pages ----------------------------------------------------------------------------


def test_questions_question_and_tag_pages_render_with_their_feeds(world: World, tab: Tab) -> None:
    page = tab.page
    page.goto(f"{world.base}/")
    page.get_by_role("link", name="Voir toutes les questions").click()
    expect(page).to_have_url(f"{world.base}/questions")
    expect(page.get_by_role("heading", level=1)).to_have_text("Questions suivies")
    table = page.locator("table.questions")
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(table.locator("caption")).to_contain_text("Questions suivies, triées par")
    shoot(page, "questions")

    # Sorting is a link: by author, ascending, announced to screen readers.
    table.get_by_role("link", name="Auteur").click()
    expect(page.locator("th[aria-sort=ascending]")).to_contain_text("Auteur")
    # Filtering is a plain GET form.
    page.get_by_label("Chambre").select_option("an")
    page.get_by_role("button", name="Filtrer").click()
    expect(page).to_have_url(re.compile(r"chamber=an"))
    expect(page.locator("table.questions tbody tr")).to_have_count(1)

    # A question's page.
    page.locator("table.questions").get_by_role("link", name="AN 17-5268").click()
    expect(page).to_have_url(f"{world.base}/questions/{AN}")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"AN 17-5268 — {AN_TITLE}")
    facts = definitions(page, "dl.facts")
    assert facts["Publiée au JO"].startswith("25 mars 2025"), facts
    assert facts["Échéance de la réponse"].startswith("25 mai 2025"), facts
    assert "2 mois après la publication au JO du 25/03/2025" in facts["Échéance de la réponse"], facts
    assert facts["Thèmes"] == "diamants, exemples", facts
    expect(page.get_by_role("heading", name="Historique")).to_be_visible()
    expect(page.locator("table.events tbody tr").first).to_be_visible()
    shoot(page, "question")

    # A theme's page: counts and the chart, an SVG drawn by the server, with its figures below.
    page.get_by_role("link", name="exemples").click()
    expect(page).to_have_url(f"{world.base}/tags/exemples")
    expect(page.get_by_role("heading", level=1)).to_have_text("Thème : exemples")
    chart = page.locator("figure.chart svg")
    expect(chart).to_be_visible()
    assert chart.locator("rect").count() >= 1
    box = chart.bounding_box()
    assert box is not None and box["width"] > 200 and box["height"] > 50, box
    expect(page.locator("figure.chart figcaption")).to_contain_text("dans les délais")
    shoot(page, "tag")

    # Its Atom feed, as a reader polls it: ETag and Last-Modified, then a bodiless 304.
    href = page.locator("ul.feeds a[href*='/feeds/events.atom']").get_attribute("href")
    assert href == f"{world.base}/feeds/events.atom?tag=exemples", href
    feed = page.request.get(href)
    assert feed.status == 200 and feed.headers["content-type"].startswith("application/atom+xml")
    etag = feed.headers["etag"]
    assert etag and feed.headers["last-modified"] and b"<feed" in feed.body()
    again = page.request.get(href, headers={"If-None-Match": etag})
    assert again.status == 304 and again.body() == b""
    calendar = page.request.get(f"{world.base}/feeds/deadlines.ics")
    assert calendar.status == 200 and calendar.headers["etag"] and b"BEGIN:VCALENDAR" in calendar.body()


def test_keyboard_focus_is_visible_on_the_form(world: World, tab: Tab) -> None:
    page = tab.page
    page.goto(f"{world.base}/abonnement")
    # The first Tab reaches the skip link, which then shows on screen.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Aller au contenu")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box is not None and box["x"] >= 0 and box["y"] >= 0, box
    # Then Tab, as a keyboard user does, until the e-mail field; its focus ring must show.
    email = page.get_by_label("Votre adresse e-mail")
    for _ in range(10):
        page.keyboard.press("Tab")
        if email.evaluate("e => e === document.activeElement"):
            break
    expect(email).to_be_focused()
    ring: dict[str, str] = email.evaluate(
        "e => { const s = getComputedStyle(e); return {style: s.outlineStyle, width: s.outlineWidth, "
        "color: s.outlineColor, visible: String(e.matches(':focus-visible'))}; }")
    assert ring["visible"] == "true" and ring["style"] == "solid", ring
    assert float(ring["width"].removesuffix("px")) >= 2, ring
    page.screenshot(path=_shot("subscribe-focus-desktop"))
    # Keyboard only: the radio group is one Tab stop, the arrows pick in it; Enter sends the form.
    page.keyboard.type("focus@example.net")
    page.keyboard.press("Tab")
    radio = page.locator("input[name=frequency]:focus")
    expect(radio).to_have_value("daily")
    assert radio.evaluate("e => getComputedStyle(e).outlineStyle") == "solid"
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label("Un résumé par semaine")).to_be_checked()
    email.press("Enter")
    expect(page).to_have_url(f"{world.base}/abonnement/envoye")
    [_confirmation] = world.mails("focus@example.net", 1)


def _shot(name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS / f"{name}.png"


@pytest.fixture
def tab_without_javascript(browser: Browser) -> Iterator[Tab]:
    yield from open_tab(browser, java_script_enabled=False)


def test_subscribe_form_works_without_javascript(world: World, tab_without_javascript: Tab) -> None:
    page = tab_without_javascript.page
    address = "sans-script@example.net"
    page.goto(f"{world.base}/abonnement")
    # A mistake first: the page comes back with the error, said at the top and at the field.
    page.get_by_label("Votre adresse e-mail").fill("pas une adresse")
    page.get_by_role("button", name="S'abonner").click()
    expect(page.get_by_role("alert")).to_contain_text("Le formulaire contient une erreur")
    expect(page.get_by_role("alert")).to_contain_text("Cette adresse e-mail n'est pas valable")
    email = page.get_by_label("Votre adresse e-mail")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_value("pas une adresse")
    assert tab_without_javascript.failed == [(400, "/abonnement")]
    tab_without_javascript.failed.clear()
    shoot(page, "subscribe-error")
    # Then right.
    email.fill(address)
    page.get_by_label("Un résumé par semaine").check()
    page.get_by_role("checkbox", name="exemples").check()
    page.get_by_role("button", name="S'abonner").click()
    expect(page).to_have_url(f"{world.base}/abonnement/envoye")
    expect(page.get_by_role("heading", level=1)).to_have_text("Vérifiez votre boîte aux lettres")
    [confirmation] = world.mails(address, 1)
    page.goto(link_in(confirmation, world.base, "confirm"))
    page.get_by_role("button", name="Confirmer mon abonnement").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Votre abonnement")
    expect(page.locator("main")).to_contain_text("État : actif.")
    expect(page.get_by_label("Un résumé par semaine")).to_be_checked()
    subscriber = subscribers(world)[address]
    assert (subscriber["state"], subscriber["frequency"], subscriber["tags"]) == ("confirmed", "weekly",
                                                                                  ["exemples"])
