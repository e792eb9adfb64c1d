"""Check-cycle throughput, database size and peak memory, on a local copy of the chambers' sites.

Run: .venv/bin/python bench/cycle.py [--sizes 1000,10000] [--peer] [--workers N] [--rounds R] [--tracemalloc]
     .venv/bin/python bench/cycle.py --profile 1000   (cProfile of one first cycle's calling thread)
Targets (printed, not asserted): 10,000 questions in < 60 s and < 300 MB; >= 90 % of the second
cycle's requests answered 304; with --peer, relance no slower than urlwatch 2.29 on the same 1,000
URLs and fewer requests than urlwatch on the second run.

Inputs, derived from the real samples of ../shared/samples (or $RELANCE_SAMPLES) by one documented
transformation, nothing written from scratch. For a size N, question i of the mix (0 <= i < N) is:
- a Sénat question when i % 5 == 4 (20 %): the k-th one (k = 0, 1, …) is the page tests/senat_pages.py
  derives from the real page text PAGE_TEXTS[k % 7] (one <p> per line, windows-1252), served at the
  address of the id SEQ{yy}{mm}{k+1:05d}, where yy and mm are those of the real page's own id; the
  parser takes the question's number from the address, so any page text serves any id. The seven
  real pages show ended questions (answered, lapsed, withdrawn): relance re-reads them weekly only.
- otherwise an AN question (80 %): the j-th one is QANR5L17QE{j+1}, the real QANR5L17QE5268.json
  with `uid` and `identifiant.numero` rewritten to that number, the question text left as is;
  60 % of them pending (j % 5 < 3: answer and closure removed, as tests/an_variants.without_answer
  does), 40 % answered as in the sample.
The bodies are built once per size, in the server's process, and served from memory.

The local site runs in a child process (ThreadingHTTPServer on 127.0.0.1, HTTP/1.1 keep-alive): the
chambers' servers are not in relance's process either, so the server neither competes with relance
for the GIL nor adds its bodies to relance's memory figures (it does share the machine's CPUs).
Every body has a strong ETag (a digest of the body) and a Last-Modified; a matching If-None-Match
(or, without one, an If-Modified-Since not older than Last-Modified) gets 304. The server counts
requests and 304s, stops when the benchmark is done with it, and in any case after
--server-lifetime seconds.

Peak memory is the process's RSS high-water mark (resource.getrusage), printed after each cycle; it
only ever grows, so sizes run in increasing order and each figure is that size's peak. tracemalloc
makes a cycle about 3x slower, so it is off unless --tracemalloc asks for it (then the first
cycle's time includes its overhead).

--peer runs urlwatch 2.29 (`bench` extra) on the first 1,000 URLs of the mix, twice, and relance
on the same URLs, two cycles; --rounds times (3), each with fresh caches, alternating who goes first,
and prints the medians: one run's time varies by tens of per cent on a shared machine. urlwatch
runs with a urls.yaml, a config.yaml with every reporter off, a cache file and a hooks.py, all in a
temporary directory, and HOME and XDG_* pointing there too, so it touches neither ~/.config nor the
network beyond 127.0.0.1. urlwatch 2.29 has no setting for its
thread count (urlwatch.worker.MAX_WORKERS, 10); the hooks.py sets it to relance's --workers, so
both read with as many threads.
"""

from __future__ import annotations

import argparse
import cProfile
import email.utils
import hashlib
import http.server
import json
import multiprocessing
import multiprocessing.connection
import multiprocessing.synchronize
import os
import pstats
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from email.message import Message
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.app.check import CheckSettings, CycleReport, run_cycle
from bot.core.deadlines import PARIS
from scrapers.http import HttpSettings, PoliteClient
from scrapers.refs import QuestionRef, parse_ref
from scrapers.sources import SourceSettings, source_for
from storage.db import open_db
from tests.an_variants import dump, without_answer
from tests.senat_pages import PAGE_TEXTS, page_from_text

