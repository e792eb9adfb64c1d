"""The local copy of the chambers' sites that bench/cycle.py reads (and tests/ reuse): the mix of
questions derived from the real samples, their bodies, and the site serving them from a child process
with ETag, Last-Modified and 304s. bench/cycle.py's docstring describes the transformation.
"""

from __future__ import annotations

import email.utils
import hashlib
import http.server
import json
import multiprocessing
import multiprocessing.connection
import multiprocessing.synchronize
import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from email.message import Message
from pathlib import Path
from typing import Any

from bot.core.deadlines import PARIS
from scrapers.refs import QuestionRef, parse_ref
from scrapers.sources import SourceSettings, source_for
from tests.an_variants import dump, without_answer
from tests.senat_pages import PAGE_TEXTS, page_from_text

PROJECT = Path(__file__).resolve().parent.parent
SAMPLES = Path(os.environ.get("RELANCE_SAMPLES", PROJECT.parent / "shared" / "samples"))
AN_SAMPLE = "an/QANR5L17QE5268.json"
# Every body claims this modification time; If-Modified-Since is compared with it.
LAST_MODIFIED = email.utils.formatdate(datetime(2025, 6, 3, 9, 0, tzinfo=PARIS).timestamp(), usegmt=True)


# --- the mix of questions -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Planned:
    """One question of the mix: its ref, the path relance asks for, and how its body is derived."""

    uid: str
    path: str
    kind: str  # "an-pending", "an-answered", or "senat:<uid of the real page text>"


def _path_of(ref: QuestionRef) -> str:
    # The address relance itself builds, with an empty base URL: the path alone.
    return source_for(ref, SourceSettings(an_base_url="", an_legacy_base_url="", senat_base_url="")).url


def plan_mix(size: int) -> list[Planned]:
    """The first `size` questions of the mix described in the module docstring."""
    page_uids = list(PAGE_TEXTS)
    planned: list[Planned] = []
    an_count = senat_count = 0
    for i in range(size):
        if i % 5 == 4:
            page_uid = page_uids[senat_count % len(page_uids)]
            senat_count += 1
            uid = f"SEQ{page_uid[3:7]}{senat_count:05d}"
            kind = f"senat:{page_uid}"
        else:
            kind = "an-pending" if an_count % 5 < 3 else "an-answered"
            an_count += 1
            uid = f"QANR5L17QE{an_count}"
        planned.append(Planned(uid, _path_of(parse_ref(uid)), kind))
    return planned


def build_bodies(planned: Sequence[Planned], samples: Path) -> dict[str, tuple[bytes, str]]:
    """Path -> (body, content type), derived from the real samples as the docstring says."""
    answered = json.loads((samples / AN_SAMPLE).read_bytes())
    templates = {"an-answered": answered, "an-pending": without_answer(answered)}
    pages = {uid: page_from_text((samples / name).read_text(encoding="utf-8")) for uid, name in PAGE_TEXTS.items()}
    bodies: dict[str, tuple[bytes, str]] = {}
    for question in planned:
        if question.kind.startswith("senat:"):
            bodies[question.path] = (pages[question.kind.removeprefix("senat:")], "text/html")
            continue
        document = templates[question.kind]
        # Rewritten in place and dumped at once: the template is only ever read through dump().
        document["question"]["uid"] = question.uid
        document["question"]["identifiant"]["numero"] = question.uid.rpartition("QE")[2]
        bodies[question.path] = (dump(document), "application/json")
    return bodies


# --- the local site (child process) -------------------------------------------------------------


def _not_modified(headers: Message, etag: str) -> bool:
    """RFC 9110 §13.2.2: If-None-Match decides when present; If-Modified-Since only without it."""
    if_none_match = headers.get("If-None-Match")
    if if_none_match is not None:
        # If-None-Match compares weakly (§13.1.2): W/"x" matches "x".
        tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
        return "*" in tags or etag in tags
    if_modified_since = headers.get("If-Modified-Since")
    if if_modified_since:
        try:
            since = email.utils.parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError):
            return False
        return since >= email.utils.parsedate_to_datetime(LAST_MODIFIED)
    return False


class _LoopbackServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # urlwatch opens a new connection for every request


def _serve(planned: Sequence[Planned], samples: str, ready: multiprocessing.connection.Connection,
           counts: Any, stop: multiprocessing.synchronize.Event, lifetime: float) -> None:
    """The child process: build the bodies, serve them on 127.0.0.1 until `stop` or `lifetime`."""
    pages = {path: (body, content_type, f'"{hashlib.sha256(body).hexdigest()[:32]}"')
             for path, (body, content_type) in build_bodies(planned, Path(samples)).items()}

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as the real sites
        disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed-ACK stall
        timeout = 30  # an idle keep-alive connection frees its thread

        def do_GET(self) -> None:
            page = pages.get(self.path.partition("?")[0])
            with counts.get_lock():
                counts[0] += 1
                if page is not None and _not_modified(self.headers, page[2]):
                    counts[1] += 1
                    not_modified = True
                else:
                    not_modified = False
            if page is None:
                self._reply(404, b"Not Found", "text/plain", None)
            elif not_modified:
                self._reply(304, b"", None, page[2])
            else:
                self._reply(200, page[0], page[1], page[2])

        def _reply(self, status: int, body: bytes, content_type: str | None, etag: str | None) -> None:
            self.send_response(status)
            if etag:
                self.send_header("ETag", etag)
                self.send_header("Last-Modified", LAST_MODIFIED)
            if status != 304:
                self.send_header("Content-Type", content_type or "application/octet-stream")
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if body:
                self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = _LoopbackServer(("127.0.0.1", 0), Handler)
    try:
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
        ready.send(server.server_address[1])
        stop.wait(lifetime)
        server.shutdown()
    finally:
        server.server_close()


class LocalSite:
    """The child process serving the mix; `requests` and `not_modified` are its running counts."""

    def __init__(self, planned: Sequence[Planned], lifetime: float) -> None:
        context = multiprocessing.get_context("spawn")  # no fork of a process holding threads
        self._counts = context.Array("q", 2)
        self._stop = context.Event()
        receiver, sender = context.Pipe(duplex=False)
        self._process = context.Process(target=_serve, name="relance-bench-site", daemon=True,
                                        args=(list(planned), str(SAMPLES), sender, self._counts, self._stop, lifetime))
        self._process.start()
        sender.close()
        try:
            if not receiver.poll(120):
                raise RuntimeError("the local site did not start within 120 s")
            try:
                port = receiver.recv()
            except EOFError:
                raise RuntimeError("the local site failed to start (its traceback is above)") from None
        except BaseException:
            self.close()
            raise
        self.base_url = f"http://127.0.0.1:{port}"

    @property
    def requests(self) -> int:
        return int(self._counts[0])

    @property
    def not_modified(self) -> int:
        return int(self._counts[1])

    def close(self) -> None:
        self._stop.set()
        self._process.join(10)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(5)


@contextmanager
def local_site(planned: Sequence[Planned], lifetime: float) -> Iterator[LocalSite]:
    site = LocalSite(planned, lifetime)
    try:
        yield site
    finally:
        site.close()
