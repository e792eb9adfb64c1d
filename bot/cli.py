"""The `relance` command line: thin Click commands, each calling one function of the layers below.

A user's mistake or a site's failure prints one line on stderr and exits non-zero; never a traceback.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from sqlite_utils import Database

from bot.check import CycleReport
from bot.clikit import (
    EXIT_CANNOT_RUN,
    EXIT_SOURCE_FAILED,
    Context,
    now,
    one_line_errors,
    pass_context,
    print_json,
)
from bot.commands_follow import follow_group, search
from bot.commands_import import import_group
from bot.commands_web import serve
from bot.config import ConfigError, config_path
from bot.deadlines import PARIS, deadline_status, today_in_paris
from bot.doctor import Check, check_line, diagnose
from bot.health import run_source_alarms
from bot.logs import setup_logging
from bot.notify.content import item_from_event
from bot.notify.emails import SendReport, send_queued
from bot.notify.feeds import atom_feed, ical_deadlines
from bot.notify.subscriptions import confirm as confirm_token
from bot.notify.subscriptions import subscribe as subscribe_address
from bot.notify.subscriptions import unsubscribe as unsubscribe_subscriber
from bot.notify.tokens import secret_from_env
from bot.service import (
    check_once,
    failures_by_source,
    http_settings,
    mail_settings,
    notify_once,
    run_service,
    smtp_sender,
    source_settings,
)
from bot.status import SOURCE_NAMES, WatchedQuestion, local_time, render_status, select_rows, status_row
from bot.views import event_json, event_text, snapshot_json, snapshot_text, subscriber_json
from bot.watched import watched
from bot.watchlist import add_watch, remove_watch
from scrapers.http import PoliteClient
from scrapers.refs import parse_ref
from scrapers.sources import fetch_snapshot
from storage.db import database_path
from storage.questions import all_questions, get_question, list_events, recent_polls, source_health
from storage.subscribers import FREQUENCIES, list_subscribers


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Config file (default: $RELANCE_CONFIG, else ./config.toml).")
@click.version_option(package_name="relance")
@click.pass_context
def main(ctx: click.Context, config_file: Path | None) -> None:
    """relance: follow written questions of the Assemblée nationale and the Sénat."""
    ctx.obj = Context(config_path(config_file))


@main.command()
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
        click.echo(json.dumps(snapshot_json(snapshot), ensure_ascii=False, indent=2))
    else:
        click.echo(snapshot_text(snapshot))


def _report_json(report: CycleReport) -> dict[str, Any]:
    return {"checked": report.checked, "changed": report.changed, "skipped": report.skipped,
            "revalidated": report.revalidated, "events": [event_json(e) for e in report.events],
            "errors": [{"ref": e.ref, "source": e.source, "url": e.url, "error": e.error} for e in report.errors]}


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


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print {checked, events, errors} as JSON.")
@pass_context
@one_line_errors
def check(context: Context, as_json: bool) -> None:
    """Read the watched questions that are due, store what changed, print a summary.

    Exit code 0 when every question was read, 2 when some failed (named on stderr), 1 when the
    config or the database is unusable.
    """
    config = context.config
    db = context.database()
    report = check_once(config, db, now=now)
    if as_json:
        print_json(_report_json(report))
    else:
        _report_text(report)
    _failures_by_source(report)
    alarms = run_source_alarms(db, now(), config)  # the admin hears of a source that keeps failing
    for subject in [] if as_json else alarms.notices:
        click.echo(f"admin: {subject}")
    for error in alarms.errors:
        click.echo(f"relance: {error}", err=True)
    if not report.ok or alarms.errors:
        sys.exit(EXIT_SOURCE_FAILED)


@main.command()
@pass_context
@one_line_errors
def doctor(context: Context) -> None:
    """Check the config, the database, the SMTP server and each source; one line per check.

    Exit code 0 when every check is ok, 2 when one found a problem, 1 when the config cannot be read.
    Nothing is changed or sent; each source gets one GET, without retry or cache.
    """
    try:
        config = context.config
    except ConfigError as error:
        click.echo(check_line(Check("config", False, str(error), "corriger le fichier (ou donner --config PATH)")))
        sys.exit(EXIT_CANNOT_RUN)
    http = dataclasses.replace(http_settings(config), retries=0, cache_dir=None)
    problems = 0
    for found in diagnose(config, context.path, env=os.environ, database=database_path(config.storage.path),
                          http=http, sources=source_settings(config)):
        click.echo(check_line(found))
        problems += not found.ok
    if problems:
        sys.exit(EXIT_SOURCE_FAILED)


def _watched(context: Context, db: Database) -> list[WatchedQuestion]:
    entries = watched(context.config, db)
    stored = {q.ref: q for q in all_questions(db, [w.ref.uid for w in entries])}
    return [WatchedQuestion(w.ref, w.tags, stored.get(w.ref.uid)) for w in entries]


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print a list of JSON objects.")
@click.option("--overdue", is_flag=True, help="Only questions past a deadline without an answer.")
@click.option("--chamber", type=click.Choice(["an", "senat"]), help="Only one chamber.")
@click.option("--tag", help="Only questions watched with this tag.")
@pass_context
@one_line_errors
def status(context: Context, as_json: bool, overdue: bool, chamber: str | None, tag: str | None) -> None:
    """Where every watched question stands: deadline, days late or left, last check."""
    db = context.database()
    today = today_in_paris(now())
    rows = select_rows([status_row(q, today) for q in _watched(context, db)], overdue=overdue, chamber=chamber,
                       tag=tag)
    if as_json:
        print_json(rows)
    else:
        render_status(Console(width=200 if not sys.stdout.isatty() else None), rows, source_health(db))


@main.command()
@click.argument("ref")
@pass_context
@one_line_errors
def show(context: Context, ref: str) -> None:
    """The whole record of one question: texts, ministries, deadline and its rule, events, polls."""
    question = parse_ref(ref)
    db = context.database()
    stored = get_question(db, question.uid)
    if stored is None:
        raise ConfigError(context.path, "watch", f"{question.uid} has never been checked: run relance check")
    if stored.snapshot is None:
        click.echo(f"{question.uid}  ({question.label})  état inconnu : jamais lue avec succès")
    else:
        click.echo(snapshot_text(stored.snapshot))
        status_now = deadline_status(stored.snapshot, today_in_paris(now()))
        for deadline in (status_now.answer_deadline, status_now.signalement_deadline):
            if deadline is not None:
                click.echo(f"  Échéance : {deadline.date:%d/%m/%Y}, {deadline.explain_fr()}")
        if status_now.days_late:
            click.echo(f"  Retard : {status_now.days_late} jour(s)")
        elif status_now.days_left is not None:
            click.echo(f"  Jours restants : {status_now.days_left}")
    if stored.last_error:
        click.echo(f"  Dernière erreur : {stored.last_error}")
    click.echo("Historique :")
    for event in list_events(db, ref=question.uid):
        click.echo(f"  {event_text(event)}")
    click.echo("Lectures récentes :")
    for poll in recent_polls(db, question.uid):
        click.echo(f"  {local_time(poll.at)}  {poll.outcome:<9} {poll.http_status or '—'}  {poll.error or poll.url}")


@main.command()
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), help="Only events seen on or after this day.")
@click.option("--ref", "ref_text", help="Only the events of this question.")
@click.option("--json", "as_json", is_flag=True, help="Print a list of JSON objects.")
@pass_context
@one_line_errors
def events(context: Context, since: datetime | None, ref_text: str | None, as_json: bool) -> None:
    """The event log, oldest first."""
    ref = parse_ref(ref_text).uid if ref_text else None
    start = datetime.combine(since.date(), datetime.min.time(), PARIS) if since else None
    found = list_events(context.database(), since=start, ref=ref)
    if as_json:
        print_json([event_json(e) for e in found])
    else:
        for event in found:
            click.echo(event_text(event))



@main.command()
@click.argument("ref")
@click.option("--tag", "tags", multiple=True, help="A tag for this question (repeatable).")
@click.option("--note", help="A note kept with the question.")
@pass_context
@one_line_errors
def add(context: Context, ref: str, tags: tuple[str, ...], note: str | None) -> None:
    """Follow a question: add it to config.toml's watchlist (comments and layout are kept)."""
    change = add_watch(context.path, ref, tags, note)
    if change.action == "added":
        click.echo(f"{change.ref} added to {change.path}")
    elif change.written:
        click.echo(f"{change.ref} already followed: tags and note updated in {change.path}")
    else:
        click.echo(f"{change.ref} already followed: nothing to change")


