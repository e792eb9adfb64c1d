"""Every French sentence and label relance shows a person, in one place: status, chamber and source
names, what each event is called, dates, counts and delays, the e-mail's section titles, and the advice
when a question is late. E-mails, channels, feeds, pages and the terminal all take their words here."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from babel import Locale
from babel.dates import format_date, format_timedelta
from babel.numbers import format_decimal

from bot.core.deadlines import PARIS, deadline_from
from bot.notify.content import Item, SectionName

LOCALE = Locale.parse("fr_FR")
TEXT_WIDTH = 78
# Babel moves to the next unit once a delay reaches this fraction of it (23 h reads "1 jour").
_UNIT_THRESHOLD = 0.85


# --- French wording: dates, counts, delays ---------------------------------------------------------

def fr_date(day: date) -> str:
    """'3 juin 2025'; the first of the month is written '1er juin 2025', as French does."""
    text = format_date(day, format="long", locale=LOCALE)
    return "1er" + text[1:] if day.day == 1 else text


def fr_count(n: int, singular: str, plural: str) -> str:
    """'1 réponse', '2 réponses', '0 jour': French puts 0 and 1 in the singular (CLDR plural rules)."""
    noun = singular if LOCALE.plural_form(n) == "one" else plural
    return f"{format_decimal(n, locale=LOCALE)} {noun}"


def days(n: int) -> str:
    return fr_count(n, "jour", "jours")


def fr_ago(now: datetime, then: datetime) -> str:
    """'il y a 5 min', 'il y a 2 h', 'il y a 3 jours': short units under a day, whole words above."""
    delta = now - then
    if delta < timedelta(minutes=1):
        return "à l'instant"
    short = delta.total_seconds() < _UNIT_THRESHOLD * 86400
    return format_timedelta(-delta, threshold=_UNIT_THRESHOLD, add_direction=True,
                            format="short" if short else "long", locale=LOCALE)


def fr_list(parts: list[str]) -> str:
    """'a', 'a et b', 'a, b et c'."""
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " et " + parts[-1]


def capitalized(text: str) -> str:
    # The Sénat words the ministry asked as in its sentence ("ministre de l'intérieur").
    return text[:1].upper() + text[1:]


# --- what each section says -------------------------------------------------------------------

SECTION_TITLES: Mapping[SectionName, str] = {
    "answered": "Réponses publiées",
    "overdue": "Délais dépassés",
    "soon": "Échéances proches",
    "transferred": "Questions transmises",
    "ended": "Questions closes, retirées ou caduques",
    "found": "Questions trouvées par les règles de suivi",
    "other": "Autres nouvelles",
}
SECTION_NOUNS: Mapping[SectionName, tuple[str, str]] = {
    "answered": ("réponse", "réponses"),
    "overdue": ("délai dépassé", "délais dépassés"),
    "soon": ("échéance proche", "échéances proches"),
    "transferred": ("question transmise", "questions transmises"),
    "ended": ("question terminée", "questions terminées"),
    "found": ("question trouvée", "questions trouvées"),
    "other": ("autre nouvelle", "autres nouvelles"),
}
SUBJECT_PREFIX = {"immediate": "", "daily": "Résumé quotidien — ", "weekly": "Résumé hebdomadaire — "}
HEADINGS = {"immediate": "Nouvelles du {day}", "daily": "Résumé quotidien du {day}",
            "weekly": "Résumé hebdomadaire du {day}"}
CHAMBER_SITES = {"an": "le site de l'Assemblée nationale", "senat": "le site du Sénat"}
ENDINGS_FR = {"closed": "Question clôturée", "withdrawn": "Question retirée", "lapsed": "Question caduque"}

# What a reader can do about an overdue question (RULES.md § 1).
AN_OVERDUE_ACTION = ("demander à un président de groupe de la signaler (le ministre doit alors répondre "
                     "sous 10 jours).")
SENAT_OVERDUE_ACTION = "poser une question de rappel, ou demander sa conversion en question orale."
SENAT_REMINDER_LIST = "La question entre dans la liste de rappel publiée chaque mois au JO Sénat."

FREQUENCIES_FR = {"immediate": "à chaque nouvelle, dès qu'elle est connue",
                  "daily": "en un résumé quotidien", "weekly": "en un résumé hebdomadaire"}

CHAMBER_NAMES = {"an": "Assemblée nationale", "senat": "Sénat"}
CHAMBER_SHORT = {"an": "AN", "senat": "Sénat"}  # in a table's narrow column
SOURCE_NAMES = {"an": "Assemblée nationale (open data)", "an-legacy": "Assemblée nationale (ancien site)",
                "senat": "Sénat", "an-archive": "Assemblée nationale (archive open data)",
                "senat-csv": "Sénat (open data)"}
# A question's status: the short form in tables and filters, the long one in sentences.
STATUS_FR = {"unknown": "inconnu", "pending": "en attente", "answered": "répondue", "withdrawn": "retirée",
             "closed": "clôturée", "lapsed": "caduque"}
STATUS_LONG_FR = {**STATUS_FR, "unknown": "état inconnu", "pending": "en attente de réponse"}
# A subscriber's state, as the manage page and `relance subscribers` say it.
SUBSCRIBER_STATES_FR = {"pending": "en attente de confirmation", "confirmed": "actif", "paused": "en pause",
             "unsubscribed": "désabonné"}


# A question the site says does not exist (404, 410): the question's problem, not the site's.
MISSING_REASON = "introuvable sur le site : vérifier la référence"
MISSING_SHORT = "introuvable"  # in a table's narrow column


def missing_question_line(label: str) -> str:
    """What `relance check` and `relance status` say of a question the site does not have."""
    return f"{label} : {MISSING_REASON}"


def added_but_missing(label: str) -> str:
    """What `relance add` says when the question is not on the site (yet): it is followed all the same."""
    return (f"{label} : {MISSING_REASON} ; elle est suivie quand même (le site peut la publier plus tard), "
            "relue une fois par jour tant qu'elle reste introuvable.")


def added_but_unverified(label: str, error: str) -> str:
    """What `relance add` says when the site could not be read: not the question's fault."""
    return (f"{label} : le site n'a pas pu être lu ({error}) ; la question n'a pas été vérifiée, elle est suivie "
            "quand même et sera lue au prochain `relance check`.")


