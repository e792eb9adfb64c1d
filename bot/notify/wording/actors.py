"""What `relance import actors` (and `relance doctor`) say of the AN's open data of deputies (AMO)."""

from __future__ import annotations

from babel.numbers import format_decimal

from bot.notify.wording import capitalized, fr_count, fr_list, locale

ACTORS_NEVER_IMPORTED = ("jamais importés : les auteurs de l'AN ne sont nommés que lorsque le texte de la question "
                         "les nomme ; `relance import actors` les nomme d'après les données de l'AN")

_ACTORS_FETCHED = {"downloaded": "téléchargé ({size})", "resumed": "téléchargement repris et terminé ({size})",
                   "not_modified": "inchangé sur le serveur (HTTP 304), rien téléchargé", "file": "lu ({size})"}


def actors_file_line(what: str, fetched: str, size_bytes: int, *, imported: bool, stopped: bool,
                     error: str | None) -> str:
    """'AMO AN 17 : téléchargé (2,4 Mo) ; importé', or why it was not."""
    if error:
        return f"{what} : non importé : {error}"
    how = _ACTORS_FETCHED[fetched].format(size=f"{format_decimal(round(size_bytes / 1e6, 1), locale=locale())} Mo")
    done = "importé" if imported else ("arrêté avant la fin" if stopped else "déjà importé, rien importé")
    return f"{what} : {how} ; {done}"


def actors_summary(*, actors: int, mandates: int, bodies: int, skipped: int, unreadable: int, renamed: int,
                   matched: int) -> str:
    """One sentence: what an import of actors stored and what it changed to the stored questions."""
    read = fr_list([fr_count(actors, "acteur", "acteurs"), fr_count(mandates, "mandat", "mandats"),
                    fr_count(bodies, "organe", "organes")])
    files = fr_list([fr_count(skipped, "fichier ignoré", "fichiers ignorés") + " (ni acteur ni organe)",
                     fr_count(unreadable, "fichier illisible", "fichiers illisibles")])
    renames = fr_count(renamed, "question de l'AN renommée", "questions de l'AN renommées")
    found = f", dont {fr_count(matched, 'trouvée', 'trouvées')} par une règle de suivi" if matched else ""
    return f"{capitalized(read)} importés ; {files} ; {renames}{found}."
