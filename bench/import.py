"""AN archive import: wall time, peak memory and database size for a derived archive of 50,000 questions,
imported twice into a fresh database.

Run: .venv/bin/python bench/import.py [--size 50000] [--keep DIR] [--profile]
Targets (printed, not asserted): issue 15's, the first import under 30 s and 200 MB on one core, and a
database under 5 KB a question; issue 8's, the second import of the same archive adds no event and takes
under a third of the first's time. Each import's CPU time is printed beside its wall time: on a machine
others share, the wall time says more of them than of relance.

The archive is derived from the real ../shared/samples/an/QANR5L17QE5268.json (or $RELANCE_SAMPLES) by
the transformation of tests/app/an_archives.py, nothing written from scratch. Question i (1 <= i <= N)
is the real record with:
- uid QANR5L17QE{i} and numero i (renumbered);
- its publication (question and attribution JO dates) on 2024-10-01 + (i mod 365) days (dated);
- 60 % of them pending (i mod 5 < 3: answer and closure removed, as tests/an_variants.without_answer
  does); the others answered, answer and closure dated 20 + (i mod 70) days after publication.
Each is deflated under json/QANR5L17QE{i}.json, as in the AN's Questions_ecrites.json.zip. The archive
is built in a child process, so that its building counts neither in the import's time nor in its
memory.

Actors first: the real 16th-legislature AMO zip (../shared/samples/an/amo/, 1,075 actors, 798 bodies) is
imported as `relance import actors --file` does, so that every question is named from the AN's actors as
it is imported (PA721764, the real record's author, is in it: each question costs the look-ups of its
author, her group on its date and its ministry). After the imports, the actors are imported again, which
names every stored AN question again: the pass the daily job runs each time the AMO file changed.

Both imports run `bot.app.import_an.import_an` on the archive as a --file (what `relance import an --file`
runs), with the follow rules, sources and check settings of the bundled config.toml, its cache
directory (where the member index of the last import is kept) in the temporary folder. The second
import finds every file unchanged in that index and opens none; a third one, with `again` (what
`--again` runs), reads, parses and passes every question through `ingest` again, to show the cost of
that path too. Peak memory is the process's RSS high-water mark (resource.getrusage): it only ever
grows, so each figure is the peak so far. The database size counts its write-ahead log; at the end, the
log is checkpointed and emptied, and the file's size at rest is given a question, with what each table
and index costs in it (SQLite's dbstat), biggest first.
"""

from __future__ import annotations

import argparse
import cProfile
import multiprocessing
import os
import pstats
import resource
import sys
import tempfile
import time
import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlite_utils import Database

from bot.app.config import HttpSection, load_config
from bot.app.import_actors import ActorsReport, import_actors
from bot.app.import_an import ImportReport, import_an
from bot.core.deadlines import PARIS
from storage.db import open_db
from tests.an_variants import dump, qe_json, without_answer
from tests.app.an_archives import set_dates, set_number

PROJECT = Path(__file__).resolve().parent.parent
SAMPLES = Path(os.environ.get("RELANCE_SAMPLES", PROJECT.parent / "shared" / "samples"))
AN_SAMPLE = "an/QANR5L17QE5268.json"
AMO_SAMPLE = "an/amo/AMO20_dep_sen_min_tous_mandats_et_organes.json.zip"
FIRST_DAY = date(2024, 10, 1)
TARGET_SIZE, TARGET_SECONDS, TARGET_MB, TARGET_RATIO, TARGET_KB = 50_000, 30.0, 200.0, 1 / 3, 5.0
BREAKDOWN_LINES = 12


def build_archive(path: str, size: int) -> None:
    """The archive of the module docstring (in a child process)."""
    answered, pending = qe_json(), without_answer(qe_json())
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for i in range(1, size + 1):
            published = FIRST_DAY + timedelta(days=i % 365)
            if i % 5 < 3:
                document, answer_day = pending, None
            else:
                document, answer_day = answered, published + timedelta(days=20 + i % 70)
            # The two templates are rewritten in place and dumped at once: only dump() reads them.
            set_number(document, i)
            set_dates(document, published, answer_day)
            archive.writestr(f"json/QANR5L17QE{i}.json", dump(document))


def actors_figures(report: ActorsReport) -> str:
    return (f"{report.actors:,} actors, {report.mandates:,} mandates, {report.bodies:,} bodies, "
            f"{len(report.errors)} unreadable, {report.renamed:,} questions renamed")


def peak_rss_megabytes() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def database_megabytes(path: Path) -> float:
    wal = path.with_name(path.name + "-wal")
    return (path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)) / 1e6


