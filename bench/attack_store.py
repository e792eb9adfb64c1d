"""Issue 17's store attacks, on real processes and one real SQLite file: many people posting the subscribe
form at once to the real `relance serve` (waitress) while `relance import an`, `relance check` and
`relance notify` write to the same database; and, underneath, threads each running read-then-write
transactions on one counter, through relance's store and through a plain deferred transaction.

Run: .venv/bin/python bench/attack_store.py [--people 100] [--archive 2000] [--threads 16] [--writes 50]
Prints one line per case: held or failed, the wall seconds, and its figures (requests that failed,
duplicate e-mails, the 95th percentile of a request's wait measured on the client's side; lost
increments). Before issue 17 (deferred transactions): 18 to 21 of 24 simultaneous subscriptions answered
500, `check` and `notify` failed beside an import.
"""

from __future__ import annotations

import argparse
import http.server
import os
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from sqlite_utils import Database

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from storage.db import BUSY_TIMEOUT_MS, open_db
from tests.app.an_archives import pending, write_archive
from tests.conftest import SAMPLES, write_config
from tests.smtp import Mailer, free_port

RELANCE = str(Path(sys.executable).with_name("relance"))
SECRET = "a-bench-secret-that-is-long-enough"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
AN_PATH = "/dyn/opendata/QANR5L17QE5268.json"


def line(case: str, held: bool | None, seconds: float, detail: str) -> None:
    """`held` None: a baseline (what relance did before), printed for comparison, neither held nor failed."""
    outcome = "baseline" if held is None else "held" if held else "FAILED"
    print(f"{case:<58} {outcome:<8} {seconds:7.1f} s  {detail}", flush=True)


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 2 else (values[0] if values else 0.0)


def serve_sample(port: int) -> http.server.ThreadingHTTPServer:
    """The AN's page of the real question, as `relance check` reads it, on 127.0.0.1."""
    body = (SAMPLES / "an" / "QANR5L17QE5268.json").read_bytes()

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            found = self.path == AN_PATH
            self.send_response(200 if found else 404)
            self.send_header("Content-Type", "application/json" if found else "text/plain")
            self.end_headers()
            self.wfile.write(body if found else b"Not Found")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def env() -> dict[str, str]:
    found = {**os.environ, "RELANCE_SECRET": SECRET}
    found.pop("RELANCE_DB", None)
    return found


