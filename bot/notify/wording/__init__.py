"""Every sentence and label relance shows a person, in one place, read from the catalogs (French by
default): status, chamber and source names, what each event is called, the e-mail's section titles, and
the advice when a question is late; dates, counts and delays come from `dates.py` and are imported from
here too. E-mails, channels, feeds, pages and the terminal all take their words here."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from bot.core.deadlines import PARIS, deadline_from
from bot.notify.content import Item, SectionName
from bot.notify.i18n import N_, Translated, _
from bot.notify.wording.dates import at_time as at_time
from bot.notify.wording.dates import capitalized as capitalized
from bot.notify.wording.dates import days as days
from bot.notify.wording.dates import fr_ago as fr_ago
from bot.notify.wording.dates import fr_count as fr_count
from bot.notify.wording.dates import fr_date as fr_date
from bot.notify.wording.dates import fr_list as fr_list
from bot.notify.wording.dates import local_time as local_time
from bot.notify.wording.dates import locale as locale
from bot.notify.wording.dates import number as number
from bot.notify.wording.dates import short_date as short_date

TEXT_WIDTH = 78


# --- what each section says -------------------------------------------------------------------

SECTION_TITLES: Mapping[SectionName, str] = Translated({
    "answered": N_("Réponses publiées"),
    "overdue": N_("Délais dépassés"),
    "soon": N_("Échéances proches"),
    "transferred": N_("Questions transmises"),
    "ended": N_("Questions closes, retirées ou caduques"),
    "found": N_("Questions trouvées par les règles de suivi"),
    "other": N_("Autres nouvelles"),
})


def section_count(section: SectionName, n: int) -> str:
    """'3 réponses', '1 délai dépassé': how many entries a digest's section holds."""
    match section:
        case "answered":
            return fr_count(n, "réponse", "réponses")
        case "overdue":
            return fr_count(n, "délai dépassé", "délais dépassés")
        case "soon":
            return fr_count(n, "échéance proche", "échéances proches")
        case "transferred":
            return fr_count(n, "question transmise", "questions transmises")
        case "ended":
            return fr_count(n, "question terminée", "questions terminées")
        case "found":
            return fr_count(n, "question trouvée", "questions trouvées")
        case _:
            return fr_count(n, "autre nouvelle", "autres nouvelles")


SUBJECT_PREFIX = Translated({"immediate": "", "daily": N_("Résumé quotidien — "),
                             "weekly": N_("Résumé hebdomadaire — ")})
HEADINGS = Translated({"immediate": N_("Nouvelles du {day}"), "daily": N_("Résumé quotidien du {day}"),
                       "weekly": N_("Résumé hebdomadaire du {day}")})
CHAMBER_SITES = Translated({"an": N_("le site de l'Assemblée nationale"), "senat": N_("le site du Sénat")})
ENDINGS_FR = Translated({"closed": N_("Question clôturée"), "withdrawn": N_("Question retirée"),
                         "lapsed": N_("Question caduque")})


# What a reader can do about an overdue question (RULES.md § 1).
def an_overdue_action() -> str:
    return _("demander à un président de groupe de la signaler (le ministre doit alors répondre sous 10 jours).")


def senat_overdue_action() -> str:
    return _("poser une question de rappel, ou demander sa conversion en question orale.")


def senat_reminder_list() -> str:
    return _("La question entre dans la liste de rappel publiée chaque mois au JO Sénat.")


FREQUENCIES_FR = Translated({"immediate": N_("à chaque nouvelle, dès qu'elle est connue"),
                             "daily": N_("en un résumé quotidien"), "weekly": N_("en un résumé hebdomadaire")})

CHAMBER_NAMES = Translated({"an": N_("Assemblée nationale"), "senat": N_("Sénat")})
CHAMBER_SHORT = Translated({"an": N_("AN"), "senat": N_("Sénat")})  # in a table's narrow column
SOURCE_NAMES = Translated({"an": N_("Assemblée nationale (open data)"),
                           "an-legacy": N_("Assemblée nationale (ancien site)"),
                           "senat": N_("Sénat"), "an-archive": N_("Assemblée nationale (archive open data)"),
                           "senat-csv": N_("Sénat (open data)")})
# A question's status: the short form in tables and filters, the long one in sentences.
_STATUS = {"unknown": N_("inconnu"), "pending": N_("en attente"), "answered": N_("répondue"),
           "withdrawn": N_("retirée"), "closed": N_("clôturée"), "lapsed": N_("caduque")}
