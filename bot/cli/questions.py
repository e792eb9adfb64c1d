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
from bot.cli.views import POLL_OUTCOMES, event_text, render_events, render_status, rows_json, snapshot_text
from bot.core.deadlines import PARIS, deadline_status, today_in_paris
from bot.notify.i18n import _, n_
from bot.notify.wording import (
    MISSING_REASON,
    SOURCE_NAMES,
    added_but_missing,
    added_but_unverified,
    days,
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
@click.option("--json", "as_json", is_flag=True, help="Afficher un objet JSON.")
@pass_context
@one_line_errors
def fetch(context: Context, ref: str, as_json: bool) -> None:
    """Lire une question maintenant et afficher son état (aucune base n'est touchée).

    REF est une référence sous n'importe quelle forme : une URL de l'AN ou du Sénat, QANR5L17QE5268,
    'AN 17-5268', SEQ221103705.
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
    click.echo(_("vérifiées {checked}, modifiées {changed}, événements {events}, erreurs {errors}, "
                 "pas encore dues {skipped}", checked=report.checked, changed=report.changed,
                 events=len(report.events), errors=len(report.errors), skipped=report.skipped))
    for event in report.events:
        click.echo(f"  {event_text(event)}")


def _failures_by_source(report: CycleReport) -> None:
    """One line per failing source on stderr, naming the questions it failed on."""
    for source, failures in failures_by_source(report).items():
        refs = [f.ref for f in failures]
        shown = ", ".join(refs[:5])
        if len(refs) > 5:
            shown = _("{refs} et {more} autres", refs=shown, more=len(refs) - 5)
        click.echo("relance: " + n_("{source} : {n} question non lue ({refs}) : {error}",
                                    "{source} : {n} questions non lues ({refs}) : {error}", len(refs),
                                    source=SOURCE_NAMES.get(source, source), refs=shown,
                                    error=failures[0].error), err=True)


def _missing(report: CycleReport) -> None:
    """One warning per question its site does not have (404, 410): the question's problem, not the site's."""
    for missing in report.missing:
        click.echo("relance: " + _("avertissement : {problem} ({url})", problem=missing_question_line(missing.ref),
                                   url=missing.url), err=True)


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Afficher {checked, events, errors} en JSON.")
@pass_context
@one_line_errors
def check(context: Context, as_json: bool) -> None:
    """Lire les questions suivies qui sont dues, enregistrer ce qui a changé, afficher un résumé.

    Code de sortie 0 quand chaque question a été lue, 2 quand certaines ont échoué (nommées sur stderr),
    1 quand la configuration ou la base est inutilisable. Une question que le site n'a pas (404) est un
    avertissement sur stderr, relue un jour plus tard, et laisse le code de sortie à 0.
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
        click.echo(_("admin : {subject}", subject=subject))
    for error in alarms.errors:
        click.echo(f"relance: {error}", err=True)
    if not report.ok or alarms.errors:
        sys.exit(EXIT_SOURCE_FAILED)


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Afficher une liste d'objets JSON.")
@click.option("--overdue", is_flag=True, help="Seulement les questions sans réponse dont une échéance est passée.")
@click.option("--chamber", type=click.Choice(["an", "senat"]), help="Une seule chambre.")
@click.option("--tag", help="Seulement les questions suivies avec ce thème.")
@click.option("--csv", "as_csv", is_flag=True, help="Afficher du CSV, les clés JSON pour colonnes.")
@WIDE
@pass_context
@one_line_errors
def status(context: Context, as_json: bool, overdue: bool, chamber: str | None, tag: str | None, *,
           as_csv: bool, wide: bool) -> None:
    """Où en est chaque question suivie : échéance, jours de retard ou restants, titre, ministère,
    dernière vérification.

    Le tableau tient dans le terminal (80 colonnes quand la sortie n'en est pas un, ou $COLUMNS) : seuls
    les titres, les ministères et les auteurs passent à la ligne, et les colonnes qui ne tiennent pas sont
    laissées de côté, les dernières gardées étant la référence, l'état, l'échéance, le délai, le titre,
    le ministère (abrégé)."""
    if as_json and as_csv:
        raise click.UsageError(_("--json et --csv : choisir l'un des deux"))
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
              help="Afficher un objet JSON : les clés de status --json, plus group, text, answer, attributions, "
                   "history.")
