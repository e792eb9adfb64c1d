"""The terminal's status table (bot/cli/table.py) over many rows: the layout (each column's width, each
cell wrapped) and rich's rendering, at 80 columns and with --wide. No target: it says what a `relance
status` without --json costs beside bench/status.py's --json, on rows of the shape the real AN record
gives (its title, author and ministry; a six-digit reference).

Run: .venv/bin/python bench/tables.py [--rows 1000 10000]
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rich.console import Console

from bot.cli.table import build_table
from bot.cli.views import STATUS_COLUMNS

# The real QANR5L17QE5268's title, author and ministry, abridged as the table shows it at 80 columns.
TITLE = "Révision de la terminologie des diamants synthétiques"
AUTHOR = "Olivia Grégoire"
MINISTRY = "Économie, finances et souveraineté industrielle et numérique"


def rows(n: int) -> list[list[str]]:
    return [[f"AN 17-{100000 + i}", TITLE, AUTHOR, MINISTRY, "10/01/2024", "10/03/2024", "en attente",
             f"retard {i % 2000} j", "01/04/2025 10:00"] for i in range(n)]


def measure(n: int, width: int | None) -> tuple[float, float, int]:
    data = rows(n)
    start = time.perf_counter()
    table, table_width = build_table(STATUS_COLUMNS, data, width)
    laid_out = time.perf_counter()
    console = Console(width=table_width, file=io.StringIO(), highlight=False)
    with console.capture() as captured:
        console.print(table)
    return laid_out - start, time.perf_counter() - laid_out, len(captured.get().splitlines())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1000, 10000])
    args = parser.parse_args()
    for n in args.rows:
        for width, name in ((80, "80 columns"), (None, "--wide")):
            layout, render, lines = measure(n, width)
            print(f"{n:>6} rows, {name:<10}: layout {layout:.2f} s, rendering {render:.2f} s, {lines} lines")


if __name__ == "__main__":
    main()