STATUS_FR = Translated(_STATUS)
STATUS_LONG_FR = Translated({**_STATUS, "unknown": N_("état inconnu"), "pending": N_("en attente de réponse")})
# A subscriber's state, as the manage page and `relance subscribers` say it.
SUBSCRIBER_STATES_FR = Translated({"pending": N_("en attente de confirmation"), "confirmed": N_("actif"),
                                   "paused": N_("en pause"), "unsubscribed": N_("désabonné")})


# A question the site says does not exist (404, 410): the question's problem, not the site's.
MISSING_REASON = N_("introuvable sur le site : vérifier la référence")  # as written in JSON, never translated


def missing_reason() -> str:
    return _(MISSING_REASON)


def missing_short() -> str:
    return _("introuvable")  # in a table's narrow column


def missing_question_line(label: str) -> str:
    """What `relance check` and `relance status` say of a question the site does not have."""
    return _("{label} : {reason}", label=label, reason=missing_reason())


def added_but_missing(label: str) -> str:
    """What `relance add` says when the question is not on the site (yet): it is followed all the same."""
    return _("{label} : {reason} ; elle est suivie quand même (le site peut la publier plus tard), relue une "
             "fois par jour tant qu'elle reste introuvable.", label=label, reason=missing_reason())


def added_but_unverified(label: str, error: str) -> str:
    """What `relance add` says when the site could not be read: not the question's fault."""
    return _("{label} : le site n'a pas pu être lu ({error}) ; la question n'a pas été vérifiée, elle est suivie "
             "quand même et sera lue au prochain `relance check`.", label=label, error=error)


def usage_mistake() -> str:
    return _("commande mal formée")  # an unknown option, a bad value: before what Click says of it


def interrupted() -> str:
    return _("interrompu")


def events_since_heading(day: date) -> str:
    """What `relance events --since` filters on, before its lines."""
    return _("Événements que relance a vus depuis le {day} ; chaque ligne donne d'abord la date officielle "
             "(JO, réponse, échéance), puis le jour où relance l'a vu.", day=fr_date(day))


def seen_on(value: datetime) -> str:
    """'vu le 04/12/2026': the day (Europe/Paris) relance saw an event, after its line."""
    return _("vu le {day}", day=short_date(value.astimezone(PARIS).date()))


EVENT_FR = Translated({
    "published": N_("nouvelle question suivie"), "answered": N_("réponse publiée"),
    "answer_changed": N_("réponse modifiée"), "transferred": N_("transmise"), "signaled": N_("signalée"),
    "renewed": N_("renouvelée"), "withdrawn": N_("retirée"), "closed": N_("clôturée"), "lapsed": N_("caduque"),
    "deadline_soon": N_("échéance proche"), "overdue": N_("délai dépassé"),
    "signaled_overdue": N_("délai du signalement dépassé"), "matched": N_("trouvée par une règle de suivi"),
    "rappel_disagrees": N_("désaccord avec la liste de rappel du Sénat"),
})


def found_by_fr(rules: Sequence[str]) -> str:
    """'trouvée par la règle « Reconnaissance faciale »', or '… par les règles « A » et « B »'."""
    names = [_("« {name} »", name=rule) for rule in rules]
    if not names:
        return EVENT_FR["matched"]
    if len(names) == 1:
        return _("trouvée par la règle {rule}", rule=names[0])
    return _("trouvée par les règles {rules}", rules=fr_list(names))


def kind_fr(kind: str, details: Mapping[str, Any]) -> str:
    """What happened: EVENT_FR's words, or for a `matched` event the rules that found it."""
    if kind == "matched":
        rules = details.get("rules")
        return found_by_fr([str(r) for r in rules] if isinstance(rules, list) else [])
    return EVENT_FR[kind]


# --- what happened: one sentence per kind of event and chamber ------------------------------------

def _on(day: date | None) -> str:
    """' le 3 juin 2025', or nothing without a date."""
    return _(" le {day}", day=fr_date(day)) if day else ""


def _on_or_unknown(day: date | None) -> str:
    # The Sénat's pages date neither a transfer nor a lapse: say so rather than show the day relance saw it.
    return _on(day) or _(" (date non indiquée par la source)")


def _late_by(item: Item) -> str:
    return _(" de {days}", days=days(item.days_late)) if item.days_late else ""