def breakdown(db: Database, size: int) -> list[str]:
    """What each table and index costs in the file (dbstat: the pages each uses), biggest first."""
    rows = db.execute("SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name ORDER BY bytes DESC").fetchall()
    total = sum(count for _, count in rows)
    lines = [f"  {name:40} {count / 1e6:7.1f} MB {count / size:7.0f} B a question {count / total:5.1%}"
             for name, count in rows[:BREAKDOWN_LINES]]
    rest = sum(count for _, count in rows[BREAKDOWN_LINES:])
    return [*lines, f"  {'(' + str(len(rows) - BREAKDOWN_LINES) + ' others)':40} {rest / 1e6:7.1f} MB"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=TARGET_SIZE, help="questions in the archive")
    parser.add_argument("--keep", type=Path, help="build the archive and database in this folder and keep them")
    parser.add_argument("--profile", action="store_true", help="cProfile both imports (slower), top 25 lines")
    args = parser.parse_args()
    if not (SAMPLES / AN_SAMPLE).is_file() or not (SAMPLES / AMO_SAMPLE).is_file():
        sys.exit(f"samples not found at {SAMPLES}: set RELANCE_SAMPLES")
    bundled = load_config(PROJECT / "config.toml")
    with tempfile.TemporaryDirectory(prefix="relance-bench-import-") as temporary:
        folder = args.keep or Path(temporary)
        folder.mkdir(parents=True, exist_ok=True)
        config = bundled.model_copy(update={"http": HttpSection(cache_dir=str(folder / "cache"))})
        archive, db_path = folder / "Questions_ecrites.json.zip", folder / "relance.db"
        for stale in (db_path, db_path.with_name("relance.db-wal"), db_path.with_name("relance.db-shm")):
            stale.unlink(missing_ok=True)
        start = time.perf_counter()
        builder = multiprocessing.get_context("spawn").Process(target=build_archive, args=(str(archive), args.size))
        builder.start()
        builder.join()
        if builder.exitcode != 0:
            sys.exit("building the archive failed (its traceback is above)")
        print(f"archive: {args.size:,} questions derived from {AN_SAMPLE}, {archive.stat().st_size / 1e6:.1f} MB, "
              f"built in {time.perf_counter() - start:.1f} s (child process); {os.cpu_count()} CPUs")
        print(f"follow rules of config.toml: {len(config.follow)}; watched in config.toml: {len(config.watch)}")
        db = open_db(db_path)
        start = time.perf_counter()
        actors = import_actors(config, db, now=lambda: datetime.now(PARIS), file=SAMPLES / AMO_SAMPLE)
        print(f"actors: {time.perf_counter() - start:6.1f} s  {actors_figures(actors)} from {AMO_SAMPLE}")
        runs: list[tuple[float, int]] = []
        for run, again in ((1, False), (2, False), (3, True)):
            events_before = db.table("events").count
            profiler = cProfile.Profile() if args.profile else None
            cpu, start = time.process_time(), time.perf_counter()
            if profiler:
                profiler.enable()
            report: ImportReport = import_an(config, db, now=lambda: datetime.now(PARIS), file=archive, again=again)
            if profiler:
                profiler.disable()
            seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
            added = db.table("events").count - events_before
            runs.append((seconds, added))
            print(f"import {run}{' (again)' if again else ''}: {seconds:6.1f} s (CPU {cpu:5.1f} s)  peak RSS "
                  f"{peak_rss_megabytes():6.0f} MB  database {database_megabytes(db_path):6.1f} MB  "
                  f"events added {added:,}  (read {report.read:,}, new {report.new:,}, changed {report.changed:,}, "
                  f"unchanged {report.unchanged:,} of which not reopened {report.unopened:,}, "
                  f"matched {report.matched:,}, errors {len(report.errors):,})")
            if profiler:
                pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
        start = time.perf_counter()
        renaming = import_actors(config, db, now=lambda: datetime.now(PARIS), file=SAMPLES / AMO_SAMPLE)
        print(f"actors again: {time.perf_counter() - start:6.1f} s  {actors_figures(renaming)}; every stored AN "
              f"question named again, peak RSS {peak_rss_megabytes():.0f} MB")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        at_rest = database_megabytes(db_path) * 1e6 / args.size
        print(f"database at rest (log checkpointed): {database_megabytes(db_path):.1f} MB, "
              f"{at_rest / 1e3:.2f} KB a question; by table and index:")
        print("\n".join(breakdown(db, args.size)))
        db.close()
    (first, _), (second, added_again), (third, added_third) = runs
    ratio = second / first
    print(f"second/first: {ratio:.2f}; third (again)/first: {third / first:.2f}, events added {added_third}")
    scaled = args.size != TARGET_SIZE
    print(f"targets{' (for ' + format(TARGET_SIZE, ',') + ' questions; this run had another size)' if scaled else ''}: "
          f"first import < {TARGET_SECONDS:.0f} s [{first:.1f} s], < {TARGET_MB:.0f} MB "
          f"[{peak_rss_megabytes():.0f} MB]; database < {TARGET_KB:.0f} KB a question [{at_rest / 1e3:.2f} KB]; "
          f"second import adds no event [{added_again}] and takes < 1/3 of the first [{ratio:.2f}]")


if __name__ == "__main__":
    main()
