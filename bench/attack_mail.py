"""Issue 17's mail attacks, on real processes: a dripping SMTP server (a real TCP server on 127.0.0.1 that
sends its greeting one byte a second, so every read gets a byte within any socket timeout) against
`relance notify` and against subscribe requests to `relance serve`; an address with accents before the
@ at the form; a queued message the server cannot carry, then the others.

Run: .venv/bin/python bench/attack_mail.py [--deadline 5] [--requests 8]
Prints one line per case: held or failed, and the seconds measured on the client's side. Before issue
17, with a 5 s [email] timeout: notify was held 106 s, each subscribe request about 104 s (four filled
the site's threads), the accented address answered 500 and stopped every later notify.
"""

from __future__ import annotations

import argparse
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.conftest import write_config
from tests.smtp import DrippingServer, Mailer, free_port

RELANCE = str(Path(sys.executable).with_name("relance"))
SECRET = "a-bench-secret-that-is-long-enough"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def line(case: str, held: bool, seconds: float, detail: str) -> None:
    print(f"{case:<48} {'held' if held else 'FAILED':<7} {seconds:7.1f} s  {detail}", flush=True)


def env(folder: Path) -> dict[str, str]:
    return {**os.environ, "RELANCE_SECRET": SECRET, "RELANCE_DB": str(folder / "relance.db")}


def config(folder: Path, smtp_port: int, deadline: float, base_url: str = "https://relance.test") -> Path:
    path = write_config(folder / "config.toml", smtp_port=smtp_port, web={"base_url": base_url})
    text = path.read_text()
    start = text.index("[email]")  # the [email] section's timeout: the deadline of one message
    path.write_text(text[:start] + text[start:].replace("timeout = 5\n", f"timeout = {deadline:g}\n", 1))
    return path


def run(folder: Path, path: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    done = subprocess.run([RELANCE, "--config", str(path), *args], check=False, env=env(folder),
                          capture_output=True, text=True, timeout=600)
    return done, time.monotonic() - started


def notify_vs_drip(deadline: float) -> None:
    drip = DrippingServer()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        path = config(folder, drip.port, deadline)
        subscribed, took_subscribe = run(folder, path, "subscribe", "alice@example.net")
        notified, took_notify = run(folder, path, "notify")
    drip.stop()
    limit = deadline + 5
    line("relance subscribe vs dripping SMTP", took_subscribe < limit and subscribed.returncode == 2,
         took_subscribe, f"exit {subscribed.returncode}, deadline {deadline:g} s")
    line("relance notify vs dripping SMTP", took_notify < limit and notified.returncode == 2, took_notify,
         f"exit {notified.returncode}: {notified.stderr.strip()[:150]}")


class Site:
    """`relance serve` in its own process on a free port, its default threads (4); its base_url plain http
    (the session cookie that carries the CSRF token is Secure under https)."""

    def __init__(self, folder: Path, smtp_port: int, deadline: float) -> None:
        self.port = free_port()
        self.path = path = config(folder, smtp_port, deadline, f"http://127.0.0.1:{self.port}")
        self.process = subprocess.Popen([RELANCE, "--config", str(path), "serve", "--port", str(self.port)],
                                        env=env(folder), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.url = f"http://127.0.0.1:{self.port}"
        for _ in range(200):
            try:
                httpx.get(self.url + "/abonnement", timeout=1)
                return
            except httpx.HTTPError:
                time.sleep(0.05)
        self.process.terminate()
        raise RuntimeError(f"relance serve did not start: {self.process.communicate()[1].decode()[-500:]}")

    def subscribe(self, email: str) -> tuple[int, float]:
        started = time.monotonic()
        with httpx.Client(base_url=self.url, timeout=300) as client:
            found = CSRF.search(client.get("/abonnement").text)
            assert found
            response = client.post("/abonnement", data={"csrf_token": found[1], "email": email,
                                                        "frequency": "daily"})
        return response.status_code, time.monotonic() - started

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


def subscribe_vs_drip(deadline: float, requests: int) -> None:
    drip = DrippingServer()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        site = Site(folder, drip.port, deadline)
        try:
            started = time.monotonic()
            with ThreadPoolExecutor(requests) as pool:
                answers = list(pool.map(site.subscribe, [f"user{i}@example.net" for i in range(requests)]))
            took = time.monotonic() - started
            home = time.monotonic()
            home_status = httpx.get(site.url + "/", timeout=300).status_code
            home_took = time.monotonic() - home
        finally:
            site.stop()
    drip.stop()
    slowest = max(seconds for _, seconds in answers)
    statuses = sorted({status for status, _ in answers})
    line(f"{requests} subscribe POSTs vs dripping SMTP (serve)", slowest < deadline and statuses == [303], took,
         f"statuses {statuses}, slowest request {slowest:.2f} s")
    line("home page right after them", home_status == 200 and home_took < deadline, home_took, f"status {home_status}")


def accented_address(deadline: float) -> None:
    mailer = Mailer()
    mailer.start()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        site = Site(folder, mailer.port, deadline)
        path = site.path
        try:
            status, took = site.subscribe("josé@example.fr")
        finally:
            site.stop()
        line("josé@… at the subscribe form (no SMTPUTF8)", status == 400, took, f"status {status}")
        # The address as the old check let it in: stored, its confirmation queued; then two more.
        for address in ("alice@example.net", "bob@example.net"):
            run(folder, path, "subscribe", address)
        with sqlite3.connect(folder / "relance.db") as conn:
            conn.execute("UPDATE messages SET state = 'queued'")  # both confirmations to send again,
            conn.execute("UPDATE messages SET recipient = 'josé@example.fr' WHERE id = 1")  # the first to josé
        mailer.inbox.messages.clear()
        notified, took = run(folder, path, "notify")
        run(folder, path, "notify")
    mailer.stop()
    sent = sorted(r for _, rcpts, _ in mailer.inbox.messages for r in rcpts)
    line("notify with a message the server cannot carry", notified.returncode == 2 and
         "Traceback" not in notified.stderr and sent == ["bob@example.net"], took,
         f"exit {notified.returncode}, the next messages still sent: {sent}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deadline", type=float, default=5.0, help="[email] timeout, seconds (default 5)")
    parser.add_argument("--requests", type=int, default=8, help="simultaneous subscribe POSTs (default 8)")
    options = parser.parse_args()
    print(f"{'case':<48} {'result':<7} {'seconds':>9}")
    notify_vs_drip(options.deadline)
    subscribe_vs_drip(options.deadline, options.requests)
    accented_address(options.deadline)


if __name__ == "__main__":
    main()