def _answered(item: Item) -> str:
    jo = _("au JO du {day}", day=fr_date(item.official_date)) if item.official_date else _("au JO")
    page = item.details.get("page")
    where = _("{jo} (page {page})", jo=jo, page=page) if page else jo
    if item.kind == "answer_changed":
        return _("Réponse modifiée : le texte de la réponse publiée {where} a changé.", where=where)
    if item.days_late:
        return _("Réponse {where}, publiée avec {days} de retard.", where=where, days=days(item.days_late))
    if item.days_late == 0:
        return _("Réponse {where}, publiée dans les délais.", where=where)
    return _("Réponse publiée {where}.", where=where)


def _overdue(item: Item) -> str:
    if item.kind == "signaled_overdue":
        by = _(", au plus tard{on}", on=_on(item.deadline)) if item.deadline else ""
        return _("Délai du signalement dépassé{late} : le ministre devait répondre dans les 10 jours suivant le "
                 "signalement{by}.", late=_late_by(item), by=by)
    due = _(" : la réponse était due{on}", on=_on(item.deadline)) if item.deadline else ""
    summary = _("Délai dépassé{late}{due}.", late=_late_by(item), due=due)
    return summary if item.chamber == "an" else f"{summary} {senat_reminder_list()}"


def _soon(item: Item) -> str:
    left = item.days_left
    if left is None:
        when = _("Échéance proche")
    elif left == 0:
        when = _("Échéance aujourd'hui")
    elif left == 1:
        when = _("Échéance demain")
    else:
        when = _("Échéance dans {days}", days=days(left))
    return _("{when},{on}.", when=when, on=_on(item.deadline)) if item.deadline else f"{when}."


def _signaled(item: Item) -> str:
    if item.official_date is None:
        return _("Signalée par un président de groupe : le ministre doit répondre sous 10 jours.")
    due = deadline_from(item.chamber, "signalement", item.official_date)
    until = _(", au plus tard le {day}", day=fr_date(due.date)) if due else ""
    return _("Signalée le {day} par un président de groupe : le ministre doit répondre sous 10 jours{until}.",
             day=fr_date(item.official_date), until=until)


def event_sentence(item: Item) -> str:
    """What happened, in one sentence (the long form): an e-mail's entry, a channel notice, a feed entry.
    Worded per kind of event and, where the rules differ, per chamber."""
    match item.kind:
        case "answered" | "answer_changed":
            return _answered(item)
        case "overdue" | "signaled_overdue":
            return _overdue(item)
        case "deadline_soon":
            return _soon(item)
        case "transferred":
            return _("Transmise à un autre ministère{on} ; le délai de réponse ne change pas.",
                     on=_on_or_unknown(item.official_date))
        case "closed" | "withdrawn" | "lapsed":
            return f"{ENDINGS_FR[item.kind]}{_on_or_unknown(item.official_date)}."
        case "signaled":
            return _signaled(item)
        case "renewed":
            return _("Question renouvelée au JO{on} ; l'échéance reste celle de la première publication.",
                     on=_on(item.official_date))
        case "matched":
            return capitalized(_("Nouvelle question {found}, publiée au JO{on} ; elle est désormais suivie.",
                                 found=kind_fr(item.kind, item.details), on=_on(item.official_date)))
        case "rappel_disagrees":
            return rappel_sentence(item.details)
        case _:  # published
            return _("Nouvelle question suivie, publiée au JO{on}.", on=_on(item.official_date))


def _short_day(value: object) -> str:
    if isinstance(value, str):
        try:
            return short_date(date.fromisoformat(value))
        except ValueError:
            return value
    return str(value)


def _event_detail(kind: str, d: Mapping[str, Any]) -> str:
    if kind == "transferred":
        return f"{d.get('from_ministry') or '?'} → {d.get('to_ministry') or '?'}"
    if kind in ("overdue", "signaled_overdue") and d.get("deadline"):
        late = d.get("days_late")
        due = _("échéance du {day}", day=_short_day(d.get("deadline")))
        return _("{due}, {days} de retard", due=due, days=days(late)) if late else due
    if kind == "deadline_soon" and d.get("deadline"):
        left = d.get("days_left")
        due = _("échéance le {day}", day=_short_day(d.get("deadline")))
        return _("{due}, dans {days}", due=due, days=days(left)) if left is not None else due
    if kind == "answered":
        late = d.get("days_late")
        ministry = str(d.get("ministry") or "")
        return _("{ministry}, {days} après l'échéance", ministry=ministry, days=days(late)) if late else ministry
    if kind in ("withdrawn", "closed", "lapsed"):
        return str(d.get("label") or "")
    if kind in ("published", "matched"):
        return str(d.get("title") or "")
    if kind == "rappel_disagrees":
        return rappel_short(d)
    return ""