PROJECT = Path(__file__).resolve().parent.parent
SAMPLES = Path(os.environ.get("RELANCE_SAMPLES", PROJECT.parent / "shared" / "samples"))
AN_SAMPLE = "an/QANR5L17QE5268.json"
URLWATCH = PROJECT / ".venv" / "bin" / "urlwatch"
USER_AGENT = "relance-bench/0.1 (bench/cycle.py; local server only)"
PEER_SIZE = 1_000
# Every body claims this modification time; If-Modified-Since is compared with it.
LAST_MODIFIED = email.utils.formatdate(datetime(2025, 6, 3, 9, 0, tzinfo=PARIS).timestamp(), usegmt=True)

TARGET_SIZE, TARGET_SECONDS, TARGET_MB, TARGET_304_SHARE = 10_000, 60.0, 300.0, 0.90


# --- the mix of questions -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Planned:
    """One question of the mix: its ref, the path relance asks for, and how its body is derived."""

    uid: str
    path: str
    kind: str  # "an-pending", "an-answered", or "senat:<uid of the real page text>"


def _path_of(ref: QuestionRef) -> str:
    # The address relance itself builds, with an empty base URL: the path alone.
    return source_for(ref, SourceSettings(an_base_url="", an_legacy_base_url="", senat_base_url="")).url


def plan_mix(size: int) -> list[Planned]:
    """The first `size` questions of the mix described in the module docstring."""
    page_uids = list(PAGE_TEXTS)
    planned: list[Planned] = []
    an_count = senat_count = 0
    for i in range(size):
        if i % 5 == 4:
            page_uid = page_uids[senat_count % len(page_uids)]
            senat_count += 1
            uid = f"SEQ{page_uid[3:7]}{senat_count:05d}"
            kind = f"senat:{page_uid}"
        else:
            kind = "an-pending" if an_count % 5 < 3 else "an-answered"
            an_count += 1
            uid = f"QANR5L17QE{an_count}"
        planned.append(Planned(uid, _path_of(parse_ref(uid)), kind))
    return planned


def build_bodies(planned: Sequence[Planned], samples: Path) -> dict[str, tuple[bytes, str]]:
    """Path -> (body, content type), derived from the real samples as the docstring says."""
    answered = json.loads((samples / AN_SAMPLE).read_bytes())
    templates = {"an-answered": answered, "an-pending": without_answer(answered)}
    pages = {uid: page_from_text((samples / name).read_text(encoding="utf-8")) for uid, name in PAGE_TEXTS.items()}
    bodies: dict[str, tuple[bytes, str]] = {}
    for question in planned:
        if question.kind.startswith("senat:"):
            bodies[question.path] = (pages[question.kind.removeprefix("senat:")], "text/html")
            continue
        document = templates[question.kind]
        # Rewritten in place and dumped at once: the template is only ever read through dump().
        document["question"]["uid"] = question.uid
        document["question"]["identifiant"]["numero"] = question.uid.rpartition("QE")[2]
        bodies[question.path] = (dump(document), "application/json")
    return bodies


# --- the local site (child process) -------------------------------------------------------------


def _not_modified(headers: Message, etag: str) -> bool:
    """RFC 9110 §13.2.2: If-None-Match decides when present; If-Modified-Since only without it."""
    if_none_match = headers.get("If-None-Match")
    if if_none_match is not None:
        # If-None-Match compares weakly (§13.1.2): W/"x" matches "x".
        tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
        return "*" in tags or etag in tags
    if_modified_since = headers.get("If-Modified-Since")
    if if_modified_since:
        try:
            since = email.utils.parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError):
            return False
        return since >= email.utils.parsedate_to_datetime(LAST_MODIFIED)
    return False


class _LoopbackServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # urlwatch opens a new connection for every request


