"""Assemblée nationale written questions: open-data JSON (legislature 15 on) and the older site's
XML view (legislature 14 and before), each read into a `QuestionSnapshot`.

Both readers are pure functions of the bytes and the URL they came from.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from lxml import etree

from scrapers.model import (
    Answer,
    Attribution,
    Author,
    Closure,
    Ministry,
    ParseError,
    QuestionSnapshot,
    Status,
)
from scrapers.refs import QuestionRef, RefError, parse_ref
from scrapers.validate import checked_snapshot, plausible_date

AN_BASE_URL = "https://www.assemblee-nationale.fr"
AN_LEGACY_BASE_URL = "https://questions.assemblee-nationale.fr"
LAST_LEGACY_LEGISLATURE = 14

# Closure codes of the AN data, mapped to relance's states. Only codes seen in real files are here
# (../shared/samples/an/SOURCES.md); an unknown code is an error, never a guess. An operator who
# meets a new code maps it in config.toml ([sources.an.closure_codes]) without a code change.
KNOWN_CLOSURE_CODES: Mapping[str, Status] = {"REP_PUB": "answered"}
# Closure labels seen on real AN pages, for records whose code is not known but whose label is:
# "Fin de mandat" closes QANR5L15QE44415 at the end of the 15th legislature.
KNOWN_CLOSURE_LABELS: Mapping[str, Status] = {"réponse publiée": "answered", "fin de mandat": "closed"}


def an_json_url(ref: QuestionRef, base_url: str = AN_BASE_URL) -> str:
    return f"{base_url.rstrip('/')}/dyn/opendata/{ref.uid}.json"


def an_xml_url(ref: QuestionRef, legacy_base_url: str = AN_LEGACY_BASE_URL) -> str:
    leg, number = ref.legislature, ref.number
    return f"{legacy_base_url.rstrip('/')}/q{leg}/{leg}-{number}QE.htm/vue/xml"


# --- shared helpers -------------------------------------------------------------------------

_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:(?:T[\d:.]+)?(?:Z|[+-]\d{2}:?\d{2})?)?")
_FR_DATE = re.compile(r"(\d{2})/(\d{2})/(\d{4})")
_BREAKS = re.compile(r"<\s*/?\s*br\s*/?\s*>|<\s*/\s*(?:p|div|tr|li|h\d)\s*>|<!--\s*DEBTAB\s*-->", re.I)
_TAG = re.compile(r"<[^>]*>")
_NAME_PARTICLES = frozenset({"de", "du", "des", "d'", "le", "la", "von", "van", "di", "da"})


def _date(value: object, url: str, field: str, pattern: re.Pattern[str] = _ISO_DATE) -> date:
    """A calendar date from the source; an offset suffix (`2023-01-10+01:00`) is kept as a date."""
    if not isinstance(value, str) or not (m := pattern.fullmatch(value.strip())):
        raise ParseError(url, field, repr(value))
    parts = [int(p) for p in m.groups()]
    year, month, day = parts if pattern is _ISO_DATE else parts[::-1]
    try:
        found = date(year, month, day)
    except ValueError:
        raise ParseError(url, field, repr(value)) from None
    return plausible_date(found, url, field)


def _optional_date(value: object, url: str, field: str, pattern: re.Pattern[str] = _ISO_DATE) -> date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return _date(value, url, field, pattern)


def plain_text(fragment: str) -> str:
    """The readable text of an HTML fragment of the AN data: tags dropped, entities decoded,
    paragraph breaks kept as newlines, no-break spaces made plain."""
    text = _TAG.sub("", _BREAKS.sub("\n", fragment))
    text = html.unescape(text).replace("\xa0", " ").replace("\u202f", " ")
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def author_from_text(text: str | None) -> tuple[str | None, str | None]:
    """(civility, name) from the opening of a question ("Mme Olivia Grégoire interroge…"): the AN
    record carries the author's actor id, not the name, but every question text starts with it."""
    if not text:
        return None, None
    words = text.split(maxsplit=12)
    if not words or words[0] not in ("M.", "Mme", "Mlle"):
        return None, None
    name: list[str] = []
    for word in words[1:]:
        particle = word.lower() in _NAME_PARTICLES and bool(name)
        elided = word.lower().startswith("d'") and word[2:3].isupper()
        if word[:1].isupper() or particle or elided:
            name.append(word)
        else:
            break
    while name and name[-1].lower() in _NAME_PARTICLES:
        name.pop()
    return words[0], (" ".join(name) or None)


