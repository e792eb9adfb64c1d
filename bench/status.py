"""`relance status --json` over 50,000 stored and 10,000 watched questions, against issue 15's 1 s target.

Run: .venv/bin/python bench/status.py [--size 50000] [--watched 10000] [--runs 3] [--keep DIR]

The database is bench/web.py's (`build`: the real AN record renumbered 1..N through bench/import.py's
derived archive and the real import, 200 [[watch]] entries, one question in ten followed); the
followed questions are raised to `--watched` (every N/watched-th question found by the rule "bench
status", removed at the end). Each run is the wall time of the command, Python's start included; beside
it, the time of `relance --version` (the interpreter and the command line's imports: what any command
costs) and, in this process, the rows' making (`WatchedView.rows`) and their JSON text (`rows_json`).
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.app.config import load_config
from bot.app.database import open_database
from bot.app.questions import WATCHED_ORDER, Filters, WatchedView
from bot.cli.views import rows_json
from bot.core.deadlines import PARIS, today_in_paris
from storage.followed import unfollow_rule

PROJECT = Path(__file__).resolve().parent.parent
TARGET_S = 1.0


def _web_bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_web", PROJECT / "bench" / "web.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def wall(command: list[str]) -> tuple[float, bytes]:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, check=True)
    return time.perf_counter() - start, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=50_000, help="stored questions")
    parser.add_argument("--watched", type=int, default=10_000, help="followed questions for the measure")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="build the database under this folder and keep it")
    args = parser.parse_args()
    web = _web_bench()
    with tempfile.TemporaryDirectory(prefix="relance-bench-status-") as temporary:
        config_path = web.build((args.keep or Path(temporary)) / str(args.size), args.size)
        db_path = config_path.parent / "relance.db"
        web.follow_share(db_path, args.size, max(1, args.size // args.watched), web.STATUS_RULE)
        try:
            relance = str(web.RELANCE)
            start_s, _ = wall([relance, "--version"])
            runs = []
            for _ in range(args.runs):
                seconds, out = wall([relance, "--config", str(config_path), "status", "--json"])
                runs.append(seconds)
            db = open_database(db_path)
            try:
                start = time.perf_counter()
                rows = WatchedView(load_config(config_path), db, today_in_paris(web.datetime.now(PARIS))).rows(
                    Filters(sort=WATCHED_ORDER))
                made = time.perf_counter() - start
                start = time.perf_counter()
                text = rows_json(rows)
                encoded = time.perf_counter() - start
            finally:
                db.close()
        finally:
            db = open_database(db_path)
            unfollow_rule(db, web.STATUS_RULE, {})
            db.close()
    assert text.encode() + b"\n" == out, "status --json's output is not rows_json's"
    print(f"relance status --json over {args.size:,} stored, {len(rows):,} watched, {args.runs} runs: "
          + ", ".join(f"{s:.2f} s" for s in runs) + f"; median {statistics.median(runs):.2f} s  "
          f"[target < {TARGET_S:.0f} s: {'ok' if statistics.median(runs) < TARGET_S else 'OVER'}]")
    print(f"  of which: relance --version {start_s:.2f} s (Python's start and the command line's imports); "
          f"in process, the rows {made * 1000:.0f} ms, their JSON {encoded * 1000:.0f} ms")


if __name__ == "__main__":
    main()
