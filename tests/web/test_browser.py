"""The web interface in a real browser: headless Chromium (Debian's package, driven by Playwright) against
`relance serve` run as a real process on 127.0.0.1, with a real SMTP server (aiosmtpd) and a local HTTP
server serving the real samples. A person subscribes, confirms from the e-mail, sees the manage page,
hears of an answer after a check, and leaves with one click; the public pages render on a desktop and
on a phone, with and without JavaScript.

Every main page is captured, full page, at desktop and phone width, into tests/output/screenshots/,
to be looked at. Expected values are read from the samples: AN 17-5268 published on 25/03/2025,
deadline 25/05/2025, answered on 03/06/2025 (9 days late); Sénat 11244 answered on 28/10/2010.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from pytest_httpserver import HTTPServer

from bot.core.deadlines import PARIS
from tests.an_variants import dump, qe_json, without_answer
from tests.app.check_site import AN_PATH
from tests.app.check_site import Site as Chambers
from tests.conftest import PROJECT, sample_bytes
from tests.senat_pages import page_from_text, page_text, page_url_path
from tests.smtp import Mailer, free_port
from tests.test_notify import SECRET, text_of
from tests.web.test_web_serve import RELANCE, wait_for

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.is_file():
    _MISSING = (f"Debian's chromium is not installed at {CHROMIUM} (apt-get install chromium, or run "
                "scripts/test.sh): the browser tests cannot run")
    if os.environ.get("CI") == "true":
        pytest.fail(_MISSING, pytrace=False)  # CI installs it: its absence is a broken set-up, not a skip
    pytest.skip(_MISSING, allow_module_level=True)

from playwright.sync_api import (  # noqa: E402  (only once the browser is known to exist)
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Playwright,
    Request,
    Response,
    ViewportSize,
    expect,
    sync_playwright,
)

LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
SHOTS = PROJECT / "tests" / "output" / "screenshots"
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}
WAIT_MS = 10_000  # every browser wait is bounded by this
AN, SENAT = "QANR5L17QE5268", "SEQ091211244"
AN_TITLE = "Révision de la terminologie des diamants synthétiques"
AN_DEADLINE = date(2025, 5, 25)
PERSON = "camille@example.net"  # `.test` domains are refused by the address validator


# --- the world: chambers' sites, an SMTP server, `relance serve` --------------------------------


@dataclass
class World:
    base: str
    config: Path
    env: dict[str, str]
    chambers: Chambers
    mailer: Mailer
    server_log: Path

    def relance(self, *args: str) -> subprocess.CompletedProcess[str]:
        """One CLI command as a separate process, on the same config and database as the server."""
        result = subprocess.run([str(RELANCE), "--config", str(self.config), *args], env=self.env,
                                capture_output=True, text=True, timeout=30, check=False)
        assert result.returncode == 0, f"relance {' '.join(args)}: {result.returncode}\n{result.stderr}"
        return result

    def mails(self, address: str, count: int, seconds: float = 10) -> list[EmailMessage]:
        """The messages `address` received, once there are `count` of them (bounded wait)."""
        deadline = time.monotonic() + seconds
        while len(self.mailer.inbox.to(address)) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        found = self.mailer.inbox.to(address)
        assert len(found) == count, [m["Subject"] for m in found]
        return found


def serve_answered(chambers: Chambers, answered: bool) -> None:
    body = sample_bytes("an/QANR5L17QE5268.json") if answered else dump(without_answer(qe_json()))
    chambers.serve(AN_PATH, body, "application/json")


def write_config(path: Path, *, base: str, sources: str, smtp_port: int) -> None:
    folder = path.parent
    path.write_text(f"""
