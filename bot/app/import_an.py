"""Import the AN's per-legislature archive of written questions, into the store.

- Download (`fetch_archive`): to `[http] cache_dir`/downloads, conditional (an unchanged archive is a
  304 and nothing is downloaded) and resumable (an interrupted transfer continues from the partial
  file's size), its validators and state kept in the `downloads` table (storage/downloads.py).
- Import (`import_archive`): the whole archive is verified first (a corrupt or truncated one, or one
  with a member of neither layout, is refused, naming the file and the member, before anything is
  stored), then read one question at a time: the question files (one per question), then the files
  holding a list of questions, streamed. Each question goes through `bot.app.ingest.ingest`, the
  same diff and store as the check cycle, and the follow rules. A question that cannot be read is
  reported with its member's name (and its position in a list) and the import goes on.
- Cross-check (`is_behind`): a watched question's stored state may come from its own page, read
  after the archive was built. An archive snapshot strictly behind that state is skipped, never
  stored: see `is_behind` for the rule.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache, partial
from itertools import islice
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

from sqlite_utils import Database

import bot.core.follow
import scrapers.an
import scrapers.an_archive
import scrapers.model
import scrapers.refs
import scrapers.validate
from bot.app.an_archive_download import archive_path, archive_url, fetch_archive
from bot.app.config import Config, FollowRule
from bot.app.ingest import IngestReport, ingest
from bot.app.json_views import event_json
from bot.app.logs import describe
from bot.app.settings import http_settings, source_settings
from bot.app.watched import watched
from bot.core.events import DEFAULT_SOON_DAYS
from bot.core.follow import fold, rule_matches
from bot.core.reconcile import is_behind
from scrapers.an_archive import AnArchive, ArchiveError, Member
from scrapers.http import FetchError, PoliteClient
from scrapers.model import ParseError, QuestionSnapshot
from scrapers.refs import QuestionRef
from scrapers.sources import SourceSettings, source_for
from storage.downloads import (
    MemberIndex,
    copy_refused,
    imported,
    load_member_index,
    save_member_index,
)
from storage.questions import CheckState, check_states, get_question, import_batch, save_failure
from storage.records import Event, Poll

SOURCE = "an-archive"  # the polls' source of a question read from the archive
BATCH = 500  # questions per transaction: one commit per question would cost more than the reading
# A batch also ends once its files reach this many bytes (their sizes in the zip's directory, which
# zipfile never reads past): memory is bounded by bytes, whatever the files' count or size.
BATCH_BYTES = 32 * 1024 * 1024
Now = Callable[[], datetime]


# --- the follow rules, cheaply ----------------------------------------------------------------
# bot.core.follow.matching_rules folds the whole text of every question (accents, case), which costs
# more than parsing it. Here each distinct word is folded once (fold works word by word, so the
# result is the same text), and a rule with keywords goes on only if every word of one of its
# keywords is somewhere in that text: a necessary condition of a match. The rules left are handed
# to ingest, which decides exactly with bot.core.follow.


@lru_cache(maxsize=1 << 17)
def _fold_word(word: str) -> str:
    return fold(word)


def folded_text(snapshot: QuestionSnapshot) -> str:
    """The title, analysis and text as bot.core.follow folds them."""
    whole = " ".join(part for part in (snapshot.title, snapshot.rubric, snapshot.text) if part)
    return " ".join(filter(None, map(_fold_word, whole.split())))


@lru_cache(maxsize=1024)
def _keyword_words(keyword: str) -> tuple[str, ...]:
    folded = fold(keyword)
    return tuple("".join(c if c.isalnum() else " " for c in folded).split())


def candidate_rules(rules: Sequence[FollowRule], snapshot: QuestionSnapshot) -> list[FollowRule]:
    """The rules that may match `snapshot`: every rule bot.core.follow.matching_rules would return, and
    rarely one more (a keyword whose words are in the text, but not in a row)."""
    if not rules:
        return []
    text: str | None = None
    found = []
    for rule in rules:
        if not rule.keywords:
            # No keyword: the text is not looked at. A rule by author is left to ingest, which names
            # an AN question's author from the AN's actors first (bot/app/authors.py).
            if (rule.author is not None and snapshot.chamber == "an") or rule_matches(rule, snapshot, ""):
                found.append(rule)
            continue
        text = folded_text(snapshot) if text is None else text
        if any(all(word in text for word in _keyword_words(k)) for k in rule.keywords):
            found.append(rule)
    return found


# --- the report -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MemberError:
    archive: str
    member: str
    error: str


@dataclass
class ArchiveOutcome:
    """One archive: where it came from, how it was fetched, whether it was imported."""

    source: str  # the archive's URL, or the --file given
    path: str
    legislature: int | None = None
    fetched: Literal["downloaded", "resumed", "not_modified", "file"] = "file"
    imported: bool = False
    questions: int = 0  # questions in it (one per question file, or in a list), when it was imported
    bytes: int = 0
    error: str | None = None  # why it could not be fetched or read


@dataclass
class ImportReport:
    read: int = 0  # questions read from the archives (those whose file could not be read are errors)
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    unopened: int = 0  # of the unchanged: files the member index showed unchanged, not even opened
    matched: int = 0
    behind: int = 0  # watched questions whose archive state was strictly behind the stored one
    events: Counter[str] = field(default_factory=Counter)  # events added, by kind
    listed: list[Event] = field(default_factory=list)  # the events added, but `published` (counted only)
    errors: list[MemberError] = field(default_factory=list)
    archives: list[ArchiveOutcome] = field(default_factory=list)
    seconds: float = 0.0
    stopped: bool = False  # asked to stop (the service shutting down) before the end

    @property
    def ok(self) -> bool:
        return not self.errors and not any(a.error for a in self.archives)

    def absorb(self, part: IngestReport) -> None:
        self.new += part.new
        self.changed += part.changed
        self.unchanged += part.unchanged
        self.matched += part.matched
        for event in part.events:
            self.events[event.kind] += 1
            if event.kind != "published":  # one per new question: counted, not kept
                self.listed.append(event)


# --- import -----------------------------------------------------------------------------------
# An import reads only what may have changed. The member index of the archive's last import
# (storage/downloads.py) gives each question file's CRC-32 and size, and the question's
# `last_success` in the store after that import; a file with the same CRC and size, of a question
# whose `last_success` is unchanged and which is not watched, is counted unchanged without being
# opened: `ingest` would have read it, compared it with the stored state and written nothing. The
# index is keyed by what the result also depends on (follow rules, settings, the parser's code):
# any change there, and every file is read again.

_CODE: tuple[ModuleType, ...] = (scrapers.an, scrapers.an_archive, scrapers.model, scrapers.refs, scrapers.validate,
                                  bot.core.follow)


@lru_cache(maxsize=1)
def _code_fingerprint() -> str:
    digest = hashlib.sha256()
    for module in _CODE:
        digest.update(Path(str(module.__file__)).read_bytes())
    return digest.hexdigest()


def index_key(rules: Sequence[FollowRule], sources: SourceSettings) -> str:
    """What an import's result depends on besides the archive and the store."""
    what = {"rules": [rule.model_dump(mode="json") for rule in rules], "base_url": sources.an_base_url,
            "legacy_base_url": sources.an_legacy_base_url,
            "closure_codes": dict(sorted(sources.an_closure_codes.items())), "code": _code_fingerprint()}
    return hashlib.sha256(json.dumps(what, sort_keys=True).encode()).hexdigest()