USAGE_MISTAKE = "commande mal formée"  # an unknown option, a bad value: before what Click says of it
INTERRUPTED = "interrompu"


def events_since_heading(day: date) -> str:
    """What `relance events --since` filters on, before its lines."""
    return (f"Événements que relance a vus depuis le {fr_date(day)} ; chaque ligne donne d'abord la date "
            "officielle (JO, réponse, échéance), puis le jour où relance l'a vu.")


def seen_on(value: datetime) -> str:
    """'vu le 04/12/2026': the day (Europe/Paris) relance saw an event, after its line."""
    return f"vu le {value.astimezone(PARIS):%d/%m/%Y}"


def local_time(value: datetime | None) -> str:
    return value.astimezone(PARIS).strftime("%d/%m/%Y %H:%M") if value else "jamais"


EVENT_FR = {
    "published": "nouvelle question suivie", "answered": "réponse publiée", "answer_changed": "réponse modifiée",
    "transferred": "transmise", "signaled": "signalée", "renewed": "renouvelée", "withdrawn": "retirée",
    "closed": "clôturée", "lapsed": "caduque", "deadline_soon": "échéance proche", "overdue": "délai dépassé",
    "signaled_overdue": "délai du signalement dépassé", "matched": "trouvée par une règle de suivi",
    "rappel_disagrees": "désaccord avec la liste de rappel du Sénat",
}


def found_by_fr(rules: Sequence[str]) -> str:
    """'trouvée par la règle « Reconnaissance faciale »', or '… par les règles « A » et « B »'."""
    names = [f"« {rule} »" for rule in rules]
    if not names:
        return EVENT_FR["matched"]
    if len(names) == 1:
        return f"trouvée par la règle {names[0]}"
    return f"trouvée par les règles {', '.join(names[:-1])} et {names[-1]}"


def kind_fr(kind: str, details: Mapping[str, Any]) -> str:
    """What happened, in French: EVENT_FR's words, or for a `matched` event the rules that found it."""
    if kind == "matched":
        rules = details.get("rules")
        return found_by_fr([str(r) for r in rules] if isinstance(rules, list) else [])
    return EVENT_FR[kind]


# --- what happened: one sentence per kind of event and chamber ------------------------------------

def _on(day: date | None) -> str:
    """' le 3 juin 2025', or nothing without a date."""
    return f" le {fr_date(day)}" if day else ""


