"""People and ministries on a senat.fr question page: the author as "First Last", the minister a
question's text addresses, and the ministries it was transferred to."""

from __future__ import annotations

import re

from scrapers.model import Attribution, Author, Ministry, normalize_ministry

_CIVILITIES = ("M.", "Mme", "Mlle")

# Lower-case words that may sit inside a surname written in capitals ("de LA GONTRIE Marie-Pierre").
_NAME_PARTICLES = frozenset({"de", "du", "des", "d'", "le", "la"})
_LOWER_PARTICLES = frozenset({"de", "du", "des"})
_WORD = re.compile(r"[^\W\d_]+")


def read_author(who: str) -> Author:
    """`M. MASSON Jean Louis (Moselle - NI)` → civility, display name, department, group."""
    civility, _, rest = who.partition(" ")
    if civility not in _CIVILITIES:
        civility, rest = "", who
    name, constituency, group = rest, None, None
    if rest.endswith(")") and " (" in rest:
        name, _, inside = rest[:-1].rpartition(" (")
        # Department names hold hyphens without spaces ("Seine-Saint-Denis"): " - " parts the group.
        before, sep, after = inside.rpartition(" - ")
        constituency, group = (before, after) if sep else (inside, None)
    return Author(name=display_name(name) or None, civility=civility or None, group=group or None,
                  constituency=constituency or None)


def display_name(name: str) -> str:
    """A senator's name as "First Last": the page writes the surname first in capitals
    (`MASSON Jean Louis` → `Jean Louis Masson`, `de LA GONTRIE Marie-Pierre` → `Marie-Pierre
    de La Gontrie`); a name not written that way is kept as written."""
    tokens = name.split()
    surname_end = 0
    for at, token in enumerate(tokens):
        if _is_capitals(token):
            surname_end = at + 1
        elif token.lower() not in _NAME_PARTICLES:
            break
    if surname_end == 0:
        return " ".join(tokens)
    surname = " ".join(_surname_word(token) for token in tokens[:surname_end])
    return " ".join([*tokens[surname_end:], surname])


def _is_capitals(token: str) -> bool:
    letters = [c for c in token if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def _surname_word(token: str) -> str:
    if token.lower() in _LOWER_PARTICLES:
        return token.lower()
    word = _WORD.sub(lambda m: m[0].capitalize(), token.lower())
    return "d'" + word[2:] if word.startswith("D'") else word


# The addressee: "… attire l'attention de M. le ministre de l'intérieur sur …".
_ADDRESSEE = re.compile(r"\b(?:M\.|Mme|Monsieur|Madame) (?:le|la) (?P<title>(?:Premi(?:er|ère) "
                        r"ministre|ministre|secrétaire d'État|garde des sceaux|haut-commissaire)\b.*)")
# Where the addressee ends: a verb's complement (" sur ", " de clarifier", " s'il "…) or a full stop.
# Ministry names hold commas and "de la"/"de l'"/"des", so neither ends it.
_ADDRESSEE_END = re.compile(r",? (?:sur|les termes|si|s'il|s'ils|quant|pour|afin|que|quelle|quelles|"
                            r"quel|quels|concernant|au sujet|à propos) |,? de (?!la |l'|l’|les )"
                            r"|[.;:?!(]")


def ministry_addressed(question_text: str) -> Ministry | None:
    """The minister a question is addressed to, as its text names them, since the Sénat page does
    not give the ministry asked as a field: "… attire l'attention de M. le ministre de l'intérieur
    sur …" → "ministre de l'intérieur". None when the text names no minister.

    Kept as written (a minister's title, not a "Ministère …" name): the Sénat may have lodged the
    question with another ministry than the one the text addresses, so only the page's own
    "Transmise au …" lines say that the question moved.
    """
    match = _ADDRESSEE.search(question_text, 0, 1000)
    if match is None:
        return None
    title = match["title"]
    end = _ADDRESSEE_END.search(title)
    title = (title[:end.start()] if end else title).rstrip(" ,")
    return Ministry(title) if title and len(title) <= 250 else None


def asked_and_attributions(question_text: str, transfers: list[str], awaiting: str | None
                            ) -> tuple[Ministry | None, tuple[Attribution, ...]]:
    """The ministry asked and the undated attributions (one per "Transmise au …" line).

    "En attente de réponse du Ministère de X" names the ministry holding the question now: with no
    transfer shown, that is the ministry asked, in the page's own naming; after transfers, it is
    recorded as one more attribution unless the last transfer already names it.
    """
    attributions = [Attribution(Ministry(name), None) for name in transfers]
    if awaiting is None:
        return ministry_addressed(question_text), tuple(attributions)
    if not transfers:
        return Ministry(awaiting), ()
    if normalize_ministry(transfers[-1]) != normalize_ministry(awaiting):
        attributions.append(Attribution(Ministry(awaiting), None))
    return ministry_addressed(question_text), tuple(attributions)
