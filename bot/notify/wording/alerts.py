"""What the search alerts and the digests' « Toujours sans réponse » block say: a saved search in words,
why a search cannot be kept, the block's sentences. Each message comes from the catalogs."""

from __future__ import annotations

from bot.notify.i18n import N_, Translated, _, n_
from bot.notify.wording import fr_list, number
from storage.searches import MAX_LENGTH, MAX_SEARCHES, BadSearch, SavedSearch

_IN_CHAMBER = Translated({"an": N_("à l'Assemblée nationale"), "senat": N_("au Sénat")})
STILL_LATE_SHOWN = 5  # the questions the block lists: the latest to have passed their deadline


def still_late_title() -> str:
    return _("Toujours sans réponse")


def search_words(search: SavedSearch) -> str:
    """'questions contenant « reconnaissance faciale », au Sénat, de l'auteur « Masson »'."""
    parts = [_("contenant « {words} »", words=search.words)] if search.words else []
    if search.chamber is not None and search.chamber in _IN_CHAMBER:
        parts.append(_IN_CHAMBER[search.chamber])
    if search.author:
        parts.append(_("de l'auteur « {author} »", author=search.author))
    if search.ministry:
        parts.append(_("adressées au ministère « {ministry} »", ministry=search.ministry))
    return _("questions {criteria}", criteria=", ".join(parts))


def searches_words(searches: list[SavedSearch]) -> str:
    """Several searches in one phrase: 'les questions contenant « a » et les questions …'."""
    return fr_list([_("les {search}", search=search_words(search)) for search in searches])


_FIELDS = Translated({"q": N_("Les mots"), "author": N_("L'auteur"), "ministry": N_("Le ministère")})


def bad_search(error: BadSearch) -> str:
    """Why a search cannot be kept, for the page that shows it."""
    if error.field == "chamber":
        return _("La chambre est l'Assemblée nationale (an) ou le Sénat (senat).")
    if error.field in _FIELDS and "longer" in error.problem:
        return _("{field} : au plus {n} caractères.", field=_FIELDS[error.field], n=MAX_LENGTH[error.field])
    if error.field in _FIELDS:
        return _("{field} : aucune lettre ni chiffre à chercher.", field=_FIELDS[error.field])
    if "at most" in error.problem:
        return _("Un abonnement suit au plus {n} recherches : retirez-en une pour en ajouter une autre.",
                 n=MAX_SEARCHES)
    return _("Indiquez des mots, un auteur ou un ministère à chercher.")


def search_feed_title(search: SavedSearch) -> str:
    return _("relance : {search}", search=search_words(search))


# --- « Toujours sans réponse » --------------------------------------------------------------------


def still_late_intro(count: int, shown: int) -> str:
    """'12 questions que vous suivez sont toujours sans réponse après leur délai. Les 5 dernières à
    l'avoir dépassé :'."""
    late = n_("{count} question que vous suivez est toujours sans réponse après son délai.",
              "{count} questions que vous suivez sont toujours sans réponse après leur délai.", count,
              count=number(count))
    if shown >= count:
        return late
    return _("{late} Les {shown} dernières à l'avoir dépassé :", late=late, shown=shown)


def still_late_link(count: int) -> str:
    return n_("Voir la question en retard", "Voir les {n} questions en retard", count)
