"""The sentence a person reads for an error of the lower layers: `scrapers/` and `storage/` cannot import
`bot`, so their errors carry their context as fields (a `ParseError` its URL, field and what was found; a
`StorageError` its file and problem) and get their words here, in the current language, for the command
line's one line, `relance doctor` and the admin's alarms. Errors raised in `bot` are worded where they are
raised. A detail quoted from a source or from the system (what a page held, an OS error) stays as it is."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from babel.numbers import format_decimal

from bot.notify.i18n import N_, Translated, _
from bot.notify.wording import fr_count, locale, number
from scrapers.an_actors import AmoFileError
from scrapers.an_archive import ArchiveError
from scrapers.http.exceptions import (  # the exceptions alone, not the HTTP client (httpx) they come from
    CannotWrite,
    ErrorPage,
    FetchError,
    HttpStatusError,
    NotFound,
    OffSiteRedirect,
    RateLimited,
    TooLarge,
    TransportError,
)
from scrapers.model import ParseError
from scrapers.refs import ACCEPTED_FORMS, RefError
from storage.db import StorageError
from storage.search import SearchError
from storage.searches import BadSearch
from storage.snapshots import StoredSnapshotError
from storage.transactions import DatabaseBusy

# The fixed reasons the lower layers give (in English, as they are written there), in the catalogs'
# words; a reason with a quoted value in it is shown as written.
_REASONS = Translated({
    "not a written-question reference": N_("pas une référence de question écrite"),
    "empty reference": N_("référence vide"),
    "legislature or number out of range": N_("législature ou numéro hors limites"),
    "month or number out of range in the Sénat id": N_("mois ou numéro hors limites dans l'identifiant du Sénat"),
    "year, month or number out of range in the Sénat label": N_("année, mois ou numéro hors limites dans le "
                                                                 "libellé du Sénat"),
    "the legislature in the folder and in the page name differ": N_("la législature du dossier et celle du nom de "
                                                                     "la page diffèrent"),
    "nothing to search for: give at least one word (letters or digits)": N_(
        "rien à chercher : donner au moins un mot (lettres ou chiffres)"),
    "give words, an author or a ministry": N_("donner des mots, un auteur ou un ministère"),
    "empty body": N_("réponse vide"),
})


_LINE_BREAKS = re.compile(r"[ \t]*[\r\n]+[ \t]*")


def _reason(text: str) -> str:
    return _REASONS.get(text, text)


def accepted_forms() -> str:
    """The forms of a question's reference relance reads, as `RefError` lists them."""
    return _("référence AN QANR5L17QE5268, forme courte AN « AN 17-5268 », adresse AN "
             "https://www.assemblee-nationale.fr/dyn/17/questions/QANR5L17QE5268 ou "
             "https://questions.assemblee-nationale.fr/q14/14-47351QE.htm, identifiant Sénat SEQ221103705, "
             "adresse Sénat https://www.senat.fr/questions/base/2022/qSEQ221103705.html, libellé Sénat tel que "
             "relance l'écrit « Sénat 3705 (2022-11) »")


def _ref(error: RefError) -> str:
    shown = error.text if len(error.text) <= 80 else error.text[:77] + "..."
    why = str(error).removeprefix(f"{shown!r}: ").removesuffix(f"; accepted forms: {ACCEPTED_FORMS}")
    return _("{text} : {why} ; formes acceptées : {forms}", text=repr(shown), why=_reason(why),
             forms=accepted_forms())


def _http_status(error: HttpStatusError) -> str:
    if error.message == f"HTTP {error.status}":
        return _("{url} : le site répond en erreur (HTTP {status})", url=error.url, status=error.status)
    return _("{url} : le site répond en erreur (HTTP {status} : {detail})", url=error.url, status=error.status,
             detail=error.message)


def _rate_limited(error: RateLimited) -> str:
    if error.retry_after is None:
        return _("{url} : le site demande d'attendre (HTTP {status})", url=error.url, status=error.status)
    return _("{url} : le site demande d'attendre {seconds} s (HTTP {status})", url=error.url, status=error.status,
             seconds=number(round(error.retry_after)))


def _snapshot(error: StoredSnapshotError) -> str:
    if error.ref and error.ref.startswith("event "):
        return _("{event} enregistré : {problem}", event=error.ref, problem=error.problem)
    return _("copie enregistrée de {ref} : {problem}", ref=error.ref or "?", problem=error.problem)


# Most precise first: a class is described by the first entry it is an instance of.
_SENTENCES: list[tuple[type[Any], Callable[[Any], str]]] = [
    (ParseError, lambda e: _("{url} : {field} illisible, trouvé : {found}", url=e.url, field=e.field,
                             found=repr(e.found))),
    (OffSiteRedirect, lambda e: _("{url} : redirigé vers un autre site, {target}, non suivi (l'autoriser dans "
                                  "[http] redirect_sites si c'est le site de la chambre)", url=e.url, target=e.target)),
    (TooLarge, lambda e: _("{url} : réponse de plus de {limit} octets ({setting}), refusée sans être lue plus "
                           "loin", url=e.url, limit=number(e.limit) if isinstance(e.limit, int) else e.limit,
                           setting=e.what)),
    (RateLimited, _rate_limited),
    (NotFound, lambda e: _("{url} : introuvable sur le site (HTTP {status})", url=e.url, status=e.status)),
    (HttpStatusError, _http_status),
    (ErrorPage, lambda e: _("{url} : page d'erreur servie à la place des données : {reason}", url=e.url,
                            reason=_reason(e.reason))),
    (TransportError, lambda e: _("{url} : site injoignable : {problem}", url=e.url, problem=e.message)),
    (FetchError, lambda e: _("{url} : lecture impossible : {problem}", url=e.url, problem=e.message)),
    (CannotWrite, lambda e: _("{path} : impossible d'écrire le téléchargement de {url} : {problem}", path=e.path,
                              url=e.url, problem=getattr(e.error, "strerror", None) or e.error)),
    (ArchiveError, lambda e: _("archive {path} : {problem}", path=e.path, problem=e.problem)),
    (AmoFileError, lambda e: _("fichier AMO {path} : {problem}", path=e.path, problem=e.problem)),
    (RefError, _ref),
    (DatabaseBusy, lambda e: _("base de données {path} : occupée, un autre processus l'a gardée verrouillée "
                               "{seconds} s ({attempts}) ; rien n'a été écrit, réessayer quand il aura fini",
                               path=e.path, attempts=fr_count(e.attempts, "tentative", "tentatives"),
                               seconds=format_decimal(round(e.waited_s, 1), locale=locale()))),
    (StorageError, lambda e: _("base de données {path} : {problem}", path=e.path, problem=e.problem)),
    (StoredSnapshotError, _snapshot),
    (SearchError, lambda e: _("recherche {query} : {problem}", query=repr(e.query), problem=_reason(e.problem))),
    (BadSearch, lambda e: _("recherche, {field} : {problem}", field=e.field, problem=_reason(e.problem))
     if e.field else _("recherche : {problem}", problem=_reason(e.problem))),
]


def describe(error: BaseException) -> str:
    """`error` as one sentence in the current language, naming what failed and where: the words of this
    module for the lower layers' errors, the error's own message (already worded) for the others."""
    for kind, sentence in _SENTENCES:
        if isinstance(error, kind):
            # One line, its no-break spaces kept (French writes "8 388 608" and "5,2 s" with them).
            return _LINE_BREAKS.sub(" ", sentence(error))
    return str(error) or type(error).__name__