@pass_context
@one_line_errors
def show(context: Context, ref: str, as_json: bool) -> None:
    """Tout ce que relance sait d'une question : ses textes entiers (paginés dans un terminal), ses
    ministères, chaque échéance et sa règle, que faire quand elle est en retard, ses événements, ses lectures.

    Toute question enregistrée, suivie ou non (trouvée par une règle, importée) ; code de sortie 1 pour
    une question que relance n'a pas."""
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
        lines.append(_("{uid}  ({label})  état inconnu : jamais lue avec succès", uid=question.uid,
                       label=question.label))
    else:
        lines.append(snapshot_text(stored.snapshot, full=True))
        status_now = deadline_status(stored.snapshot, today_in_paris(now()))
        for deadline in (status_now.answer_deadline, status_now.signalement_deadline):
            if deadline is not None:
                lines.append("  " + _("Échéance : {day}, {rule}", day=short_date(deadline.date),
                                      rule=deadline.explain(_)))
        if status_now.days_late:
            lines.append("  " + _("Retard : {days}", days=days(status_now.days_late)))
        elif status_now.days_left is not None:
            lines.append("  " + _("Jours restants : {n}", n=status_now.days_left))
        late_now = stored.snapshot.status == "pending" and (status_now.overdue or status_now.signaled_overdue)
        advice = late_question_advice(stored.snapshot.chamber, signaled_overdue=status_now.signaled_overdue)
        if late_now and advice:
            lines.append(f"  {advice}")
    if stored.missing:
        last_reading = missing_question_line(_("Dernière lecture"))
        lines.append(f"  {last_reading} ({stored.last_error})")
    elif stored.last_error:
        lines.append("  " + _("Dernière erreur : {error}", error=stored.last_error))
    lines.append(_("Historique :"))
    lines += [f"  {event_text(event)}" for event in list_events(db, ref=question.uid)]
    lines += notes_block([(n.number, n.at, n.text) for n in list_notes(db, question.uid)])
    lines.append(_("Lectures récentes :"))
    lines += [f"  {local_time(poll.at)}  {POLL_OUTCOMES.get(poll.outcome, poll.outcome):<11} "
              f"{poll.http_status or '—'}  {poll.error or poll.url}" for poll in recent_polls(db, question.uid)]
    text = "\n".join(lines)
    # The whole texts can be long: paged on a terminal (less, or $PAGER), printed as is otherwise.
    if sys.stdout.isatty():
        click.echo_via_pager(text + "\n")
    else:
        click.echo(text)


@click.command()
@click.option("--since", type=DAY,
              help="Seulement les événements que relance a vus ce jour ou après (AAAA-MM-JJ ou JJ/MM/AAAA).")
@click.option("--ref", "ref_text", help="Seulement les événements de cette question.")
@click.option("--json", "as_json", is_flag=True, help="Afficher une liste d'objets JSON.")
@WIDE
@pass_context
@one_line_errors
def events(context: Context, since: datetime | None, ref_text: str | None, as_json: bool, wide: bool) -> None:
    """Le journal des événements, du plus ancien au plus récent : un tableau de la date officielle de
    chaque événement (JO, réponse, échéance), de sa question, de ce qui s'est passé et du jour où relance
    l'a vu, sur lequel --since filtre."""
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
@click.option("--tag", "tags", multiple=True, help="Un thème pour cette question (répétable).")
@click.option("--note", help="Une note gardée avec la question.")
@pass_context
@one_line_errors
def add(context: Context, ref: str, tags: tuple[str, ...], note: str | None) -> None:
    """Suivre une question : l'ajouter à la liste de config.toml (commentaires et mise en page gardés).

    Une question tout juste ajoutée est lue une fois : un avertissement dit quand son site ne l'a pas
    (404) ou n'a pas pu être lu ; elle est suivie quand même.
    """
    change = add_watch(context.path, ref, tags, note)
    readmitted = readmit(context.path, context.database, change.ref, now())  # a rule's exclusion is lifted
    if readmitted.rules:
        click.echo(exclusion_lifted(change.ref, readmitted.rules, str(change.path)))
    if change.action == "added":
        click.echo(_("{ref} ajoutée à {path}", ref=change.ref, path=change.path))
        # One polite read now: a mistyped number is told at once, but still followed (the site may be late).
        probe = probe_question(context.config, parse_ref(change.ref))
        if probe.outcome == "missing":
            click.echo("relance: " + _("avertissement : {problem}", problem=added_but_missing(change.ref)),
                       err=True)
        elif probe.outcome == "unverified":
            click.echo("relance: " + _("avertissement : {problem}",
                                       problem=added_but_unverified(change.ref, probe.error or "?")), err=True)
    elif change.written:
        click.echo(_("{ref} déjà suivie : thèmes et note mis à jour dans {path}", ref=change.ref, path=change.path))
    else:
        click.echo(_("{ref} déjà suivie : rien à changer", ref=change.ref))


@click.command()
@click.argument("ref")
@pass_context
@one_line_errors
def remove(context: Context, ref: str) -> None:
    """Ne plus suivre une question : la retirer de la liste de config.toml ; une question qu'une règle de
    suivi a trouvée est exclue de cette règle (sa liste `exclude`), qui ne la trouve plus jamais (relance
    add l'y remet). Son historique reste enregistré."""
    change = remove_question(context.path, context.database, ref)
    if change.unwatched:
        click.echo(watch_removed(change.ref, str(change.path)))
    if change.rules:
        click.echo(excluded_from(change.ref, change.rules, str(change.path)))
    click.echo(no_longer_watched(change.ref))
