"""Check-cycle throughput, database size and peak memory, on a local copy of the chambers' sites.

Run: .venv/bin/python bench/cycle.py [--sizes 1000,10000] [--peer] [--workers N] [--rounds R] [--tracemalloc]
     .venv/bin/python bench/cycle.py --profile 1000   (cProfile of one first cycle's calling thread)
Targets (printed, not asserted): 10,000 questions in < 30 s (issue 15) and < 300 MB; >= 90 % of the second
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
import json
import os
import pstats
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.cycle_site import (
    AN_SAMPLE,
    PROJECT,
    SAMPLES,
    LocalSite,
    local_site,
    plan_mix,
)
from bot.app.check import CheckSettings, CycleReport, run_cycle
from bot.core.deadlines import PARIS
from scrapers.http import HttpSettings, PoliteClient
from scrapers.refs import QuestionRef, parse_ref
from scrapers.sources import SourceSettings
from storage.db import open_db

URLWATCH = PROJECT / ".venv" / "bin" / "urlwatch"
USER_AGENT = "relance-bench/0.1 (bench/cycle.py; local server only)"
PEER_SIZE = 1_000

TARGET_SIZE, TARGET_SECONDS, TARGET_MB, TARGET_304_SHARE = 10_000, 30.0, 300.0, 0.90


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
