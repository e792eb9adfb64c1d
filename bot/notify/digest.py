"""The e-mails relance writes, in French: a digest of events and the double opt-in confirmation.

Pure rendering: a `Digest` becomes a subject, a plain-text part and an HTML part (Jinja2 templates
under `templates/`, CSS inlined by css-inline). The wording is built here, the layout in the templates.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

import css_inline
from babel.dates import format_time
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from bot.core.deadlines import PARIS, deadline_from
from bot.notify.content import Digest, Item, SectionName, SourceLine
from bot.notify.wording import (
    AN_OVERDUE_ACTION,
    CHAMBER_SITES,
    ENDINGS_FR,
    FREQUENCIES_FR,
    HEADINGS,
    LOCALE,
    SECTION_NOUNS,
    SECTION_TITLES,
    SENAT_OVERDUE_ACTION,
    SENAT_REMINDER_LIST,
    STATUS_LONG_FR,
    SUBJECT_PREFIX,
    TEXT_WIDTH,
    capitalized,
    days,
    fr_ago,
    fr_count,
    fr_date,
    fr_list,
    kind_fr,
)


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


@dataclass(frozen=True, slots=True)
class Entry:
    """One item as the templates show it: every sentence already written."""

    label: str
    title: str | None
    summary: str
    facts: tuple[tuple[str, str], ...]
    url: str
    link_text: str
    excerpt: str | None = None
    action: str | None = None


@dataclass(frozen=True, slots=True)
class Section:
    name: SectionName
    title: str
    entries: tuple[Entry, ...]


def _facts(*pairs: tuple[str, str | None]) -> tuple[tuple[str, str], ...]:
    return tuple((label, value) for label, value in pairs if value)


def _who(item: Item) -> tuple[tuple[str, str | None], tuple[str, str | None]]:
    return ("Auteur", item.author), ("Ministère", capitalized(item.ministry) if item.ministry else None)


def _entry(item: Item, summary: str, *facts: tuple[str, str | None], excerpt: str | None = None,
           action: str | None = None) -> Entry:
    return Entry(label=item.label, title=item.title, summary=summary, facts=_facts(*facts), url=item.url,
                 link_text=f"Voir la question sur {CHAMBER_SITES[item.chamber]}", excerpt=excerpt, action=action)


def _on(day: date | None) -> str:
    """' le 3 juin 2025', or nothing without a date."""
    return f" le {fr_date(day)}" if day else ""


def _on_or_unknown(day: date | None) -> str:
    # The Sénat's pages date neither a transfer nor a lapse: say so rather than show the day relance saw it.
    return _on(day) or " (date non indiquée par la source)"


def _answered(item: Item) -> Entry:
    jo = f"au JO du {fr_date(item.official_date)}" if item.official_date else "au JO"
    page = item.details.get("page")
    where = f"{jo} (page {page})" if page else jo
    if item.kind == "answer_changed":
        summary = f"Réponse modifiée : le texte de la réponse publiée {where} a changé."
    elif item.days_late:
        summary = f"Réponse {where}, publiée avec {days(item.days_late)} de retard."
    elif item.days_late == 0:
        summary = f"Réponse {where}, publiée dans les délais."
    else:
        summary = f"Réponse publiée {where}."
    return _entry(item, summary, *_who(item), excerpt=item.excerpt)


def _late_by(item: Item) -> str:
    return f" de {days(item.days_late)}" if item.days_late else ""


def _overdue(item: Item) -> Entry:
    rule = ("Règle", item.deadline_rule)
    if item.kind == "signaled_overdue":
        by = f", au plus tard{_on(item.deadline)}" if item.deadline else ""
        summary = (f"Délai du signalement dépassé{_late_by(item)} : le ministre devait répondre dans les "
                   f"10 jours suivant le signalement{by}.")
        return _entry(item, summary, *_who(item), rule)
    due = f" : la réponse était due{_on(item.deadline)}" if item.deadline else ""
    summary = f"Délai dépassé{_late_by(item)}{due}."
    if item.chamber == "an":
        return _entry(item, summary, *_who(item), rule, action=AN_OVERDUE_ACTION)
    return _entry(item, f"{summary} {SENAT_REMINDER_LIST}", *_who(item), rule, action=SENAT_OVERDUE_ACTION)


def _soon(item: Item) -> Entry:
    left = item.days_left
    when = {None: "Échéance proche", 0: "Échéance aujourd'hui", 1: "Échéance demain"}.get(
        left, f"Échéance dans {days(left or 0)}")
    summary = f"{when},{_on(item.deadline)}." if item.deadline else f"{when}."
    return _entry(item, summary, *_who(item), ("Règle", item.deadline_rule))


def _transferred(item: Item) -> Entry:
    summary = f"Transmise à un autre ministère{_on_or_unknown(item.official_date)} ; le délai de réponse ne change pas."
    return _entry(item, summary, ("Auteur", item.author),
                  ("De", capitalized(item.from_ministry) if item.from_ministry else None),
                  ("À", capitalized(item.to_ministry) if item.to_ministry else None))


def _ended(item: Item) -> Entry:
    summary = f"{ENDINGS_FR.get(item.kind, 'Question close')}{_on_or_unknown(item.official_date)}."
    return _entry(item, summary, *_who(item), ("Mention officielle", item.label_fr))


def _signaled(item: Item) -> str:
    if item.official_date is None:
        return "Signalée par un président de groupe : le ministre doit répondre sous 10 jours."
    due = deadline_from(item.chamber, "signalement", item.official_date)
    until = f", au plus tard le {fr_date(due.date)}" if due else ""
    return (f"Signalée le {fr_date(item.official_date)} par un président de groupe : le ministre doit répondre "
            f"sous 10 jours{until}.")


def _other(item: Item) -> Entry:
    if item.kind == "signaled":
        return _entry(item, _signaled(item), *_who(item))
    if item.kind == "renewed":
        summary = (f"Question renouvelée au JO{_on(item.official_date)} ; l'échéance reste celle de la "
                   "première publication.")
        return _entry(item, summary, *_who(item))
    status = item.details.get("status")
    pending = status in (None, "pending")
    return _entry(item, f"Nouvelle question suivie, publiée au JO{_on(item.official_date)}.", *_who(item),
                  ("État", STATUS_LONG_FR.get(status) if isinstance(status, str) else None),
                  ("Échéance", fr_date(item.deadline) if pending and item.deadline else None),
                  ("Règle", item.deadline_rule if pending else None))


def _found(item: Item) -> Entry:
    """A question a follow rule found: which rule, when it was published, where it stands."""
    summary = (f"Nouvelle question {kind_fr(item.kind, item.details)}, publiée au JO{_on(item.official_date)} ; "
               "elle est désormais suivie.")
    status = item.details.get("status")
    pending = status in (None, "pending")
    return _entry(item, capitalized(summary), *_who(item),
                  ("État", STATUS_LONG_FR.get(status) if isinstance(status, str) else None),
                  ("Échéance", fr_date(item.deadline) if pending and item.deadline else None),
                  ("Délai", item.deadline_rule if pending else None))


ENTRY_OF: Mapping[SectionName, Callable[[Item], Entry]] = {
    "answered": _answered, "overdue": _overdue, "soon": _soon, "transferred": _transferred,
    "ended": _ended, "found": _found, "other": _other,
}


def sections(digest: Digest) -> list[Section]:
    """The digest's non-empty sections, in order, their items written out."""
    return [Section(name, SECTION_TITLES[name], tuple(ENTRY_OF[name](item) for item in items))
            for name, items in digest.sections()]