def _on_or_unknown(day: date | None) -> str:
    # The Sénat's pages date neither a transfer nor a lapse: say so rather than show the day relance saw it.
    return _on(day) or " (date non indiquée par la source)"


def _late_by(item: Item) -> str:
    return f" de {days(item.days_late)}" if item.days_late else ""


def _answered(item: Item) -> str:
    jo = f"au JO du {fr_date(item.official_date)}" if item.official_date else "au JO"
    page = item.details.get("page")
    where = f"{jo} (page {page})" if page else jo
    if item.kind == "answer_changed":
        return f"Réponse modifiée : le texte de la réponse publiée {where} a changé."
    if item.days_late:
        return f"Réponse {where}, publiée avec {days(item.days_late)} de retard."
    if item.days_late == 0:
        return f"Réponse {where}, publiée dans les délais."
    return f"Réponse publiée {where}."


def _overdue(item: Item) -> str:
    if item.kind == "signaled_overdue":
        by = f", au plus tard{_on(item.deadline)}" if item.deadline else ""
        return (f"Délai du signalement dépassé{_late_by(item)} : le ministre devait répondre dans les "
                f"10 jours suivant le signalement{by}.")
    due = f" : la réponse était due{_on(item.deadline)}" if item.deadline else ""
    summary = f"Délai dépassé{_late_by(item)}{due}."
    return summary if item.chamber == "an" else f"{summary} {SENAT_REMINDER_LIST}"


def _soon(item: Item) -> str:
    left = item.days_left
    when = {None: "Échéance proche", 0: "Échéance aujourd'hui", 1: "Échéance demain"}.get(
        left, f"Échéance dans {days(left or 0)}")
    return f"{when},{_on(item.deadline)}." if item.deadline else f"{when}."


def _signaled(item: Item) -> str:
    if item.official_date is None:
        return "Signalée par un président de groupe : le ministre doit répondre sous 10 jours."
    due = deadline_from(item.chamber, "signalement", item.official_date)
    until = f", au plus tard le {fr_date(due.date)}" if due else ""
    return (f"Signalée le {fr_date(item.official_date)} par un président de groupe : le ministre doit répondre "
            f"sous 10 jours{until}.")


def event_sentence(item: Item) -> str:
    """What happened, in one French sentence (the long form): an e-mail's entry, a channel notice, a feed
    entry. Worded per kind of event and, where the rules differ, per chamber."""
    match item.kind:
        case "answered" | "answer_changed":
            return _answered(item)
        case "overdue" | "signaled_overdue":
            return _overdue(item)
        case "deadline_soon":
            return _soon(item)
        case "transferred":
            return (f"Transmise à un autre ministère{_on_or_unknown(item.official_date)} ; le délai de réponse "
                    "ne change pas.")
        case "closed" | "withdrawn" | "lapsed":
            return f"{ENDINGS_FR[item.kind]}{_on_or_unknown(item.official_date)}."
        case "signaled":
            return _signaled(item)
        case "renewed":
            return (f"Question renouvelée au JO{_on(item.official_date)} ; l'échéance reste celle de la "
                    "première publication.")
        case "matched":
            return capitalized(f"Nouvelle question {kind_fr(item.kind, item.details)}, publiée au "
                               f"JO{_on(item.official_date)} ; elle est désormais suivie.")
        case "rappel_disagrees":
            return rappel_sentence(item.details)
        case _:  # published
            return f"Nouvelle question suivie, publiée au JO{_on(item.official_date)}."


def _short_day(value: object) -> str:
    if isinstance(value, str):
        try:
            return date.fromisoformat(value).strftime("%d/%m/%Y")
        except ValueError:
            return value
    return str(value)


def event_line(kind: str, details: Mapping[str, Any]) -> str:
    """What happened in a few words and its one detail (the short form): a line of `relance events`, a
    row of a question page's history. Starts in lower case."""
    d = details
    what = kind_fr(kind, d)
    detail = ""
    if kind == "transferred":
        detail = f"{d.get('from_ministry') or '?'} → {d.get('to_ministry') or '?'}"
    elif kind in ("overdue", "signaled_overdue") and d.get("deadline"):
        late = d.get("days_late")
        detail = f"échéance du {_short_day(d.get('deadline'))}" + (f", {days(late)} de retard" if late else "")
    elif kind == "deadline_soon" and d.get("deadline"):
        left = d.get("days_left")
        detail = f"échéance le {_short_day(d.get('deadline'))}" + (f", dans {days(left)}" if left is not None else "")
    elif kind == "answered":
        late = d.get("days_late")
        detail = str(d.get("ministry") or "") + (f", {days(late)} après l'échéance" if late else "")
    elif kind in ("withdrawn", "closed", "lapsed"):
        detail = str(d.get("label") or "")
    elif kind in ("published", "matched"):
        detail = str(d.get("title") or "")
    elif kind == "rappel_disagrees":
        detail = rappel_short(d)
    detail = detail.strip(" ,")
    return f"{what} : {detail}" if detail else what


