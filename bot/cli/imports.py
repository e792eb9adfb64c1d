"""`relance import actors|an|senat`: the chambers' open data in bulk (thin commands over
`bot.app.import_actors`, `bot.app.import_an` and `bot.app.import_senat`)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import click
from babel.numbers import format_decimal

from bot.app.discovery import an_summary, record_import, senat_summary
from bot.app.import_actors import ActorsReport, import_actors
from bot.app.import_actors import report_json as actors_report_json
from bot.app.import_an import SOURCE as AN_ARCHIVE
from bot.app.import_an import ArchiveOutcome, ImportReport, import_an
from bot.app.import_an import report_json as an_report_json
from bot.app.import_senat import DEFAULT_MAX_PAGES, ImportFailure, SenatImportReport, import_senat
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
from bot.notify.i18n import _, n_
from bot.notify.wording import locale
from bot.notify.wording.actors import actors_file_line, actors_summary
from scrapers.http import PoliteClient


@click.group("import")
def import_group() -> None:
    """Importer en masse les données ouvertes des chambres : chaque question devient un état enregistré."""


def _archive_line(a: ArchiveOutcome, stopped: bool) -> str:
    name = f"AN {a.legislature}" if a.legislature is not None else a.path
    if a.error:
        return _("{what} : non importé : {error}", what=name, error=a.error)
    size = _megabytes(a.bytes)
    how = {"downloaded": _("téléchargé ({size})", size=size),
           "resumed": _("téléchargement repris et terminé ({size})", size=size),
           "not_modified": _("inchangé sur le serveur (HTTP 304), rien téléchargé"),
           "file": _("lu dans le fichier ({size})", size=size)}[a.fetched]
    if a.imported:
        done = n_("{n} question, importée", "{n} questions, importées", a.questions)
    else:
        done = _("arrêté avant la fin") if stopped else _("déjà importé, rien importé")
    return _("{what} : {how} ; {done}", what=name, how=how, done=done)


def _megabytes(size: int) -> str:
    """'52,3 Mo' ('52.3 MB' in English), as `relance import actors` writes a size."""
    return _("{megabytes} Mo", megabytes=format_decimal(round(size / 1e6, 1), locale=locale()))


SHOWN = 20  # errors and events listed in the text summary; --json lists them all


def _an_report_text(report: ImportReport) -> None:
    for archive in report.archives:
        click.echo(_archive_line(archive, report.stopped))
    unopened = n_(" ({n} fichier non rouvert)", " ({n} fichiers non rouverts)", report.unopened) \
        if report.unopened else ""
    click.echo(_("lues {read}, nouvelles {new}, modifiées {changed}, inchangées {unchanged}{unopened}, "
                 "trouvées par une règle {matched}, en retard {behind}, erreurs {errors}, événements {events}, "
                 "{seconds} s", read=report.read, new=report.new, changed=report.changed, unchanged=report.unchanged,
                 unopened=unopened, matched=report.matched, behind=report.behind, errors=len(report.errors),
                 events=sum(report.events.values()),
                 seconds=format_decimal(round(report.seconds, 1), format="0.0", locale=locale())))
    for event in report.listed[:SHOWN]:
        click.echo(f"  {event_text(event)}")
    if len(report.listed) > SHOWN:
        click.echo("  " + _("… et {n} autres événements (relance events)", n=len(report.listed) - SHOWN))


@import_group.command("an")
@click.option("--legislature", type=click.IntRange(1, 30),
              help="Importer l'archive de cette législature (par défaut : celles de [sources.an] legislatures).")
@click.option("--file", "file", type=click.Path(dir_okay=False, path_type=Path),
              help="Importer ce zip local au lieu de télécharger.")
@click.option("--again", is_flag=True,
              help="Relire chaque question de l'archive, même inchangée depuis le dernier import.")
@click.option("--json", "as_json", is_flag=True,
              help="Afficher le résumé, les événements et les erreurs en un objet JSON.")
@pass_context
@one_line_errors
def an(context: Context, legislature: int | None, file: Path | None, again: bool, as_json: bool) -> None:
    """Importer l'archive des questions écrites de l'AN : chaque question devient un état enregistré.

    L'archive (une par législature, 50 à 130 Mo) est téléchargée dans [http] cache_dir, reprise si elle
    est interrompue, et pas téléchargée de nouveau tant qu'elle est inchangée. Code de sortie 0 quand tout
    a été lu, 2 quand une archive ou une de ses questions n'a pas pu être lue (nommée sur stderr), 1 quand
    la configuration, la base ou le --file est inutilisable.
    """
    config = context.config
    if file is not None and legislature is not None:
        click.echo("relance: " + _("--file et --legislature ne vont pas ensemble : les questions du fichier "
                                   "nomment leur législature"), err=True)
        sys.exit(EXIT_CANNOT_RUN)
    _file_exists(file)
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
            click.echo("relance: " + _("archive de l'AN {source} : {error}", source=archive.source,
                                       error=archive.error), err=True)
    for error in report.errors[:SHOWN]:
        click.echo(f"relance: {error.member}: {error.error}", err=True)
    if len(report.errors) > SHOWN:
        click.echo("relance: " + _("… et {n} autres questions non lues (--json les liste toutes)",
                                   n=len(report.errors) - SHOWN), err=True)
    if not report.ok:
        sys.exit(EXIT_SOURCE_FAILED)


def _file_exists(file: Path | None) -> None:
    """A --file that names no file stops the command before anything is opened."""
    if file is not None and not file.is_file():
        click.echo("relance: " + _("--file {file} : fichier introuvable", file=file), err=True)
        sys.exit(EXIT_CANNOT_RUN)


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
              help="Importer le fichier de cette législature (par défaut : ceux de [sources.an] legislatures).")
@click.option("--file", "file", type=click.Path(dir_okay=False, path_type=Path),
              help="Importer ce zip AMO local au lieu de télécharger [sources.an] actors_url.")
@click.option("--json", "as_json", is_flag=True,
              help="Afficher le résumé, les événements et les erreurs en un objet JSON.")
@pass_context
@one_line_errors
def actors(context: Context, legislature: int | None, file: Path | None, as_json: bool) -> None:
    """Importer les données ouvertes de l'AN sur les députés, sénateurs et ministres (AMO) et nommer les
    auteurs de l'AN.

    Les acteurs, leurs mandats datés et les organes (groupes, ministères) sont enregistrés ; puis chaque
    question de l'AN enregistrée est nommée de nouveau : son auteur tel que l'AN écrit le nom, et le groupe
    où il était à la date de publication de la question. Code de sortie 0 quand tout a été lu, 2 quand un
    fichier ou un de ses membres n'a pas pu être lu (nommé sur stderr), 1 quand la configuration, la base
    ou le --file est inutilisable.
    """
    if file is not None and legislature is not None:
        click.echo("relance: " + _("--file et --legislature ne vont pas ensemble : donner l'un ou l'autre"),
                   err=True)
        sys.exit(EXIT_CANNOT_RUN)
    _file_exists(file)
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
        click.echo("relance: " + _("… et {n} autres membres non lus (--json les liste tous)",
                                   n=len(report.errors) - SHOWN), err=True)
    if not report.ok:
        sys.exit(EXIT_SOURCE_FAILED)


def _senat_report_text(report: SenatImportReport) -> None:
    i = report.ingest
    if report.revalidated:
        click.echo(_("{url} : inchangé depuis le dernier import (HTTP 304), rien d'analysé", url=report.url))
    rejected = _("lignes rejetées {n} (non importées, listées sur stderr), ", n=len(report.rejected)) \
        if report.rejected else ""
    click.echo(_("lignes {rows}, {rejected}nouvelles {new}, modifiées {changed}, inchangées {unchanged}, "
                 "trouvées par une règle {matched}, pages lues {pages}, pages de recherche {search_pages}, "
                 "erreurs {errors}", rows=report.rows, rejected=rejected, new=i.new, changed=i.changed,
                 unchanged=i.unchanged, matched=i.matched, pages=report.pages_fetched,
                 search_pages=report.search_pages, errors=len(report.errors)))
    # A first import sees every question for the first time: their `published` events are counted in
    # `new`, the other events are listed.
    for event in i.events:
        if event.kind != "published":
            click.echo(f"  {event_text(event)}")


def _rappel_report_text(report: RappelReport) -> None:
    i = report.imported.ingest
    same = _(" (inchangée depuis la dernière lecture, HTTP 304 : comparée de nouveau)") if report.revalidated else ""
    rejected = _(", lignes rejetées {n} (listées sur stderr)", n=len(report.rejected)) if report.rejected else ""
    click.echo(_("{url} : liste de rappel{same} : questions écrites listées {listed}, lignes d'autres sortes "
                 "{skipped}{rejected}", url=report.url, same=same, listed=report.listed, skipped=report.skipped,
                 rejected=rejected))
    click.echo(_("absentes jusqu'ici, importées : nouvelles {new}, trouvées par une règle {matched}, pages lues "
                 "{pages}, erreurs {errors}", new=i.new, matched=i.matched, pages=report.imported.pages_fetched,
                 errors=len(report.imported.errors)))
    click.echo(_("désaccords {disagreements} (nouveaux {new}), alertes à l'administrateur en file {queued}, "
                 "envoyées {sent}", disagreements=len(report.disagreements), new=len(report.new),
                 queued=report.notices, sent=report.alarm.sent))
    new = {e.id for e in report.new}
    for event in report.disagreements:
        line = event_text(event)
        click.echo("  " + (_("nouveau : {event}", event=line) if event.id in new else line))


def _tell_unread(failures: Sequence[ImportFailure]) -> None:
    """One stderr line per Sénat question (or search page) an import could not read."""
    for failure in failures:
        click.echo("relance: " + _("Sénat : {what} non lue : {error}", what=failure.ref or _("recherche"),
                                   error=failure.error), err=True)


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
        click.echo("relance: " + _("Sénat : {url} : ligne rejetée, non comparée : {row}", url=report.url, row=row),
                   err=True)
    _tell_unread(report.imported.errors)
    for error in report.alarm.errors:
        click.echo(f"relance: {error}", err=True)
    if not report.ok:
        sys.exit(EXIT_SOURCE_FAILED)


@import_group.command("senat")
@click.option("--rappel", is_flag=True,
              help="Lire l'export de la liste de rappel du Sénat (--file, ou [sources.senat] rappel_url) et dire "
                   "où elle diffère de relance.")
@click.option("--since", type=DAY,
              help="Seulement les questions publiées ce jour ou après (avant l'année du CSV, la recherche est "
                   "aussi parcourue).")
@click.option("--file", "file", type=click.Path(dir_okay=False, path_type=Path),
              help="Lire ce fichier CSV au lieu de télécharger [sources.senat] csv_url.")
@click.option("--max-pages", type=click.IntRange(min=0), default=DEFAULT_MAX_PAGES, show_default=True,
              help="Au plus ce nombre de pages de résultats de recherche pour la période avant l'année du CSV.")
@click.option("--json", "as_json", is_flag=True,
              help="Afficher le résumé, les événements et les erreurs en un objet JSON.")
@pass_context
@one_line_errors
def senat(context: Context, *, rappel: bool, since: datetime | None, file: Path | None, max_pages: int,
          as_json: bool) -> None:
    """Importer les données ouvertes du Sénat : chaque question des douze derniers mois (un CSV quotidien).

    Avec --rappel, lire plutôt la liste de rappel du Sénat (les questions sans réponse après deux mois) et
    dire chaque désaccord avec ce que relance sait (un constat, pas un échec : code de sortie 0) ; les
    questions que relance n'a pas sont importées.

    Une ligne dont une valeur ne peut pas être lue est rejetée (sa ligne, sa colonne et sa valeur sur
    stderr) et les autres lignes sont importées ; un en-tête sans une colonne requise refuse tout le fichier.
    Code de sortie 0 quand tout a été lu, 2 quand le CSV, une de ses lignes ou une page n'a pas pu être lue
    (nommée sur stderr ; le reste est importé), 1 quand la configuration, la base ou le --file est inutilisable.
    """
    config = context.config
    data = None
    if file is not None:
        try:
            data = file.read_bytes()
        except OSError as error:
            click.echo("relance: " + _("--file {file} : {error}", file=file, error=error.strerror or error), err=True)
            sys.exit(EXIT_CANNOT_RUN)
    if rappel:
        if since is not None or click.get_current_context().get_parameter_source("max_pages") is not \
                click.core.ParameterSource.DEFAULT:
            click.echo("relance: " + _("--rappel lit toute la liste de rappel : --since et --max-pages ne "
                                       "s'appliquent pas"), err=True)
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
        click.echo("relance: " + _("Sénat : {url} : ligne rejetée, non importée : {row}", url=report.url, row=row),
                   err=True)
    _tell_unread(report.errors)
    if not report.ok:
        sys.exit(EXIT_SOURCE_FAILED)