def _status_of(closure: Closure | None, has_answer: bool, extra_codes: Mapping[str, Status],
               url: str) -> Status:
    if closure is None:
        return "answered" if has_answer else "pending"
    codes = {**KNOWN_CLOSURE_CODES, **extra_codes}
    if closure.code and closure.code in codes:
        return codes[closure.code]
    if (status := KNOWN_CLOSURE_LABELS.get(closure.label.strip().lower())) is not None:
        return status
    raise ParseError(url, "closure code", f"{closure.code} ({closure.label}): unknown; "
                     "map it in config.toml [sources.an.closure_codes]")


def _ref_from(url: str, uid: str | None, legislature: str | None, number: str | None) -> QuestionRef:
    try:
        ref = parse_ref(uid) if uid else parse_ref(f"AN {legislature}-{number}")
    except RefError:
        raise ParseError(url, "identifier", f"uid={uid} legislature={legislature} number={number}") from None
    if number is not None and str(ref.number) != str(number).strip().lstrip("0"):
        raise ParseError(url, "identifiant.numero", f"{number} (uid says {ref.number})")
    if legislature is not None and str(ref.legislature) != str(legislature).strip():
        raise ParseError(url, "identifiant.legislature", f"{legislature} (uid says {ref.legislature})")
    return ref


# --- open-data JSON ---------------------------------------------------------------------------
# The record's shape varies (an object here, a list there, null or absent): these accessors say
# what each field may be, and turn anything else into a ParseError naming the field.


def _as_list(value: object) -> list[Any]:
    """The AN JSON writes one item as an object and several as a list: always give a list."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _obj(value: object, url: str, field: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ParseError(url, field, type(value).__name__ if value is not None else "nothing")
    return value


def _section(parent: dict[str, Any], key: str, url: str, field: str) -> dict[str, Any]:
    """An optional object: {} when null or absent."""
    value = parent.get(key)
    return {} if value is None else _obj(value, url, field)


def _items(parent: dict[str, Any], key: str, url: str, field: str) -> list[dict[str, Any]]:
    """An optional object-or-list of objects."""
    return [_obj(item, url, field) for item in _as_list(parent.get(key))]


def _str(parent: dict[str, Any], key: str, url: str, field: str) -> str | None:
    value = parent.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ParseError(url, field, repr(value)[:80])
    return value.strip() or None


def _json_ministry(value: object, url: str, field: str) -> Ministry | None:
    if value is None:
        return None
    data = _obj(value, url, field)
    short = _str(data, "abrege", url, f"{field}.abrege")
    name = _str(data, "developpe", url, f"{field}.developpe") or short
    if name is None:
        raise ParseError(url, f"{field}.developpe", repr(data)[:80])
    return Ministry(name=name, short=short, id=_str(data, "organeRef", url, f"{field}.organeRef"))


def _json_event_dates(value: object, item_key: str, url: str, field: str) -> tuple[date, ...]:
    """Dates of signalements or renewals: each item's JO date, else its own dated field."""
    container = value.get(item_key, value) if isinstance(value, dict) else value
    dates: list[date] = []
    for raw in _as_list(container):
        item = _obj(raw, url, field)
        info = _section(item, "infoJO", url, f"{field}.infoJO")
        candidates = [info.get("dateJO")] + [v for k, v in item.items() if k.lower().startswith("date")]
        found = next((c for c in candidates if isinstance(c, str) and c.strip()), None)
        if found is None:
            raise ParseError(url, f"{field} date", repr(item)[:80])
        dates.append(_date(found, url, f"{field} date"))
    return tuple(sorted(set(dates)))


def _json_title(q: dict[str, Any], url: str) -> tuple[str | None, str | None]:
    """(title, rubric): the analyses joined, as the AN site shows them, and the rubrique."""
    index = _section(q, "indexationAN", url, "indexationAN")
    analyses = _section(index, "analyses", url, "indexationAN.analyses")
    parts = [a.strip() for a in _as_list(analyses.get("analyse")) if isinstance(a, str) and a.strip()]
    title = ". ".join(parts) or _str(index, "teteAnalyse", url, "indexationAN.teteAnalyse")
    return title, _str(index, "rubrique", url, "indexationAN.rubrique")


def _json_author(q: dict[str, Any], text: str | None, url: str) -> Author:
    author = _section(q, "auteur", url, "auteur")
    group = _section(author, "groupe", url, "auteur.groupe")
    identity = _section(author, "identite", url, "auteur.identite")
    civility, name = author_from_text(text)
    return Author(name=name, civility=civility, group=_str(group, "abrege", url, "auteur.groupe.abrege"),
                  group_name=_str(group, "developpe", url, "auteur.groupe.developpe"),
                  actor_ref=_str(identity, "acteurRef", url, "auteur.identite.acteurRef"))


