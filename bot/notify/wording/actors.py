"""What `relance import actors` (and `relance doctor`) say of the AN's open data of deputies (AMO)."""

from __future__ import annotations

from babel.numbers import format_decimal

from bot.notify.i18n import N_, Translated, _
from bot.notify.wording import capitalized, fr_count, fr_list, locale

# Read where it is shown: `_(ACTORS_NEVER_IMPORTED)`.
ACTORS_NEVER_IMPORTED = N_("jamais importés : les auteurs de l'AN ne sont nommés que lorsque le texte de la "
                           "question les nomme ; `relance import actors` les nomme d'après les données de l'AN")

_ACTORS_FETCHED = Translated({"downloaded": N_("téléchargé ({size})"),
                              "resumed": N_("téléchargement repris et terminé ({size})"),
                              "not_modified": N_("inchangé sur le serveur (HTTP 304), rien téléchargé"),
                              "file": N_("lu ({size})")})


def actors_file_line(what: str, fetched: str, size_bytes: int, *, imported: bool, stopped: bool,
                     error: str | None) -> str:
    """'AMO AN 17 : téléchargé (2,4 Mo) ; importé', or why it was not."""
    if error:
        return _("{what} : non importé : {error}", what=what, error=error)
    size = _("{megabytes} Mo", megabytes=format_decimal(round(size_bytes / 1e6, 1), locale=locale()))
    how = _ACTORS_FETCHED[fetched].format(size=size)
    done = _("importé") if imported else (_("arrêté avant la fin") if stopped else _("déjà importé, rien importé"))
    return _("{what} : {how} ; {done}", what=what, how=how, done=done)


def actors_summary(*, actors: int, mandates: int, bodies: int, skipped: int, unreadable: int, renamed: int,
                   matched: int) -> str:
    """One sentence: what an import of actors stored and what it changed to the stored questions."""
    read = fr_list([fr_count(actors, "acteur", "acteurs"), fr_count(mandates, "mandat", "mandats"),
                    fr_count(bodies, "organe", "organes")])
    files = fr_list([_("{files} (ni acteur ni organe)", files=fr_count(skipped, "fichier ignoré", "fichiers ignorés")),
                     fr_count(unreadable, "fichier illisible", "fichiers illisibles")])
    renames = fr_count(renamed, "question de l'AN renommée", "questions de l'AN renommées")
    if matched:
        return _("{read} importés ; {files} ; {renames}, dont {matched} par une règle de suivi.",
                 read=capitalized(read), files=files, renames=renames, matched=fr_count(matched, "trouvée", "trouvées"))
    return _("{read} importés ; {files} ; {renames}.", read=capitalized(read), files=files, renames=renames)
