"""`relance follow add|list|remove` (the `[[follow]]` rules of config.toml) and `relance search` (full-text
search over every stored question). Added to the `relance` group in bot/cli/__init__.py."""

from __future__ import annotations

import sys
from collections import Counter
from datetime import date
from typing import Any

import click

from bot.app.config import FollowRule, load_config
from bot.app.ingest import apply_rules_to_stored
from bot.app.watched import tags_of
from bot.app.watchlist import add_rule, remove_rule
from bot.cli.kit import EXIT_CANNOT_RUN, Context, now, one_line_errors, pass_context, print_json
from bot.cli.table import WIDE, print_lines
from bot.cli.views import search_hit_lines
from bot.core.deadlines import today_in_paris
from bot.core.status import WatchedQuestion, status_row
from bot.notify.wording.notes import excluded_line
from bot.notify.wording.tags import TagLabels, tag_with_name
from scrapers.model import STATUSES
from scrapers.refs import parse_ref
from storage.followed import list_followed, unfollow_rule
from storage.search import DEFAULT_LIMIT, SearchError, SearchHit, search_questions

# --- follow rules ----------------------------------------------------------------------------------


@click.group("follow")
def follow_group() -> None:
    """Follow rules: find and watch by themselves the questions on a subject, by an author, to a ministry."""


def _rule_text(rule: FollowRule, found: int, labels: TagLabels) -> list[str]:
    lines = [f"{rule.name}: {found} question{'s' if found != 1 else ''} found"]
    if rule.keywords:
        lines.append("  keywords: " + ", ".join(f'"{k}"' for k in rule.keywords))
    lines += [f"  {key}: {value}" for key, value in (("author", rule.author), ("ministry", rule.ministry)) if value]
    tags = ", ".join(tag_with_name(tag, labels) for tag in rule.tags)
    lines.append(f"  chamber: {rule.chamber or 'both'}" + (f"; tags: {tags}" if rule.tags else ""))
    if rule.exclude:  # the questions `relance remove` took out of it (`relance add` brings one back)
        lines.append(excluded_line(len(rule.exclude)) + ", ".join(parse_ref(ref).label for ref in rule.exclude))
    return lines


def _rule_json(rule: FollowRule, found: int) -> dict[str, Any]:
    return {"name": rule.name, "keywords": list(rule.keywords), "author": rule.author, "ministry": rule.ministry,
            "chamber": rule.chamber, "tags": list(rule.tags), "exclude": list(rule.exclude), "found": found}


@follow_group.command("add")
@click.argument("name")
@click.option("--keyword", "keywords", multiple=True,
              help="A word or phrase, accents and case ignored (repeatable: any one of them).")
@click.option("--author", help="Words of the author's name.")
@click.option("--ministry", help="Words of the ministry asked or holding the question.")
@click.option("--chamber", type=click.Choice(["an", "senat"]), help="Only this chamber (default: both).")
@click.option("--tag", "tags", multiple=True, help="A tag given to the questions the rule finds (repeatable).")
@pass_context
@one_line_errors
def follow_add(context: Context, *, name: str, keywords: tuple[str, ...], author: str | None,
               ministry: str | None, chamber: str | None, tags: tuple[str, ...]) -> None:
    """Add the follow rule NAME to config.toml (comments and layout are kept), or add keywords and
    tags to the rule of that name.

    Every condition given must hold: one of the keywords in the question's title, analysis or text,
    the author, the ministry, the chamber. The rule finds questions as the chambers' open data is
    imported (relance import, and daily under relance run).
    """
    change = add_rule(context.path, name, keywords=keywords, author=author, ministry=ministry, chamber=chamber,
                      tags=tags)
    if change.action == "added":
        click.echo(f"rule {change.rule.name!r} added to {change.path}")
    elif change.written:
        click.echo(f"rule {change.rule.name!r} updated in {change.path}")
    else:
        click.echo(f"rule {change.rule.name!r} already says so: nothing to change")
    click.echo("\n".join(_rule_text(change.rule, 0, context.config.tag_labels)[1:]))
    found = apply_rules_to_stored(context.database(), [change.rule], now())
    click.echo(f"{found.matched} stored question(s) newly found by this rule")


