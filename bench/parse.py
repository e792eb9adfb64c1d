"""Parser throughput and peak memory over the real samples, on one core.

Run: .venv/bin/python bench/parse.py [--seconds S]
Targets (issue 4): AN JSON >= 2,000 snapshots/s, Sénat page >= 300 snapshots/s.

No raw senat.fr question HTML could be recorded (../shared/samples/SOURCES.md), so the Sénat page
benchmark runs the whole page path (decode, HTML to text, text parser) on the pages the tests derive
from the real page texts (tests/senat_pages.py: one <p> per line, windows-1252).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scrapers.an import parse_an_json, parse_an_xml
from scrapers.senat import parse_search_results, parse_senat_page
from tests.senat_pages import PAGE_TEXTS, page_from_text, page_url_path

SAMPLES = Path(os.environ.get("RELANCE_SAMPLES", Path(__file__).resolve().parent.parent.parent / "shared" / "samples"))
def measure(name: str, inputs: list[tuple[bytes, str]], parse: Callable[[bytes, str], object],
            seconds: float) -> None:
    for data, url in inputs:  # warm up, and fail loudly if a sample does not parse
        parse(data, url)
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for data, url in inputs:
            parse(data, url)
        count += len(inputs)
    rate = count / (time.perf_counter() - start)
    tracemalloc.start()
    for data, url in inputs:
        parse(data, url)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"{name:<24} {rate:>10,.0f} /s   peak {peak / 1024:>8,.0f} KiB   ({len(inputs)} samples)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=2.0, help="time spent on each parser")
    args = parser.parse_args()
    if not SAMPLES.is_dir():
        sys.exit(f"samples not found at {SAMPLES}: set RELANCE_SAMPLES")
    an = SAMPLES / "an"
    senat = SAMPLES / "senat"
    measure("AN JSON", [((an / "QANR5L17QE5268.json").read_bytes(),
                         "https://www.assemblee-nationale.fr/dyn/opendata/QANR5L17QE5268.json")],
            parse_an_json, args.seconds)
    measure("AN legacy XML", [((an / "q14-47351QE.vue.xml").read_bytes(),
                               "https://questions.assemblee-nationale.fr/q14/14-47351QE.htm/vue/xml")],
            parse_an_xml, args.seconds)
    pages = [(page_from_text((SAMPLES / name).read_text(encoding="utf-8")), f"https://www.senat.fr{page_url_path(uid)}")
             for uid, name in PAGE_TEXTS.items()]
    measure("Sénat page", pages, parse_senat_page, args.seconds)
    measure("Sénat search results", [((senat / "recherche-question.html").read_bytes(),
                                      "http://www.senat.fr/basile/rechercheQuestion.do")],
            parse_search_results, args.seconds)


if __name__ == "__main__":
    main()
