"""Telling people: `relance subscribe`, `confirm`, `unsubscribe`, `subscribers`, `notify`."""

from __future__ import annotations

import sys
from collections.abc import Mapping

import click

from bot.app.json_views import subscriber_json
from bot.app.notify import notify_once, remember_server, smtputf8_offered
from bot.app.settings import mail_settings, smtp_sender
from bot.cli.kit import EXIT_SOURCE_FAILED, Context, now, one_line_errors, pass_context, print_json
from bot.cli.table import WIDE, Cell, Column, print_lines, print_table, read_titles
from bot.cli.views import ref_label
from bot.notify.emails import SendReport, send_queued
from bot.notify.i18n import _
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
@click.option("--tag", "tags", multiple=True, help="Suivre les questions suivies avec ce thème (répétable).")
@click.option("--ref", "refs", multiple=True, help="Suivre cette question (répétable).")
@click.option("--frequency", type=click.Choice(list(FREQUENCIES)), default="daily", show_default=True,
              help="Quand écrire : à chaque nouvelle (immediate), un résumé par jour (daily) ou par semaine (weekly).")
@pass_context
@one_line_errors
def subscribe(context: Context, email: str, tags: tuple[str, ...], refs: tuple[str, ...], frequency: str) -> None:
    """Abonner une adresse ; elle reçoit un e-mail de confirmation et rien d'autre jusqu'à ce qu'elle confirme."""
    config = context.config
    settings = mail_settings(config)
    db = context.database()
    result = subscribe_address(db, email, frequency=frequency, tags=tags, refs=refs, now=now(), settings=settings,
                               smtputf8=smtputf8_offered(config, db))
    if result.confirmation is None:
        click.echo(_("{email} est déjà abonnée et confirmée : rien d'envoyé", email=result.subscriber.email))
        return
    report = SendReport()
    with smtp_sender(config) as smtp:
        send_queued(db, smtp, now, report)
        remember_server(db, smtp, now())
    if report.errors:
        click.echo(_("{email} abonnée ; la confirmation est en file et sera envoyée par `relance notify` : {error}",
                     email=result.subscriber.email, error=report.errors[0]), err=True)
        sys.exit(EXIT_SOURCE_FAILED)
    click.echo(_("{email} abonnée ({frequency}) ; e-mail de confirmation envoyé", email=result.subscriber.email,
                 frequency=frequency))


@click.command()
@click.argument("token")
@pass_context
@one_line_errors
def confirm(context: Context, token: str) -> None:
    """Confirmer un abonnement avec le jeton du lien de l'e-mail de confirmation."""
    subscriber = confirm_token(context.database(), token, now=now(), secret=secret_from_env())
    click.echo(_("{email} confirmée", email=subscriber.email))


@click.command()
@click.argument("token_or_email")
@pass_context
@one_line_errors
def unsubscribe(context: Context, token_or_email: str) -> None:
    """Désabonner, par le jeton du lien de désabonnement d'un e-mail ou par l'adresse elle-même."""
    secret = None if "@" in token_or_email and "/" not in token_or_email else secret_from_env()
    subscriber = unsubscribe_subscriber(context.database(), token_or_email, now=now(), secret=secret)
    click.echo(_("{email} désabonnée", email=subscriber.email))


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Afficher une liste d'objets JSON.")
@WIDE
@pass_context
@one_line_errors
def subscribers(context: Context, as_json: bool, wide: bool) -> None:
    """Les abonnés, leur état, leur fréquence et ce qu'ils suivent, et les messages abandonnés (refusés
    pour de bon trop souvent par leur serveur de messagerie, [email] give_up_after) : un tableau, puis
    une ligne par adresse dont des messages ont été abandonnés."""
    db = context.database()
    found = list_subscribers(db)
    refused = given_up(db, "email")
    if as_json:
        print_json([{**subscriber_json(s), "given_up": refused[s.email].count if s.email in refused else 0}
                    for s in found])
        return
    labels = context.config.tag_labels
    print_table(read_titles(SUBSCRIBER_COLUMNS), [_subscriber_cells(s, labels, refused) for s in found], wide=wide)
    print_lines([f"{email} : {given_up_line(refused[email].count, refused[email].last_error or '?')}"
                 for email in (s.email for s in found) if email in refused], wide=wide)
    if not found:
        print_lines([_(tables.NO_SUBSCRIBERS)], wide=wide)


SUBSCRIBER_COLUMNS = (Column(tables.EMAIL, 1), Column(tables.SUBSCRIBER_STATE, 2, "words"),
                      Column(tables.FREQUENCY, 3), Column(tables.FOLLOWS, 4, "text", min_width=16),
                      Column(tables.GIVEN_UP, 5, justify="right"))


def _subscriber_cells(s: Subscriber, labels: TagLabels, refused: Mapping[str, GivenUp]) -> list[str | Cell]:
    """An address, its state and frequency in words, what it follows (tags by their label, questions by
    theirs), how many of its messages were given up."""
    follows = [tag_with_name(t, labels) for t in s.tags] + [ref_label(ref) for ref in s.refs]
    return [s.email, SUBSCRIBER_STATES_FR.get(s.state, s.state), FREQUENCY_SHORT.get(s.frequency, s.frequency),
            ", ".join(follows) or _(FOLLOWS_EVERYTHING), str(refused[s.email].count if s.email in refused else 0)]


@click.command()
@click.option("--dry-run", is_flag=True, help="Afficher les messages au lieu de les envoyer ; ne rien changer.")
@pass_context
@one_line_errors
def notify(context: Context, dry_run: bool) -> None:
    """Envoyer ce qui est dû : les avis immédiats, les résumés dont l'heure est venue, les avis des canaux.

    Code de sortie 2 quand un message n'a pas pu être envoyé (il reste en file pour la fois suivante).
    """
    report = notify_once(context.config, context.database(), now=now, dry_run=dry_run, echo=click.echo)
    if report.email is not None:
        given_up = _(", abandonnés {n}", n=report.email.given_up) if report.email.given_up else ""
        click.echo(_("e-mail : en file {queued}, envoyés {sent}, en échec {failed}{given_up}",
                     queued=report.email.queued, sent=report.email.sent, failed=report.email.failed,
                     given_up=given_up))
    if report.channels is not None and not dry_run:
        click.echo(_("canaux : envoyés {sent}, en échec {failed}", sent=report.channels.sent,
                     failed=report.channels.failed))
    for error in report.errors[:10]:
        click.echo(f"relance: {error}", err=True)
    if report.errors:
        sys.exit(EXIT_SOURCE_FAILED)
