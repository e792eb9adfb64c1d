"""The browser tests' world: the chambers' sites on a local HTTP server serving the real samples, a real
SMTP server (aiosmtpd), `relance serve` run as a real process on 127.0.0.1, and headless Chromium
(Debian's package, driven by Playwright) with one tab per test that fails on console errors, error
answers and requests beyond 127.0.0.1.

Every main page is captured, full page, at desktop and phone width, into tests/output/screenshots/,
to be looked at. Expected values are read from the samples: AN 17-5268 published on 25/03/2025,
deadline 25/05/2025, answered on 03/06/2025 (9 days late); Sénat 11244 answered on 28/10/2010.
Its fixtures are registered by the modules that use them (`world = browser_world.world`); the world is
one per module.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
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
from tests.conftest import PROJECT, sample_bytes, write_config
from tests.notify.subscribers_site import SECRET, text_of
from tests.senat_pages import page_from_text, page_text, page_url_path
from tests.smtp import Mailer, free_port
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
    expect,  # noqa: F401  (for the test modules, which import it from here)
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


WATCHED = ({"ref": "AN 17-5268", "tags": ["diamants", "exemples"]}, {"ref": SENAT, "tags": ["exemples"]})


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with served_world(tmp_path_factory.mktemp("browser")) as found:
        yield found


@contextmanager
def served_world(folder: Path, extra: str = "", email: dict[str, Any] | None = None) -> Iterator[World]:
    """`relance serve` over the chambers' samples, its config in `folder` (`extra`: TOML added to it;
    `email`: entries merged into its [email] section)."""
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
        write_config(config, site=http.url_for("").rstrip("/"), smtp_port=mailer.port, web={"base_url": base},
                     watch=WATCHED, extra=extra, **({"email": email} if email else {}))
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