def _json_attributions(q: dict[str, Any], url: str) -> tuple[Attribution, ...]:
    attributions = []
    for item in _items(_section(q, "minAttribs", url, "minAttribs"), "minAttrib", url, "minAttribs.minAttrib"):
        ministry = _json_ministry(item.get("denomination"), url, "minAttrib.denomination")
        info = _section(item, "infoJO", url, "minAttrib.infoJO")
        if ministry is not None:
            attributions.append(Attribution(ministry, _optional_date(info.get("dateJO"), url,
                                                                     "minAttrib.infoJO.dateJO")))
    return tuple(attributions)


def _json_answer(q: dict[str, Any], ministry: str | None, url: str) -> Answer | None:
    answers = _items(_section(q, "textesReponse", url, "textesReponse"), "texteReponse", url,
                     "textesReponse.texteReponse")
    if not answers:
        return None
    # Several answers mean an erratum or a re-published answer: the last one is current.
    last = answers[-1]
    jo = _obj(last.get("infoJO"), url, "texteReponse.infoJO")
    return Answer(date=_date(jo.get("dateJO"), url, "texteReponse.infoJO.dateJO"),
                  page=_str(jo, "pageJO", url, "texteReponse.infoJO.pageJO"),
                  text=plain_text(_str(last, "texte", url, "texteReponse.texte") or ""), ministry=ministry)


def _json_closure(q: dict[str, Any], url: str) -> Closure | None:
    c = _section(q, "cloture", url, "cloture")
    code = _str(c, "codeCloture", url, "cloture.codeCloture")
    label = _str(c, "libelleCloture", url, "cloture.libelleCloture")
    if code is None and label is None:
        return None
    return Closure(code=code, label=label or "", date=_optional_date(c.get("dateCloture"), url,
                                                                      "cloture.dateCloture"))


def parse_an_json(data: bytes, url: str,
                  closure_codes: Mapping[str, Status] | None = None) -> QuestionSnapshot:
    """Read one AN open-data written question (`{"question": {...}}`) into a snapshot."""
    try:
        document = json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError) as error:
        raise ParseError(url, "JSON document", f"{type(error).__name__}: {error}") from None
    q = _obj(_obj(document, url, "document").get("question"), url, "question")
    if q.get("type") != "QE":
        raise ParseError(url, "type", f"{q.get('type')} (only written questions, QE, are read)")
    ident = _obj(q.get("identifiant"), url, "identifiant")
    ref = _ref_from(url, _str(q, "uid", url, "uid"), _str(ident, "legislature", url, "identifiant.legislature"),
                    _str(ident, "numero", url, "identifiant.numero"))

    questions = _items(_obj(q.get("textesQuestion"), url, "textesQuestion"), "texteQuestion", url,
                       "textesQuestion.texteQuestion")
    if not questions:
        raise ParseError(url, "textesQuestion.texteQuestion", "no question text")
    first_jo = _obj(questions[0].get("infoJO"), url, "texteQuestion.infoJO")
    text = plain_text(_str(questions[0], "texte", url, "texteQuestion.texte") or "") or None
    title, rubric = _json_title(q, url)
    attributions = _json_attributions(q, url)
    answer = _json_answer(q, attributions[-1].ministry.name if attributions else None, url)
    closure = _json_closure(q, url)
    status = _status_of(closure, answer is not None, closure_codes or {}, url)
    if status == "answered" and answer is None and closure is not None and closure.date is not None:
        # The closure says an answer was published before its text reached the open data.
        answer = Answer(date=closure.date, page=None, text="")

    return checked_snapshot(QuestionSnapshot(
        ref=ref, url=url, status=status, title=title, rubric=rubric, author=_json_author(q, text, url),
        ministry_asked=_json_ministry(q.get("minInt"), url, "minInt"), attributions=attributions,
        text=text, published=_date(first_jo.get("dateJO"), url, "texteQuestion.infoJO.dateJO"),
        published_page=_str(first_jo, "pageJO", url, "texteQuestion.infoJO.pageJO"), answer=answer,
        signaled=_json_event_dates(q.get("signalement"), "signalement", url, "signalement"),
        renewed=_json_event_dates(q.get("renouvellements"), "renouvellement", url, "renouvellements"),
        closure=closure,
    ))


# --- legacy XML view --------------------------------------------------------------------------

_XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def _text(element: etree._Element | None, path: str) -> str | None:
    found = element.find(path) if element is not None else None
    return found.text.strip() or None if found is not None and found.text else None


def _xml_ministry(element: etree._Element | None) -> Ministry | None:
    name = _text(element, "DEVELOPPE") or _text(element, "ABREGE")
    if element is None or name is None:
        return None
    return Ministry(name=name, short=_text(element, "ABREGE"),
                    id=_text(element, "ID_MINI") or _text(element, "ID_MINA"))