def index_path(cache_dir: Path, source: str) -> Path:
    """Where the member index of the archive named `source` (its URL, or a file's URI) is kept."""
    return cache_dir / "downloads" / "index" / f"{hashlib.sha256(source.encode()).hexdigest()[:24]}.json"


def _batches(members: Iterable[Member], size: int, max_bytes: int = BATCH_BYTES) -> Iterator[list[Member]]:
    """`members` in batches of at most `size` files and `max_bytes` bytes (a larger file alone)."""
    chunk: list[Member] = []
    held = 0
    for member in members:
        if chunk and (len(chunk) == size or held + member.size > max_bytes):
            yield chunk
            chunk, held = [], 0
        chunk.append(member)
        held += member.size
    if chunk:
        yield chunk


def _last_success(state: CheckState | None) -> str | None:
    return state.last_success.isoformat() if state is not None and state.last_success else None


@dataclass(frozen=True, slots=True)
class _Read:
    """One question read (on the reading thread): its snapshot and the rules that may match it, or the
    error that stopped it. `name` is its member's, with its position for a question of a list file;
    `member` is its question file (None for a question of a list, which the member index does not keep)."""

    name: str
    member: Member | None
    snapshot: QuestionSnapshot | None
    error: ParseError | None
    rules: list[FollowRule]


