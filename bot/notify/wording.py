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

from bot.core.deadlines import PARIS
from bot.notify.content import SectionName

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
SOURCE_NAMES = {"an": "Assemblée nationale (open data)", "an-legacy": "Assemblée nationale (ancien site)",
                "senat": "Sénat", "an-archive": "Assemblée nationale (archive open data)",
                "senat-csv": "Sénat (open data)"}
# A question's status: the short form in tables and filters, the long one in sentences.
STATUS_FR = {"unknown": "inconnu", "pending": "en attente", "answered": "répondue", "withdrawn": "retirée",
             "closed": "clôturée", "lapsed": "caduque"}
STATUS_LONG_FR = {**STATUS_FR, "unknown": "état inconnu", "pending": "en attente de réponse"}


def local_time(value: datetime | None) -> str:
    return value.astimezone(PARIS).strftime("%d/%m/%Y %H:%M") if value else "jamais"


EVENT_FR = {
    "published": "nouvelle question suivie", "answered": "réponse publiée", "answer_changed": "réponse modifiée",
    "transferred": "transmise", "signaled": "signalée", "renewed": "renouvelée", "withdrawn": "retirée",
    "closed": "clôturée", "lapsed": "caduque", "deadline_soon": "échéance proche", "overdue": "délai dépassé",
    "signaled_overdue": "délai du signalement dépassé", "matched": "trouvée par une règle de suivi",
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
