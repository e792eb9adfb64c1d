"""The AN's open data of deputies, ministers and bodies ("AMO"): a zip of one JSON file per actor
(`json/acteur/PA….json`) and per body (`json/organe/PO….json`), read into actors with their dated
mandates, and bodies (groups, ministries, governments, the Assembly).

The AN question JSON names its author only by `acteurRef` and its group by `organeRef`: these are
the names behind them. `parse_actor` and `parse_body` are pure functions of one member's bytes;
`AmoArchive` reads a zip from disk one member at a time (never the whole in memory), reports a member
it cannot read and goes on, and refuses a file that is not a zip or holds no actor at all.

Format facts (../shared/samples/an/amo/SOURCES.md): a nil value is `null` or
`{"@xsi:nil": "true"}`; `acteur.uid` is an object whose `#text` is the id; `mandats.mandat` is a
list or a single object; a mandate's `organes.organeRef` is one ref or a list; other members
(`deport/…`, folders) are no actor and no body, and are skipped.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from scrapers.errors import SourceFailed
from scrapers.model import ParseError
from scrapers.validate import AMO_EARLIEST, clean_text, plausible_date
from scrapers.zips import ZIP_DAMAGE, ZipReader

# `json/acteur/PA793816.json`, `json/organe/PO800496.json`, at the root or under more folders.
ACTOR_MEMBER = re.compile(r"(?:.*/)?acteur/(PA\d+)\.json")
BODY_MEMBER = re.compile(r"(?:.*/)?organe/(PO\d+)\.json")
# The largest real member is about 110 KB (an actor with decades of mandates); far larger is no
# actor, and is not read into memory.
MAX_MEMBER_BYTES = 16 * 1024 * 1024
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:(?:T[\d:.]+)?(?:Z|[+-]\d{2}:?\d{2})?)?")


class AmoFileError(SourceFailed):
    """An AMO file that cannot be read at all (not a zip, no actor in it): names the file and the problem."""

    def __init__(self, path: str | Path, problem: str) -> None:
        self.path, self.problem = str(path), problem
        super().__init__(f"AMO file {path}: {problem}")


@dataclass(frozen=True, slots=True)
class Mandate:
    """One dated mandate of an actor in a body: `organ_type` is the body's type (GP: a political
    group, ASSEMBLEE, MINISTERE, GOUVERNEMENT…), `quality` its `codeQualite` (Membre, Président…)."""

    uid: str  # PM…
    organ_type: str
    organ_refs: tuple[str, ...]  # PO…; a minister's mission may name several bodies
    quality: str | None
    start: date | None
    end: date | None  # inclusive; None while it lasts
    legislature: int | None

    def covers(self, day: date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)


@dataclass(frozen=True, slots=True)
class Actor:
    """A deputy, senator or minister: `first_name` and `surname` as the AN writes them."""

    uid: str  # PA…
    civility: str | None  # M. | Mme
    first_name: str
    surname: str
    mandates: tuple[Mandate, ...]

    @property
    def name(self) -> str:
        """The name as the AN writes it in a question's text: `Charles de Courson`, `Mélanie Thomin`."""
        return f"{self.first_name} {self.surname}".strip()


@dataclass(frozen=True, slots=True)
class Body:
    """An organe: `name` is its `libelle`, `short` its `libelleAbrege`, `abbreviation` its
    `libelleAbrev` (a group's initials: EPR, SOC)."""

    uid: str  # PO…
    type: str  # codeType: GP, MINISTERE, GOUVERNEMENT, ASSEMBLEE…
    name: str
    short: str | None
    abbreviation: str | None
    start: date | None
    end: date | None
    parent: str | None


# --- values -------------------------------------------------------------------------------------


def _nil(value: object) -> bool:
    """Null, or the XML schema's nil written as an object (`{"@xsi:nil": "true"}`)."""
    return value is None or (isinstance(value, dict) and value.get("@xsi:nil") == "true")


def _text(value: object, where: str, field: str) -> str | None:
    """A string, nil, or an object holding it as `#text` (the actor's `uid`)."""
    if _nil(value):
        return None
    if isinstance(value, dict) and "#text" in value:
        value = value["#text"]
    if not isinstance(value, str):
        raise ParseError(where, field, repr(value)[:80])
    return clean_text(value.strip(), where, field) or None


def _required(value: object, where: str, field: str) -> str:
    text = _text(value, where, field)
    if text is None:
        raise ParseError(where, field, "nothing")
    return text


def _object(value: object, where: str, field: str) -> dict[str, Any]:
    """An optional object: {} when nil or absent."""
    if _nil(value):
        return {}
    if not isinstance(value, dict):
        raise ParseError(where, field, type(value).__name__)
    return value


def _list(value: object) -> list[Any]:
    """One item is written as an object, several as a list: always a list."""
    if _nil(value):
        return []
    return value if isinstance(value, list) else [value]


def _date(value: object, where: str, field: str) -> date | None:
    text = _text(value, where, field)
    if text is None:
        return None
    if not (m := _ISO_DATE.fullmatch(text)):
        raise ParseError(where, field, text)
    try:
        found = date(*(int(part) for part in m.groups()))
    except ValueError:
        raise ParseError(where, field, text) from None
    return plausible_date(found, where, field, earliest=AMO_EARLIEST)


def _int(value: object, where: str, field: str) -> int | None:
    text = _text(value, where, field)
    if text is None:
        return None
    if not text.isdigit():
        raise ParseError(where, field, text)
    return int(text)