def _fr(value: str | None, url: str, field: str) -> date | None:
    return _optional_date(value, url, field, _FR_DATE)


def parse_an_xml(data: bytes, url: str,
                 closure_codes: Mapping[str, Status] | None = None) -> QuestionSnapshot:
    """Read the XML view of questions.assemblee-nationale.fr (`/q14/14-47351QE.htm/vue/xml`)."""
    try:
        root = etree.fromstring(data, _XML_PARSER)
    except (etree.XMLSyntaxError, ValueError) as error:
        raise ParseError(url, "XML document", str(error)) from None
    if root.tag != "QUESTION":
        raise ParseError(url, "root element", str(root.tag))
    if root.get("TYPE") != "QE":
        raise ParseError(url, "QUESTION/@TYPE", f"{root.get('TYPE')} (only written questions, QE)")
    deposit = root.find("DEPOT[@NUMERO]")
    if deposit is None:
        raise ParseError(url, "DEPOT/@NUMERO", "absent")
    ref = _ref_from(url, None, _text(root, "LEGISLATURE"), deposit.get("NUMERO"))

    author_el = root.find("AUTEUR")
    first, last = _text(author_el, "PRENOM"), _text(author_el, "NOM")
    circ = root.find("CIRCONSCRIPTION")
    constituency = _text(circ, "DEPARTEMENT")
    if constituency and circ is not None and (n := circ.get("NUMERO_CIRCONSCRIPTION")):
        constituency += f" ({n}{'re' if n == '1' else 'e'} circonscription)"
    group_el = root.find("GROUPE")
    author = Author(name=" ".join(p for p in (first, last) if p) or None,
                    civility=_text(author_el, "CIVILITE"),
                    group=group_el.get("SIGLE") if group_el is not None else None,
                    group_name=_text(group_el, "LIBELLE"), constituency=constituency,
                    actor_ref=_text(author_el, "ID_ACTEUR"))

    index = root.find("INDEXATION_AN")
    analyses = [a.text.strip() for a in root.iterfind("INDEXATION_AN/ANALYSE/ANA") if a.text and a.text.strip()]
    attributions = tuple(
        Attribution(ministry, _fr(_text(order, "DATE_JO"), url, "MINA/ORDRE/DATE_JO"))
        for order in sorted(root.iterfind("MINA/ORDRE"), key=lambda o: int(o.get("NUMERO") or 0))
        if (ministry := _xml_ministry(order)) is not None)

    answer = None
    if (answer_date := _fr(_text(root, "REPONSE/DATE_JO_REPONSE"), url, "REPONSE/DATE_JO_REPONSE")):
        answer = Answer(date=answer_date, page=_text(root, "REPONSE/PAGE_JO_REPONSE"),
                        text=plain_text(_text(root, "REPONSE/TEXTE_REPONSE") or ""),
                        ministry=attributions[-1].ministry.name if attributions else None)
    closure = None
    if (label := _text(root, "CLOTURE/LIBELLE")) or _text(root, "CLOTURE/ABREGE"):
        closure = Closure(code=_text(root, "CLOTURE/ABREGE"), label=label or "",
                          date=_fr(_text(root, "CLOTURE/DATE_JO"), url, "CLOTURE/DATE_JO"))
    text = plain_text(_text(root, "DEPOT/TEXTE_DEPOT") or "") or None
    signaled = {d for s in root.iterfind("SIGNALEMENT")
                if (d := _fr(_text(s, "DATE_JO"), url, "SIGNALEMENT/DATE_JO"))}
    renewed = {d for r in root.iterfind("RENOUVELLEMENT/ORDRE")
               if (d := _fr(_text(r, "DATE_RENOUVELLEMENT"), url, "RENOUVELLEMENT/DATE_RENOUVELLEMENT"))}
    published = _fr(_text(deposit, "DATE_JO"), url, "DEPOT/DATE_JO")
    if published is None:
        raise ParseError(url, "DEPOT/DATE_JO", "absent")
    return checked_snapshot(QuestionSnapshot(
        ref=ref, url=url, status=_status_of(closure, answer is not None, closure_codes or {}, url),
        title=". ".join(analyses) or _text(index, "TETE_ANALYSE"),
        rubric=index.get("RUBRIQUE") if index is not None else None, author=author,
        ministry_asked=_xml_ministry(root.find("MINI")), attributions=attributions, text=text,
        published=published, published_page=_text(deposit, "PAGE_JO"), answer=answer,
        signaled=tuple(sorted(signaled)), renewed=tuple(sorted(renewed)), closure=closure,
    ))
