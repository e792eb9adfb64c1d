"""Dates, counts, delays and lists in the current language (French by default): '3 juin 2025',
'1er juin 2025', '1 234 réponses', 'il y a 2 h', 'a, b et c'. Part of the wording package: import them
from `bot.notify.wording`."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from babel import Locale
from babel.dates import format_date, format_time, format_timedelta
from babel.numbers import format_decimal

from bot.core.deadlines import PARIS
from bot.notify.i18n import _, current_language, n_

# Babel moves to the next unit once a delay reaches this fraction of it (23 h reads "1 jour").
_UNIT_THRESHOLD = 0.85
_LOCALES = {"fr": Locale.parse("fr_FR"), "en": Locale.parse("en_GB")}


def locale() -> Locale:
    """The locale dates and numbers are written in: French, or English when relance speaks English."""
    return _LOCALES[current_language()]


# --- dates, counts, delays ----------------------------------------------------------------------

def fr_date(day: date) -> str:
    """'3 juin 2025'; the first of the month is written '1er juin 2025', as French does."""
    text = format_date(day, format="long", locale=locale())
    return "1er" + text[1:] if day.day == 1 and current_language() == "fr" else text


def number(n: int) -> str:
    """'1 234' in French, '1,234' in English."""
    return format_decimal(n, locale=locale())


def fr_count(n: int, singular: str, plural: str) -> str:
    """'1 réponse', '2 réponses', '0 jour': the count and the noun in the current language, by its
    plural rules (French puts 0 and 1 in the singular). The catalogs hold each pair of nouns."""
    return f"{number(n)} {n_(singular, plural, n)}"


def days(n: int) -> str:
    return fr_count(n, "jour", "jours")


def fr_ago(now: datetime, then: datetime) -> str:
    """'il y a 5 min', 'il y a 2 h', 'il y a 3 jours': short units under a day, whole words above."""
    delta = now - then
    if delta < timedelta(minutes=1):
        return _("à l'instant")
    short = delta.total_seconds() < _UNIT_THRESHOLD * 86400
    return format_timedelta(-delta, threshold=_UNIT_THRESHOLD, add_direction=True,
                            format="short" if short else "long", locale=locale())


def fr_list(parts: list[str]) -> str:
    """'a', 'a et b', 'a, b et c'."""
    if len(parts) == 1:
        return parts[0]
    return _("{first} et {last}", first=", ".join(parts[:-1]), last=parts[-1])


def capitalized(text: str) -> str:
    # The Sénat words the ministry asked as in its sentence ("ministre de l'intérieur").
    return text[:1].upper() + text[1:]


def short_date(day: date) -> str:
    """'04/12/2026', as tables write a date (the same in both languages, as the JO writes it)."""
    return day.strftime("%d/%m/%Y")


def at_time(moment: datetime) -> str:
    """'3 décembre 2026 à 14:05', the day and the hour in Europe/Paris."""
    local = moment.astimezone(PARIS)
    return _("{day} à {time}", day=fr_date(local.date()), time=format_time(local, "HH:mm", locale=locale()))


def local_time(value: datetime | None) -> str:
    return value.astimezone(PARIS).strftime("%d/%m/%Y %H:%M") if value else _("jamais")
