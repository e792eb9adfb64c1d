"""The whole parliament for 30 days: requests per site per day, wall time per day, peak memory and
database size, with relance running what `relance run` runs each day against a local mirror.

Run: .venv/bin/python bench/parliament.py [--days 30] [--an-size 25000] [--senat-size 6000] [--watch 200]
     .venv/bin/python bench/parliament.py --quick          (small sizes, 3 days: a smoke run)
Targets (issue 15, printed, not asserted): at most 50 requests a day to the chambers in all (median of
the days); a day's work under 60 s with politeness off (twice the issue's 30 s for a 10,000-question
check cycle: the discovery imports and the cycles of a day); peak memory under 200 MB (the issue's
import target); a database under 5 KB a question.

The parliament (bench/parliament_model.py), derived from the real samples, nothing written from scratch:
- The AN: the 17th legislature opened on 18 July 2024. The issue sizes it at ≈ 25,000 questions
  (--an-size); they are spread evenly over the Tuesdays (the JO's questions day) from 23 July 2024 to
  the simulation's first day, Monday 5 January 2026. Each Tuesday of the simulation brings the pace
  the real record shows: QE 5268 was published on 25 March 2025, 36 weeks after the opening, ≈ 146 a
  week (scaled with --an-size). Each question is the real QANR5L17QE5268.json renumbered and dated
  (tests/app/an_archives.py), without its answer until answered (tests/an_variants.without_answer);
  every 12th one (≈ 8 %) is handed three weeks after its publication (not before 14 October 2025) to
  the later economy ministry PO873685 (a real organe of samples/an/amo) by tests/an_variants.transferred_to;
  1 % of the unanswered ones are closed « Fin de mandat » (the real page's label, closed_as) 20 weeks on.
- The Sénat: its CSV holds the questions of the last twelve months, ≈ 6,000 rows (--senat-size),
  spread over the Thursdays (the Sénat's JO questions day) of the year before the first day, then as
  many a Thursday as the year's pace. Rows are built from the facts of the real questions as
  tests/app/senat_rows.py builds them: Masson's SEQ091211244 (answered, or before_answer), every 20th
  transferred three weeks on to the Ministère de la transition écologique (as his SEQ210723812 was);
  every 50th is Herzog's reminder SEQ201018049, half of them withdrawn 4 to 20 weeks on. Their pages
  are the real page texts of those questions (tests/senat_pages.py), dated, without the answer block
  while unanswered (page_before_answer), with a « Transmise au … » line once transferred.
- Rates: 30 % of questions answered within a year and 9 % within two months (30 % of the answered),
  in both chambers: the Sénat's palmarès des ministres (18 July 2024 → 27 March 2025) measured these
  at the Sénat; no AN figure is published (the issue), so the AN takes the same. Answers are published
  on the chamber's JO day, 2 to 8 weeks after the question for the early ones, 9 to 52 for the others.
  Transfers and closures have no published rate: the shares above are this benchmark's choice.
- The mirror (bench/parliament_site.py) serves on each day what the chambers would: the archive
  and the CSV rebuilt only when their content changed (new bytes, new ETag and Last-Modified;
  unchanged, a 304), each question's JSON or page as of that day, the real 16th-legislature AMO zip at
  the 17th's actors address. It counts requests per site on the server's side.

relance: a config.toml pointing every source at the mirror, `[http] min_interval = 0` (politeness off,
the other [http] settings as shipped), 200 `[[watch]]` questions (--watch; 3 of 4 AN, 1 of 4 Sénat, spread
over the published ones) tagged `suivi`, two follow rules (AN questions held by the ministry
« … énergétique et numérique »: the ≈ 8 % transferred, ≈ 2,000 at 25,000; the Sénat's reminders by
Herzog, ≈ 120 at 6,000) and one webhook channel (json://, on the mirror, for `suivi`). Each day runs the
jobs of `relance run` (bot.service.scheduler.job_specs of that config: the discovery imports at 6:00,
the check cycles every two hours from 7:00 to 21:00, the extra passes of Tuesdays and Thursdays), in
order, through bot.service.jobs (discovery_job, check_job: check_once, then the notify pass), with
`now` at the job's time in Europe/Paris; nothing sleeps. Peak memory is the process's RSS high-water
mark (resource.getrusage); it only grows. The database size counts its write-ahead log.
"""

