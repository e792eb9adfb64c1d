"""The e-mails relance writes, in its language (French unless asked otherwise): a digest of events and the
double opt-in confirmation.

Pure rendering: a `Digest` becomes a subject, a plain-text part and an HTML part (Jinja2 templates
under `templates/`, CSS inlined by css-inline). The wording is built here, the layout in the templates.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime

import css_inline
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from bot.core.deadlines import PARIS
from bot.notify.content import Digest, Item, LateGroup, SectionName, SourceLine, StillLate
from bot.notify.i18n import N_, _, current_language, install_in
from bot.notify.wording import (
    CHAMBER_SITES,
    FREQUENCIES_FR,
    HEADINGS,
    SECTION_TITLES,
    STATUS_LONG_FR,
    SUBJECT_PREFIX,
    TEXT_WIDTH,
    at_time,
    capitalized,
    event_advice,
    event_sentence,
    fr_ago,
    fr_count,
    fr_date,
    fr_list,
    section_count,
)
from bot.notify.wording.alerts import still_late_intro, still_late_link, still_late_title
from bot.notify.wording.late_group import late_group_action, late_group_intro, late_group_line, late_group_ministry
from bot.notify.wording.notes import latest_note_line, note_heading
from storage.notes import Note


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
    note: str | None = None  # the question's latest note, dated


@dataclass(frozen=True, slots=True)
class GroupLine:
    """One question of a grouped list: its line (label, title, how late) and where to read it."""

    label: str
    text: str  # the whole line, label first
    rest: str  # the line after the label, for the HTML part, where the label is a link
    url: str


@dataclass(frozen=True, slots=True)
class Grouped:
    """Many late questions at once, written out for both parts of the e-mail alike: the sentence that
    introduces them, the count per ministry, one line per question, then what can be done."""

    intro: str
    ministries: tuple[str, ...]
    lines: tuple[GroupLine, ...]
    actions: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Section:
    name: SectionName
    title: str
    entries: tuple[Entry, ...]
    count: int  # the items it tells (its heading's number)
    grouped: Grouped | None = None  # instead of entries: the overdue section of a large batch


def _facts(*pairs: tuple[str, str | None]) -> tuple[tuple[str, str], ...]:
    return tuple((label, value) for label, value in pairs if value)


def _who(item: Item) -> tuple[tuple[str, str | None], tuple[str, str | None]]:
    return (_("Auteur"), item.author), (_("Ministère"), capitalized(item.ministry) if item.ministry else None)


def _entry(item: Item, summary: str, *facts: tuple[str, str | None], excerpt: str | None = None,
           action: str | None = None) -> Entry:
    return Entry(label=item.label, title=item.title, summary=summary, facts=_facts(*facts), url=item.url,
                 link_text=_("Voir la question sur {site}", site=CHAMBER_SITES[item.chamber]), excerpt=excerpt,
                 action=action, note=item.note)


def with_note(item: Item, note: Note | None) -> Item:
    """The item with its question's latest note (`relance note`), dated, for the digest card."""
    return item if note is None else replace(item, note=latest_note_line(note.at, note.text))


def _answered(item: Item) -> Entry:
    return _entry(item, event_sentence(item), *_who(item), excerpt=item.excerpt)


def _overdue(item: Item) -> Entry:
    return _entry(item, event_sentence(item), *_who(item), (_("Règle"), item.deadline_rule), action=event_advice(item))


def _soon(item: Item) -> Entry:
    return _entry(item, event_sentence(item), *_who(item), (_("Règle"), item.deadline_rule))


def _transferred(item: Item) -> Entry:
    return _entry(item, event_sentence(item), (_("Auteur"), item.author),
                  (_("De"), capitalized(item.from_ministry) if item.from_ministry else None),
                  (_("À"), capitalized(item.to_ministry) if item.to_ministry else None))


def _ended(item: Item) -> Entry:
    return _entry(item, event_sentence(item), *_who(item), (_("Mention officielle"), item.label_fr))


def _state(item: Item, rule_label: str) -> tuple[tuple[str, str | None], ...]:
    status = item.details.get("status")
    pending = status in (None, "pending")
    return ((_("État"), STATUS_LONG_FR.get(status) if isinstance(status, str) else None),
            (_("Échéance"), fr_date(item.deadline) if pending and item.deadline else None),
            (rule_label, item.deadline_rule if pending else None))


def _other(item: Item) -> Entry:
    if item.kind in ("signaled", "renewed"):
        return _entry(item, event_sentence(item), *_who(item))
    return _entry(item, event_sentence(item), *_who(item), *_state(item, _("Règle")))


def _found(item: Item) -> Entry:
    """A question a follow rule found: which rule, when it was published, where it stands."""
    return _entry(item, event_sentence(item), *_who(item), *_state(item, _("Délai")))


ENTRY_OF: Mapping[SectionName, Callable[[Item], Entry]] = {
    "answered": _answered, "overdue": _overdue, "soon": _soon, "transferred": _transferred,
    "ended": _ended, "found": _found, "other": _other,
}


def grouped(group: LateGroup) -> Grouped:
    """A LateGroup written out: every sentence from the wording module."""
    lines = []
    for q in group.questions:
        text = late_group_line(q.label, q.title, q.days_late, q.signal_days_late)
        lines.append(GroupLine(q.label, text, text[len(q.label):], q.url))
    actions = tuple(action for chamber in group.chambers if (action := late_group_action(chamber)))
    return Grouped(late_group_intro(len(group.questions)),
                   tuple(late_group_ministry(name, n) for name, n in group.by_ministry), tuple(lines), actions)


