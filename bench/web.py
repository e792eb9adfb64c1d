"""The web under load: p50/p95 per page with 500 and with 50,000 stored questions, the ratio of the two,
and the server's peak memory; `relance status` over the larger store.

Run: .venv/bin/python bench/web.py [--sizes 500,50000] [--clients 4] [--requests 40] [--keep DIR]
Targets (issue 15, printed, not asserted): every page under 100 ms at the 95th percentile with 50,000
stored questions; `relance serve` under 300 MB; `relance status` over 50,000 stored and 10,000 watched
questions under 1 s.

For each size N, a database is filled through the real import (`bot.app.import_an.import_an`, what
`relance import an --file` runs) from the archive bench/import.py builds (`build_archive`: the real
../shared/samples/an/QANR5L17QE5268.json renumbered 1..N, published over a year from 2024-10-01, 60 %
pending, the others answered 20 to 89 days after publication). The watched set is what a user of a
whole-parliament instance has: 200 [[watch]] entries in config.toml (the questions 7, 14, 21…), and one
question in ten (the questions 10, 20, 30…) in the `followed` table as a follow rule records what it
found (`storage.followed.follow`, rule "bench", one of five tags each). With --keep, a database already
built in DIR/N is reused.

The real `relance serve` (waitress, 4 threads) is started on 127.0.0.1 as a child process; a bounded
load generator (`--clients` threads, each request waiting for the previous one's answer) sends
`--requests` requests to each page: the home page, question pages (a different watched question each
time), the questions table (first page, a later page, late only, sorted by publication within a
chamber, a ministry), a tag page, the API (pages of 100 rows, events) and the feeds. Latency is the wall
time of each request, body read. Peak memory is the server's VmHWM from /proc. Then `relance status
--json` is timed over the larger store with the followed questions raised to 10,000 (wall time of the
command, Python's start included).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.app.config import load_config
from bot.app.database import open_database
from bot.app.import_an import import_an
from bot.core.deadlines import PARIS
from storage.followed import follow, unfollow_rule

PROJECT = Path(__file__).resolve().parent.parent
RELANCE = PROJECT / ".venv" / "bin" / "relance"
TAGS = ("santé", "énergie", "justice", "école", "agriculture")
WATCH_ENTRIES, WATCH_EVERY, FOLLOW_EVERY = 200, 7, 10
STATUS_WATCHED, STATUS_RULE = 10_000, "bench status"
TARGET_P95_MS, TARGET_MB, TARGET_STATUS_S, TARGET_SIZE = 100.0, 300.0, 1.0, 50_000
SECRET = "bench-web-secret-not-for-production-0123456789"


def _import_bench() -> Callable[[str, int], None]:
    """bench/import.py's `build_archive` (its file name is a Python keyword: loaded by path)."""
    spec = importlib.util.spec_from_file_location("bench_import", PROJECT / "bench" / "import.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    build: Callable[[str, int], None] = module.build_archive
    return build


def config_text(db_path: Path, size: int) -> str:
    lines = ['[relance]', 'contact = "https://github.com/relance-bot/relance"',
             '[storage]', f'path = "{db_path}"', '[web]', 'base_url = "http://127.0.0.1"']
    for n in range(WATCH_EVERY, min(size, WATCH_EVERY * WATCH_ENTRIES) + 1, WATCH_EVERY):
        lines += ['[[watch]]', f'ref = "QANR5L17QE{n}"', f'tags = ["{TAGS[n % len(TAGS)]}", "suivies"]']
    return "\n".join(lines) + "\n"


def follow_share(db_path: Path, size: int, every: int, rule: str = "bench") -> int:
    """Record every `every`-th question as found by `rule`; returns how many it had not found yet."""
    db = open_database(db_path)
    now = datetime.now(PARIS)
    added = 0
    with db.atomic():
        for n in range(every, size + 1, every):
            if follow(db, f"QANR5L17QE{n}", [rule], [TAGS[n % len(TAGS)]], now):
                added += 1
    db.close()
    return added


def build(folder: Path, size: int) -> Path:
    """The folder's config.toml over a database of `size` imported questions (reused when there)."""
    folder.mkdir(parents=True, exist_ok=True)
    config_path, db_path = folder / "config.toml", folder / "relance.db"
    config_path.write_text(config_text(db_path, size), encoding="utf-8")
    if db_path.exists():
        print(f"[{size:,}] reusing {db_path}")
        return config_path
    archive = folder / "Questions_ecrites.json.zip"
    start = time.perf_counter()
    _import_bench()(str(archive), size)
    built = time.perf_counter() - start
    config = load_config(config_path)
    db = open_database(db_path)
    start = time.perf_counter()
    report = import_an(config, db, now=lambda: datetime.now(PARIS), file=archive)
    db.close()
    followed = follow_share(db_path, size, FOLLOW_EVERY)
    print(f"[{size:,}] archive built in {built:.1f} s; imported {report.read:,} questions in "
          f"{time.perf_counter() - start:.1f} s; {followed:,} followed (one in {FOLLOW_EVERY}), "
          f"{min(size // WATCH_EVERY, WATCH_ENTRIES)} [[watch]] entries")
    return config_path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(config_path: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "RELANCE_SECRET": SECRET}
    server = subprocess.Popen([str(RELANCE), "--config", str(config_path), "serve", "--port", str(port),
                               "--threads", "4"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            with urllib.request.urlopen(base + "/static/style.css", timeout=5):
                return server, base
        except OSError:
            time.sleep(0.1)
    server.kill()
    errors = server.stderr.read().decode() if server.stderr else ""
    raise SystemExit(f"relance serve did not answer on {base}: {errors}")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def pages(size: int) -> dict[str, Callable[[int], str]]:
    """Each page's path for its i-th request."""
    watched = [n for n in range(1, size + 1) if n % FOLLOW_EVERY == 0]
    ministry = urllib.parse.quote("Ministère de l'économie, des finances et de la souveraineté industrielle et "
                                  "numérique")
    return {
        "home": lambda i: "/",
        "question": lambda i: f"/questions/QANR5L17QE{watched[(i * 37) % len(watched)]}",
        "table": lambda i: "/questions",
        "table p.5": lambda i: "/questions?page=5",
        "table late": lambda i: "/questions?overdue=1",
        "table sorted": lambda i: "/questions?chamber=an&sort=published&order=asc&page=2",
        "table ministry": lambda i: f"/questions?ministry={ministry}",
        "tag": lambda i: f"/tags/{urllib.parse.quote(TAGS[i % len(TAGS)])}",
        "api": lambda i: "/api/questions?limit=100",
        "api p.3": lambda i: "/api/questions?page=3&limit=100&sort=deadline",
        "api events": lambda i: "/api/events?limit=100",
        "atom": lambda i: "/feeds/events.atom",
        "ical": lambda i: "/feeds/deadlines.ics",
    }


def get(url: str) -> float:
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=120) as response:
        response.read()
        if response.status != 200:
            raise SystemExit(f"{url}: HTTP {response.status}")
    return (time.perf_counter() - start) * 1000


def load(base: str, size: int, clients: int, requests: int) -> dict[str, list[float]]:
    """`requests` requests per page from `clients` concurrent clients; milliseconds per request."""
    timings: dict[str, list[float]] = {}
    with ThreadPoolExecutor(clients) as pool:
        for name, path in pages(size).items():
            get(base + path(0))  # the first request of a page warms the server's templates
            timings[name] = list(pool.map(lambda i, p=path: get(base + p(i)), range(requests)))
    return timings


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1] if len(values) > 1 else values[0]


def time_status(config_path: Path, size: int) -> None:
    db_path = config_path.parent / "relance.db"
    every = max(1, size // STATUS_WATCHED)
    added = follow_share(db_path, size, every, STATUS_RULE)
    try:
        start = time.perf_counter()
        done = subprocess.run([str(RELANCE), "--config", str(config_path), "status", "--json"], capture_output=True,
                              check=True)
        seconds = time.perf_counter() - start
    finally:  # the kept database goes back to the web's watched set
        db = open_database(db_path)
        unfollow_rule(db, STATUS_RULE, {})
        db.close()
    rows = len(json.loads(done.stdout))
    print(f"relance status --json over {size:,} stored, {rows:,} watched ({added:,} more followed for it): "
          f"{seconds:.2f} s  [target < {TARGET_STATUS_S:.0f} s]")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="500,50000", help="stored questions, comma-separated")
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients")
    parser.add_argument("--requests", type=int, default=40, help="requests per page")
    parser.add_argument("--keep", type=Path, help="build the databases under this folder and keep them")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    results: dict[int, dict[str, list[float]]] = {}
    with tempfile.TemporaryDirectory(prefix="relance-bench-web-") as temporary:
        root = args.keep or Path(temporary)
        for size in sizes:
            config_path = build(root / str(size), size)
            server, base = start_server(config_path)
            try:
                results[size] = load(base, size, args.clients, args.requests)
                rss = peak_rss_mb(server.pid)
            finally:
                server.send_signal(signal.SIGTERM)
                server.wait(30)
            print(f"[{size:,}] {args.clients} clients, {args.requests} requests per page; relance serve peak RSS "
                  f"{rss:.0f} MB  [target < {TARGET_MB:.0f} MB]")
            for name, values in results[size].items():
                print(f"  {name:15} p50 {statistics.median(values):7.1f} ms  p95 {p95(values):7.1f} ms")
        largest = max(sizes)
        if len(sizes) > 1:
            smallest = min(sizes)
            print(f"p95 ratio {largest:,}/{smallest:,} and target at {largest:,} (p95 < {TARGET_P95_MS:.0f} ms):")
            for name in results[largest]:
                big, small = p95(results[largest][name]), p95(results[smallest][name])
                mark = "ok" if big < TARGET_P95_MS else "OVER"
                print(f"  {name:15} {big / small:5.1f}x  [{big:.1f} ms {mark}]")
        time_status(root / str(largest) / "config.toml", largest)
    if largest != TARGET_SIZE:
        print(f"(the targets are for {TARGET_SIZE:,} stored questions; this run's largest store had {largest:,})")


if __name__ == "__main__":
    main()
