"""The discovery imports: the bulk readers the daily job runs one after the other, as a typed registry.

Each entry runs one import as `relance import actors` / `relance import an` / `relance import senat`
run it without options, through the job's client, and sums it up the same way, so the scheduler logs
every import alike."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlite_utils import Database

from bot.app.budget import record_discovery, record_requests
from bot.app.config import Config
from bot.app.import_actors import import_actors
from bot.app.import_an import ImportReport, import_an
from bot.app.import_senat import SenatImportReport, import_senat
from scrapers.http import PoliteClient
from storage.records import Event

Now = Callable[[], datetime]
StopFlag = Callable[[], bool]


@dataclass(frozen=True)
class ImportSummary:
    """What any bulk import did: its counts, its errors (one line each) and the questions rules found."""

    read: int
    new: int
    changed: int
    matched: int
    errors: list[str] = field(default_factory=list)
    matched_events: list[Event] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


BulkImport = Callable[[Config, Database, PoliteClient, Now, StopFlag], ImportSummary]


@dataclass(frozen=True)
class Discovery:
    name: str  # the source's name, as in the polls: `an-actors`, `an-archive`, `senat-csv`
    run: BulkImport


def _import_actors(config: Config, db: Database, client: PoliteClient, now: Now,
                   should_stop: StopFlag) -> ImportSummary:
    # Read: actors and bodies; changed: the stored AN questions named again from them.
    report = import_actors(config, db, now=now, client=client, should_stop=should_stop)
    errors = [f"{f.source}: {f.error}" for f in report.files if f.error]
    errors += [f"{e.member}: {e.error}" for e in report.errors]
    return ImportSummary(report.actors + report.bodies, 0, report.renamed, report.matched, errors, report.events)


def _import_an(config: Config, db: Database, client: PoliteClient, now: Now, should_stop: StopFlag) -> ImportSummary:
    return an_summary(import_an(config, db, now=now, client=client, should_stop=should_stop))


def an_summary(report: ImportReport) -> ImportSummary:
    errors = [f"{a.source}: {a.error}" for a in report.archives if a.error]
    errors += [f"{e.member}: {e.error}" for e in report.errors]
    return ImportSummary(report.read, report.new, report.changed, report.matched, errors,
                         [e for e in report.listed if e.kind == "matched"])


def _import_senat(config: Config, db: Database, client: PoliteClient, now: Now,
                  should_stop: StopFlag) -> ImportSummary:
    return senat_summary(import_senat(config, db, client, now=now, should_stop=should_stop))


def senat_summary(report: SenatImportReport) -> ImportSummary:
    i = report.ingest
    errors = [f"{e.ref or e.url}: {e.error}" for e in report.errors]
    errors += [f"{report.url}: {row}" for row in report.rejected]  # rows set aside: the others were imported
    return ImportSummary(i.read, i.new, i.changed, i.matched, errors, [e for e in i.events if e.kind == "matched"])


# The actors first: the AN's questions imported next are named from them.
DISCOVERY_IMPORTS: tuple[Discovery, ...] = (Discovery("an-actors", _import_actors), Discovery("an-archive", _import_an),
                                            Discovery("senat-csv", _import_senat))


def record_import(config: Config, db: Database, source: str, summary: ImportSummary, now: datetime, *,
                  legislatures: Sequence[int] | None = None) -> dict[str, int]:
    """After an import that ran to its end, whether the daily job's or `relance import an|senat`'s
    without --file: the bulk files it read whole or found unchanged are recorded (so the check cycle
    leaves the questions they hold alone, bot/app/budget.py), and so are the requests it sent, which
    are returned by site."""
    record_discovery(config, db, source, summary.errors, now, legislatures=legislatures)
    return record_requests(db, now)
