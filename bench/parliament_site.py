"""The local mirror of bench/parliament.py: the AN's and the Sénat's sites on one 127.0.0.1 server in a
child process (so that neither its CPU nor its memory counts as relance's), serving on each simulated
day what the chambers would serve (bench/parliament_model.py), and counting the requests per site.

What it serves, at the chambers' real addresses (the defaults of `[sources.an]` and `[sources.senat]`):
- the AN archive `Questions_ecrites.json.zip` at `archive_url`'s path for the 17th legislature, every
  question published by that day, one deflated `json/{uid}.json` each;
- the real 16th-legislature AMO zip (samples/an/amo) at `actors_url`'s path for the 17th legislature
  (no 17th-legislature zip was recorded; it names the sample's author, PA721764, all the same);
- each AN question's JSON at `/dyn/opendata/{uid}.json`;
- the Sénat's CSV at `/data/questions/questions-depuis-un-an.csv`: the questions of the twelve months
  before that day;
- each Sénat question's page at `/questions/base/{YYYY}/q{id}.html`;
- POST /hook: the webhook of the benchmark's one channel (counted apart, never as a site's request).

Every body has a strong ETag (a digest of its bytes) and a Last-Modified (the day it last changed); a
matching If-None-Match, or without one an If-Modified-Since not older than that, gets 304. The archive
and the CSV are built again only on a day something in them changed, so an unchanged file keeps its
ETag. A question not yet published is a 404.
"""

from __future__ import annotations

import contextlib
import email.utils
import hashlib
import http.server
import io
import multiprocessing
import multiprocessing.connection
import re
import threading
import time
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from datetime import time as clock_time
from email.message import Message
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench.parliament_model import Fate, an_document, an_fates, an_uid, senat_fates, senat_page, senat_row, senat_uid
from bot.app.config import AN_ACTORS_URL, AN_ARCHIVE_URL, SenatSource
from bot.app.import_senat import csv_first_day
from bot.core.deadlines import PARIS
from tests.an_variants import dump
from tests.app.senat_rows import csv_bytes

ARCHIVE_PATH = urlsplit(AN_ARCHIVE_URL.format(leg=17, suffix="")).path
ACTORS_PATH = urlsplit(AN_ACTORS_URL.format(leg=17)).path
CSV_PATH = urlsplit(SenatSource().csv_url).path
AMO_SAMPLE = "an/amo/AMO20_dep_sen_min_tous_mandats_et_organes.json.zip"
HOOK_PATH = "/hook"
_AN_JSON = re.compile(r"/dyn/opendata/QANR5L17QE(\d+)\.json")
_SENAT_PAGE = re.compile(r"/questions/base/(\d{4})/q(SEQ\d{4}(\d{5}))\.html")

# The counters, one slot each, as the server sees requests.
SLOTS = ("an_bulk", "an_bulk_304", "an_question", "an_question_304", "senat_bulk", "senat_bulk_304",
         "senat_page", "senat_page_304", "not_found", "hook")


@dataclass(frozen=True, slots=True)
class Body:
    data: bytes
    content_type: str
    etag: str
    last_modified: str


def _stamp(day: date) -> str:
    """The instant a file of `day` was written: 05:00 in Paris, before the discovery job's 06:00."""
    return email.utils.formatdate(datetime.combine(day, clock_time(5), PARIS).timestamp(), usegmt=True)


def body(data: bytes, content_type: str, changed: date) -> Body:
    return Body(data, content_type, f'"{hashlib.sha256(data).hexdigest()[:32]}"', _stamp(changed))