# --- subject, heading, footer -----------------------------------------------------------------

def counts(digest: Digest) -> list[str]:
    """'2 réponses', '1 délai dépassé'…: one per non-empty section, in section order."""
    return [fr_count(len(items), *SECTION_NOUNS[name]) for name, items in digest.sections()]


def subject(digest: Digest) -> str:
    """'Résumé quotidien — relance : 2 réponses, 1 délai dépassé'."""
    told = ", ".join(counts(digest)) or "rien de nouveau"
    return f"{SUBJECT_PREFIX[digest.frequency]}relance : {told}"


def source_health(line: SourceLine, now: datetime) -> str:
    """'Sénat : vérifiée il y a 2 h', '… : en échec depuis 3 cycles', '… : jamais vérifiée'."""
    if line.failed_cycles > 0:
        state = f"en échec depuis {fr_count(line.failed_cycles, 'cycle', 'cycles')}"
        if line.last_success is not None:
            state += f" (dernière réussite {fr_ago(now, line.last_success)})"
    elif line.last_success is None:
        state = "jamais vérifiée"
    else:
        state = f"vérifiée {fr_ago(now, line.last_success)}"
    return f"{line.name} : {state}"


# --- templates --------------------------------------------------------------------------------

def fill(text: str, indent: str = "", first: str | None = None) -> str:
    """A paragraph of the text part, wrapped at TEXT_WIDTH; links and long words are never cut."""
    return textwrap.fill(text, width=TEXT_WIDTH, initial_indent=indent if first is None else first,
                         subsequent_indent=indent, break_long_words=False, break_on_hyphens=False)


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("bot.notify", "templates"),
        # HTML templates are escaped, text ones are not; anything else is escaped, to be safe.
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2"),
                                     disabled_extensions=("txt", "txt.j2"), default=True),
        undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )
    env.filters["fill"] = fill
    return env


ENV = _environment()


def _render(name: str, context: Mapping[str, object]) -> tuple[str, str]:
    text = ENV.get_template(f"{name}.txt.j2").render(context)
    html = css_inline.inline(ENV.get_template(f"{name}.html.j2").render(context))
    return text, html


def render_digest(digest: Digest) -> Rendered:
    """The digest e-mail: subject, text part and HTML part, in French."""
    local_now = digest.now.astimezone(PARIS)
    told = counts(digest)
    title = subject(digest)
    context = {
        "subject": title,
        "heading": HEADINGS[digest.frequency].format(day=fr_date(local_now.date())),
        "intro": (f"Sur les questions écrites que vous suivez : {fr_list(told)}." if told
                  else "Rien de nouveau sur les questions écrites que vous suivez."),
        "sections": sections(digest),
        "health": [source_health(line, digest.now) for line in digest.sources],
        "manage_url": digest.manage_url,
        "unsubscribe_url": digest.unsubscribe_url,
        "unsubscribe_mailto": digest.unsubscribe_mailto,
    }
    text, html = _render("digest", context)
    return Rendered(subject=title, text=text, html=html)


CONFIRMATION_SUBJECT = "Confirmez votre abonnement à relance"


def render_confirmation(email: str, confirm_url: str, frequency: str, follows: str, now: datetime) -> Rendered:
    """The double opt-in message: the confirmation link and what the address was subscribed to."""
    local = now.astimezone(PARIS)
    context = {
        "subject": CONFIRMATION_SUBJECT,
        "email": email,
        "confirm_url": confirm_url,
        "follows": follows,
        "frequency": FREQUENCIES_FR.get(frequency, frequency),
        "asked_at": f"{fr_date(local.date())} à {format_time(local, 'HH:mm', locale=LOCALE)}",
    }
    text, html = _render("confirmation", context)
    return Rendered(subject=CONFIRMATION_SUBJECT, text=text, html=html)