def _serve(planned: Sequence[Planned], samples: str, ready: multiprocessing.connection.Connection,
           counts: Any, stop: multiprocessing.synchronize.Event, lifetime: float) -> None:
    """The child process: build the bodies, serve them on 127.0.0.1 until `stop` or `lifetime`."""
    pages = {path: (body, content_type, f'"{hashlib.sha256(body).hexdigest()[:32]}"')
             for path, (body, content_type) in build_bodies(planned, Path(samples)).items()}

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as the real sites
        disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed-ACK stall
        timeout = 30  # an idle keep-alive connection frees its thread

        def do_GET(self) -> None:
            page = pages.get(self.path.partition("?")[0])
            with counts.get_lock():
                counts[0] += 1
                if page is not None and _not_modified(self.headers, page[2]):
                    counts[1] += 1
                    not_modified = True
                else:
                    not_modified = False
            if page is None:
                self._reply(404, b"Not Found", "text/plain", None)
            elif not_modified:
                self._reply(304, b"", None, page[2])
            else:
                self._reply(200, page[0], page[1], page[2])

        def _reply(self, status: int, body: bytes, content_type: str | None, etag: str | None) -> None:
            self.send_response(status)
            if etag:
                self.send_header("ETag", etag)
                self.send_header("Last-Modified", LAST_MODIFIED)
            if status != 304:
                self.send_header("Content-Type", content_type or "application/octet-stream")
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if body:
                self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = _LoopbackServer(("127.0.0.1", 0), Handler)
    try:
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
        ready.send(server.server_address[1])
        stop.wait(lifetime)
        server.shutdown()
    finally:
        server.server_close()


class LocalSite:
    """The child process serving the mix; `requests` and `not_modified` are its running counts."""

    def __init__(self, planned: Sequence[Planned], lifetime: float) -> None:
        context = multiprocessing.get_context("spawn")  # no fork of a process holding threads
        self._counts = context.Array("q", 2)
        self._stop = context.Event()
        receiver, sender = context.Pipe(duplex=False)
        self._process = context.Process(target=_serve, name="relance-bench-site", daemon=True,
                                        args=(list(planned), str(SAMPLES), sender, self._counts, self._stop, lifetime))
        self._process.start()
        sender.close()
        try:
            if not receiver.poll(120):
                raise RuntimeError("the local site did not start within 120 s")
            try:
                port = receiver.recv()
            except EOFError:
                raise RuntimeError("the local site failed to start (its traceback is above)") from None
        except BaseException:
            self.close()
            raise
        self.base_url = f"http://127.0.0.1:{port}"

    @property
    def requests(self) -> int:
        return int(self._counts[0])

    @property
    def not_modified(self) -> int:
        return int(self._counts[1])

    def close(self) -> None:
        self._stop.set()
        self._process.join(10)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(5)


@contextmanager
def local_site(planned: Sequence[Planned], lifetime: float) -> Iterator[LocalSite]:
    site = LocalSite(planned, lifetime)
    try:
        yield site
    finally:
        site.close()


# --- relance's cycles ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Measured:
    seconds: float
    requests: int
    not_modified: int
    report: CycleReport

    @property
    def share_304(self) -> float:
        return self.not_modified / self.requests if self.requests else 0.0


class Relance:
    """A fresh database and HTTP cache in `folder`, read from `site`, as the `check` command does."""

    def __init__(self, folder: Path, site: LocalSite, workers: int) -> None:
        self.site = site
        self.db_path = folder / "relance.db"
        self.cache_dir = folder / "cache"
        self.db = open_db(self.db_path)
        self.client = PoliteClient(HttpSettings(user_agent=USER_AGENT, min_interval=0, max_concurrency=workers,
                                                retries=0, cache_dir=self.cache_dir))
        self.sources = SourceSettings(an_base_url=site.base_url, an_legacy_base_url=site.base_url,
                                      senat_base_url=site.base_url)
        self.settings = CheckSettings(workers=workers)

    def cycle(self, refs: Sequence[QuestionRef]) -> Measured:
        requests, not_modified = self.site.requests, self.site.not_modified
        start = time.perf_counter()
        report = run_cycle(self.db, self.client, self.sources, refs, now=lambda: datetime.now(PARIS),
                           settings=self.settings)
        seconds = time.perf_counter() - start
        return Measured(seconds, self.site.requests - requests, self.site.not_modified - not_modified, report)

    def db_megabytes(self) -> tuple[float, float]:
        """The database file's size and its write-ahead log's, in MB."""
        wal = self.db_path.with_name(self.db_path.name + "-wal")
        return self.db_path.stat().st_size / 1e6, (wal.stat().st_size / 1e6 if wal.exists() else 0.0)

    def cache_megabytes(self) -> float:
        return sum(f.stat().st_size for f in self.cache_dir.rglob("*") if f.is_file()) / 1e6

    def close(self) -> None:
        self.client.close()
        self.db.close()