def command(config: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([RELANCE, "--config", str(config), *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env())


def wait_until_up(url: str) -> None:
    for _ in range(300):
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise SystemExit(f"relance serve did not answer at {url}")


def subscribe(base: str, number: int, start: threading.Barrier) -> tuple[int, float]:
    """One person behind the trusted proxy (their own address, as the rate limits count them)."""
    headers = {"X-Forwarded-For": f"10.{number // 250}.{number % 250}.1"}
    with httpx.Client(base_url=base, headers=headers, timeout=120) as client:
        token = CSRF.search(client.get("/abonnement").text)
        start.wait(120)
        began = time.monotonic()
        if token is None:
            return 0, 0.0
        response = client.post("/abonnement", data={"csrf_token": token[1], "email": f"personne{number}@example.org",
                                                     "frequency": "daily", "refs": "AN 17-5268"})
        return response.status_code, time.monotonic() - began


def subscriptions_beside_commands(folder: Path, people: int, archive_size: int) -> None:
    mailer = Mailer()
    mailer.start()
    site, port = serve_sample(free_port()), free_port()
    base = f"http://127.0.0.1:{port}"
    config = write_config(folder / "config.toml", site=f"http://127.0.0.1:{site.server_address[1]}",
                          smtp_port=mailer.port, web={"base_url": base}, watch=("AN 17-5268",))
    archive = write_archive(folder / "an.zip", [pending(n) for n in range(1, archive_size + 1)])
    server = subprocess.Popen([RELANCE, "--config", str(config), "serve", "--port", str(port), "--threads", "8",
                               "--trusted-proxy", "127.0.0.1"], env=env(), stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
    try:
        wait_until_up(base + "/abonnement")
        began = time.monotonic()
        start = threading.Barrier(people)
        with ThreadPoolExecutor(people) as pool:
            answers = [pool.submit(subscribe, base, n, start) for n in range(people)]
            commands = {"import": command(config, "import", "an", "--file", str(archive)),
                        "check": command(config, "check"), "notify": command(config, "notify")}
            results = [answer.result() for answer in answers]
        outcomes = {name: (p.wait(600), p.communicate()[1]) for name, p in commands.items()}
        flushed = command(config, "notify").wait(600)  # what the first notify did not find queued yet
        seconds = time.monotonic() - began
    finally:
        server.terminate()
        server.wait(30)
        mailer.stop()
        site.shutdown()
    failed = [code for code, _ in results if code != 303]
    per_address = Counter(address for _, recipients, _ in mailer.inbox.messages for address in recipients)
    duplicates = sum(n - 1 for n in per_address.values() if n > 1)
    unconfirmed = people - sum(1 for n in range(people) if per_address[f"personne{n}@example.org"])
    bad_commands = {name: code for name, (code, err) in outcomes.items() if code != 0 or "Traceback" in err}
    with sqlite3.connect(folder / "relance.db") as conn:
        stored = conn.execute("SELECT count(*) FROM subscribers").fetchone()[0]
    conn.close()
    held = not failed and not duplicates and not unconfirmed and not bad_commands and flushed == 0 and stored == people
    line(f"{people} subscriptions + import {archive_size} + check + notify", held, seconds,
         f"failed requests {len(failed)} {sorted(Counter(failed).items())}, subscribers {stored}/{people}, "
         f"duplicate e-mails {duplicates}, without confirmation {unconfirmed}, commands failed {bad_commands or 0}, "
         f"request wait p95 {p95([w for _, w in results]):.2f} s max {max(w for _, w in results):.2f} s")


def counter_db(path: Path) -> None:
    db = open_db(path)
    db.execute("CREATE TABLE counter (name TEXT PRIMARY KEY, value INTEGER NOT NULL)")
    db.execute("INSERT INTO counter VALUES ('n', 0)")
    db.close()


def increments(path: Path, threads: int, writes: int, opener: str) -> None:
    """`threads` connections each add 1 `writes` times, reading the value then writing it plus one."""
    counter_db(path)
    errors: list[str] = []
    waits: list[float] = []

    def writer() -> None:
        plain = Database(sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000)) if opener == "plain" else None
        db = plain or open_db(path)
        for _ in range(writes):
            began = time.monotonic()
            try:
                with db.atomic():
                    value = db.execute("SELECT value FROM counter").fetchone()[0]
                    db.execute("UPDATE counter SET value = ?", [value + 1])
            except sqlite3.Error as error:
                errors.append(str(error))
            waits.append(time.monotonic() - began)
        db.close()

    began = time.monotonic()
    workers = [threading.Thread(target=writer) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    with sqlite3.connect(path) as conn:
        total = conn.execute("SELECT value FROM counter").fetchone()[0]
    conn.close()
    expected = threads * writes
    how = "relance store" if opener == "store" else "plain deferred, before"
    case = f"{threads} threads x {writes} read-then-write ({how})"
    line(case, (not errors and total == expected) if opener == "store" else None, time.monotonic() - began,
         f"errors {len(errors)} ({Counter(errors).most_common(1)[0][0] if errors else 'none'}), "
         f"counter {total}/{expected}, wait p95 {p95(waits) * 1000:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100)
    parser.add_argument("--archive", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--writes", type=int, default=50)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        increments(Path(folder) / "plain.db", options.threads, options.writes, "plain")
        increments(Path(folder) / "store.db", options.threads, options.writes, "store")
        (Path(folder) / "site").mkdir()
        subscriptions_beside_commands(Path(folder) / "site", options.people, options.archive)


if __name__ == "__main__":
    main()