@dataclass(frozen=True, slots=True)
class StillLateBlock:
    """The digest's closing « Toujours sans réponse »: the count, the latest late questions' lines, and
    the link to them all."""

    title: str
    intro: str
    lines: tuple[GroupLine, ...]
    link_text: str
    url: str


def still_late_block(block: StillLate | None) -> StillLateBlock | None:
    if block is None:
        return None
    lines = []
    for q in block.questions:
        text = late_group_line(q.label, q.title, q.days_late, q.signal_days_late)
        lines.append(GroupLine(q.label, text, text[len(q.label):], q.url))
    return StillLateBlock(still_late_title(), still_late_intro(block.count, len(block.questions)), tuple(lines),
                          still_late_link(block.count), block.url)


def _section(digest: Digest, name: SectionName, items: tuple[Item, ...]) -> Section:
    group = digest.late_group() if name == "overdue" else None
    if group is not None:
        return Section(name, SECTION_TITLES[name], (), len(items), grouped(group))
    return Section(name, SECTION_TITLES[name], tuple(ENTRY_OF[name](item) for item in items), len(items))


def sections(digest: Digest) -> list[Section]:
    """The digest's non-empty sections, in order, their items written out; the overdue section of a
    large batch (more than LATE_GROUP_ABOVE questions) grouped rather than a card each."""
    return [_section(digest, name, items) for name, items in digest.sections()]


# --- subject, heading, footer -----------------------------------------------------------------

def counts(digest: Digest) -> list[str]:
    """'2 réponses', '1 délai dépassé'…: one per non-empty section, in section order."""
    return [section_count(name, len(items)) for name, items in digest.sections()]


def subject(digest: Digest) -> str:
    """'Résumé quotidien — relance : 2 réponses, 1 délai dépassé'."""
    told = ", ".join(counts(digest)) or _("rien de nouveau")
    return _("{prefix}relance : {news}", prefix=SUBJECT_PREFIX[digest.frequency], news=told)


def source_health(line: SourceLine, now: datetime) -> str:
    """'Sénat : vérifiée il y a 2 h', '… : en échec depuis 3 cycles', '… : jamais vérifiée'."""
    if line.failed_cycles > 0:
        cycles = fr_count(line.failed_cycles, "cycle", "cycles")
        if line.last_success is None:
            return _("{name} : en échec depuis {cycles}", name=line.name, cycles=cycles)
        return _("{name} : en échec depuis {cycles} (dernière réussite {ago})", name=line.name, cycles=cycles,
                 ago=fr_ago(now, line.last_success))
    if line.last_success is None:
        return _("{name} : jamais vérifiée", name=line.name)
    return _("{name} : vérifiée {ago}", name=line.name, ago=fr_ago(now, line.last_success))


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
    env.globals["language"] = current_language  # the HTML part's lang attribute
    install_in(env)
    return env


ENV = _environment()


def _render(name: str, context: Mapping[str, object]) -> tuple[str, str]:
    text = ENV.get_template(f"{name}.txt.j2").render(context)
    html = css_inline.inline(ENV.get_template(f"{name}.html.j2").render(context))
    return text, html


def render_digest(digest: Digest) -> Rendered:
    """The digest e-mail: subject, text part and HTML part, in relance's language."""
    local_now = digest.now.astimezone(PARIS)
    told = counts(digest)
    title = subject(digest)
    context = {
        "subject": title,
        "heading": HEADINGS[digest.frequency].format(day=fr_date(local_now.date())),
        "intro": (_("Sur les questions écrites que vous suivez : {news}.", news=fr_list(told)) if told
                  else _("Rien de nouveau sur les questions écrites que vous suivez.")),
        "sections": sections(digest),
        "still_late": still_late_block(digest.still_late),
        "notes_heading": note_heading(),
        "health": [source_health(line, digest.now) for line in digest.sources],
        "manage_url": digest.manage_url,
        "unsubscribe_url": digest.unsubscribe_url,
        "unsubscribe_mailto": digest.unsubscribe_mailto,
    }
    text, html = _render("digest", context)
    return Rendered(subject=title, text=text, html=html)


CONFIRMATION_SUBJECT = N_("Confirmez votre abonnement à relance")


def render_confirmation(email: str, confirm_url: str, frequency: str, follows: str, now: datetime) -> Rendered:
    """The double opt-in message: the confirmation link and what the address was subscribed to."""
    title = _(CONFIRMATION_SUBJECT)
    context = {
        "subject": title,
        "email": email,
        "confirm_url": confirm_url,
        "follows": follows,
        "frequency": FREQUENCIES_FR.get(frequency, frequency),
        "asked_at": at_time(now),
    }
    text, html = _render("confirmation", context)
    return Rendered(subject=title, text=text, html=html)


SEARCH_ACCESS_SUBJECT = N_("Ajouter une recherche à votre abonnement relance")


def render_search_access(email: str, add_url: str, search: str, now: datetime) -> Rendered:
    """To an address already subscribed that asked to follow a search: the link (its manage link's) that
    adds it, so that nobody adds a search to somebody else's subscription."""
    title = _(SEARCH_ACCESS_SUBJECT)
    context = {"subject": title, "email": email, "add_url": add_url, "search": search,
               "asked_at": at_time(now)}
    text, html = _render("search_access", context)
    return Rendered(subject=title, text=text, html=html)