def peak_rss_megabytes() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def _outcome(report: CycleReport) -> str:
    text = f"checked {report.checked:,}, skipped {report.skipped:,}, revalidated {report.revalidated:,}"
    if report.errors:
        text += f", ERRORS {len(report.errors):,} (first: {report.errors[0].error})"
    return text


def bench_size(size: int, workers: int, lifetime: float, trace: bool) -> float:
    """Two cycles over a mix of `size` questions; returns the first cycle's time."""
    planned = plan_mix(size)
    refs = [parse_ref(q.uid) for q in planned]
    kinds = [q.kind.partition(":")[0] for q in planned]
    print(f"\n== {size:,} questions: {kinds.count('an-pending'):,} AN pending, {kinds.count('an-answered'):,} "
          f"AN answered, {kinds.count('senat'):,} Sénat (ended) ==")
    with local_site(planned, lifetime) as site, tempfile.TemporaryDirectory(prefix="relance-bench-") as folder:
        relance = Relance(Path(folder), site, workers)
        try:
            if trace:
                tracemalloc.start()
            first = relance.cycle(refs)
            traced_peak = tracemalloc.get_traced_memory()[1] / 1e6 if trace else None
            tracemalloc.stop()
            print(f"first cycle    {first.seconds:8.2f} s  {first.requests:>7,} requests  "
                  f"{size / first.seconds:8,.0f} questions/s   ({_outcome(first.report)})")
            db_file, wal = relance.db_megabytes()
            print(f"  database     {db_file + wal:8.2f} MB (file {db_file:.2f} + -wal {wal:.2f})   "
                  f"http cache {relance.cache_megabytes():.2f} MB")
            rss_first = peak_rss_megabytes()
            memory = f"  peak memory  {rss_first:8.1f} MB RSS high-water mark (getrusage)"
            memory += (f", tracemalloc peak {traced_peak:.1f} MB (the first cycle's time includes its overhead)"
                       if traced_peak is not None else "; tracemalloc off (--tracemalloc: ~3x slower cycle)")
            print(memory)
            second = relance.cycle(refs)
            print(f"second cycle   {second.seconds:8.2f} s  {second.requests:>7,} requests  "
                  f"{second.share_304:8.1%} answered 304   ({_outcome(second.report)})")
            print(f"  peak memory  {peak_rss_megabytes():8.1f} MB RSS high-water mark after both cycles "
                  "(the cycle reads stored snapshots one question at a time)")
        finally:
            relance.close()
    if size == TARGET_SIZE:
        rss = peak_rss_megabytes()
        print(f"  target: {TARGET_SIZE:,} in < {TARGET_SECONDS:.0f} s [{first.seconds:.1f} s], "
              f"< {TARGET_MB:.0f} MB [{rss:.0f} MB], >= {TARGET_304_SHARE:.0%} 304 on the second cycle "
              f"[{second.share_304:.1%}]")
    return first.seconds


# --- the peer: urlwatch 2.29 --------------------------------------------------------------------


def _urlwatch_config() -> dict[str, Any]:
    """urlwatch's own default configuration with every reporter switched off."""
    # Imported here: urlwatch is the `bench` extra, needed by --peer only.
    from urlwatch.storage import DEFAULT_CONFIG  # noqa: PLC0415

    config: dict[str, Any] = json.loads(json.dumps(DEFAULT_CONFIG))
    for reporter in config["report"].values():
        if isinstance(reporter, dict) and "enabled" in reporter:
            reporter["enabled"] = False
    return config