def not_modified(headers: Message, current: Body) -> bool:
    """RFC 9110 §13.2.2: If-None-Match decides when present; If-Modified-Since only without it."""
    if_none_match = headers.get("If-None-Match")
    if if_none_match is not None:
        return current.etag in [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    since = headers.get("If-Modified-Since")
    if not since:
        return False
    try:
        return email.utils.parsedate_to_datetime(since) >= email.utils.parsedate_to_datetime(current.last_modified)
    except (TypeError, ValueError):
        return False


def _last_change(fates: Sequence[Fate], day: date) -> date:
    return max((d for f in fates for d in f.events() if d <= day), default=day)


class Mirror:
    """The sites' content on the current day; the bulk files rebuilt only when their content changed."""

    def __init__(self, an_size: int, senat_size: int, days: int, samples: Path) -> None:
        self.an = an_fates(an_size, days)
        self.senat = senat_fates(senat_size, days)
        self.actors = body((samples / AMO_SAMPLE).read_bytes(), "application/zip", date(2025, 1, 1))
        self.day = date.min
        self.archive: Body | None = None
        self.csv: Body | None = None
        self._archive_key = -1

    def set_day(self, day: date) -> dict[str, Any]:
        """Move to `day`; returns what changed in the bulk files and how long building them took."""
        self.day = day
        started = time.perf_counter()
        key = sum(1 for f in self.an for d in f.events() if d <= day)  # every record the AN published so far
        archive_changed = key != self._archive_key
        if archive_changed:
            self._archive_key = key
            self.archive = body(self._build_archive(), "application/zip", _last_change(self.an, day))
        rows = [f.seen(day) for f in self.senat if csv_first_day(day) <= f.published <= day]
        data = csv_bytes([senat_row(f) for f in rows])
        csv_changed = self.csv is None or data != self.csv.data
        if csv_changed:
            self.csv = body(data, "text/csv; charset=windows-1252", day)
        assert self.archive is not None
        return {"archive_changed": archive_changed, "csv_changed": csv_changed,
                "archive_bytes": len(self.archive.data), "csv_rows": len(rows),
                "an_published": sum(1 for f in self.an if f.published <= day),
                "senat_published": sum(1 for f in self.senat if f.published <= day),
                "seconds": time.perf_counter() - started}

    def _build_archive(self) -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for fate in self.an:
                if fate.published <= self.day:
                    archive.writestr(f"json/{an_uid(fate.number)}.json", dump(an_document(fate.seen(self.day))))
        return out.getvalue()

    def lookup(self, path: str) -> tuple[str, Body | None]:
        """The counter slot of a GET of `path` and the body served there (None: 404)."""
        if path == ARCHIVE_PATH:
            return "an_bulk", self.archive
        if path == ACTORS_PATH:
            return "an_bulk", self.actors
        if path == CSV_PATH:
            return "senat_bulk", self.csv
        if match := _AN_JSON.fullmatch(path):
            fate = self._fate(self.an, int(match[1]))
            return "an_question", (None if fate is None else
                                   body(dump(an_document(fate)), "application/json", _last_change([fate], self.day)))
        if match := _SENAT_PAGE.fullmatch(path):
            fate = self._fate(self.senat, int(match[3]))
            if fate is None or senat_uid(fate) != match[2]:
                return "senat_page", None
            return "senat_page", body(senat_page(fate), "text/html; charset=windows-1252",
                                      _last_change([fate], self.day))
        return "not_found", None

    def _fate(self, fates: Sequence[Fate], number: int) -> Fate | None:
        if not 1 <= number <= len(fates) or fates[number - 1].published > self.day:
            return None
        return fates[number - 1].seen(self.day)


class _LoopbackServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128


def _handler(mirror: Mirror, counts: Any, lock: threading.Lock) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True
        timeout = 30

        def _count(self, slot: str) -> None:
            with counts.get_lock():
                counts[SLOTS.index(slot)] += 1

        def do_GET(self) -> None:
            with lock:  # the day does not move while a request is answered
                slot, current = mirror.lookup(self.path.partition("?")[0])
            self._count(slot)
            if current is None:
                if slot != "not_found":
                    self._count("not_found")
                self._reply(404, b"Not Found", "text/plain", None)
            elif not_modified(self.headers, current):
                self._count(slot + "_304")
                self._reply(304, b"", None, current)
            else:
                self._reply(200, current.data, current.content_type, current)

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self._count("hook" if self.path == HOOK_PATH else "not_found")
            self._reply(200, b"{}", "application/json", None)

        def _reply(self, status: int, data: bytes, content_type: str | None, current: Body | None) -> None:
            self.send_response(status)
            if current is not None:
                self.send_header("ETag", current.etag)
                self.send_header("Last-Modified", current.last_modified)
            if status != 304:
                self.send_header("Content-Type", content_type or "application/octet-stream")
                self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if data:
                self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


def serve(sizes: tuple[int, int, int], samples: str, commands: multiprocessing.connection.Connection,
          counts: Any, lifetime: float) -> None:
    """The child process: build the mirror, serve it, move it to each day the parent sends, until the
    parent sends None, closes the pipe, or `lifetime` seconds passed."""
    mirror = Mirror(*sizes, samples=Path(samples))
    lock = threading.Lock()
    server = _LoopbackServer(("127.0.0.1", 0), _handler(mirror, counts, lock))
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
    commands.send(server.server_address[1])
    deadline = time.monotonic() + lifetime
    try:
        while commands.poll(max(0.0, deadline - time.monotonic())):
            try:
                day = commands.recv()
            except EOFError:
                break
            if day is None:
                break
            with lock:
                commands.send(mirror.set_day(day))
    finally:
        server.shutdown()
        server.server_close()


class LocalParliament:
    """The mirror's child process, seen from the benchmark: its base URL, `move_to(day)`, the counters."""

    def __init__(self, an_size: int, senat_size: int, days: int, samples: Path, lifetime: float) -> None:
        context = multiprocessing.get_context("spawn")  # no fork of a process holding threads
        self._counts = context.Array("q", len(SLOTS))
        self._pipe, child = context.Pipe()
        self._process = context.Process(target=serve, name="relance-bench-parliament", daemon=True,
                                        args=((an_size, senat_size, days), str(samples), child, self._counts,
                                              lifetime))
        self._process.start()
        child.close()
        if not self._pipe.poll(300):
            self.close()
            raise RuntimeError("the local parliament did not start within 300 s")
        try:
            self.base_url = f"http://127.0.0.1:{self._pipe.recv()}"
        except EOFError:
            self.close()
            raise RuntimeError("the local parliament failed to start (its traceback is above)") from None

    def move_to(self, day: date) -> dict[str, Any]:
        self._pipe.send(day)
        if not self._pipe.poll(600):
            raise RuntimeError(f"the local parliament did not move to {day} within 600 s")
        return dict(self._pipe.recv())

    def counts(self) -> dict[str, int]:
        return {slot: int(self._counts[i]) for i, slot in enumerate(SLOTS)}

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._pipe.send(None)
        self._process.join(10)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(5)
