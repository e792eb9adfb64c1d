"""The words of the terminal's tables (`relance status`, `events`, `search`, `subscribers`): column
titles, and the short forms of a delay and of a ministry's name that fit a narrow column. (A date in a
table is `bot.notify.wording.short_date`'s, in a sentence `fr_date`'s.) The column titles and the
messages are `N_` marks, translated where they are shown."""

from __future__ import annotations

import re

from bot.notify.i18n import N_, Translated, _, n_

# --- column titles (read where they are shown: `_(tables.QUESTION)`) -------------------------------

QUESTION = N_("Question")
STATE = N_("État")
DEADLINE = N_("Échéance")
DELAY = N_("Délai")
TITLE = N_("Titre")
MINISTRY = N_("Ministère")
AUTHOR = N_("Auteur")
PUBLISHED = N_("Publiée")
CHECKED = N_("Vérifiée")
RANK = N_("Rang")
EVENT_DATE = N_("Date")
EVENT = N_("Événement")
SEEN = N_("Vue le")
EMAIL = N_("Adresse")
SUBSCRIBER_STATE = N_("État")
FREQUENCY = N_("Fréquence")
FOLLOWS = N_("Suit")
GIVEN_UP = N_("Abandonnés")

# --- cells -----------------------------------------------------------------------------------------

FREQUENCY_SHORT = Translated({"immediate": N_("immédiate"), "daily": N_("quotidienne"),
                              "weekly": N_("hebdomadaire")})
FOLLOWS_EVERYTHING = N_("tout")  # read where shown, as the other constants: `_(FOLLOWS_EVERYTHING)`
WATCHED = N_("suivie")  # a question `search` found that relance already follows
NO_VALUE = "—"
ERROR_SHORT = N_("erreur")  # the last reading failed


def delay_short(days_overdue: int | None, days_left: int | None) -> str:
    """'retard 881 j', 'reste 12 j', '—': a table's Délai column, short enough for 80 columns."""
    if days_overdue:
        return _("retard {days} j", days=days_overdue)
    if days_left is not None:
        return _("reste {days} j", days=days_left)
    return NO_VALUE


def given_up_line(count: int, last_error: str) -> str:
    """Under `relance subscribers`'s table, for an address whose mail server refuses for good."""
    return n_("{n} message abandonné, dernier refus : {error}", "{n} messages abandonnés, dernier refus : {error}",
              count, error=last_error)


NO_SUBSCRIBERS = N_("Aucun abonné.")
NO_QUESTIONS = N_("Aucune question ne correspond.")
NO_EVENTS = N_("Aucun événement.")


# --- ministries, abridged --------------------------------------------------------------------------
# The rule, documented in docs/README.md (relance status): a ministry's name loses the words that name
# the office ("Ministère", "ministre délégué auprès de …, chargé"), then the article before each of
# its subjects (at the start, after a comma, after "et"); the first letter is put in capitals. So
# "Ministère de l'intérieur et des outre-mer" reads "Intérieur et outre-mer", "ministre délégué chargé
# des relations avec le Parlement" reads "Relations avec le Parlement". Names that are no ministry's
# ("Premier ministre") are kept as they are.

_APOSTROPHE = "['’]"
_ARTICLE = rf"(?:de la |de l{_APOSTROPHE}|du |des |de |d{_APOSTROPHE}|la |le |les |l{_APOSTROPHE}|aux |à la |au )"
_OFFICE = re.compile(
    rf"^(?:minist[eè]re|ministre(?: d[ée]l[ée]gu[ée]e?)?|secr[ée]tariat d{_APOSTROPHE}[ée]tat|"
    rf"secr[ée]taire d{_APOSTROPHE}[ée]tat|"
    r"haut-commissariat|haut-commissaire)\b\s*", re.IGNORECASE)
_CHARGED = re.compile(r"\bcharg[ée]e?s? ", re.IGNORECASE)
_ARTICLE_AT_START = re.compile(rf"^{_ARTICLE}", re.IGNORECASE)
_ARTICLE_AFTER_JOIN = re.compile(rf"(, | et ){_ARTICLE}", re.IGNORECASE)


def abridged_ministry(name: str) -> str:
    """The ministry's name without its office words and articles: 'Ministère de l'intérieur et des
    outre-mer' → 'Intérieur et outre-mer' (the rule above)."""
    text = " ".join(name.split()).rstrip(". ")
    office = _OFFICE.match(text)
    if office is None:
        return text
    rest = text[office.end():]
    charged = _CHARGED.search(rest)
    if charged is not None:  # "délégué auprès du ministre de X, chargé de Y": the portfolio is Y
        rest = rest[charged.end():]
    elif rest.lower().startswith("auprès "):
        return text
    rest = _ARTICLE_AFTER_JOIN.sub(r"\1", _ARTICLE_AT_START.sub("", rest))
    return rest[:1].upper() + rest[1:] if rest else text