class Urlwatch:
    """urlwatch confined to `folder`: its files, its HOME and XDG directories all live there."""

    def __init__(self, folder: Path, urls: Sequence[str], workers: int) -> None:
        self.folder = folder
        self.home = folder / "home"
        self.home.mkdir()
        self.urls_file = folder / "urls.yaml"
        self.urls_file.write_text("\n---\n".join(f"url: {url}" for url in urls) + "\n", encoding="utf-8")
        self.config_file = folder / "config.yaml"
        # JSON is YAML: urlwatch reads it as its config.yaml.
        self.config_file.write_text(json.dumps(_urlwatch_config(), indent=1), encoding="utf-8")
        self.hooks_file = folder / "hooks.py"
        self.hooks_file.write_text(f"import urlwatch.worker\nurlwatch.worker.MAX_WORKERS = {workers}\n",
                                   encoding="utf-8")
        self.cache_file = folder / "cache.db"
        proxies = {"http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"}
        self.env = {key: value for key, value in os.environ.items() if key not in proxies}
        self.env |= {"HOME": str(self.home), "XDG_CONFIG_HOME": str(self.home / ".config"),
                     "XDG_CACHE_HOME": str(self.home / ".cache"), "XDG_DATA_HOME": str(self.home / ".local"),
                     "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"}

    def run(self, *extra: str) -> float:
        command = [str(URLWATCH), "--urls", str(self.urls_file), "--config", str(self.config_file),
                   "--cache", str(self.cache_file), "--hooks", str(self.hooks_file), *extra]
        start = time.perf_counter()
        done = subprocess.run(command, env=self.env, cwd=self.folder, capture_output=True, text=True,
                              timeout=600, check=False)
        seconds = time.perf_counter() - start
        if done.returncode != 0:
            print(f"  urlwatch exited {done.returncode}: {done.stderr.strip()[-500:]}")
        if any(self.home.iterdir()):
            print(f"  warning: urlwatch wrote into its HOME: {sorted(p.name for p in self.home.iterdir())}")
        return seconds


@dataclass(frozen=True, slots=True)
class Run:
    """One run over the peer URLs: wall time, requests the site received, and how many got 304."""

    seconds: float
    requests: int
    not_modified: int


def _urlwatch_runs(site: LocalSite, urls: Sequence[str], workers: int) -> list[Run]:
    """Two runs of urlwatch on a fresh cache."""
    runs = []
    with tempfile.TemporaryDirectory(prefix="relance-bench-peer-") as folder:
        watcher = Urlwatch(Path(folder), urls, workers)
        for _ in range(2):
            requests, not_modified = site.requests, site.not_modified
            seconds = watcher.run()
            runs.append(Run(seconds, site.requests - requests, site.not_modified - not_modified))
    return runs


def _relance_runs(site: LocalSite, refs: Sequence[QuestionRef], workers: int) -> list[Run]:
    """Two cycles of relance on a fresh database and cache."""
    with tempfile.TemporaryDirectory(prefix="relance-bench-peer-") as folder:
        relance = Relance(Path(folder), site, workers)
        try:
            cycles = [relance.cycle(refs) for _ in range(2)]
        finally:
            relance.close()
    for cycle in cycles:
        if cycle.report.errors:
            print(f"  relance: {_outcome(cycle.report)}")
    return [Run(cycle.seconds, cycle.requests, cycle.not_modified) for cycle in cycles]


