"""What the search alerts and the digests' « Toujours sans réponse » block say: a saved search in words,
why a search cannot be kept, the block's sentences."""

from __future__ import annotations

from bot.notify.wording import fr_count, fr_list
from storage.searches import MAX_LENGTH, MAX_SEARCHES, BadSearch, SavedSearch

_IN_CHAMBER = {"an": "à l'Assemblée nationale", "senat": "au Sénat"}
STILL_LATE_TITLE = "Toujours sans réponse"
STILL_LATE_SHOWN = 5  # the questions the block lists: the latest to have passed their deadline


def search_words(search: SavedSearch) -> str:
    """'questions contenant « reconnaissance faciale », au Sénat, de l'auteur « Masson »'."""
    parts = [f"contenant « {search.words} »"] if search.words else []
    if search.chamber in _IN_CHAMBER:
        parts.append(_IN_CHAMBER[search.chamber])
    if search.author:
        parts.append(f"de l'auteur « {search.author} »")
    if search.ministry:
        parts.append(f"adressées au ministère « {search.ministry} »")
    return "questions " + ", ".join(parts)


def searches_words(searches: list[SavedSearch]) -> str:
    """Several searches in one phrase: 'les questions contenant « a » et les questions …'."""
    return fr_list([f"les {search_words(search)}" for search in searches])


_FIELDS_FR = {"q": "Les mots", "author": "L'auteur", "ministry": "Le ministère"}


def bad_search(error: BadSearch) -> str:
    """Why a search cannot be kept, for the page that shows it."""
    if error.field == "chamber":
        return "La chambre est l'Assemblée nationale (an) ou le Sénat (senat)."
    if error.field in _FIELDS_FR and "longer" in error.problem:
        return f"{_FIELDS_FR[error.field]} : au plus {MAX_LENGTH[error.field]} caractères."
    if error.field in _FIELDS_FR:
        return f"{_FIELDS_FR[error.field]} : aucune lettre ni chiffre à chercher."
    if "at most" in error.problem:
        return f"Un abonnement suit au plus {MAX_SEARCHES} recherches : retirez-en une pour en ajouter une autre."
    return "Indiquez des mots, un auteur ou un ministère à chercher."


def search_feed_title(search: SavedSearch) -> str:
    return f"relance : {search_words(search)}"


# --- « Toujours sans réponse » --------------------------------------------------------------------


def still_late_intro(count: int, shown: int) -> str:
    """'12 questions que vous suivez sont toujours sans réponse après leur délai. Les 5 dernières à
    l'avoir dépassé :'."""
    late = (f"{fr_count(count, 'question', 'questions')} que vous suivez "
            f"{'est' if count < 2 else 'sont'} toujours sans réponse après {'son' if count < 2 else 'leur'} délai.")
    if shown >= count:
        return late
    return f"{late} Les {shown} dernières à l'avoir dépassé :"


def still_late_link(count: int) -> str:
    return "Voir la question en retard" if count < 2 else f"Voir les {count} questions en retard"