def _url_of(sources: SourceSettings) -> Callable[[QuestionRef], str]:
    """Where the check cycle reads a question: its snapshot from the archive is given that address."""
    return lambda ref: source_for(ref, sources).url


def _read(name: str, member: Member | None, result: QuestionSnapshot | ParseError,
          rules: Sequence[FollowRule]) -> _Read:
    if isinstance(result, ParseError):
        return _Read(name, member, None, result, [])
    return _Read(name, member, result, None, candidate_rules(rules, result))


def _read_members(archive: AnArchive, members: Sequence[Member], sources: SourceSettings,
                  rules: Sequence[FollowRule]) -> list[_Read]:
    found = []
    for member in members:
        try:
            result: QuestionSnapshot | ParseError = archive.read(
                member, url_of=_url_of(sources), closure_codes=sources.an_closure_codes)
        except ParseError as error:
            result = error
        found.append(_read(member.name, member, result, rules))
    return found


def _read_listed(questions: Iterator[tuple[str, QuestionSnapshot | ParseError]], size: int,
                 rules: Sequence[FollowRule]) -> list[_Read]:
    """The next `size` questions of a list file being streamed."""
    return [_read(name, None, result, rules) for name, result in islice(questions, size)]


@dataclass
class _Importing:
    """What `import_archive` carries from one batch to the next."""

    db: Database
    source: str
    now: datetime
    watched_refs: Collection[str]
    report: ImportReport
    soon_days: int
    read: dict[str, tuple[int, int, str]] = field(default_factory=dict)  # the new member index

    def to_read(self, chunk: Sequence[Member], known: Mapping[str, tuple[int, int, str]]) -> list[Member]:
        """The question files of `chunk` to read: all but those the member index `known` shows
        unchanged, which are counted here."""
        states = check_states(self.db, [member.uid for member in chunk])
        wanted = []
        for member in chunk:
            last = _last_success(states.get(member.uid))
            if last is not None and member.uid not in self.watched_refs and known.get(member.name) == (
                    member.crc, member.size, last):
                self.read[member.name] = (member.crc, member.size, last)
                self.report.read += 1
                self.report.unchanged += 1
                self.report.unopened += 1
            else:
                wanted.append(member)
        return wanted

    def refused(self, read: _Read, error: ParseError) -> None:
        """A question file that cannot be read is reported; a stored question keeps its state, and its
        poll log says why it was not updated (a question not stored yet gets no row for it)."""
        self.report.errors.append(MemberError(self.source, read.name, describe(error)))
        uid = read.member.uid if read.member is not None else None
        if uid is not None and check_states(self.db, [uid]):
            save_failure(self.db, uid, Poll(at=self.now, ref=uid, source=SOURCE, url=f"{self.source}#{read.name}",
                                            http_status=None, outcome="error", error=describe(error)))

    def store(self, reads: list[_Read]) -> None:
        """One batch: each question through `ingest`, in one transaction."""
        part = IngestReport()
        ingested: list[Member] = []
        with import_batch(self.db):
            for read in reads:
                if read.error is not None:
                    self.refused(read, read.error)
                    continue
                snapshot = read.snapshot
                assert snapshot is not None
                self.report.read += 1
                if snapshot.ref.uid in self.watched_refs:
                    stored = get_question(self.db, snapshot.ref.uid)
                    if stored is not None and stored.snapshot is not None and is_behind(stored.snapshot, snapshot):
                        self.report.behind += 1
                        continue
                ingest(self.db, snapshot, source=SOURCE, url=f"{self.source}#{read.name}", now=self.now,
                       rules=read.rules, report=part, soon_days=self.soon_days)
                if read.member is not None:
                    ingested.append(read.member)
        self.report.absorb(part)
        after = check_states(self.db, [member.uid for member in ingested])
        for member in ingested:
            if (last := _last_success(after.get(member.uid))) is not None:
                self.read[member.name] = (member.crc, member.size, last)


