"""Telling people: `relance subscribe`, `confirm`, `unsubscribe`, `subscribers`, `notify`."""

from __future__ import annotations

import sys

import click

from bot.app.json_views import subscriber_json
from bot.app.notify import notify_once, remember_server, smtputf8_offered
from bot.app.settings import mail_settings, smtp_sender
from bot.cli.kit import EXIT_SOURCE_FAILED, Context, now, one_line_errors, pass_context, print_json
from bot.notify.emails import SendReport, send_queued
from bot.notify.subscriptions import confirm as confirm_token
from bot.notify.subscriptions import subscribe as subscribe_address
from bot.notify.subscriptions import unsubscribe as unsubscribe_subscriber
from bot.notify.tokens import secret_from_env
from bot.notify.wording.tags import tag_with_name
from storage.ledger import given_up
from storage.subscribers import FREQUENCIES, list_subscribers


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
@pass_context
@one_line_errors
def subscribers(context: Context, as_json: bool) -> None:
    """The subscribers, their state, frequency and what they follow, and the messages given up
    (refused for good by their mail server too often, [email] give_up_after)."""
    db = context.database()
    found = list_subscribers(db)
    refused = given_up(db, "email")
    if as_json:
        print_json([{**subscriber_json(s), "given_up": refused[s.email].count if s.email in refused else 0}
                    for s in found])
        return
    for s in found:
        follows = ", ".join([tag_with_name(t, context.config.tag_labels) for t in s.tags] + list(s.refs)) or "tout"
        click.echo(f"{s.email:<40} {s.state:<13} {s.frequency:<10} {follows}")
        if s.email in refused:
            click.echo(f"{'':<40} given up: {_messages(refused[s.email].count)}, last refusal: "
                       f"{refused[s.email].last_error}")
    if not found:
        click.echo("no subscribers")


def _messages(n: int) -> str:
    return f"{n} message" if n == 1 else f"{n} messages"


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
