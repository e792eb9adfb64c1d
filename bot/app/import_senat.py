"""`relance import senat`: the Sénat's open data in bulk, and its search for older periods.

The daily CSV of the last twelve months (`[sources.senat] csv_url`) is fetched with a conditional
GET, so an unchanged file costs one 304 and nothing is parsed. Each of its written questions goes
through `bot.app.ingest.ingest`, merged with what the store holds (the CSV has no text). A question's
page is read only when it is needed: the CSV shows a change (state, answer date, transfer) of a
watched question, or a follow rule finds a question not watched yet, whose text relance then needs.
For a period older than the CSV's year, the Sénat search is paged politely, up to `max_pages`.

A row holding a value that cannot be read (a date, an unknown `Sort`…) is set aside and reported
with its line, column and value (`rejected`); the other rows are imported. Only a header lacking a
required column refuses the whole file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlite_utils import Database

from bot.app.config import Config
from bot.app.ingest import IngestReport, ingest
from bot.app.json_views import event_json
from bot.app.logs import describe
from bot.app.settings import source_settings
from bot.app.watched import watched
from bot.core.deadlines import today_in_paris
from bot.core.follow import matching_rules
from scrapers.http import FetchError, PoliteClient
from scrapers.model import ParseError, QuestionSnapshot, normalize_ministry
from scrapers.refs import QuestionRef
from scrapers.senat import parse_search_results, senat_search_url
from scrapers.senat_csv import CsvRow, RejectedRow, parse_senat_csv, row_to_snapshot
from scrapers.sources import SourceSettings, read_question
from storage.questions import get_question

SOURCE = "senat-csv"
DEFAULT_MAX_PAGES = 20
Now = Callable[[], datetime]
StopFlag = Callable[[], bool]


def _never() -> bool:
    return False


@dataclass(frozen=True, slots=True)
class ImportFailure:
    """A page or a search page that could not be read; the import went on without it."""

    ref: str | None
    url: str
    error: str


@dataclass
class SenatImportReport:
    url: str  # the CSV read: its address, or the --file given
    revalidated: bool = False  # the server answered 304: the file had not changed, nothing was parsed
    rows: int = 0  # rows in the file that could be read
    rejected: list[RejectedRow] = field(default_factory=list)  # rows set aside: a value could not be read
    skipped: int = 0  # rows of other kinds of question (oral, d'actualité), or published before --since
    pages_fetched: int = 0  # question pages read
    search_pages: int = 0  # search result pages read
    ingest: IngestReport = field(default_factory=IngestReport)
    errors: list[ImportFailure] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Everything was read: no page failed and no row was set aside."""
        return not self.errors and not self.rejected


# --- what needs a page ----------------------------------------------------------------------------

def _holder(snapshot: QuestionSnapshot) -> str | None:
    return normalize_ministry(snapshot.ministry.name) if snapshot.ministry else None


def csv_shows_change(row: CsvRow, stored: QuestionSnapshot | None, merged: QuestionSnapshot) -> bool:
    """Whether the CSV tells something about the question's state that the store does not know: it
    is new, its state moved, its answer date is another, or another ministry holds it now."""
    if stored is None:
        return True
    if merged.status != stored.status or _holder(merged) != _holder(stored):
        return True
    return merged.status == "answered" and row.answered is not None and row.answered != stored.answered


# --- the CSV --------------------------------------------------------------------------------------

def import_rows(db: Database, rows: list[CsvRow], *, config: Config, client: PoliteClient, sources: SourceSettings,
                url: str, now: Now, since: date | None, watched_refs: set[str], report: SenatImportReport,
                should_stop: StopFlag = _never) -> None:
    """Ingest every written question of `rows` (published on or after `since`), reading a page only
    where it is needed (see the module's docstring). Stops between two questions when `should_stop`."""
    rules = config.follow
    report.rows += len(rows)
    for row in rows:
        if should_stop():
            return
        ref = row.ref
        if ref is None or (since is not None and (row.published is None or row.published < since)):
            report.skipped += 1
            continue
        found = get_question(db, ref.uid)
        stored = found.snapshot if found else None
        snapshot = row_to_snapshot(row, stored)
        is_watched = ref.uid in watched_refs
        # A question a rule finds (on the CSV's title and themes) and not watched yet needs its text.
        newly_found = not is_watched and bool(matching_rules(rules, snapshot))
        if ((is_watched and csv_shows_change(row, stored, snapshot))
                or (newly_found and (stored is None or stored.text is None))):
            page = _read_page(ref, client, sources, report)
            if page is not None:
                # The page's texts, the CSV's facts: the answer's text arrives with the event itself.
                snapshot = row_to_snapshot(row, page)
        matched_before = report.ingest.matched
        ingest(db, snapshot, source=SOURCE, url=url, now=now(), rules=rules, report=report.ingest,
               soon_days=config.check.deadline_soon_days)
        if report.ingest.matched > matched_before:
            watched_refs.add(ref.uid)


def _read_page(ref: QuestionRef, client: PoliteClient, sources: SourceSettings,
               report: SenatImportReport) -> QuestionSnapshot | None:
    """The question's page, or None when it cannot be read (reported; the CSV's state still counts)."""
    try:
        reading = read_question(ref, client, sources)
    except (FetchError, ParseError) as error:
        report.errors.append(ImportFailure(ref.uid, error.url, describe(error)))
        return None
    report.pages_fetched += 1
    return reading.snapshot