def bench_peer(workers: int, lifetime: float, rounds: int) -> None:
    planned = plan_mix(PEER_SIZE)
    refs = [parse_ref(q.uid) for q in planned]
    print(f"\n== peer: urlwatch 2.29 and relance on the same {PEER_SIZE:,} URLs, {workers} threads each, "
          f"median of {rounds} rounds ==")
    if not URLWATCH.exists():
        print(f"urlwatch not found at {URLWATCH}: pip install -e '.[bench]'")
        return
    with tempfile.TemporaryDirectory(prefix="relance-bench-peer-") as folder:
        watcher = Urlwatch(Path(folder), [], workers)
        startup = min(watcher.run("--version") for _ in range(3))
    print(f"urlwatch start-up alone (--version, best of 3): {startup:.2f} s, included in its times below")
    peer: list[list[Run]] = []
    ours: list[list[Run]] = []
    with local_site(planned, lifetime) as site:
        urls = [site.base_url + q.path for q in planned]
        for round_number in range(rounds):
            # Alternate who goes first, so that a drift in the machine's speed favours neither.
            if round_number % 2 == 0:
                peer.append(_urlwatch_runs(site, urls, workers))
                ours.append(_relance_runs(site, refs, workers))
            else:
                ours.append(_relance_runs(site, refs, workers))
                peer.append(_urlwatch_runs(site, urls, workers))
    for run in (0, 1):
        theirs = [runs[run] for runs in peer]
        mine = [runs[run] for runs in ours]
        their_seconds = statistics.median(r.seconds for r in theirs)
        my_seconds = statistics.median(r.seconds for r in mine)
        their_requests, my_requests = theirs[0].requests, mine[0].requests  # the same every round
        print(f"run {run + 1}: urlwatch {their_seconds:6.2f} s {their_requests:>6,} requests "
              f"({theirs[0].not_modified:,} 304) | relance {my_seconds:6.2f} s {my_requests:>6,} requests "
              f"({mine[0].not_modified:,} 304)")
        without_startup = max(their_seconds - startup, 1e-9)
        print(f"       relance/urlwatch: time {my_seconds / their_seconds:.2f} (without urlwatch's start-up "
              f"{my_seconds / without_startup:.2f}), requests {my_requests / max(their_requests, 1):.2f}"
              f"   [each round: urlwatch {', '.join(f'{r.seconds:.2f}' for r in theirs)} s; "
              f"relance {', '.join(f'{r.seconds:.2f}' for r in mine)} s]")
    print("  target: relance no slower than urlwatch (time ratio <= 1), fewer requests on run 2 (ratio < 1)")


# --- main ---------------------------------------------------------------------------------------


def profile_cycle(size: int, workers: int, lifetime: float) -> None:
    """--profile: cProfile of one first cycle (the calling thread only: reads run on worker threads)."""
    planned = plan_mix(size)
    refs = [parse_ref(q.uid) for q in planned]
    with local_site(planned, lifetime) as site, tempfile.TemporaryDirectory(prefix="relance-bench-") as folder:
        relance = Relance(Path(folder), site, workers)
        try:
            profiler = cProfile.Profile()
            profiler.enable()
            relance.cycle(refs)
            profiler.disable()
        finally:
            relance.close()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated numbers of questions")
    parser.add_argument("--peer", action="store_true", help="compare with urlwatch 2.29 on 1,000 URLs")
    parser.add_argument("--workers", type=int, default=CheckSettings().workers,
                        help="reading threads and HTTP connections (default: relance's, %(default)s)")
    parser.add_argument("--rounds", type=int, default=3, help="--peer: rounds of two runs each (median shown)")
    parser.add_argument("--tracemalloc", action="store_true", help="trace the first cycle's Python allocations")
    parser.add_argument("--profile", type=int, metavar="N", help="only cProfile one first cycle of N questions")
    parser.add_argument("--server-lifetime", type=float, default=900.0,
                        help="seconds after which a local site stops even if not told to")
    args = parser.parse_args()
    if not (SAMPLES / AN_SAMPLE).is_file():
        sys.exit(f"samples not found at {SAMPLES}: set RELANCE_SAMPLES")
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1"  # the local site is never reached via a proxy
    if args.profile:
        profile_cycle(args.profile, args.workers, args.server_lifetime)
        return
    sizes = sorted(int(size) for size in args.sizes.split(","))
    print(f"relance check cycle: {args.workers} workers, min_interval 0, retries 0, "
          f"local site on 127.0.0.1 in a child process; {os.cpu_count()} CPUs")
    for size in sizes:
        bench_size(size, args.workers, args.server_lifetime, args.tracemalloc)
    if args.peer:
        bench_peer(args.workers, args.server_lifetime, args.rounds)


if __name__ == "__main__":
    main()
