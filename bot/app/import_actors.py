"""Import the AN's open data of deputies, senators, ministers and bodies (AMO) into the store, then
name the stored AN questions again from it (`relance import actors`, and the daily discovery job
before the AN's archive).

- Download: `[sources.an] actors_url` for each legislature, to `[http] cache_dir`/downloads, by the
  AN archive's machinery (bot/app/an_archive_download.py): conditional (an unchanged file is a 304 and
  is not imported again), resumable; or a local zip (`file`).
- Import: the zip is read one member at a time (scrapers/an_actors.py) and stored by batches
  (storage/actors.py); a member that cannot be read is reported with its name and the others are
  read; a file that is not a zip or holds no actor is refused whole, before anything is stored.
- Rename: every stored AN question is named again on its publication date (bot/app/authors.py); a
  question whose names changed is stored without an event, then the follow rules run over the renamed
  ones, so that a rule by author finds a question whose text does not name its author.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import Any, Literal

from sqlite_utils import Database

from bot.app.an_archive_download import archive_path, fetch_archive
from bot.app.authors import name_author
from bot.app.config import Config, FollowRule
from bot.app.ingest import apply_rules_to_stored
from bot.app.json_views import event_json
from bot.app.logs import describe
from bot.app.settings import http_settings
from scrapers.an_actors import Actor, AmoArchive, AmoFileError, Body, MemberError, Record
from scrapers.http import FetchError, PoliteClient
from scrapers.model import QuestionSnapshot
from storage.actors import an_question_refs, save_actors, save_bodies, save_renamed
from storage.downloads import copy_refused, imported
from storage.questions import all_questions
from storage.records import Event

SOURCE = "an-actors"  # the discovery job's name for this import
BATCH = 500  # actors, bodies or questions per transaction
Now = Callable[[], datetime]


def actors_url(template: str, legislature: int) -> str:
    return template.format(leg=legislature)


@dataclass
class ActorsFile:
    """One AMO file: where it came from, how it was fetched, whether it was imported."""

    source: str  # its URL, or the --file given
    path: str
    legislature: int | None = None
    fetched: Literal["downloaded", "resumed", "not_modified", "file"] = "file"
    imported: bool = False
    bytes: int = 0
    error: str | None = None  # why it could not be fetched or read


@dataclass
class ActorsReport:
    actors: int = 0
    mandates: int = 0
    bodies: int = 0
    skipped: int = 0  # members neither an actor nor a body (déports…)
    errors: list[MemberError] = field(default_factory=list)  # members that could not be read
    files: list[ActorsFile] = field(default_factory=list)
    renamed: int = 0  # stored AN questions named again
    matched: int = 0  # of those, questions a follow rule found for the first time
    events: list[Event] = field(default_factory=list)  # the `matched` events
    seconds: float = 0.0
    stopped: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors and not any(f.error for f in self.files)


def _batches(records: Iterator[Record], size: int) -> Iterator[list[Record]]:
    while chunk := list(islice(records, size)):
        yield chunk


def import_actors_file(db: Database, path: Path, report: ActorsReport, *,
                       should_stop: Callable[[], bool] = lambda: False) -> None:
    """Store the actors and bodies of the AMO zip at `path`, by batches. Raises `AmoFileError`, before
    anything is stored, when it is not a zip or holds no actor."""
    with AmoArchive(path) as archive:
        report.skipped += archive.skipped
        for chunk in _batches(archive.records(), BATCH):
            actors = [r for r in chunk if isinstance(r, Actor)]
            report.mandates += save_actors(db, actors)
            bodies = [r for r in chunk if isinstance(r, Body)]
            save_bodies(db, bodies)
            report.actors += len(actors)
            report.bodies += len(bodies)
            report.errors += [r for r in chunk if isinstance(r, MemberError)]
            if should_stop():
                report.stopped = True
                return


def rename_stored(db: Database, rules: Sequence[FollowRule], now: datetime, report: ActorsReport) -> None:
    """Name every stored AN question again from the stored actors: the snapshots whose names change are
    stored (no event), then the follow rules run over them."""
    refs = iter(an_question_refs(db))
    while chunk := list(islice(refs, BATCH)):
        renamed: list[QuestionSnapshot] = [
            named for stored in all_questions(db, chunk)
            if stored.snapshot is not None and (named := name_author(db, stored.snapshot)) != stored.snapshot]
        report.renamed += save_renamed(db, renamed)
        if rules and renamed:
            found = apply_rules_to_stored(db, rules, now, renamed)
            report.matched += found.matched
            report.events += found.events


def _import(db: Database, path: Path, outcome: ActorsFile, report: ActorsReport,
            should_stop: Callable[[], bool]) -> None:
    import_actors_file(db, path, report, should_stop=should_stop)
    outcome.imported = not report.stopped


def import_actors(config: Config, db: Database, *, now: Now, legislatures: Sequence[int] | None = None,
                  file: Path | None = None, client: PoliteClient | None = None,
                  should_stop: Callable[[], bool] = lambda: False) -> ActorsReport:
    """Import the local AMO zip `file`, or download and import the file of each legislature
    (`[sources.an] legislatures` unless given, oldest first: an actor's mandates are those of the last
    file read), through `client` (one of its own by default); then, when anything was imported, name
    the stored AN questions again. A file unchanged on the server since it was last imported is not
    imported again. A file that cannot be fetched or read is reported in its outcome and the others go
    on."""
    started = time.perf_counter()
    report = ActorsReport()
    if file is not None:
        outcome = ActorsFile(source=file.resolve().as_uri(), path=str(file),
                             bytes=file.stat().st_size if file.is_file() else 0)
        report.files.append(outcome)
        try:
            _import(db, file, outcome, report, should_stop)
        except AmoFileError as error:
            outcome.error = describe(error)
    else:
        _download_and_import(config, db, report, now=now, legislatures=legislatures, client=client,
                             should_stop=should_stop)
    if any(f.imported for f in report.files) and not report.stopped:
        rename_stored(db, config.follow, now(), report)
    report.seconds = time.perf_counter() - started
    return report


def _download_and_import(config: Config, db: Database, report: ActorsReport, *, now: Now,
                         legislatures: Sequence[int] | None, client: PoliteClient | None,
                         should_stop: Callable[[], bool]) -> None:
    cache_dir = Path(config.http.cache_dir or ".relance-cache")
    with contextlib.ExitStack() as stack:
        if client is None:
            client = stack.enter_context(PoliteClient(http_settings(config)))
        for legislature in sorted(legislatures or config.sources.an.legislatures):
            if should_stop():
                report.stopped = True
                return
            url = actors_url(config.sources.an.actors_url, legislature)
            path = archive_path(cache_dir, legislature, url)
            outcome = ActorsFile(source=url, path=str(path), legislature=legislature)
            report.files.append(outcome)
            try:
                fetched = fetch_archive(db, client, url, path, now=now())
                outcome.fetched, outcome.bytes = fetched.fetched, fetched.length
                if fetched.imported_before:
                    continue
                _import(db, path, outcome, report, should_stop)
                if report.stopped:
                    return
                imported(db, url, now())
            except AmoFileError as error:
                # A copy that cannot be read is forgotten: the next run downloads it whole.
                copy_refused(db, url)
                path.unlink(missing_ok=True)
                outcome.error = describe(error)
            except FetchError as error:
                outcome.error = describe(error)


def report_json(report: ActorsReport) -> dict[str, Any]:
    return {"actors": report.actors, "mandates": report.mandates, "bodies": report.bodies,
            "skipped": report.skipped, "renamed": report.renamed, "matched": report.matched,
            "seconds": round(report.seconds, 3), "stopped": report.stopped,
            "errors": [{"member": e.member, "error": e.error} for e in report.errors],
            "events": [event_json(e) for e in report.events],
            "files": [{"legislature": f.legislature, "source": f.source, "path": f.path, "fetched": f.fetched,
                       "imported": f.imported, "bytes": f.bytes, "error": f.error} for f in report.files]}