def _document(data: bytes, root: str, where: str) -> dict[str, Any]:
    try:
        document = json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError) as error:
        raise ParseError(where, "JSON document", f"{type(error).__name__}: {error}") from None
    if not isinstance(document, dict) or not isinstance(document.get(root), dict):
        keys = ", ".join(list(document)[:3]) if isinstance(document, dict) else type(document).__name__
        raise ParseError(where, root, f"no {root!r} object (found {keys})")
    return document[root]  # type: ignore[no-any-return]


# --- one member -----------------------------------------------------------------------------------


def _mandate(raw: object, where: str, index: int) -> Mandate:
    field = f"mandats.mandat[{index}]"
    m = _object(raw, where, field)
    organs = _object(m.get("organes"), where, f"{field}.organes")
    refs = tuple(ref for i, item in enumerate(_list(organs.get("organeRef")))
                 if (ref := _text(item, where, f"{field}.organes.organeRef[{i}]")))
    quality = _object(m.get("infosQualite"), where, f"{field}.infosQualite")
    return Mandate(uid=_required(m.get("uid"), where, f"{field}.uid"),
                   organ_type=_required(m.get("typeOrgane"), where, f"{field}.typeOrgane"), organ_refs=refs,
                   quality=_text(quality.get("codeQualite"), where, f"{field}.infosQualite.codeQualite"),
                   start=_date(m.get("dateDebut"), where, f"{field}.dateDebut"),
                   end=_date(m.get("dateFin"), where, f"{field}.dateFin"),
                   legislature=_int(m.get("legislature"), where, f"{field}.legislature"))


def parse_actor(data: bytes, where: str) -> Actor:
    """One `json/acteur/PA….json` member (`{"acteur": {...}}`). `where` names it in errors."""
    a = _document(data, "acteur", where)
    ident = _object(_object(a.get("etatCivil"), where, "etatCivil").get("ident"), where, "etatCivil.ident")
    mandates = _object(a.get("mandats"), where, "mandats")
    return Actor(uid=_required(a.get("uid"), where, "acteur.uid"),
                 civility=_text(ident.get("civ"), where, "etatCivil.ident.civ"),
                 first_name=_required(ident.get("prenom"), where, "etatCivil.ident.prenom"),
                 surname=_required(ident.get("nom"), where, "etatCivil.ident.nom"),
                 mandates=tuple(_mandate(raw, where, i) for i, raw in enumerate(_list(mandates.get("mandat")))))


def parse_body(data: bytes, where: str) -> Body:
    """One `json/organe/PO….json` member (`{"organe": {...}}`). `where` names it in errors."""
    o = _document(data, "organe", where)
    dates = _object(o.get("viMoDe"), where, "viMoDe")
    return Body(uid=_required(o.get("uid"), where, "organe.uid"),
                type=_required(o.get("codeType"), where, "organe.codeType"),
                name=_required(o.get("libelle"), where, "organe.libelle"),
                short=_text(o.get("libelleAbrege"), where, "organe.libelleAbrege"),
                abbreviation=_text(o.get("libelleAbrev"), where, "organe.libelleAbrev"),
                start=_date(dates.get("dateDebut"), where, "viMoDe.dateDebut"),
                end=_date(dates.get("dateFin"), where, "viMoDe.dateFin"),
                parent=_text(o.get("organeParent"), where, "organe.organeParent"))


# --- the zip --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MemberError:
    """A member that could not be read: its name and why; the others are read."""

    member: str
    error: str


Record = Actor | Body | MemberError


class AmoArchive(ZipReader):
    """An AMO zip open for reading; use it as a context manager. `actor_members` and `body_members`
    are counted from the zip's directory, without reading anything; `skipped` are the other members."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, AmoFileError)
        self._members: list[tuple[zipfile.ZipInfo, bool]] = []  # (member, is an actor)
        self.skipped = 0
        for info in self._zip.infolist():
            if info.is_dir():
                continue
            if ACTOR_MEMBER.fullmatch(info.filename):
                self._members.append((info, True))
            elif BODY_MEMBER.fullmatch(info.filename):
                self._members.append((info, False))
            else:
                self.skipped += 1
        self.actor_members = sum(is_actor for _, is_actor in self._members)
        self.body_members = len(self._members) - self.actor_members
        if not self.actor_members:
            self._zip.close()
            raise AmoFileError(path, "no acteur/PA….json member: not the AN's open data of deputies (AMO)")

    def records(self) -> Iterator[Record]:
        """Every actor and body, in the zip's order, one member in memory at a time; a member that
        cannot be read (damaged, too large, not JSON, a field of the wrong shape) as a `MemberError`."""
        for info, is_actor in self._members:
            where = f"{self.path}#{info.filename}"
            if info.file_size > MAX_MEMBER_BYTES:
                yield MemberError(info.filename, f"{info.file_size} bytes: too large for one actor or body")
                continue
            try:
                data = self._zip.read(info)
            except ZIP_DAMAGE as error:
                yield MemberError(info.filename, f"damaged member: {type(error).__name__}: {error}")
                continue
            try:
                record: Actor | Body = parse_actor(data, where) if is_actor else parse_body(data, where)
            except ParseError as error:
                yield MemberError(info.filename, str(error))
                continue
            named = (ACTOR_MEMBER if is_actor else BODY_MEMBER).fullmatch(info.filename)
            if named is not None and named.group(1) != record.uid:
                # A file named after one actor but holding another must not overwrite either.
                yield MemberError(info.filename, f"{where}: holds {record.uid}, but is named after {named.group(1)}")
                continue
            yield record