def _jobs(archive: AnArchive, importing: _Importing, known: Mapping[str, tuple[int, int, str]], *,
          sources: SourceSettings, rules: Sequence[FollowRule], batch: int) -> Iterator[Callable[[], list[_Read]]]:
    """The reads of an import, one batch each, to run on the reading thread: the question files that
    the member index does not show unchanged (decided here, on the storing thread), then the questions
    of each list file, streamed. A list's questions are all read: `ingest` finds those unchanged."""
    for chunk in _batches(archive.members, batch):
        if wanted := importing.to_read(chunk, known):
            yield partial(_read_members, archive, wanted, sources, rules)
    for listed in archive.lists:
        questions = archive.read_list(listed, url_of=_url_of(sources), closure_codes=sources.an_closure_codes)
        for _ in range(0, listed.count, batch):
            yield partial(_read_listed, questions, batch, rules)


def import_archive(db: Database, path: Path, *, source: str, now: datetime, rules: Sequence[FollowRule],
                   sources: SourceSettings, watched_refs: Collection[str], report: ImportReport,
                   index: MemberIndex | None = None, soon_days: int = DEFAULT_SOON_DAYS,
                   should_stop: Callable[[], bool] = lambda: False, batch: int = BATCH) -> tuple[int, MemberIndex]:
    """Verify the archive at `path`, then store every question in it through `ingest`, but those
    `index` shows unchanged. Returns how many questions the archive holds and the index of this
    import. `source` (its URL or file URI) names the archive in the polls and the errors. Raises
    `ArchiveError`, before anything is stored, when the archive is corrupt or truncated, or holds a
    JSON file of neither layout.

    Questions are read and parsed on a second thread, one batch ahead of the batch being stored:
    SQLite works without holding the GIL, so reading the next batch costs little time of its own. At
    most two batches are in memory. `should_stop` is asked between batches: when it says so, the
    import ends after the batch under way, with `report.stopped` set."""
    key = index_key(rules, sources)
    known = index.members if index is not None and index.key == key else {}
    importing = _Importing(db, source, now, watched_refs, report, soon_days)
    with AnArchive(path) as archive, ThreadPoolExecutor(1, thread_name_prefix="relance-archive") as reader:
        count = archive.verify()
        pending: Future[list[_Read]] | None = None
        for job in _jobs(archive, importing, known, sources=sources, rules=rules, batch=batch):
            if should_stop():
                report.stopped = True
                break
            ahead = reader.submit(job)
            if pending is not None:
                importing.store(pending.result())
            pending = ahead
        if pending is not None:
            importing.store(pending.result())
    return count, MemberIndex(key, importing.read)


def _import_file(db: Database, path: Path, outcome: ArchiveOutcome, *, config: Config, cache_dir: Path, now: Now,
                 watched_refs: Collection[str], again: bool, report: ImportReport,
                 should_stop: Callable[[], bool]) -> None:
    """Import one archive with its member index, and keep the new index (each of its entries holds
    on its own: an index of an import cut short is as good for what it covers)."""
    where = index_path(cache_dir, outcome.source)
    outcome.questions, new_index = import_archive(
        db, path, source=outcome.source, now=now(), rules=config.follow, sources=source_settings(config),
        watched_refs=watched_refs, report=report, index=None if again else load_member_index(where),
        soon_days=config.check.deadline_soon_days, should_stop=should_stop)
    save_member_index(where, new_index)
    outcome.imported = not report.stopped


