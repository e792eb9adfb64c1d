"""Telling people: `relance subscribe`, `confirm`, `unsubscribe`, `subscribers`, `notify`."""

from __future__ import annotations

import sys
from collections.abc import Mapping

import click

from bot.app.json_views import subscriber_json
from bot.app.notify import notify_once, remember_server, smtputf8_offered
from bot.app.settings import mail_settings, smtp_sender
from bot.cli.kit import EXIT_SOURCE_FAILED, Context, now, one_line_errors, pass_context, print_json
from bot.cli.table import WIDE, Cell, Column, print_lines, print_table
from bot.cli.views import ref_label
from bot.notify.emails import SendReport, send_queued
from bot.notify.subscriptions import confirm as confirm_token
from bot.notify.subscriptions import subscribe as subscribe_address
from bot.notify.subscriptions import unsubscribe as unsubscribe_subscriber
from bot.notify.tokens import secret_from_env
from bot.notify.wording import SUBSCRIBER_STATES_FR, tables
from bot.notify.wording.tables import FOLLOWS_EVERYTHING, FREQUENCY_SHORT, given_up_line
from bot.notify.wording.tags import TagLabels, tag_with_name
from storage.ledger import GivenUp, given_up
from storage.subscribers import FREQUENCIES, Subscriber, list_subscribers


@click.command()
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
    result = subscribe_address(db, email, frequency=frequency, tags=tags, refs=refs, now=now(), settings=settings,
                               smtputf8=smtputf8_offered(config, db))
    if result.confirmation is None:
        click.echo(f"{result.subscriber.email} is already subscribed and confirmed: nothing sent")
        return
    report = SendReport()
    with smtp_sender(config) as smtp:
        send_queued(db, smtp, now, report)
        remember_server(db, smtp, now())
    if report.errors:
        click.echo(f"{result.subscriber.email} subscribed; the confirmation is queued and will be sent by "
                   f"`relance notify`: {report.errors[0]}", err=True)
        sys.exit(EXIT_SOURCE_FAILED)
    click.echo(f"{result.subscriber.email} subscribed ({frequency}); confirmation e-mail sent")


@click.command()
@click.argument("token")
@pass_context
@one_line_errors
def confirm(context: Context, token: str) -> None:
    """Confirm a subscription with the token of the confirmation e-mail's link."""
    subscriber = confirm_token(context.database(), token, now=now(), secret=secret_from_env())
    click.echo(f"{subscriber.email} confirmed")


@click.command()
@click.argument("token_or_email")
@pass_context
@one_line_errors
def unsubscribe(context: Context, token_or_email: str) -> None:
    """Unsubscribe, by the token of an e-mail's unsubscribe link or by the address itself."""
    secret = None if "@" in token_or_email and "/" not in token_or_email else secret_from_env()
    subscriber = unsubscribe_subscriber(context.database(), token_or_email, now=now(), secret=secret)
    click.echo(f"{subscriber.email} unsubscribed")


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print a list of JSON objects.")
@WIDE
@pass_context
@one_line_errors
def subscribers(context: Context, as_json: bool, wide: bool) -> None:
    """The subscribers, their state, frequency and what they follow, and the messages given up
    (refused for good by their mail server too often, [email] give_up_after): a table, then one line
    per address whose messages were given up."""
    db = context.database()
    found = list_subscribers(db)
    refused = given_up(db, "email")
    if as_json:
        print_json([{**subscriber_json(s), "given_up": refused[s.email].count if s.email in refused else 0}
                    for s in found])
        return
    labels = context.config.tag_labels
    print_table(SUBSCRIBER_COLUMNS, [_subscriber_cells(s, labels, refused) for s in found], wide=wide)
    print_lines([f"{email} : {given_up_line(refused[email].count, refused[email].last_error or '?')}"
                 for email in (s.email for s in found) if email in refused], wide=wide)
    if not found:
        print_lines([tables.NO_SUBSCRIBERS], wide=wide)


SUBSCRIBER_COLUMNS = (Column(tables.EMAIL, 1), Column(tables.SUBSCRIBER_STATE, 2, "words"),
                      Column(tables.FREQUENCY, 3), Column(tables.FOLLOWS, 4, "text", min_width=16),
                      Column(tables.GIVEN_UP, 5, justify="right"))


def _subscriber_cells(s: Subscriber, labels: TagLabels, refused: Mapping[str, GivenUp]) -> list[str | Cell]:
    """An address, its state and frequency in words, what it follows (tags by their label, questions by
    theirs), how many of its messages were given up."""
    follows = [tag_with_name(t, labels) for t in s.tags] + [ref_label(ref) for ref in s.refs]
    return [s.email, SUBSCRIBER_STATES_FR.get(s.state, s.state), FREQUENCY_SHORT.get(s.frequency, s.frequency),
            ", ".join(follows) or FOLLOWS_EVERYTHING, str(refused[s.email].count if s.email in refused else 0)]


@click.command()
@click.option("--dry-run", is_flag=True, help="Print the messages instead of sending them; change nothing.")
@pass_context
@one_line_errors
def notify(context: Context, dry_run: bool) -> None:
    """Send what is due: immediate notices, digests whose time has come, channel notices.

    Exit code 2 when a message could not be sent (it stays queued for the next run).
    """
    report = notify_once(context.config, context.database(), now=now, dry_run=dry_run, echo=click.echo)
    if report.email is not None:
        given_up = f", given up {report.email.given_up}" if report.email.given_up else ""
        click.echo(f"e-mail: queued {report.email.queued}, sent {report.email.sent}, failed {report.email.failed}"
                   f"{given_up}")
    if report.channels is not None and not dry_run:
        click.echo(f"channels: sent {report.channels.sent}, failed {report.channels.failed}")
    for error in report.errors[:10]:
        click.echo(f"relance: {error}", err=True)
    if report.errors:
        sys.exit(EXIT_SOURCE_FAILED)