# --- the search, for older periods ----------------------------------------------------------------

def csv_first_day(today: date) -> date:
    """The first day the CSV covers: it holds the questions of the last twelve months."""
    return today - relativedelta(years=1)


def search_url(base_url: str, since: date, until: date) -> str:
    """The search of every written question published from `since` to `until`, newest first.

    Parameters as senapy (regardscitoyens) documents them (`radio=deau` with `de`/`au` as YYYYMMDD,
    `aff=ens`: with or without an answer, `tri=dd`) and as the recorded results page carries them
    (`_na`, the question's nature: QE, written).
    """
    return senat_search_url(base_url, off=0, rch="qa", de=f"{since:%Y%m%d}", au=f"{until:%Y%m%d}", radio="deau",
                            aff="ens", tri="dd", _na="QE", idNature="QE")


def _known(stored: QuestionSnapshot | None, answered: bool) -> bool:
    """A question already read from its page, whose answered state the search confirms."""
    return stored is not None and stored.text is not None and (stored.status == "answered") == answered


def search_older(db: Database, *, config: Config, client: PoliteClient, sources: SourceSettings, since: date,
                 until: date, max_pages: int, now: Now, report: SenatImportReport,
                 should_stop: StopFlag = _never) -> None:
    """Page through the Sénat search from `since` to `until`, at most `max_pages` pages, reading the
    page of each written question found that the store does not already hold as the search shows it."""
    url: str | None = search_url(sources.senat_base_url, since, until)
    visited: set[str] = set()
    done: set[str] = set()
    while url is not None and url not in visited and len(visited) < max_pages:
        visited.add(url)
        try:
            fetched = client.get(url, expect="html")
            results = parse_search_results(fetched.content, url, fetched.charset)
        except (FetchError, ParseError) as error:
            report.errors.append(ImportFailure(None, error.url, describe(error)))
            return
        report.search_pages += 1
        for hit in results.hits:
            if should_stop():
                return
            if hit.ref is None or hit.ref.uid in done:
                continue  # not a written question, or already seen on an earlier page
            done.add(hit.ref.uid)
            found = get_question(db, hit.ref.uid)
            if _known(found.snapshot if found else None, hit.answered):
                continue
            page = _read_page(hit.ref, client, sources, report)
            if page is not None:
                ingest(db, page, source="senat", url=page.url, now=now(), rules=config.follow, report=report.ingest,
                       soon_days=config.check.deadline_soon_days)
        url = results.next_url


# --- the whole import -----------------------------------------------------------------------------

def import_senat(config: Config, db: Database, client: PoliteClient, *, now: Now, since: date | None = None,
                 data: bytes | None = None, file_name: str | None = None,
                 max_pages: int = DEFAULT_MAX_PAGES, should_stop: StopFlag = _never) -> SenatImportReport:
    """Import the Sénat's CSV (fetched from `[sources.senat] csv_url`, or `data` read from `file_name`),
    then, when `since` is older than the CSV's year, the search for the period before it.

    A CSV that cannot be read raises `ParseError` before anything is stored; a fetch that fails
    raises `FetchError`. A question page or a search page that fails is reported and skipped.
    `should_stop` (the service's stop signal) ends it between two questions."""
    sources = source_settings(config)
    report = SenatImportReport(url=file_name or config.sources.senat.csv_url)
    if data is None:
        fetched = client.get(report.url, expect="csv")
        report.revalidated = fetched.revalidated
        if not fetched.revalidated:
            data = fetched.content
    if data is not None:
        csv_file = parse_senat_csv(data, report.url)  # the whole file is read before anything is stored
        report.rejected += csv_file.rejected
        import_rows(db, list(csv_file.rows), config=config, client=client, sources=sources, url=report.url, now=now,
                    since=since, watched_refs={w.ref.uid for w in watched(config, db)}, report=report,
                    should_stop=should_stop)
    first_day = csv_first_day(today_in_paris(now()))
    if since is not None and since < first_day and max_pages > 0 and not should_stop():
        search_older(db, config=config, client=client, sources=sources, since=since, until=first_day,
                     max_pages=max_pages, now=now, report=report, should_stop=should_stop)
    return report


# --- the report as JSON -------------------------------------------------------------------------

def rejected_json(row: RejectedRow) -> dict[str, Any]:
    return {"line": row.line, "column": row.column, "value": row.value, "problem": row.problem}


def report_json(report: SenatImportReport) -> dict[str, Any]:
    i = report.ingest
    return {"url": report.url, "revalidated": report.revalidated, "rows": report.rows, "skipped": report.skipped,
            "rejected": [rejected_json(r) for r in report.rejected],
            "read": i.read, "new": i.new, "changed": i.changed, "unchanged": i.unchanged, "matched": i.matched,
            "pages_fetched": report.pages_fetched, "search_pages": report.search_pages,
            "events": [event_json(e) for e in i.events],
            "errors": [{"ref": e.ref, "url": e.url, "error": e.error} for e in report.errors]}