# --- what to do about a late question (RULES.md § 1) -----------------------------------------------

ADVICE_LABEL = "Que faire"


def overdue_advice(chamber: str, *, signaled_overdue: bool = False) -> str | None:
    """What a reader can do about a question past its deadline without an answer: at the AN, have a group
    president signal it; at the Sénat, a question de rappel or its conversion into an oral question.
    None when nothing more can be asked (an AN signalement whose 10 days have passed too)."""
    if chamber == "an":
        return None if signaled_overdue else AN_OVERDUE_ACTION
    return SENAT_OVERDUE_ACTION


def late_question_note(chamber: str) -> str | None:
    """What happens by itself to a late question: at the Sénat, the monthly liste de rappel."""
    return SENAT_REMINDER_LIST if chamber == "senat" else None


def late_question_advice(chamber: str, *, signaled_overdue: bool = False) -> str | None:
    """The advice as a whole sentence, for a page or the terminal: at the Sénat, the liste de rappel
    first, then what to do."""
    action = overdue_advice(chamber, signaled_overdue=signaled_overdue)
    if action is None:
        return None
    note = late_question_note(chamber)
    return f"{note} {ADVICE_LABEL} : {action}" if note else f"{ADVICE_LABEL} : {action}"


def event_advice(item: Item) -> str | None:
    """The advice that goes with an event: a passed answer deadline calls for one."""
    return overdue_advice(item.chamber) if item.kind == "overdue" else None


# --- the Sénat's liste de rappel disagreeing with relance (a `rappel_disagrees` event) ----------

_LISTED = ("Le Sénat la compte parmi les questions restées sans réponse deux mois après leur publication "
           "(liste de rappel)")


def _iso_day(value: object) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _on_jo(day: date | None) -> str:
    return f" au JO du {fr_date(day)}" if day else ""


def rappel_sentence(details: Mapping[str, Any]) -> str:
    """How the liste de rappel and relance disagree on a question, in one sentence (a `rappel_disagrees`
    event's details)."""
    kind, deadline = details.get("disagreement"), _iso_day(details.get("deadline"))
    status = STATUS_LONG_FR.get(str(details.get("status")), str(details.get("status")))
    if kind == "listed_answered":
        answered = _iso_day(details.get("answered"))
        return f"{_LISTED}, alors que relance la tient pour répondue{_on_jo(answered)}."
    if kind == "listed_ended":
        return f"{_LISTED}, alors que relance la tient pour {status}."
    if kind == "listed_not_late":
        if deadline is None:
            return f"{_LISTED}, alors que relance ne connaît pas sa date de publication."
        return f"{_LISTED}, alors que pour relance son délai de réponse court jusqu'au {fr_date(deadline)}."
    late = details.get("days_late")
    by = f" de {days(late)}" if isinstance(late, int) else ""
    due = f" : la réponse était due le {fr_date(deadline)}" if deadline else ""
    return ("Le Sénat ne la compte pas parmi les questions restées sans réponse (liste de rappel), alors que "
            f"relance la tient en retard{by}{due}.")


def rappel_short(details: Mapping[str, Any]) -> str:
    """The disagreement in a few words, for `relance events` and a question's history."""
    kind, deadline = details.get("disagreement"), _short_day(details.get("deadline"))
    if kind == "absent_late":
        return f"absente de la liste du Sénat, en retard pour relance (échéance du {deadline})"
    relance = {"listed_answered": f"répondue le {_short_day(details.get('answered'))}",
               "listed_ended": STATUS_FR.get(str(details.get("status")), str(details.get("status"))),
               "listed_not_late": f"échéance le {deadline}"}.get(str(kind), "?")
    return f"listée en retard par le Sénat, {relance} pour relance"