@follow_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a list of JSON objects.")
@pass_context
@one_line_errors
def follow_list(context: Context, as_json: bool) -> None:
    """The follow rules of config.toml and how many questions each found."""
    rules = context.config.follow
    found = Counter(rule for item in list_followed(context.database()) for rule in item.rules)
    if as_json:
        print_json([_rule_json(rule, found[rule.name]) for rule in rules])
        return
    for rule in rules:
        click.echo("\n".join(_rule_text(rule, found[rule.name], context.config.tag_labels)))
    if not rules:
        click.echo("no follow rules (add one with relance follow add NAME --keyword K)")
    # Questions found by a rule since taken out of the file by hand stay watched until forgotten.
    for name in sorted(set(found) - {rule.name for rule in rules}):
        click.echo(f"{name}: no longer in {context.path}; {found[name]} question(s) it found are still watched "
                   f"(relance follow remove {name!r} forgets them)")


@follow_group.command("remove")
@click.argument("name")
@pass_context
@one_line_errors
def follow_remove(context: Context, name: str) -> None:
    """Remove the follow rule NAME from config.toml, and stop watching the questions only it found.

    Their history stays stored; questions another rule or a [[watch]] table also follows stay watched,
    with the tags of their other rules only.
    """
    db = context.database()
    in_file = any(rule.name == name.strip() for rule in context.config.follow)
    left_in_store = any(name.strip() in item.rules for item in list_followed(db))
    if in_file or not left_in_store:  # raises ConfigError naming the rules when there is none
        change = remove_rule(context.path, name)
        click.echo(f"rule {change.rule.name!r} removed from {change.path}")
    left = load_config(context.path).follow  # the rules as the file now holds them
    dropped = unfollow_rule(db, name.strip(), {rule.name: rule.tags for rule in left})
    click.echo(f"{dropped} question(s) found only by {name.strip()!r} no longer watched")


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
@click.option("--chamber", type=click.Choice(["an", "senat"]), help="Only one chamber.")
@click.option("--author", help="Only questions whose author's name has these words.")
@click.option("--ministry", help="Only questions the ministry with these words holds.")
@click.option("--status", type=click.Choice(list(STATUSES)), help="Only questions in this state.")
@click.option("--limit", type=click.IntRange(min=1), default=DEFAULT_LIMIT, show_default=True,
              help="At most this many questions, best first.")
@click.option("--json", "as_json", is_flag=True, help="Print a list of JSON objects: the keys of status --json, "
                                                     "plus rank.")
@WIDE
@pass_context
@one_line_errors
def search(context: Context, *, query: str, chamber: str | None, author: str | None, ministry: str | None,
           status: str | None, limit: int, as_json: bool, wide: bool) -> None:
    """Search every stored question (watched or not) for the words of QUERY, best match first.

    Accents and case are ignored; "quoted words" must follow each other. Every word must be in the
    question's title, analysis, author, ministry or text. Other characters only separate words.
    """
    db = context.database()
    try:
        hits = search_questions(db, query, chamber=chamber, author=author, ministry=ministry, status=status,
                                limit=limit)
    except SearchError as error:
        click.echo(f"relance: {error}", err=True)
        sys.exit(EXIT_CANNOT_RUN)
    today = today_in_paris(now())
    tags = tags_of(context.config, db)
    rows = [_hit_row(hit, tags, today) for hit in hits]
    if as_json:
        print_json(rows)
        return
    for row, hit in zip(rows, hits, strict=True):
        print_lines(_hit_text(row, hit.snippet, hit.ref in tags, wide), wide=wide, continued="     ")
    click.echo(f"{len(rows)} question(s) found" + (f" (the first {limit}; see --limit)" if len(rows) == limit else "")
               if rows else "no stored question has these words (relance import brings in the chambers' questions)")
