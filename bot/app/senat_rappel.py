"""`relance import senat --rappel`: the Sénat's *liste de rappel* read as a check of relance's own view.

The export (data.senat.fr; same columns as the daily CSV, every row « En cours ») lists the written
questions still unanswered two months after their publication. Each of them that relance holds is
compared with relance's state and deadline (`bot.core.rappel`); each followed Sénat question relance
holds late is looked for in it. Every disagreement becomes a `rappel_disagrees` event (once, by its
natural key), the reading is recorded with all the disagreements it found (`storage.rappel`: the
current view `relance doctor` shows), and the admin hears of the new ones through the ledger, as of
a source alarm. The rows relance does not hold at all are real questions: they are imported as the
daily CSV's rows are (`bot.app.import_senat.import_rows`), before the comparison.

No real address of the export is known (only its help page): it is read from `--file` or from
`[sources.senat] rappel_url`, fetched with a conditional GET (an unchanged list is compared again:
relance's view may have moved).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from bot.app.config import Config
from bot.app.health import HealthReport, rappel_notices, send_admin_notices
from bot.app.import_senat import SenatImportReport, import_rows, rejected_json
from bot.app.import_senat import report_json as import_json
from bot.app.json_views import event_json
from bot.app.settings import source_settings
from bot.app.watched import watched
from bot.core.deadlines import today_in_paris
from bot.core.rappel import compare, disagreement_event
from bot.notify.i18n import N_, _
from bot.notify.wording import rappel_sentence
from scrapers.errors import CannotRun
from scrapers.http import PoliteClient
from scrapers.model import QuestionSnapshot
from scrapers.senat_csv import CsvRow, RejectedRow, parse_senat_csv
from storage.questions import get_question
from storage.rappel import record_rappel_check
from storage.records import Event

Now = Callable[[], datetime]
# Read where it is shown: `_(NO_ADDRESS)`.
NO_ADDRESS = N_("la liste de rappel du Sénat n'a pas d'adresse connue : donner --file CHEMIN (l'export enregistré "
                "depuis data.senat.fr) ou définir [sources.senat] rappel_url dans la configuration")


@dataclass
class RappelReport:
    url: str  # the list read: its address, or the --file given
    imported: SenatImportReport  # the listed questions relance did not hold, imported as the daily CSV's
    revalidated: bool = False  # the server answered 304: the same list, compared again
    listed: int = 0  # written questions the list names
    skipped: int = 0  # rows of other kinds of question
    rejected: list[RejectedRow] = field(default_factory=list)  # rows set aside: a value could not be read
    disagreements: list[Event] = field(default_factory=list)  # every one this reading found
    new: list[Event] = field(default_factory=list)  # those the log did not hold yet: told to the admin
    notices: int = 0  # admin notices queued for the new ones (one per recipient)
    alarm: HealthReport = field(default_factory=HealthReport)  # sending the admin's waiting notices

    @property
    def ok(self) -> bool:
        """Everything was read: no row set aside, no page failed. A disagreement is a finding, not a failure."""
        return not self.rejected and not self.imported.errors


def _written(rows: tuple[CsvRow, ...]) -> tuple[dict[str, CsvRow], int]:
    """The list's written questions by ref (first row of each), and how many rows were of another kind."""
    by_ref: dict[str, CsvRow] = {}
    for row in rows:
        if row.ref is not None:
            by_ref.setdefault(row.ref.uid, row)
    return by_ref, sum(row.ref is None for row in rows)


def _held(db: Database, ref: str) -> QuestionSnapshot | None:
    found = get_question(db, ref)
    return found.snapshot if found else None


def import_rappel(config: Config, db: Database, client: PoliteClient, *, now: Now, data: bytes | None = None,
                  file_name: str | None = None) -> RappelReport:
    """Read the liste de rappel (`data` read from `file_name`, else fetched from `[sources.senat] rappel_url`),
    import the questions relance does not hold, record every disagreement and tell the admin the new ones.

    Raises `CannotRun` when there is neither a file nor an address, `ParseError` when the header lacks a
    required column (nothing stored), `FetchError` when the download fails."""
    url = file_name or config.sources.senat.rappel_url
    if url is None:
        raise CannotRun(_(NO_ADDRESS))
    report = RappelReport(url=url, imported=SenatImportReport(url=url))
    if data is None:
        fetched = client.get(url, expect="csv")
        report.revalidated, data = fetched.revalidated, fetched.content
    csv_file = parse_senat_csv(data, url)
    report.rejected += csv_file.rejected
    listed, report.skipped = _written(csv_file.rows)
    report.listed = len(listed)
    followed = {w.ref.uid for w in watched(config, db) if w.ref.chamber == "senat"}
    unknown = [row for uid, row in listed.items() if _held(db, uid) is None]
    import_rows(db, unknown, config=config, client=client, sources=source_settings(config), url=url, now=now,
                since=None, watched_refs=set(followed), report=report.imported)
    at = now()
    held = {uid: s for uid in {*listed, *followed} if (s := _held(db, uid)) is not None}
    found = compare([held[uid] for uid in listed if uid in held],
                    {uid: held[uid] for uid in sorted(followed) if uid in held}, set(listed), today_in_paris(at))
    recorded = record_rappel_check(db, at=at, source=url, listed=report.listed,
                                   disagreements=[disagreement_event(f, at) for f in found],
                                   notices=rappel_notices(config, url, at))
    report.disagreements, report.new, report.notices = recorded.current, recorded.new, len(recorded.messages)
    if recorded.messages:
        report.alarm = send_admin_notices(db, at, config)
    return report


def report_json(report: RappelReport) -> dict[str, Any]:
    new = {e.id for e in report.new}
    return {"url": report.url, "revalidated": report.revalidated, "listed": report.listed, "skipped": report.skipped,
            "rejected": [rejected_json(r) for r in report.rejected],
            "disagreements": [{**event_json(e), "new": e.id in new, "sentence": rappel_sentence(e.details)}
                              for e in report.disagreements],
            "new_disagreements": len(report.new),
            "admin_notices": {"queued": report.notices, "sent": report.alarm.sent, "failed": report.alarm.failed,
                              "errors": report.alarm.errors},
            "imported": import_json(report.imported)}