[relance]
contact = "tests@relance.test"
[http]
timeout = 5
min_interval = 0
retries = 0
cache_dir = "{folder / 'cache'}"
[sources.an]
base_url = "{sources}"
[sources.senat]
base_url = "{sources}"
[storage]
path = "{folder / 'relance.db'}"
[email]
host = "127.0.0.1"
port = {smtp_port}
security = "none"
sender = "relance <relance@relance.test>"
timeout = 5
[web]
base_url = "{base}"
[[watch]]
ref = "AN 17-5268"
tags = ["diamants", "exemples"]
[[watch]]
ref = "{SENAT}"
tags = ["exemples"]
""", encoding="utf-8")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("browser")
    http = HTTPServer(host="127.0.0.1", port=0)
    http.start()
    mailer = Mailer()
    mailer.start()
    process: subprocess.Popen[str] | None = None
    log = folder / "serve.log"
    try:
        chambers = Chambers(http)
        serve_answered(chambers, answered=False)  # first as the AN showed it while it awaited its answer
        chambers.serve(page_url_path(SENAT), page_from_text(page_text(SENAT)), "text/html")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        config = folder / "config.toml"
        write_config(config, base=base, sources=http.url_for("").rstrip("/"), smtp_port=mailer.port)
        env = {k: v for k, v in os.environ.items() if k not in ("RELANCE_DB", "RELANCE_CONFIG")}
        env["RELANCE_SECRET"] = SECRET
        world = World(base, config, env, chambers, mailer, log)
        world.relance("check")
        with log.open("w", encoding="utf-8") as sink:
            process = subprocess.Popen([str(RELANCE), "--config", str(config), "serve", "--host", "127.0.0.1",
                                        "--port", str(port)], env=env, stdout=sink, stderr=subprocess.STDOUT,
                                       text=True)
        status, _headers, _body = wait_for(f"{base}/", process, seconds=20)
        assert status == 200, log.read_text(encoding="utf-8")
        yield world
    finally:
        if process is not None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        mailer.stop()
        http.clear()
        http.stop()
    served = log.read_text(encoding="utf-8")
    assert process.returncode == 0 and "event=stopped" in served, served
    assert "unexpected error" not in served and "Traceback" not in served, served


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS,
                                          timeout=30_000)
    yield chromium
    chromium.close()


@dataclass
class Tab:
    """A page, and what the browser saw while the test used it: console errors (a CSP violation is one),
    error answers, requests to anywhere but 127.0.0.1. A test that expects an error answer takes it out."""

    page: Page
    errors: list[str] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)

    def watch(self) -> None:
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("request", self._request)
        self.page.on("response", self._response)

    def _console(self, message: ConsoleMessage) -> None:
        # "Failed to load resource" repeats an error answer, which `failed` records with its address.
        if message.type in ("error", "warning") and not message.text.startswith("Failed to load resource"):
            self.errors.append(f"{message.type}: {message.text}")

    def _response(self, response: Response) -> None:
        if response.status >= 400:
            self.failed.append((response.status, urlsplit(response.url).path))

    def _request(self, request: Request) -> None:
        if urlsplit(request.url).scheme != "data" and urlsplit(request.url).hostname != "127.0.0.1":
            self.foreign.append(request.url)


def open_tab(browser: Browser, **options: Any) -> Iterator[Tab]:
    context: BrowserContext = browser.new_context(viewport=DESKTOP, locale="fr-FR", **options)
    context.set_default_timeout(WAIT_MS)
    tab = Tab(context.new_page())
    tab.watch()
    try:
        yield tab
    finally:
        context.close()
    assert tab.errors == [], tab.errors
    assert tab.failed == [], tab.failed
    assert tab.foreign == [], tab.foreign


@pytest.fixture
def tab(browser: Browser) -> Iterator[Tab]:
    yield from open_tab(browser)


# --- helpers -------------------------------------------------------------------------------------


OVERFLOW_JS = """() => {
  const width = window.innerWidth;
  const wide = [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > width + 0.5)
    .map(e => `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}${e.className ? '.' + e.className : ''}`);
  return {scroll: document.documentElement.scrollWidth, width, wide: wide.slice(0, 8)};
}"""


def shoot(page: Page, name: str) -> None:
    """Full-page screenshots at desktop and phone width; on the phone, nothing wider than the screen."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"{name}-desktop.png", full_page=True)
    page.set_viewport_size(PHONE)
    try:
        found = page.evaluate(OVERFLOW_JS)
        assert found["scroll"] <= found["width"], f"{name} scrolls sideways on a phone: {found}"
        page.screenshot(path=SHOTS / f"{name}-phone.png", full_page=True)
    finally:
        page.set_viewport_size(DESKTOP)


def definitions(page: Page, selector: str) -> dict[str, str]:
    """A <dl>'s terms and their descriptions, as a person reads them."""
    found: dict[str, str] = page.eval_on_selector(
        selector, "dl => Object.fromEntries([...dl.querySelectorAll('dt')].map(dt => [dt.innerText.trim(), "
                  "dt.nextElementSibling.innerText.trim()]))")
    return found


def link_in(message: EmailMessage, base: str, purpose: str) -> str:
    found = re.search(rf"{re.escape(base)}/{purpose}/[\w.-]+", text_of(message))
    assert found, text_of(message)
    return found[0]


def days_late_today() -> set[int]:
    """The AN question's days past its deadline, as the server counts them (Paris): today, or the
    day after should the test cross midnight."""
    today = datetime.now(PARIS).date()
    return {(today - AN_DEADLINE).days, (today - AN_DEADLINE).days + 1}


def subscribers(world: World) -> dict[str, dict[str, Any]]:
    listed: list[dict[str, Any]] = json.loads(world.relance("subscribers", "--json").stdout)
    return {s["email"]: s for s in listed}


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