def import_an(config: Config, db: Database, *, now: Now, legislatures: Sequence[int] | None = None,
              file: Path | None = None, again: bool = False, client: PoliteClient | None = None,
              should_stop: Callable[[], bool] = lambda: False) -> ImportReport:
    """Import the local zip `file`, or download and import the archive of each legislature
    (`[sources.an] legislatures` unless given), through `client` (one of its own by default). An
    archive unchanged on the server since it was last imported, with the same follow rules, is not
    imported again, unless `again`, which also reads every question again. An archive that cannot
    be fetched or read is reported in its outcome and the others go on. `should_stop` is asked
    between archives and between batches of questions (the service shutting down)."""
    started = time.perf_counter()
    report = ImportReport()
    watched_refs = {w.ref.uid for w in watched(config, db)}
    cache_dir = Path(config.http.cache_dir or ".relance-cache")
    if file is not None:
        outcome = ArchiveOutcome(source=file.resolve().as_uri(), path=str(file),
                                 bytes=file.stat().st_size if file.is_file() else 0)
        report.archives.append(outcome)
        try:
            _import_file(db, file, outcome, config=config, cache_dir=cache_dir, now=now, watched_refs=watched_refs,
                         again=again, report=report, should_stop=should_stop)
        except ArchiveError as error:
            outcome.error = describe(error)
        report.seconds = time.perf_counter() - started
        return report
    key = index_key(config.follow, source_settings(config))
    with contextlib.ExitStack() as stack:
        if client is None:
            client = stack.enter_context(PoliteClient(http_settings(config)))
        for legislature in legislatures or config.sources.an.legislatures:
            if should_stop():
                report.stopped = True
                break
            url = archive_url(config.sources.an.archive_url, legislature)
            path = archive_path(cache_dir, legislature, url)
            outcome = ArchiveOutcome(source=url, path=str(path), legislature=legislature)
            report.archives.append(outcome)
            try:
                fetched = fetch_archive(db, client, url, path, now=now())
                outcome.fetched, outcome.bytes = fetched.fetched, fetched.length
                previous = load_member_index(index_path(cache_dir, url))
                if fetched.imported_before and not again and previous is not None and previous.key == key:
                    continue
                _import_file(db, path, outcome, config=config, cache_dir=cache_dir, now=now,
                             watched_refs=watched_refs, again=again, report=report, should_stop=should_stop)
                if report.stopped:
                    break
                imported(db, url, now())
            except ArchiveError as error:
                # A copy that cannot be read is forgotten: the next run downloads it whole.
                copy_refused(db, url)
                path.unlink(missing_ok=True)
                outcome.error = describe(error)
            except FetchError as error:
                outcome.error = describe(error)
    report.seconds = time.perf_counter() - started
    return report


# --- the report as JSON -----------------------------------------------------------------------


def report_json(report: ImportReport) -> dict[str, Any]:
    return {"read": report.read, "new": report.new, "changed": report.changed, "unchanged": report.unchanged,
            "unopened": report.unopened, "matched": report.matched, "behind": report.behind, "errors": [
                {"archive": e.archive, "member": e.member, "error": e.error} for e in report.errors],
            "seconds": round(report.seconds, 3), "stopped": report.stopped,
            "events_by_kind": dict(sorted(report.events.items())),
            "events": [event_json(e) for e in report.listed],
            "archives": [{"legislature": a.legislature, "source": a.source, "path": a.path, "fetched": a.fetched,
                          "imported": a.imported, "questions": a.questions, "bytes": a.bytes, "error": a.error}
                         for a in report.archives]}
