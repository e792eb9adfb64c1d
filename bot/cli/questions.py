"""Following questions: `relance fetch`, `check`, `status`, `show`, `events`, `add`, `remove`."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Any

import click

from bot.app.check import CycleReport, check_once, failures_by_source, probe_question
from bot.app.exclusions import readmit, remove_question
from bot.app.health import run_source_alarms
from bot.app.json_views import UnknownQuestion, event_json, show_json, snapshot_json
from bot.app.questions import WATCHED_ORDER, Filters, WatchedView
from bot.app.settings import http_settings, source_settings
from bot.app.stats import rows_csv, status_keys
from bot.app.watchlist import add_watch
from bot.cli.kit import DAY, EXIT_SOURCE_FAILED, Context, now, one_line_errors, pass_context, print_json
from bot.cli.table import WIDE, print_lines
from bot.cli.views import event_text, render_events, render_status, rows_json, snapshot_text
from bot.core.deadlines import PARIS, deadline_status, today_in_paris
from bot.notify.wording import (
    MISSING_REASON,
    SOURCE_NAMES,
    added_but_missing,
    added_but_unverified,
    events_since_heading,
    late_question_advice,
    local_time,
    missing_question_line,
    short_date,
)
from bot.notify.wording.notes import (
    excluded_from,
    exclusion_lifted,
    no_longer_watched,
    notes_block,
    watch_removed,
)
from scrapers.http import PoliteClient
from scrapers.refs import parse_ref
from scrapers.sources import fetch_snapshot
from storage.notes import list_notes
from storage.questions import get_question, list_events, recent_polls, source_health


@click.command()
@click.argument("ref")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@pass_context
@one_line_errors
def fetch(context: Context, ref: str, as_json: bool) -> None:
    """Fetch one question now and print its state (no database is touched).

    REF is any form of reference: an AN or Sénat URL, QANR5L17QE5268, 'AN 17-5268', SEQ221103705.
    """
    question = parse_ref(ref)
    config = context.config
    with PoliteClient(http_settings(config)) as client:
        snapshot = fetch_snapshot(question, client, source_settings(config))
    if as_json:
        print_json(snapshot_json(snapshot))
    else:
        click.echo(snapshot_text(snapshot))


def _report_json(report: CycleReport) -> dict[str, Any]:
    return {"checked": report.checked, "changed": report.changed, "skipped": report.skipped,
            "revalidated": report.revalidated, "events": [event_json(e) for e in report.events],
            "errors": [{"ref": e.ref, "source": e.source, "url": e.url, "error": e.error} for e in report.errors],
            "missing": [{"ref": m.ref, "source": m.source, "url": m.url, "error": m.error, "reason": MISSING_REASON}
                        for m in report.missing]}


def _report_text(report: CycleReport) -> None:
    click.echo(f"checked {report.checked}, changed {report.changed}, events {len(report.events)}, "
               f"errors {len(report.errors)}, not due {report.skipped}")
    for event in report.events:
        click.echo(f"  {event_text(event)}")


def _failures_by_source(report: CycleReport) -> None:
    """One line per failing source on stderr, naming the questions it failed on."""
    for source, failures in failures_by_source(report).items():
        refs = [f.ref for f in failures]
        shown = ", ".join(refs[:5]) + (f" and {len(refs) - 5} more" if len(refs) > 5 else "")
        click.echo(f"relance: {SOURCE_NAMES.get(source, source)}: {len(refs)} question(s) not read ({shown}): "
                   f"{failures[0].error}", err=True)


def _missing(report: CycleReport) -> None:
    """One warning per question its site does not have (404, 410): the question's problem, not the site's."""
    for missing in report.missing:
        click.echo(f"relance: warning: {missing_question_line(missing.ref)} ({missing.url})", err=True)


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print {checked, events, errors} as JSON.")
@pass_context
@one_line_errors
def check(context: Context, as_json: bool) -> None:
    """Read the watched questions that are due, store what changed, print a summary.

    Exit code 0 when every question was read, 2 when some failed (named on stderr), 1 when the
    config or the database is unusable. A question the site does not have (404) is a warning on
    stderr, read again a day later, and leaves the exit code at 0.
    """
    config = context.config
    db = context.database()
    report = check_once(config, db, now=now)
    if as_json:
        print_json(_report_json(report))
    else:
        _report_text(report)
    _failures_by_source(report)
    _missing(report)
    alarms = run_source_alarms(db, now(), config)  # the admin hears of a source that keeps failing
    for subject in [] if as_json else alarms.notices:
        click.echo(f"admin: {subject}")
    for error in alarms.errors:
        click.echo(f"relance: {error}", err=True)
    if not report.ok or alarms.errors:
        sys.exit(EXIT_SOURCE_FAILED)


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print a list of JSON objects.")
@click.option("--overdue", is_flag=True, help="Only questions past a deadline without an answer.")
@click.option("--chamber", type=click.Choice(["an", "senat"]), help="Only one chamber.")
@click.option("--tag", help="Only questions watched with this tag.")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV with the JSON keys as columns.")
@WIDE
@pass_context
@one_line_errors
def status(context: Context, as_json: bool, overdue: bool, chamber: str | None, tag: str | None, *,
           as_csv: bool, wide: bool) -> None:
    """Where every watched question stands: deadline, days late or left, title, ministry, last check.

    The table fits the terminal (80 columns when the output is not one, or $COLUMNS): only titles,
    ministries and authors wrap, and the columns that do not fit are left out, the last kept being
    the reference, the state, the deadline, the delay, the title, the ministry (abridged)."""
    if as_json and as_csv:
        raise click.UsageError("--json and --csv: choose one")
    db = context.database()
    today = today_in_paris(now())
    rows = WatchedView(context.config, db, today).rows(Filters(chamber=chamber, tag=tag, overdue=overdue,
                                                               sort=WATCHED_ORDER))
    if as_json:
        click.echo(rows_json(rows))  # the text print_json writes, sooner
    elif as_csv:
        click.echo(rows_csv(rows, status_keys()), nl=False)
    else:
        render_status(rows, source_health(db), wide=wide)


@click.command()
@click.argument("ref")
@click.option("--json", "as_json", is_flag=True,
              help="Print one JSON object: the keys of status --json, plus group, text, answer, attributions, history.")
@pass_context
@one_line_errors
def show(context: Context, ref: str, as_json: bool) -> None:
    """The whole record of one question: its texts whole (paged on a terminal), ministries, each
    deadline and its rule, what to do when it is late, events, polls.

    Any stored question, watched or not (found by a rule, imported); exit code 1 for one relance does
    not hold."""
    question = parse_ref(ref)
    db = context.database()
    if as_json:
        print_json(show_json(context.config, db, question, today_in_paris(now())))
        return
    stored = get_question(db, question.uid)
    if stored is None:
        raise UnknownQuestion(question.uid, question.label)
    lines: list[str] = []
    if stored.snapshot is None:
        lines.append(f"{question.uid}  ({question.label})  état inconnu : jamais lue avec succès")
    else:
        lines.append(snapshot_text(stored.snapshot, full=True))
        status_now = deadline_status(stored.snapshot, today_in_paris(now()))
        for deadline in (status_now.answer_deadline, status_now.signalement_deadline):
            if deadline is not None:
                lines.append(f"  Échéance : {short_date(deadline.date)}, {deadline.explain_fr()}")
        if status_now.days_late:
            lines.append(f"  Retard : {status_now.days_late} jour(s)")
        elif status_now.days_left is not None:
            lines.append(f"  Jours restants : {status_now.days_left}")
        late_now = stored.snapshot.status == "pending" and (status_now.overdue or status_now.signaled_overdue)
        advice = late_question_advice(stored.snapshot.chamber, signaled_overdue=status_now.signaled_overdue)
        if late_now and advice:
            lines.append(f"  {advice}")
    if stored.missing:
        lines.append(f"  {missing_question_line('Dernière lecture')} ({stored.last_error})")
    elif stored.last_error:
        lines.append(f"  Dernière erreur : {stored.last_error}")
    lines.append("Historique :")
    lines += [f"  {event_text(event)}" for event in list_events(db, ref=question.uid)]
    lines += notes_block([(n.number, n.at, n.text) for n in list_notes(db, question.uid)])
    lines.append("Lectures récentes :")
    lines += [f"  {local_time(poll.at)}  {poll.outcome:<9} {poll.http_status or '—'}  {poll.error or poll.url}"
              for poll in recent_polls(db, question.uid)]
    text = "\n".join(lines)
    # The whole texts can be long: paged on a terminal (less, or $PAGER), printed as is otherwise.
    if sys.stdout.isatty():
        click.echo_via_pager(text + "\n")
    else:
        click.echo(text)


@click.command()
@click.option("--since", type=DAY, help="Only events relance saw on or after this day (YYYY-MM-DD or DD/MM/YYYY).")
@click.option("--ref", "ref_text", help="Only the events of this question.")
@click.option("--json", "as_json", is_flag=True, help="Print a list of JSON objects.")
@WIDE
@pass_context
@one_line_errors
def events(context: Context, since: datetime | None, ref_text: str | None, as_json: bool, wide: bool) -> None:
    """The event log, oldest first: a table of each event's official date (JO, answer, deadline), its
    question, what happened, and the day relance saw it, which is what --since filters on."""
    ref = parse_ref(ref_text).uid if ref_text else None
    start = datetime.combine(since.date(), datetime.min.time(), PARIS) if since else None
    found = list_events(context.database(), since=start, ref=ref)
    if as_json:
        print_json([event_json(e) for e in found])
    else:
        if since:
            print_lines([events_since_heading(since.date())], wide=wide)
        render_events(found, wide=wide)



@click.command()
@click.argument("ref")
@click.option("--tag", "tags", multiple=True, help="A tag for this question (repeatable).")
@click.option("--note", help="A note kept with the question.")
@pass_context
@one_line_errors
def add(context: Context, ref: str, tags: tuple[str, ...], note: str | None) -> None:
    """Follow a question: add it to config.toml's watchlist (comments and layout are kept).

    A question just added is read once: a warning says when its site does not have it (404) or could
    not be read; it is followed all the same.
    """
    change = add_watch(context.path, ref, tags, note)
    readmitted = readmit(context.path, context.database, change.ref, now())  # a rule's exclusion is lifted
    if readmitted.rules:
        click.echo(exclusion_lifted(change.ref, readmitted.rules, str(change.path)))
    if change.action == "added":
        click.echo(f"{change.ref} added to {change.path}")
        # One polite read now: a mistyped number is told at once, but still followed (the site may be late).
        probe = probe_question(context.config, parse_ref(change.ref))
        if probe.outcome == "missing":
            click.echo(f"relance: warning: {added_but_missing(change.ref)}", err=True)
        elif probe.outcome == "unverified":
            click.echo(f"relance: warning: {added_but_unverified(change.ref, probe.error or '?')}", err=True)
    elif change.written:
        click.echo(f"{change.ref} already followed: tags and note updated in {change.path}")
    else:
        click.echo(f"{change.ref} already followed: nothing to change")


@click.command()
@click.argument("ref")
@pass_context
@one_line_errors
def remove(context: Context, ref: str) -> None:
    """Stop following a question: remove it from config.toml's watchlist; a question a follow rule found
    is excluded from that rule (its `exclude` list), which never finds it again (relance add undoes it).
    Its history stays stored."""
    change = remove_question(context.path, context.database, ref)
    if change.unwatched:
        click.echo(watch_removed(change.ref, str(change.path)))
    if change.rules:
        click.echo(excluded_from(change.ref, change.rules, str(change.path)))
    click.echo(no_longer_watched(change.ref))