from __future__ import annotations

import argparse
import logging
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import tomlkit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.parliament_model import (
    AN_TRANSFER_EVERY,
    SENAT_REMINDER_EVERY,
    START,
    an_fates,
    an_uid,
    senat_fates,
    senat_uid,
)
from bench.parliament_site import ACTORS_PATH, ARCHIVE_PATH, CSV_PATH, HOOK_PATH, LocalParliament
from bot.app.config import Config, load_config
from bot.app.logs import LOGGER
from bot.core.deadlines import PARIS
from bot.service.jobs import check_job, discovery_job, notify_job
from bot.service.scheduler import JobSpec, job_specs

PROJECT = Path(__file__).resolve().parent.parent
SAMPLES = PROJECT.parent / "shared" / "samples"
TARGET_REQUESTS, TARGET_SECONDS, TARGET_MB, TARGET_KB = 50, 60.0, 200.0, 5.0
QUICK = {"an_size": 600, "senat_size": 200, "watch": 20, "days": 3}


# --- the config ----------------------------------------------------------------------------------

def watch_list(an_size: int, senat_size: int, count: int) -> list[str]:
    """`count` questions published before the first day: 3 of 4 from the AN, 1 of 4 from the Sénat,
    taken at even steps through each chamber's questions."""
    an = [an_uid(f.number) for f in an_fates(an_size, 0) if f.published < START]
    senat = [senat_uid(f) for f in senat_fates(senat_size, 0) if f.published < START]
    an_count = count * 3 // 4
    picks = [an[(k * len(an)) // an_count] for k in range(an_count)]
    return picks + [senat[(k * len(senat)) // (count - an_count)] for k in range(count - an_count)]


def write_config(folder: Path, base_url: str, watched: list[str]) -> Config:
    path = folder / "config.toml"
    an = {"base_url": base_url, "legacy_base_url": base_url,
          "archive_url": base_url + ARCHIVE_PATH.replace("/17/", "/{leg}/").replace(".json.zip", "{suffix}.json.zip"),
          "actors_url": base_url + ACTORS_PATH.replace("/17/", "/{leg}/")}
    document = {
        "relance": {"contact": "bench@relance.test"},
        "http": {"min_interval": 0, "cache_dir": str(folder / "cache")},
        "sources": {"an": an, "senat": {"base_url": base_url, "csv_url": base_url + CSV_PATH}},
        "storage": {"path": str(folder / "relance.db")},
        "channel": [{"name": "bench", "url": f"json://{base_url.removeprefix('http://')}{HOOK_PATH}?cto=5&rto=5",
                     "tags": ["suivi"]}],
        "follow": [{"name": "Énergie", "ministry": "énergétique et numérique", "chamber": "an", "tags": ["energie"]},
                   {"name": "Rappels Herzog", "author": "Herzog", "chamber": "senat", "tags": ["rappels"]}],
        "watch": [{"ref": ref, "tags": ["suivi"]} for ref in watched],
    }
    path.write_text(tomlkit.dumps(document), encoding="utf-8")
    return load_config(path)


# --- one day ------------------------------------------------------------------------------------

def day_jobs(config: Config, day: date) -> list[tuple[datetime, JobSpec]]:
    """The jobs `relance run` runs on `day`, at their times in Europe/Paris, in order."""
    start = datetime(day.year, day.month, day.day, tzinfo=PARIS)
    end = start + timedelta(days=1)
    runs = []
    for spec in job_specs(config):
        at = spec.trigger.get_next_fire_time(None, start)
        while at is not None and at < end:
            runs.append((at, spec))
            at = spec.trigger.get_next_fire_time(at, at + timedelta(seconds=1))
    return sorted(runs, key=lambda run: run[0])


def clock_from(at: datetime) -> Callable[[], datetime]:
    """The job's `now`: its scheduled instant, advancing with the real seconds the job takes."""
    started = time.monotonic()
    return lambda: at + timedelta(seconds=time.monotonic() - started)


class Warnings(logging.Handler):
    """Counts the warnings and errors the jobs log, by event name (nothing printed per line)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.events: Counter[str] = Counter()
        self.first: dict[str, str] = {}

    def emit(self, record: logging.LogRecord) -> None:
        name = str(record.msg)
        self.events[name] += 1
        self.first.setdefault(name, str(getattr(record, "relance_fields", ""))[:300])


@dataclass
class Day:
    day: date
    requests: dict[str, int]
    seconds: float
    rss_mb: float
    db_mb: float
    checked: int = 0
    events: int = 0
    found: int = 0
    mirror: dict[str, object] = field(default_factory=dict)

    @property
    def an(self) -> int:
        return self.requests["an_bulk"] + self.requests["an_question"]

    @property
    def senat(self) -> int:
        return self.requests["senat_bulk"] + self.requests["senat_page"]

    @property
    def total(self) -> int:
        return self.an + self.senat


def run_day(config: Config, db_path: Path, day: date) -> tuple[int, int]:
    """Every job of `day`; returns the questions the check cycles read and those the imports found."""
    checked = found = 0
    for at, spec in day_jobs(config, day):
        clock = clock_from(at)
        if spec.kind == "discovery":
            summaries = discovery_job(config, db_path, now=clock, job=spec.id)
            found += sum(s.matched for s in summaries.values() if s is not None)
        elif spec.kind == "check":
            report = check_job(config, db_path, now=clock, job=spec.id)
            checked += report.checked if report is not None else 0
        else:
            notify_job(config, db_path, now=clock, job=spec.id)
    return checked, found


def peak_rss_megabytes() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def database_megabytes(path: Path) -> float:
    wal = path.with_name(path.name + "-wal")
    return (path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)) / 1e6


def stored_counts(path: Path) -> tuple[int, int]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return (conn.execute("SELECT count(*) FROM questions").fetchone()[0],
                conn.execute("SELECT count(*) FROM events").fetchone()[0])


# --- output -------------------------------------------------------------------------------------

def day_line(number: int, d: Day) -> str:
    r = d.requests
    changed = [name for name, key in (("archive", "archive_changed"), ("CSV", "csv_changed")) if d.mirror.get(key)]
    return (f"day {number:2d} {d.day:%a %Y-%m-%d}  requests {d.total:6,}  "
            f"AN {d.an:6,} (bulk {r['an_bulk']}, 304 {r['an_bulk_304']}; questions {r['an_question']:,}, "
            f"304 {r['an_question_304']:,})  Sénat {d.senat:6,} (CSV {r['senat_bulk']}, 304 {r['senat_bulk_304']}; "
            f"pages {r['senat_page']:,}, 304 {r['senat_page_304']:,})  wall {d.seconds:7.1f} s  "
            f"RSS {d.rss_mb:6.0f} MB  db {d.db_mb:7.1f} MB  checked {d.checked:,}  found {d.found:,}  "
            f"events {d.events:,}  webhook {r['hook']:,}  mirror changed: {', '.join(changed) or 'nothing'}")


def summary(days: list[Day], questions: int) -> list[str]:
    later = days[1:] or days
    totals = [d.total for d in days]
    median_all, median_later = statistics.median(totals), statistics.median(d.total for d in later)
    seconds = [d.seconds for d in days]
    db_mb = days[-1].db_mb
    per_question = db_mb * 1000 / questions if questions else 0.0
    return [
        f"requests a day, both sites: median {median_all:,.0f} [target ≤ {TARGET_REQUESTS}]; after the first "
        f"day's import: median {median_later:,.0f}, max {max(d.total for d in later):,}; AN median "
        f"{statistics.median(d.an for d in days):,.0f}, Sénat median {statistics.median(d.senat for d in days):,.0f}",
        f"wall time a day: median {statistics.median(seconds):.1f} s, first day {seconds[0]:.1f} s, max "
        f"{max(seconds):.1f} s [target < {TARGET_SECONDS:.0f} s]",
        f"peak memory: {peak_rss_megabytes():.0f} MB RSS high-water mark [target < {TARGET_MB:.0f} MB]",
        f"database: {db_mb:.1f} MB for {questions:,} questions, {per_question:.1f} KB a question "
        f"[target < {TARGET_KB:.0f} KB]",
    ]


# --- main ---------------------------------------------------------------------------------------

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=int, help="simulated days (30; 3 with --quick)")
    parser.add_argument("--an-size", type=int, help="AN questions published before the first day (25,000)")
    parser.add_argument("--senat-size", type=int, help="Sénat questions of the year before the first day (6,000)")
    parser.add_argument("--watch", type=int, help="[[watch]] questions (200)")
    parser.add_argument("--quick", action="store_true", help="small sizes for a smoke run: " + repr(QUICK))
    parser.add_argument("--folder", type=Path, help="keep the config, database and cache in this folder")
    parser.add_argument("--lifetime", type=float, default=6 * 3600, help="the mirror stops after this many seconds")
    args = parser.parse_args(argv)
    defaults = QUICK if args.quick else {"an_size": 25_000, "senat_size": 6_000, "watch": 200, "days": 30}
    for key, value in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if args.days < 1 or args.an_size < 1 or args.senat_size < 1 or not args.watch >= 4:
        parser.error("--days, --an-size and --senat-size must be at least 1, --watch at least 4")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if not (SAMPLES / "an" / "QANR5L17QE5268.json").is_file():
        sys.exit(f"samples not found at {SAMPLES}")
    warnings = Warnings()
    logger = logging.getLogger(LOGGER)
    logger.addHandler(warnings)
    logger.propagate = False
    logger.setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="relance-bench-parliament-") as temporary:
        folder = args.folder or Path(temporary)
        folder.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        site = LocalParliament(args.an_size, args.senat_size, args.days, SAMPLES, args.lifetime)
        try:
            print(f"mirror: {args.an_size:,} AN and {args.senat_size:,} Sénat questions before {START}, "
                  f"{args.days} days from {START:%A %Y-%m-%d}; started in {time.perf_counter() - started:.1f} s "
                  f"(child process) at {site.base_url}")
            config = write_config(folder, site.base_url, watch_list(args.an_size, args.senat_size, args.watch))
            print(f"relance: {len(config.watch)} [[watch]], follow rules {[r.name for r in config.follow]} (every "
                  f"{AN_TRANSFER_EVERY}th AN question once transferred; every {SENAT_REMINDER_EVERY}th Sénat "
                  f"question), http min_interval {config.http.min_interval}, max_concurrency "
                  f"{config.http.max_concurrency}; jobs: {'; '.join(s.description for s in job_specs(config))}")
            db_path = Path(config.storage.path)
            days: list[Day] = []
            for number in range(1, args.days + 1):
                day = START + timedelta(days=number - 1)
                mirror = site.move_to(day)
                before, events_before = site.counts(), (stored_counts(db_path)[1] if db_path.exists() else 0)
                started = time.perf_counter()
                checked, found = run_day(config, db_path, day)
                seconds = time.perf_counter() - started
                after = site.counts()
                record = Day(day, {k: after[k] - before[k] for k in after}, seconds, peak_rss_megabytes(),
                             database_megabytes(db_path), checked, stored_counts(db_path)[1] - events_before, found,
                             mirror)
                days.append(record)
                print(day_line(number, record), flush=True)
            questions, events = stored_counts(db_path)
            print(f"stored: {questions:,} questions, {events:,} events; warnings logged by the jobs: "
                  f"{dict(warnings.events) or 'none'}")
            for name, first in warnings.first.items():
                print(f"  first {name}: {first}")
            for line in summary(days, questions):
                print(line)
        finally:
            site.close()


if __name__ == "__main__":
    main()
