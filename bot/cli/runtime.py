"""Running relance: `relance doctor`, `relance run` (the scheduler) and `relance serve` (the web).

`run` and `serve` start what `bot.main` wired into the context (`Runtime`), so the command line never
imports the scheduler or the web, and neither of them imports the command line."""

from __future__ import annotations

import dataclasses
import os
import sys

import click

from bot.app.config import ConfigError
from bot.app.doctor import Check, check_line, diagnose
from bot.app.settings import http_settings, source_settings
from bot.cli.kit import EXIT_CANNOT_RUN, EXIT_SOURCE_FAILED, Context, one_line_errors, pass_context
from bot.notify.i18n import _
from storage.db import database_path


@click.command()
@pass_context
@one_line_errors
def doctor(context: Context) -> None:
    """Vérifier la configuration, la base, le serveur SMTP et chaque source ; une ligne par vérification.

    Code de sortie 0 quand chaque vérification est bonne, 2 quand l'une trouve un problème, 1 quand la
    configuration ne peut pas être lue. Rien n'est modifié ni envoyé ; chaque source reçoit un GET, sans
    nouvel essai ni cache.
    """
    try:
        config = context.config
    except ConfigError as error:
        click.echo(check_line(Check("config", False, str(error), _("corriger le fichier (ou donner --config PATH)"))))
        sys.exit(EXIT_CANNOT_RUN)
    http = dataclasses.replace(http_settings(config), retries=0, cache_dir=None)
    problems = 0
    for found in diagnose(config, context.path, env=os.environ, database=database_path(config.storage.path),
                          http=http, sources=source_settings(config)):
        click.echo(check_line(found))
        problems += not found.ok
    if problems:
        sys.exit(EXIT_SOURCE_FAILED)


@click.command()
@pass_context
@one_line_errors
def run(context: Context) -> None:
    """Tourner en service : vérifier et notifier selon [schedule] jusqu'à SIGTERM ou SIGINT.

    Écrit une ligne par événement sur stderr. Une instance par base (un verrou à côté) : une seconde
    s'arrête avec le code 1. Sur SIGTERM ou SIGINT, elle finit la question en cours et sort avec 0.
    """
    context.runtime.run(context.path, context.config)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Adresse d'écoute.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535), help="Port d'écoute.")
@click.option("--threads", type=click.IntRange(1, 64), help="Fils de travail.  [par défaut : [web] threads, 4]")
@click.option("--trusted-proxy", metavar="ADDRESS",
              help="L'adresse du proxy inverse : ses X-Forwarded-For, -Proto et -Host sont alors crus "
                   "(l'adresse du client, sur laquelle comptent les limites de débit).")
@pass_context
@one_line_errors
def serve(context: Context, host: str, port: int, threads: int | None, trusted_proxy: str | None) -> None:
    """Servir l'interface web : pages des abonnés, pages publiques, flux et API JSON.

    Demande RELANCE_SECRET (il signe les liens des e-mails et le cookie des formulaires). Les liens des
    pages, des flux et des e-mails commencent par [web] base_url. S'arrête proprement sur SIGTERM ou Ctrl-C.
    """
    context.runtime.serve(context.path, context.config, host=host, port=port, threads=threads,
                          trusted_proxy=trusted_proxy)
