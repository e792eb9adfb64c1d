"""The web interface in a real browser: headless Chromium (Debian's package, driven by Playwright) against
`relance serve` run as a real process on 127.0.0.1, with a real SMTP server (aiosmtpd) and a local HTTP
server serving the real samples (tests/web/browser_world.py). A person subscribes,
confirms from the e-mail, sees the manage page, hears of an answer after a check, and leaves with one
click."""

from __future__ import annotations

import json
import re

from tests.notify.subscribers_site import text_of
from tests.web import browser_world
from tests.web.browser_world import (
    AN,
    PERSON,
    WAIT_MS,
    Playwright,
    Tab,
    World,
    days_late_today,
    definitions,
    expect,
    link_in,
    serve_answered,
    shoot,
    subscribers,
)

# Fixtures, registered here under these names: the world (one per module), the browser, a tab.
world = browser_world.world
playwright = browser_world.playwright
browser = browser_world.browser
tab = browser_world.tab


# --- the journey of a person -------------------------------------------------------------------


def test_a_person_subscribes_confirms_hears_of_the_answer_and_leaves(world: World, tab: Tab,
                                                                     playwright: Playwright) -> None:
    page = tab.page
    # The home page: where the watched questions stand (the AN one still awaits its answer).
    response = page.goto(f"{world.base}/")
    assert response is not None and response.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text("Questions écrites suivies")
    assert definitions(page, "dl.stats") == {"Questions": "2", "Répondues": "1", "En attente": "1",
                                             "En retard": "1", "Réponses dans les délais": "0\u202f%"}
    late = page.locator("section[aria-labelledby=retard] li")
    expect(late).to_have_count(1)
    expect(late.get_by_role("link")).to_have_text("AN 17-5268")
    found = re.search(r"(\d+) jours de retard", late.inner_text())
    assert found and int(found[1]) in days_late_today(), late.inner_text()
    themes = page.locator("section[aria-labelledby=themes] li")
    expect(themes).to_have_text(["diamants (1 question)", "exemples (2 questions)"])
    shoot(page, "home")

    # The subscribe page, from the navigation.
    page.get_by_role("navigation").get_by_role("link", name="S'abonner").click()
    expect(page).to_have_url(f"{world.base}/abonnement")
    expect(page.get_by_role("heading", level=1)).to_have_text("S'abonner aux nouvelles par e-mail")
    shoot(page, "subscribe")
    page.get_by_label("Votre adresse e-mail").fill(PERSON)
    page.get_by_label("À chaque nouvelle, dès qu'elle est connue").check()
    page.get_by_role("checkbox", name="diamants").check()
    page.get_by_role("button", name="S'abonner").click()

    # "Check your mailbox".
    expect(page).to_have_url(f"{world.base}/abonnement/envoye")
    expect(page.get_by_role("heading", level=1)).to_have_text("Vérifiez votre boîte aux lettres")
    shoot(page, "sent")

    # The confirmation e-mail, its link (on the public base URL), the page with its button.
    [confirmation] = world.mails(PERSON, 1)
    assert confirmation["Subject"] == "Confirmez votre abonnement à relance"
    confirm_link = link_in(confirmation, world.base, "confirm")
    page.goto(confirm_link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirmer l'abonnement")
    expect(page.locator("main")).to_contain_text(
        f"L'adresse {PERSON} recevra les nouvelles de relance sur les questions marquées diamants, "
        "à chaque nouvelle, dès qu'elle est connue.")
    assert subscribers(world)[PERSON]["state"] == "pending"  # opening the link confirms nothing
    shoot(page, "confirm")
    page.get_by_role("button", name="Confirmer mon abonnement").click()

    # The manage page.
    expect(page).to_have_url(re.compile(rf"^{re.escape(world.base)}/manage/[\w.-]+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Votre abonnement")
    main = page.locator("main")
    expect(page.get_by_role("status")).to_have_text(
        "Votre abonnement est confirmé. Vous recevrez les prochaines nouvelles par e-mail.")
    expect(main).to_contain_text(f"Adresse : {PERSON}. État : actif.")
    expect(main).to_contain_text("Vous suivez les questions marquées diamants, à chaque nouvelle, dès qu'elle "
                                 "est connue.")
    expect(page.get_by_label("À chaque nouvelle, dès qu'elle est connue")).to_be_checked()
    expect(page.get_by_role("checkbox", name="diamants")).to_be_checked()
    expect(page.get_by_role("checkbox", name="exemples")).not_to_be_checked()
    for button in ("Enregistrer mes choix", "Mettre en pause", "Me désabonner"):
        expect(page.get_by_role("button", name=button)).to_be_visible()
    shoot(page, "manage")
    assert subscribers(world)[PERSON]["state"] == "confirmed"

    # The AN publishes the answer; a check finds it, notify sends one notice.
    serve_answered(world.chambers, answered=True)
    report = json.loads(world.relance("check", "--json").stdout)
    assert [(e["ref"], e["kind"]) for e in report["events"]] == [(AN, "answered")], report
    world.relance("notify")
    confirmation_again, notice = world.mails(PERSON, 2)
    assert confirmation_again["Message-ID"] == confirmation["Message-ID"]
    text = text_of(notice)
    assert "Réponse publiée" in text or "Réponses publiées" in text, text
    assert "AN 17-5268" in text and "3 juin 2025" in text and "9 jours de retard" in text, text
    assert f"{world.base}/manage/" in text
    assert notice["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    header = re.search(r"<([^>]+/unsubscribe/[\w.-]+)>", str(notice["List-Unsubscribe"]))
    assert header and header[1].startswith(f"{world.base}/unsubscribe/"), notice["List-Unsubscribe"]
    unsubscribe_url = header[1]
    world.relance("notify")  # nothing new: still one notice
    world.mails(PERSON, 2, seconds=0.5)

    # The person follows the link: a page with a button, which unsubscribes.
    page.goto(unsubscribe_url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Se désabonner")
    expect(page.locator("main")).to_contain_text(f"L'adresse {PERSON} ne recevra plus d'e-mail de relance.")
    assert subscribers(world)[PERSON]["state"] == "confirmed"  # opening the link changes nothing
    shoot(page, "unsubscribe")
    page.get_by_role("button", name="Me désabonner").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vous êtes désabonné")
    expect(page.locator("main")).to_contain_text(f"L'adresse {PERSON} ne recevra plus d'e-mail de relance.")
    shoot(page, "unsubscribed")
    assert subscribers(world)[PERSON]["state"] == "unsubscribed"

    # A mail client's one-click POST (RFC 8058): no cookie, no CSRF token; 200 again once done.
    client = playwright.request.new_context(timeout=WAIT_MS)
    try:
        answer = client.post(unsubscribe_url, form={"List-Unsubscribe": "One-Click"})
        assert answer.status == 200, answer.text()
    finally:
        client.dispose()
    assert subscribers(world)[PERSON]["state"] == "unsubscribed"
