"""`relance import actors|an|senat`: the chambers' open data in bulk (thin commands over
`bot.app.import_actors`, `bot.app.import_an` and `bot.app.import_senat`)."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click

from bot.app.discovery import an_summary, record_import, senat_summary
from bot.app.import_actors import ActorsReport, import_actors
from bot.app.import_actors import report_json as actors_report_json
from bot.app.import_an import SOURCE as AN_ARCHIVE
from bot.app.import_an import ArchiveOutcome, ImportReport, import_an
from bot.app.import_an import report_json as an_report_json
from bot.app.import_senat import DEFAULT_MAX_PAGES, SenatImportReport, import_senat
from bot.app.import_senat import SOURCE as SENAT_CSV
from bot.app.import_senat import report_json as senat_report_json
from bot.app.senat_rappel import RappelReport, import_rappel
from bot.app.senat_rappel import report_json as rappel_report_json
from bot.app.settings import http_settings
from bot.cli.kit import (
    DAY,
    EXIT_CANNOT_RUN,
    EXIT_SOURCE_FAILED,
    Context,
    now,
    one_line_errors,
    pass_context,
    print_json,
)
from bot.cli.views import event_text
from bot.notify.wording.actors import actors_file_line, actors_summary
from scrapers.http import PoliteClient


@click.group("import")
def import_group() -> None:
    """Import the chambers' open data in bulk: every question becomes a stored snapshot."""


def _archive_line(a: ArchiveOutcome, stopped: bool) -> str:
    name = f"AN {a.legislature}" if a.legislature is not None else a.path
    if a.error:
        return f"{name}: not imported: {a.error}"
    how = {"downloaded": f"downloaded ({a.bytes / 1e6:.1f} MB)",
           "resumed": f"download resumed and completed ({a.bytes / 1e6:.1f} MB)",
           "not_modified": "unchanged on the server (HTTP 304), nothing downloaded",
           "file": f"read from the file ({a.bytes / 1e6:.1f} MB)"}[a.fetched]
    done = f"{a.questions} questions, imported" if a.imported else (
        "stopped before the end" if stopped else "imported already, nothing imported")
    return f"{name}: {how}; {done}"


SHOWN = 20  # errors and events listed in the text summary; --json lists them all


def _an_report_text(report: ImportReport) -> None:
    for archive in report.archives:
        click.echo(_archive_line(archive, report.stopped))
    unopened = f" ({report.unopened} files not reopened)" if report.unopened else ""
    click.echo(f"read {report.read}, new {report.new}, changed {report.changed}, unchanged {report.unchanged}"
               f"{unopened}, matched {report.matched}, behind {report.behind}, errors {len(report.errors)}, "
               f"events {sum(report.events.values())}, {report.seconds:.1f} s")
    for event in report.listed[:SHOWN]:
        click.echo(f"  {event_text(event)}")
    if len(report.listed) > SHOWN:
        click.echo(f"  … and {len(report.listed) - SHOWN} more events (relance events)")


@import_group.command("an")
@click.option("--legislature", type=click.IntRange(1, 30),
              help="Import this legislature's archive (default: those of [sources.an] legislatures).")
@click.option("--file", "file", type=click.Path(dir_okay=False, path_type=Path),
              help="Import this local zip instead of downloading.")
@click.option("--again", is_flag=True,
              help="Read every question of the archive again, even if unchanged since the last import.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary, events and errors as one JSON object.")
@pass_context
@one_line_errors
def an(context: Context, legislature: int | None, file: Path | None, again: bool, as_json: bool) -> None:
    """Import the AN's archive of written questions: every question becomes a stored snapshot.

    The archive (one per legislature, 50 to 130 MB) is downloaded to [http] cache_dir, resumed if
    interrupted, and not downloaded again while it is unchanged. Exit code 0 when everything was
    read, 2 when an archive or some question in it could not be read (named on stderr), 1 when the
    config, the database or the --file is unusable.
    """
    config = context.config
    if file is not None and legislature is not None:
        click.echo("relance: --file and --legislature do not go together: the file's questions name "
                   "their legislature", err=True)
        sys.exit(EXIT_CANNOT_RUN)
    if file is not None and not file.is_file():
        click.echo(f"relance: --file {file}: no such file", err=True)
        sys.exit(EXIT_CANNOT_RUN)
    db = context.database()
    legislatures = [legislature] if legislature else None
    report = import_an(config, db, now=now, legislatures=legislatures, file=file, again=again)
    if file is None and not report.stopped:  # the AN's own archives, read: as the daily job records them
        record_import(config, db, AN_ARCHIVE, an_summary(report), now(), legislatures=legislatures)
    if as_json:
        print_json(an_report_json(report))
    else:
        _an_report_text(report)
    for archive in report.archives:
        if archive.error:
            click.echo(f"relance: AN archive {archive.source}: {archive.error}", err=True)
    for error in report.errors[:SHOWN]:
        click.echo(f"relance: {error.member}: {error.error}", err=True)
    if len(report.errors) > SHOWN:
        click.echo(f"relance: … and {len(report.errors) - SHOWN} more questions not read (--json lists them)",
                   err=True)
    if not report.ok:
        sys.exit(EXIT_SOURCE_FAILED)


