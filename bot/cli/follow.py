"""`relance follow add|list|remove` (the `[[follow]]` rules of config.toml) and `relance search` (full-text
search over every stored question). Added to the `relance` group in bot/cli/__init__.py."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

import click

from bot.app.config import FollowRule, load_config
from bot.app.ingest import apply_rules_to_stored
from bot.app.watched import tags_of
from bot.app.watchlist import add_rule, remove_rule
from bot.cli.kit import Context, now, one_line_errors, pass_context, print_json
from bot.cli.table import WIDE, print_lines
from bot.cli.views import search_hit_lines
from bot.core.deadlines import today_in_paris
from bot.core.status import WatchedQuestion, status_row
from bot.notify.i18n import _, n_
from bot.notify.wording.notes import excluded_line
from bot.notify.wording.tags import TagLabels, tag_with_name
from scrapers.model import STATUSES
from scrapers.refs import parse_ref
from storage.followed import list_followed, unfollow_rule
from storage.search import DEFAULT_LIMIT, SearchHit, search_questions

# --- follow rules ----------------------------------------------------------------------------------


@click.group("follow")
def follow_group() -> None:
    """Règles de suivi : trouver et suivre d'elles-mêmes les questions sur un sujet, d'un auteur, à un ministère."""


def _rule_text(rule: FollowRule, found: int, labels: TagLabels) -> list[str]:
    lines = [n_("{rule} : {n} question trouvée", "{rule} : {n} questions trouvées", found, rule=rule.name)]
    if rule.keywords:
        lines.append("  " + _("mots-clés : {keywords}", keywords=", ".join(f'"{k}"' for k in rule.keywords)))
    if rule.author:
        lines.append("  " + _("auteur : {author}", author=rule.author))
    if rule.ministry:
        lines.append("  " + _("ministère : {ministry}", ministry=rule.ministry))
    chamber = rule.chamber or _("les deux")
    if rule.tags:
        tags = ", ".join(tag_with_name(tag, labels) for tag in rule.tags)
        lines.append("  " + _("chambre : {chamber} ; thèmes : {tags}", chamber=chamber, tags=tags))
    else:
        lines.append("  " + _("chambre : {chamber}", chamber=chamber))
    if rule.exclude:  # the questions `relance remove` took out of it (`relance add` brings one back)
        lines.append(excluded_line(len(rule.exclude)) + ", ".join(parse_ref(ref).label for ref in rule.exclude))
    return lines


def _rule_json(rule: FollowRule, found: int) -> dict[str, Any]:
    return {"name": rule.name, "keywords": list(rule.keywords), "author": rule.author, "ministry": rule.ministry,
            "chamber": rule.chamber, "tags": list(rule.tags), "exclude": list(rule.exclude), "found": found}


@follow_group.command("add")
@click.argument("name")
@click.option("--keyword", "keywords", multiple=True,
              help="Un mot ou une expression, sans tenir compte des accents ni de la casse (répétable : l'un "
                   "d'eux suffit).")
@click.option("--author", help="Des mots du nom de l'auteur.")
@click.option("--ministry", help="Des mots du ministère interrogé ou attributaire.")
@click.option("--chamber", type=click.Choice(["an", "senat"]), help="Seulement cette chambre (par défaut : les deux).")
@click.option("--tag", "tags", multiple=True, help="Un thème donné aux questions que la règle trouve (répétable).")
@pass_context
@one_line_errors
def follow_add(context: Context, *, name: str, keywords: tuple[str, ...], author: str | None,
               ministry: str | None, chamber: str | None, tags: tuple[str, ...]) -> None:
    """Ajouter la règle de suivi NAME à config.toml (commentaires et mise en page gardés), ou ajouter des
    mots-clés et des thèmes à la règle de ce nom.

    Chaque condition donnée doit être remplie : l'un des mots-clés dans le titre, l'analyse ou le texte
    de la question, l'auteur, le ministère, la chambre. La règle trouve les questions à mesure que les
    données ouvertes des chambres sont importées (relance import, et chaque jour sous relance run).
    """
    change = add_rule(context.path, name, keywords=keywords, author=author, ministry=ministry, chamber=chamber,
                      tags=tags)
    if change.action == "added":
        click.echo(_("règle {rule!r} ajoutée à {path}", rule=change.rule.name, path=change.path))
    elif change.written:
        click.echo(_("règle {rule!r} mise à jour dans {path}", rule=change.rule.name, path=change.path))
    else:
        click.echo(_("la règle {rule!r} le dit déjà : rien à changer", rule=change.rule.name))
    click.echo("\n".join(_rule_text(change.rule, 0, context.config.tag_labels)[1:]))
    found = apply_rules_to_stored(context.database(), [change.rule], now())
    click.echo(n_("{n} question enregistrée nouvellement trouvée par cette règle",
                  "{n} questions enregistrées nouvellement trouvées par cette règle", found.matched))


@follow_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Afficher une liste d'objets JSON.")
@pass_context
@one_line_errors
def follow_list(context: Context, as_json: bool) -> None:
    """Les règles de suivi de config.toml et combien de questions chacune a trouvées."""
    rules = context.config.follow
    found = Counter(rule for item in list_followed(context.database()) for rule in item.rules)
    if as_json:
        print_json([_rule_json(rule, found[rule.name]) for rule in rules])
        return
    for rule in rules:
        click.echo("\n".join(_rule_text(rule, found[rule.name], context.config.tag_labels)))
    if not rules:
        click.echo(_("aucune règle de suivi (en ajouter une avec relance follow add NAME --keyword K)"))
    # Questions found by a rule since taken out of the file by hand stay watched until forgotten.
    for name in sorted(set(found) - {rule.name for rule in rules}):
        click.echo(n_("{rule} : n'est plus dans {path} ; {n} question qu'elle a trouvée est encore suivie "
                      "(relance follow remove {quoted} l'oublie)",
                      "{rule} : n'est plus dans {path} ; {n} questions qu'elle a trouvées sont encore suivies "
                      "(relance follow remove {quoted} les oublie)", found[name], rule=name, path=context.path,
                      quoted=repr(name)))


@follow_group.command("remove")
@click.argument("name")
@pass_context
@one_line_errors
def follow_remove(context: Context, name: str) -> None:
    """Retirer la règle de suivi NAME de config.toml, et ne plus suivre les questions qu'elle seule a trouvées.

    Leur historique reste enregistré ; les questions qu'une autre règle ou une table [[watch]] suit aussi
    restent suivies, avec les thèmes de leurs autres règles seulement.
    """
    db = context.database()
    in_file = any(rule.name == name.strip() for rule in context.config.follow)
    left_in_store = any(name.strip() in item.rules for item in list_followed(db))
    if in_file or not left_in_store:  # raises ConfigError naming the rules when there is none
        change = remove_rule(context.path, name)
        click.echo(_("règle {rule!r} retirée de {path}", rule=change.rule.name, path=change.path))
    left = load_config(context.path).follow  # the rules as the file now holds them
    dropped = unfollow_rule(db, name.strip(), {rule.name: rule.tags for rule in left})
    click.echo(n_("{n} question trouvée par {rule!r} seule n'est plus suivie",
                  "{n} questions trouvées par {rule!r} seule ne sont plus suivies", dropped, rule=name.strip()))


# --- search ----------------------------------------------------------------------------------------


def _hit_row(hit: SearchHit, tags: dict[str, tuple[str, ...]], today: date) -> dict[str, Any]:
    """The keys of `relance status --json` (`tags`: the question's, when it is watched), plus `rank`."""
    ref = parse_ref(hit.ref)
    return {**status_row(WatchedQuestion(ref, tags.get(hit.ref, ()), hit.stored), today), "rank": hit.rank}


def _hit_text(row: dict[str, Any], snippet: str | None, watched: bool, wide: bool) -> list[str]:
    lines = search_hit_lines(row, watched=watched, wide=wide)
    if snippet:
        lines.append("     " + snippet)  # its marks made bold by print_lines
    lines.append(f"     {row['url']}")
    return lines


@click.command("search")
@click.argument("query")
@click.option("--chamber", type=click.Choice(["an", "senat"]), help="Une seule chambre.")
@click.option("--author", help="Seulement les questions dont le nom de l'auteur a ces mots.")
@click.option("--ministry", help="Seulement les questions que détient le ministère qui a ces mots.")
@click.option("--status", type=click.Choice(list(STATUSES)), help="Seulement les questions dans cet état.")
@click.option("--limit", type=click.IntRange(min=1), default=DEFAULT_LIMIT, show_default=True,
              help="Au plus ce nombre de questions, les meilleures d'abord.")
@click.option("--json", "as_json", is_flag=True, help="Afficher une liste d'objets JSON : les clés de status --json, "
                                                     "plus rank.")
@WIDE
@pass_context
@one_line_errors
def search(context: Context, *, query: str, chamber: str | None, author: str | None, ministry: str | None,
           status: str | None, limit: int, as_json: bool, wide: bool) -> None:
    """Chercher les mots de QUERY dans chaque question enregistrée (suivie ou non), la meilleure d'abord.

    Les accents et la casse ne comptent pas ; des "mots entre guillemets" doivent se suivre. Chaque mot doit
    être dans le titre, l'analyse, l'auteur, le ministère ou le texte de la question. Les autres caractères
    ne font que séparer les mots.
    """
    db = context.database()
    # A query with nothing to search for is a SearchError (CannotRun): one line and exit code 1.
    hits = search_questions(db, query, chamber=chamber, author=author, ministry=ministry, status=status, limit=limit)
    today = today_in_paris(now())
    tags = tags_of(context.config, db)
    rows = [_hit_row(hit, tags, today) for hit in hits]
    if as_json:
        print_json(rows)
        return
    for row, hit in zip(rows, hits, strict=True):
        print_lines(_hit_text(row, hit.snippet, hit.ref in tags, wide), wide=wide, continued="     ")
    click.echo(_found_line(len(rows), limit))


def _found_line(found: int, limit: int) -> str:
    if not found:
        return _("aucune question enregistrée n'a ces mots (relance import apporte les questions des chambres)")
    if found == limit:
        return n_("{n} question trouvée (la première ; voir --limit)",
                  "{n} questions trouvées (les {n} premières ; voir --limit)", found)
    return n_("{n} question trouvée", "{n} questions trouvées", found)