@main.command()
@click.argument("ref")
@pass_context
@one_line_errors
def remove(context: Context, ref: str) -> None:
    """Stop following a question: remove it from config.toml's watchlist. Its history stays stored."""
    change = remove_watch(context.path, ref)
    click.echo(f"{change.ref} removed from {change.path}")


# --- telling people ---------------------------------------------------------------------------


@main.command()
@click.argument("email")
@click.option("--tag", "tags", multiple=True, help="Follow the questions watched with this tag (repeatable).")
@click.option("--ref", "refs", multiple=True, help="Follow this question (repeatable).")
@click.option("--frequency", type=click.Choice(list(FREQUENCIES)), default="daily", show_default=True)
@pass_context
@one_line_errors
def subscribe(context: Context, email: str, tags: tuple[str, ...], refs: tuple[str, ...], frequency: str) -> None:
    """Subscribe an address; it gets a confirmation e-mail and nothing else until it confirms."""
    config = context.config
    settings = mail_settings(config)
    db = context.database()
    result = subscribe_address(db, email, frequency=frequency, tags=tags, refs=refs, now=now(), settings=settings)
    if result.confirmation is None:
        click.echo(f"{result.subscriber.email} is already subscribed and confirmed: nothing sent")
        return
    report = SendReport()
    with smtp_sender(config) as sender:
        send_queued(db, sender, settings, now, report)
    if report.errors:
        click.echo(f"{result.subscriber.email} subscribed; the confirmation is queued and will be sent by "
                   f"`relance notify`: {report.errors[0]}", err=True)
        sys.exit(EXIT_SOURCE_FAILED)
    click.echo(f"{result.subscriber.email} subscribed ({frequency}); confirmation e-mail sent")