def _actors_report_text(report: ActorsReport) -> None:
    for f in report.files:
        what = f"AMO AN {f.legislature}" if f.legislature is not None else f.path
        click.echo(actors_file_line(what, f.fetched, f.bytes, imported=f.imported, stopped=report.stopped,
                                    error=f.error))
    click.echo(actors_summary(actors=report.actors, mandates=report.mandates, bodies=report.bodies,
                              skipped=report.skipped, unreadable=len(report.errors), renamed=report.renamed,
                              matched=report.matched))
    for event in report.events[:SHOWN]:
        click.echo(f"  {event_text(event)}")


@import_group.command("actors")
@click.option("--legislature", type=click.IntRange(1, 30),
              help="Import this legislature's file (default: those of [sources.an] legislatures).")
@click.option("--file", "file", type=click.Path(dir_okay=False, path_type=Path),
              help="Import this local AMO zip instead of downloading [sources.an] actors_url.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary, events and errors as one JSON object.")
@pass_context
@one_line_errors
def actors(context: Context, legislature: int | None, file: Path | None, as_json: bool) -> None:
    """Import the AN's open data of deputies, senators and ministers (AMO) and name the AN's authors.

    Actors, their dated mandates and the bodies (groups, ministries) are stored; then every stored AN
    question is named again: its author as the AN writes the name, and the group they were in on the
    question's publication date. Exit code 0 when everything was read, 2 when a file or some member of
    it could not be read (named on stderr), 1 when the config, the database or the --file is unusable.
    """
    if file is not None and legislature is not None:
        click.echo("relance: --file and --legislature do not go together: give one or the other", err=True)
        sys.exit(EXIT_CANNOT_RUN)
    if file is not None and not file.is_file():
        click.echo(f"relance: --file {file}: no such file", err=True)
        sys.exit(EXIT_CANNOT_RUN)
    report = import_actors(context.config, context.database(), now=now,
                           legislatures=[legislature] if legislature else None, file=file)
    if as_json:
        print_json(actors_report_json(report))
    else:
        _actors_report_text(report)
    for f in report.files:
        if f.error:
            click.echo(f"relance: AMO {f.source}: {f.error}", err=True)
    for error in report.errors[:SHOWN]:
        click.echo(f"relance: {error.member}: {error.error}", err=True)
    if len(report.errors) > SHOWN:
        click.echo(f"relance: … and {len(report.errors) - SHOWN} more members not read (--json lists them)", err=True)
    if not report.ok:
        sys.exit(EXIT_SOURCE_FAILED)


def _senat_report_text(report: SenatImportReport) -> None:
    i = report.ingest
    if report.revalidated:
        click.echo(f"{report.url}: unchanged since the last import (HTTP 304), nothing parsed")
    rejected = f"rows rejected {len(report.rejected)} (not imported, listed on stderr), " if report.rejected else ""
    click.echo(f"rows {report.rows}, {rejected}new {i.new}, changed {i.changed}, unchanged {i.unchanged}, "
               f"matched {i.matched}, pages fetched {report.pages_fetched}, search pages {report.search_pages}, "
               f"errors {len(report.errors)}")
    # A first import sees every question for the first time: their `published` events are counted in
    # `new`, the other events are listed.
    for event in i.events:
        if event.kind != "published":
            click.echo(f"  {event_text(event)}")