def event_line(kind: str, details: Mapping[str, Any]) -> str:
    """What happened in a few words and its one detail (the short form): a line of `relance events`, a
    row of a question page's history. Starts in lower case."""
    what = kind_fr(kind, details)
    detail = _event_detail(kind, details).strip(" ,")
    return _("{what} : {detail}", what=what, detail=detail) if detail else what


# --- what to do about a late question (RULES.md § 1) -----------------------------------------------

def advice_label() -> str:
    return _("Que faire")


def overdue_advice(chamber: str, *, signaled_overdue: bool = False) -> str | None:
    """What a reader can do about a question past its deadline without an answer: at the AN, have a group
    president signal it; at the Sénat, a question de rappel or its conversion into an oral question.
    None when nothing more can be asked (an AN signalement whose 10 days have passed too)."""
    if chamber == "an":
        return None if signaled_overdue else an_overdue_action()
    return senat_overdue_action()


def late_question_note(chamber: str) -> str | None:
    """What happens by itself to a late question: at the Sénat, the monthly liste de rappel."""
    return senat_reminder_list() if chamber == "senat" else None


def late_question_advice(chamber: str, *, signaled_overdue: bool = False) -> str | None:
    """The advice as a whole sentence, for a page or the terminal: at the Sénat, the liste de rappel
    first, then what to do."""
    action = overdue_advice(chamber, signaled_overdue=signaled_overdue)
    if action is None:
        return None
    advice = _("{label} : {action}", label=advice_label(), action=action)
    note = late_question_note(chamber)
    return f"{note} {advice}" if note else advice


def event_advice(item: Item) -> str | None:
    """The advice that goes with an event: a passed answer deadline calls for one."""
    return overdue_advice(item.chamber) if item.kind == "overdue" else None


# --- the Sénat's liste de rappel disagreeing with relance (a `rappel_disagrees` event) ----------

def _listed() -> str:
    return _("Le Sénat la compte parmi les questions restées sans réponse deux mois après leur publication "
             "(liste de rappel)")


def _iso_day(value: object) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _on_jo(day: date | None) -> str:
    return _(" au JO du {day}", day=fr_date(day)) if day else ""


def rappel_sentence(details: Mapping[str, Any]) -> str:
    """How the liste de rappel and relance disagree on a question, in one sentence (a `rappel_disagrees`
    event's details)."""
    kind, deadline = details.get("disagreement"), _iso_day(details.get("deadline"))
    status = STATUS_LONG_FR.get(str(details.get("status")), str(details.get("status")))
    if kind == "listed_answered":
        answered = _iso_day(details.get("answered"))
        return _("{listed}, alors que relance la tient pour répondue{on}.", listed=_listed(), on=_on_jo(answered))
    if kind == "listed_ended":
        return _("{listed}, alors que relance la tient pour {status}.", listed=_listed(), status=status)
    if kind == "listed_not_late":
        if deadline is None:
            return _("{listed}, alors que relance ne connaît pas sa date de publication.", listed=_listed())
        return _("{listed}, alors que pour relance son délai de réponse court jusqu'au {day}.", listed=_listed(),
                 day=fr_date(deadline))
    late = details.get("days_late")
    by = _(" de {days}", days=days(late)) if isinstance(late, int) else ""
    due = _(" : la réponse était due le {day}", day=fr_date(deadline)) if deadline else ""
    return _("Le Sénat ne la compte pas parmi les questions restées sans réponse (liste de rappel), alors que "
             "relance la tient en retard{by}{due}.", by=by, due=due)


def rappel_short(details: Mapping[str, Any]) -> str:
    """The disagreement in a few words, for `relance events` and a question's history."""
    kind, deadline = details.get("disagreement"), _short_day(details.get("deadline"))
    if kind == "absent_late":
        return _("absente de la liste du Sénat, en retard pour relance (échéance du {day})", day=deadline)
    status = str(details.get("status"))
    if kind == "listed_answered":
        relance = _("répondue le {day}", day=_short_day(details.get("answered")))
    elif kind == "listed_ended":
        relance = STATUS_FR.get(status, status)
    elif kind == "listed_not_late":
        relance = _("échéance le {day}", day=deadline)
    else:
        relance = "?"
    return _("listée en retard par le Sénat, {relance} pour relance", relance=relance)
