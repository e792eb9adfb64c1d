"""The answer statistics as `relance stats`, `/statistiques` and `/api/stats` give them: the request
(grouping, chamber, period) checked, the rows counted in SQL (storage/stats.py), as JSON objects and as
CSV with the same columns; the questions behind a figure; and CSV for any list of JSON rows."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import date
from typing import Any

from sqlite_utils import Database

from bot.app.config import Config
from bot.app.questions import BadArgs, given, parse_day
from bot.core.status import WatchedQuestion, status_row
from bot.notify.i18n import _
from bot.notify.wording import CHAMBER_NAMES
from scrapers.refs import parse_ref
from storage.stats import (
    BY_COLUMNS,
    FIGURES,
    STAT_KEYS,
    BehindRow,
    Scope,
    StatRow,
    answer_delays,
    questions_behind,
    stats_by,
)

__all__ = ["BY", "FIGURES", "STAT_KEYS", "BadArgs", "BehindRow", "StatRow", "StatsRequest", "behind",
           "checked_request", "config_tags", "delays", "one_row", "parse_request", "rows_csv", "stat_json", "stats",
           "status_keys"]

BY: tuple[str, ...] = tuple(BY_COLUMNS)
DEFAULT_BY = "ministry"


@dataclass(frozen=True, slots=True)
class StatsRequest:
    """What a table of statistics counts: the grouping, then which questions (chamber, publication period)."""

    by: str = DEFAULT_BY
    chamber: str | None = None
    since: date | None = None
    until: date | None = None

    def scope(self, name: str | None = None, *, one_group: bool = False) -> Scope:
        return Scope(chamber=self.chamber, since=self.since, until=self.until, one_group=one_group, name=name)

    def args(self, **changes: Any) -> dict[str, str]:
        """The query parameters that give this request (changed by `changes`), defaults left out."""
        r = replace(self, **changes)
        found = {"by": r.by if r.by != DEFAULT_BY else None, "chamber": r.chamber,
                 "since": r.since.isoformat() if r.since else None, "until": r.until.isoformat() if r.until else None}
        return {key: value for key, value in found.items() if value}


def _iso(name: str, day: date) -> str:
    return f"{name}={day.isoformat()}"


def checked_request(by: str, chamber: str | None, since: date | None, until: date | None) -> StatsRequest:
    """The request, or BadArgs naming the parameter that cannot be used."""
    if by not in BY_COLUMNS:
        raise BadArgs(_("{given} : choisir parmi {choices}", given=given("by", by), choices=", ".join(BY_COLUMNS)))
    if chamber is not None and chamber not in CHAMBER_NAMES:
        raise BadArgs(_("{given} : choisir an ou senat", given=given("chamber", chamber)))
    if since is not None and until is not None and since > until:
        raise BadArgs(_("{since} est après {until}", since=_iso("since", since), until=_iso("until", until)))
    return StatsRequest(by=by, chamber=chamber, since=since, until=until)


def parse_request(args: Mapping[str, str]) -> StatsRequest:
    """The request of `/statistiques` and `/api/stats` from their query parameters; raises BadArgs."""
    by = (args.get("by") or "").strip() or DEFAULT_BY
    chamber = (args.get("chamber") or "").strip() or None
    return checked_request(by, chamber, parse_day(args.get("since"), "since"), parse_day(args.get("until"), "until"))


def config_tags(config: Config) -> list[tuple[str, str]]:
    """The (tag, ref) pairs of the config's [[watch]] tables; the tags follow rules gave are read in SQL."""
    return [(tag, entry.question.uid) for entry in config.watch for tag in entry.tags]


def stats(config: Config, db: Database, request: StatsRequest, today: date) -> list[StatRow]:
    """The table of `relance stats`: one row per group, most questions first."""
    return stats_by(db, request.by, today, request.scope(), config_tags(config))


def one_row(config: Config, db: Database, request: StatsRequest, name: str | None, today: date) -> StatRow | None:
    """The row of one group (a ministry's, an author's page), None when no question of `request` has it."""
    rows = stats_by(db, request.by, today, request.scope(name, one_group=True), config_tags(config))
    return rows[0] if rows else None


def behind(config: Config, db: Database, request: StatsRequest, name: str | None, *, figure: str, today: date,
           limit: int, offset: int = 0) -> tuple[int, list[BehindRow]]:
    """(how many, a page of) the questions behind one figure of one row, late ones first."""
    if figure not in FIGURES:
        raise BadArgs(_("{given} : choisir parmi {choices}", given=given("figure", figure), choices=", ".join(FIGURES)))
    return questions_behind(db, request.by, today, request.scope(name, one_group=True), figure,
                            config_tags=config_tags(config), limit=limit, offset=offset)


def delays(config: Config, db: Database, request: StatsRequest, name: str | None,
           today: date) -> list[tuple[date, bool]]:
    """(answer day, late) of each answered question of one group: what its page's chart draws."""
    rows = answer_delays(db, request.by, today, request.scope(name, one_group=True), config_tags(config))
    return [(date.fromisoformat(day), late) for day, late in rows]


def stat_json(row: StatRow) -> dict[str, Any]:
    """One row as `stats --json` and `/api/stats` print it: exactly the keys of STAT_KEYS."""
    return asdict(row)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "; ".join(_cell(item) for item in value)
    if isinstance(value, dict):  # an event's details: its JSON text, keys sorted
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def rows_csv(rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """CSV (a header row of `columns`, then one line per row) of JSON rows: the same columns as the JSON
    keys; null is an empty cell, true/false stay words, a list's items are joined by '; '."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(column)) for column in columns])
    return out.getvalue()


def status_keys() -> list[str]:
    """The columns of `relance status --csv`: the keys of `status --json`'s rows, which every row has, a
    question never read included (`status_row` gives it the same keys, with null values)."""
    return list(status_row(WatchedQuestion(parse_ref("AN 17-1"), (), None), date(2000, 1, 1)))
