"""bench/parliament.py: a --quick run of three days in a temporary folder prints its figures in the
expected structure (never its timings: the numbers are the benchmark's, not the test's), and the
simulated parliament keeps the rates its docstring states."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from bench.parliament_model import START, an_fates, senat_fates
from tests.conftest import PROJECT, sample_path

DAY = re.compile(r"day +(\d+) (\w{3}) (\S+) +requests +([\d,]+) +AN +([\d,]+) \(bulk (\d+), 304 (\d+); "
                 r"questions ([\d,]+), 304 ([\d,]+)\) +Sénat +([\d,]+) \(CSV (\d+), 304 (\d+); pages ([\d,]+), "
                 r"304 ([\d,]+)\) +wall +[\d.]+ s +RSS +\d+ MB +db +[\d.]+ MB .* mirror changed: (.+)$")


def number(text: str) -> int:
    return int(text.replace(",", ""))


def test_quick_run_prints_each_day_and_the_summary_against_the_targets(tmp_path: Path) -> None:
    sample_path("an/QANR5L17QE5268.json")
    done = subprocess.run([sys.executable, str(PROJECT / "bench" / "parliament.py"), "--quick", "--days", "3",
                           "--folder", str(tmp_path)], capture_output=True, text=True, timeout=600, check=False,
                          cwd=PROJECT)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    days = [m for line in lines if (m := DAY.match(line))]
    assert [(d[1], d[2], d[3]) for d in days] == [("1", "Mon", "2026-01-05"), ("2", "Tue", "2026-01-06"),
                                                  ("3", "Wed", "2026-01-07")], done.stdout
    for d in days:
        assert number(d[4]) == number(d[5]) + number(d[10])  # both sites add up to the day's requests
        assert number(d[5]) == int(d[6]) + number(d[8]) and number(d[10]) == int(d[11]) + number(d[13])
    first, tuesday, wednesday = days
    downloads = [(int(d[6]) - int(d[7]), int(d[11]) - int(d[12])) for d in days]  # (AN, Sénat) bulk reads not 304
    # The first day downloads the archive and the AMO zip, and the CSV: the mirror built them that day.
    assert first[15] == "archive, CSV" and downloads[0] == (2, 1)
    # Tuesday's JO changed the archive (new questions): downloaded again; the AMO zip and the CSV are 304s.
    assert tuesday[15] == "archive" and downloads[1] == (1, 0)
    # Nothing changed on Wednesday: every bulk read is a 304.
    assert wednesday[15] == "nothing" and downloads[2] == (0, 0) and int(wednesday[6]) >= 2 and int(wednesday[11]) >= 1
    assert number(first[8]) > 0 and number(first[13]) > 0  # watched questions read one by one
    summary = {line.split(":")[0]: line for line in lines if "[target" in line}
    assert set(summary) == {"requests a day, both sites", "wall time a day", "peak memory", "database"}
    assert "[target ≤ 50]" in summary["requests a day, both sites"]
    assert re.search(r"stored: [\d,]+ questions, [\d,]+ events", done.stdout)
    config = (tmp_path / "config.toml").read_text(encoding="utf-8")
    assert config.count("[[watch]]") == 20 and "min_interval = 0" in config and "127.0.0.1" in config
    assert (tmp_path / "relance.db").is_file()


def test_the_parliament_keeps_the_stated_rates() -> None:
    an, senat = an_fates(25_000, 30), senat_fates(6_000, 30)
    assert len([f for f in an if f.published < START]) == 25_000
    assert len([f for f in senat if f.published < START]) == 6_000
    assert {f.published.weekday() for f in an} == {1} and {f.published.weekday() for f in senat} == {3}
    # 146 new AN questions each Tuesday of the 30 days from Monday 5 January 2026 (5 Tuesdays), 115
    # Sénat ones each Thursday (4).
    assert len(an) == 25_000 + 5 * 146 and len(senat) == 6_000 + 4 * 115
    ordinary = [f for f in senat if not f.reminder]
    for fates in (an, ordinary):
        answered = [f for f in fates if f.answered is not None]
        early = [f for f in answered if f.answered is not None and f.answered - f.published <= timedelta(weeks=8)]
        assert 0.28 < len(answered) / len(fates) < 0.32
        assert 0.08 < len(early) / len(fates) < 0.10
        # A transferred question is answered by the ministry holding it: after the transfer.
        assert all(f.answered > f.transferred for f in answered if f.transferred is not None and f.answered)
    transferred = [f for f in an if f.transferred is not None]
    assert 2_000 < len(transferred) < 2_200  # what the benchmark's AN follow rule finds
