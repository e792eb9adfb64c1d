"""Issue 17's whole attack matrix, the slow cases, on real processes: hostile sources (bodies, bombs,
drips, redirects, near-cap archives), concurrent writers on one database, slow and hostile SMTP peers,
slow and hostile web clients. The fast cases are tests in the suite; these take minutes.

Run: .venv/bin/python bench/attack.py [--only sources|store|mail|web ...]

Each part is its own script (bench/attack_sources.py, attack_store.py, attack_mail.py, attack_web.py,
which say what each case does and what the trial measured before): this one runs them one after the
other as they would be run alone, prints their lines as they come, then one line per part and the
count of cases held. Exit 0 when every case held.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
PARTS = {"sources": ["attack_sources.py"], "store": ["attack_store.py"], "mail": ["attack_mail.py"],
         "web": ["attack_web.py", "--defaults"]}
# A case's line, as each part prints it: its name, then "held" or "FAILED", then its figures.
VERDICT = re.compile(r"\s(held|FAILED)\s+\S")  # not a part's own count ("6 of 6 cases held")


def run_part(name: str) -> tuple[int, int, float, int]:
    """Runs one part, echoing its output; (cases held, cases failed, seconds, exit code)."""
    script, *args = PARTS[name]
    start = time.perf_counter()
    held = failed = 0
    with subprocess.Popen([sys.executable, str(BENCH / script), *args], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, cwd=BENCH.parent) as process:
        assert process.stdout is not None
        for line in process.stdout:
            print(f"  {line}", end="", flush=True)
            if found := VERDICT.search(line):
                held += found[1] == "held"
                failed += found[1] == "FAILED"
    return held, failed, time.perf_counter() - start, process.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="+", choices=sorted(PARTS), default=list(PARTS))
    chosen = parser.parse_args().only
    results = {}
    for name in chosen:
        print(f"== {name} ({' '.join(PARTS[name])})", flush=True)
        results[name] = run_part(name)
    print()
    for name, (held, failed, seconds, code) in results.items():
        print(f"{name:<8} {held} held, {failed} failed  ({seconds:.0f} s, exit {code})")
    held_total = sum(r[0] for r in results.values())
    failed_total = sum(r[1] for r in results.values())
    broken = [name for name, r in results.items() if r[3] != 0 and r[1] == 0]
    print(f"{held_total} of {held_total + failed_total} cases held"
          + (f"; parts that did not finish cleanly: {', '.join(broken)}" if broken else ""))
    return 0 if failed_total == 0 and not broken else 1


if __name__ == "__main__":
    sys.exit(main())