def _rappel_report_text(report: RappelReport) -> None:
    i = report.imported.ingest
    same = " (unchanged since the last reading, HTTP 304: compared again)" if report.revalidated else ""
    rejected = f", rows rejected {len(report.rejected)} (listed on stderr)" if report.rejected else ""
    click.echo(f"{report.url}: liste de rappel{same}: {report.listed} written questions listed, "
               f"{report.skipped} rows of other kinds{rejected}")
    click.echo(f"not held before, imported: new {i.new}, matched {i.matched}, pages fetched "
               f"{report.imported.pages_fetched}, errors {len(report.imported.errors)}")
    click.echo(f"disagreements {len(report.disagreements)} (new {len(report.new)}), admin notices queued "
               f"{report.notices}, sent {report.alarm.sent}")
    new = {e.id for e in report.new}
    for event in report.disagreements:
        click.echo(f"  {'new ' if event.id in new else ''}{event_text(event)}")


def _rappel(context: Context, data: bytes | None, file: Path | None, as_json: bool) -> None:
    config = context.config
    db = context.database()
    with PoliteClient(http_settings(config)) as client:
        report = import_rappel(config, db, client, now=now, data=data, file_name=str(file) if file else None)
    if as_json:
        print_json(rappel_report_json(report))
    else:
        _rappel_report_text(report)
    for row in report.rejected:
        click.echo(f"relance: Sénat: {report.url}: row rejected, not compared: {row}", err=True)
    for failure in report.imported.errors:
        click.echo(f"relance: Sénat: {failure.ref or 'search'} not read: {failure.error}", err=True)
    for error in report.alarm.errors:
        click.echo(f"relance: {error}", err=True)
    if not report.ok:
        sys.exit(EXIT_SOURCE_FAILED)


@import_group.command("senat")
@click.option("--rappel", is_flag=True,
              help="Read the Sénat's liste de rappel export (--file, or [sources.senat] rappel_url) and report "
                   "where it disagrees with relance.")
@click.option("--since", type=DAY,
              help="Only questions published on or after this day; before the CSV's year, the search is paged too.")
@click.option("--file", "file", type=click.Path(dir_okay=False, path_type=Path),
              help="Read this CSV file instead of downloading [sources.senat] csv_url.")
@click.option("--max-pages", type=click.IntRange(min=0), default=DEFAULT_MAX_PAGES, show_default=True,
              help="At most this many search result pages for the period before the CSV's year.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary, events and errors as one JSON object.")
@pass_context
@one_line_errors
def senat(context: Context, *, rappel: bool, since: datetime | None, file: Path | None, max_pages: int,
          as_json: bool) -> None:
    """Import the Sénat's open data: every question of the last twelve months (one daily CSV).

    With --rappel, read the Sénat's liste de rappel instead (questions unanswered after two months) and
    report every disagreement with relance's view (a finding, not a failure: exit code 0); the
    questions relance does not hold are imported.

    A row whose value cannot be read is rejected (its line, column and value on stderr) and the
    other rows are imported; a header lacking a required column refuses the whole file.
    Exit code 0 when everything was read, 2 when the CSV, some row of it or some page could not be
    read (named on stderr; the rest is imported), 1 when the config, the database or the --file is unusable.
    """
    config = context.config
    data = None
    if file is not None:
        try:
            data = file.read_bytes()
        except OSError as error:
            click.echo(f"relance: --file {file}: {error.strerror or error}", err=True)
            sys.exit(EXIT_CANNOT_RUN)
    if rappel:
        if since is not None or click.get_current_context().get_parameter_source("max_pages") is not \
                click.core.ParameterSource.DEFAULT:
            click.echo("relance: --rappel reads the whole liste de rappel: --since and --max-pages do not apply",
                       err=True)
            sys.exit(EXIT_CANNOT_RUN)
        return _rappel(context, data, file, as_json)
    db = context.database()
    with PoliteClient(http_settings(config)) as client:
        report = import_senat(config, db, client, now=now, since=since.date() if since else None, data=data,
                              file_name=str(file) if file else None, max_pages=max_pages)
    if file is None:  # the Sénat's own CSV, read: as the daily job records it
        record_import(config, db, SENAT_CSV, senat_summary(report), now())
    if as_json:
        print_json(senat_report_json(report))
    else:
        _senat_report_text(report)
    for row in report.rejected:
        click.echo(f"relance: Sénat: {report.url}: row rejected, not imported: {row}", err=True)
    for failure in report.errors:
        click.echo(f"relance: Sénat: {failure.ref or 'search'} not read: {failure.error}", err=True)
    if not report.ok:
        sys.exit(EXIT_SOURCE_FAILED)