@main.command()
@click.argument("token")
@pass_context
@one_line_errors
def confirm(context: Context, token: str) -> None:
    """Confirm a subscription with the token of the confirmation e-mail's link."""
    subscriber = confirm_token(context.database(), token, now=now(), secret=secret_from_env())
    click.echo(f"{subscriber.email} confirmed")


@main.command()
@click.argument("token_or_email")
@pass_context
@one_line_errors
def unsubscribe(context: Context, token_or_email: str) -> None:
    """Unsubscribe, by the token of an e-mail's unsubscribe link or by the address itself."""
    secret = None if "@" in token_or_email else secret_from_env()
    subscriber = unsubscribe_subscriber(context.database(), token_or_email, now=now(), secret=secret)
    click.echo(f"{subscriber.email} unsubscribed")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print a list of JSON objects.")
@pass_context
@one_line_errors
def subscribers(context: Context, as_json: bool) -> None:
    """The subscribers, their state, frequency and what they follow."""
    found = list_subscribers(context.database())
    if as_json:
        print_json([subscriber_json(s) for s in found])
        return
    for s in found:
        follows = ", ".join(s.tags + s.refs) or "tout"
        click.echo(f"{s.email:<40} {s.state:<13} {s.frequency:<10} {follows}")
    if not found:
        click.echo("no subscribers")


@main.command()
@click.option("--dry-run", is_flag=True, help="Print the messages instead of sending them; change nothing.")
@pass_context
@one_line_errors
def notify(context: Context, dry_run: bool) -> None:
    """Send what is due: immediate notices, digests whose time has come, channel notices.

    Exit code 2 when a message could not be sent (it stays queued for the next run).
    """
    report = notify_once(context.config, context.database(), now=now, dry_run=dry_run, echo=click.echo)
    if report.email is not None:
        click.echo(f"e-mail: queued {report.email.queued}, sent {report.email.sent}, failed {report.email.failed}")
    if report.channels is not None and not dry_run:
        click.echo(f"channels: sent {report.channels.sent}, failed {report.channels.failed}")
    for error in report.errors[:10]:
        click.echo(f"relance: {error}", err=True)
    if report.errors:
        sys.exit(EXIT_SOURCE_FAILED)


@main.command()
@pass_context
@one_line_errors
def run(context: Context) -> None:
    """Run as a service: check and notify on the [schedule] until SIGTERM or SIGINT.

    Logs one line per event on stderr. One instance per database (a lock beside it): a second one
    exits with code 1. On SIGTERM or SIGINT it finishes the current question and exits 0.
    """
    config = context.config
    setup_logging(config.log.level)
    run_service(config, database_path(config.storage.path), now=now)


@main.group()
def feed() -> None:
    """Feeds to subscribe to: the events as Atom, the deadlines as iCalendar."""


@feed.command("atom")
@click.option("--tag", help="Only the questions watched with this tag.")
@pass_context
@one_line_errors
def feed_atom(context: Context, tag: str | None) -> None:
    """An Atom feed of the events, newest first, on standard output."""
    config = context.config
    db = context.database()
    refs = {w.ref.uid for w in watched(config, db) if tag is None or tag in w.tags}
    today = today_in_paris(now())
    events = [e for e in list_events(db) if e.ref in refs]
    items = [item_from_event(e, s.snapshot if (s := get_question(db, e.ref)) else None, today) for e in events]
    base = config.web.base_url
    sys.stdout.buffer.write(atom_feed(items, feed_id=f"{base}/feeds/events.atom" + (f"?tag={tag}" if tag else ""),
                                      title="relance : questions écrites suivies" + (f" ({tag})" if tag else ""),
                                      self_url=f"{base}/feeds/events.atom", updated=now()))


@feed.command("ical")
@click.option("--tag", help="Only the questions watched with this tag.")
@pass_context
@one_line_errors
def feed_ical(context: Context, tag: str | None) -> None:
    """An iCalendar file with one all-day event per deadline of the open questions."""
    db = context.database()
    watched = [q for q in _watched(context, db) if tag is None or tag in q.tags]
    sequence = {q.ref.uid: max((e.id or 0 for e in list_events(db, ref=q.ref.uid)), default=0) for q in watched}
    sys.stdout.buffer.write(ical_deadlines(watched, today=today_in_paris(now()), stamp=now(), sequence_of=sequence))


main.add_command(import_group)
main.add_command(serve)
main.add_command(follow_group)
main.add_command(search)
