"""Hostile sources against relance's HTTP client and archive reader (issue 17, the slow cases): a 500 MB
body, a gzip bomb (1 MB that inflates to 1 GB), a page dripped one byte a second, an endless body, an
archive of 60 files near the size cap, a redirect to another site. One line per case: the case, held
or failed, and its figure (the peak of Python's allocations, tracemalloc, and the seconds it took).

Run: .venv/bin/python bench/attack_sources.py   (about a minute)

The hostile server is tests/scrapers/hostile_site.py, on 127.0.0.1, in this process (its sending
allocates nothing: it writes the same buffer again). The client runs with the defaults of config.toml
but for the drip, which uses the trial's 3 s read timeout with a 5 s deadline per request and 12 s per
question (the defaults, 60 s and 300 s, would hold it that long: bounded, but slow for a benchmark).
The archive's files are the real QANR5L17QE5268.json renumbered, its question's and answer's texts
repeated to 900,000 characters each, padded with spaces to 4 MB less 1 KB (the cap is 4 MB).
"""

from __future__ import annotations

import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.app.import_an import ImportReport, import_archive
from scrapers.an_archive import MAX_MEMBER_BYTES
from scrapers.http import HttpSettings, OffSiteRedirect, PoliteClient, TooLarge, TransportError
from scrapers.sources import SourceSettings
from storage.db import open_db
from tests.an_variants import dump, qe_json
from tests.app.an_archives import set_number, write_archive
from tests.scrapers.hostile_site import (
    RECORD,
    HostileSite,
    gzip_bomb,
    hostile_site,
    serve_big,
    serve_bomb,
    serve_drip,
    serve_endless,
    serve_json,
    serve_redirect,
)

MB = 1_000_000
UA = "relance-bench/attack (+https://example.org/relance)"


def measured(action: Callable[[], Any]) -> tuple[BaseException | None, float, float]:
    """What `action` raised, the peak of its allocations in MB, and its seconds."""
    tracemalloc.start()
    started = time.monotonic()
    error: BaseException | None = None
    try:
        action()
    except Exception as raised:
        error = raised
    seconds = time.monotonic() - started
    peak = tracemalloc.get_traced_memory()[1] / MB
    tracemalloc.stop()
    return error, peak, seconds


def report(case: str, held: bool, peak: float, seconds: float, error: BaseException | None) -> bool:
    what = f"{type(error).__name__}" if error is not None else "no error"
    print(f"{case:<44} {'held' if held else 'FAILED':<7} peak {peak:8.1f} MB  {seconds:6.1f} s  ({what})")
    return held


def fetch_cases(site: HostileSite) -> list[bool]:
    settings = HttpSettings(user_agent=UA, min_interval=0.0)  # the defaults: max_body 8 MB, retries 3
    drip = HttpSettings(user_agent=UA, min_interval=0.0, timeout=3.0, deadline=5.0, question_deadline=12.0,
                        backoff_base=0.5, backoff_max=2.0)
    site.routes |= {"/big.json": serve_big(500 * MB), "/bomb.json": serve_bomb(gzip_bomb(1000)),
                    "/drip.json": serve_drip(site), "/endless.json": serve_endless(site),
                    "/away.json": serve_redirect("http://127.0.0.2:9/data.json")}
    cases: list[tuple[str, HttpSettings, str, type[Exception], float]] = [
        ("500 MB body (8 MB cap)", settings, "/big.json", TooLarge, 30),
        ("gzip bomb: 1 MB -> 1 GB (8 MB cap)", settings, "/bomb.json", TooLarge, 30),
        ("endless body (8 MB cap)", settings, "/endless.json", TooLarge, 30),
        ("1 byte/s drip, 3 s timeout, 3 retries", drip, "/drip.json", TransportError, 12 + 5),
        ("redirect to another site", settings, "/away.json", OffSiteRedirect, 5),
    ]
    held = []
    for case, chosen, path, expected, max_seconds in cases:
        with PoliteClient(chosen) as client:
            error, peak, seconds = measured(partial(client.get, site.url(path), expect="json"))
        held.append(report(case, isinstance(error, expected) and peak < 32 and seconds < max_seconds,
                           peak, seconds, error))
    return held


def near_cap_document(number: int) -> bytes:
    """The real record renumbered, its texts repeated to 900,000 characters, padded to the cap less 1 KB."""
    document = qe_json()
    set_number(document, number)
    question = document["question"]
    text = question["textesQuestion"]["texteQuestion"]
    text["texte"] = (text["texte"] * (900_000 // len(text["texte"]) + 1))[:900_000]
    answer = question["textesReponse"]["texteReponse"]
    answer["texte"] = (answer["texte"] * (900_000 // len(answer["texte"]) + 1))[:900_000]
    data = dump(document)
    return data + b" " * (MAX_MEMBER_BYTES - 1024 - len(data))


def archive_case(work: Path) -> bool:
    members = [(f"json/QANR5L17QE{n}.json", near_cap_document(n)) for n in range(1, 61)]
    path = write_archive(work / "near-cap.zip", members)
    db = open_db(work / "relance.db")
    now = datetime(2025, 6, 5, 8, tzinfo=UTC)
    imported = ImportReport()

    def run() -> None:
        import_archive(db, path, source=path.as_uri(), now=now, rules=[], sources=SourceSettings(),
                       watched_refs=set(), report=imported)

    error, peak, seconds = measured(run)
    case = f"archive: 60 files of 4 MB ({path.stat().st_size / MB:.2f} MB zip)"
    return report(case, error is None and imported.new == 60 and peak < 300, peak, seconds, error)


def main() -> int:
    with hostile_site() as site:
        site.routes["/q.json"] = serve_json(RECORD)
        held = fetch_cases(site)
    with tempfile.TemporaryDirectory(prefix="relance-attack-") as work:
        held.append(archive_case(Path(work)))
    print(f"{sum(held)} of {len(held)} cases held")
    return 0 if all(held) else 1


if __name__ == "__main__":
    raise SystemExit(main())
