"""What is wrong with one entry of `config.toml`, as a person reads it: pydantic's finding (its error type
and context) turned into a sentence of the catalogs with the value that was read, never one of pydantic's
English messages, patterns or type names."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from pydantic_core import ErrorDetails

from bot.notify.i18n import N_, Translated, _, n_
from bot.notify.wording.errors import describe

_SHOWN_LENGTH = 60

# What each pattern of the config's model lets through, in words (a regular expression is no help to
# whoever wrote the file).
PATTERNS = Translated({
    r"^[\w.-]+$": N_("seuls les lettres, les chiffres, « . », « - » et « _ » sont permis"),
    r"^[\w .'’-]+$": N_("seuls les lettres, les chiffres, les espaces, « . », « ' », « - » et « _ » sont permis"),
})


def shown(value: object) -> str:
    """A value as config.toml writes it: a text in double quotes (cut when long), true or false, a number;
    a table or a list is named, not printed."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        text = value if len(value) <= _SHOWN_LENGTH else value[:_SHOWN_LENGTH - 1] + "…"
        return json.dumps(text, ensure_ascii=False)
    if isinstance(value, Mapping):
        return _("une table")
    if isinstance(value, list | tuple):
        return _("une liste")
    return str(value)


def _expected(ctx: Mapping[str, Any]) -> str:
    # pydantic lists a Literal's values as "'starttls', 'tls' or 'none'": only the values are kept.
    values = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
    return ", ".join(f'"{value}"' for value in values) or "?"


def _bound(kind: str, limit: object, found: str) -> str:
    match kind:
        case "greater_than":
            return _("doit être supérieur à {limit} (trouvé : {found})", limit=limit, found=found)
        case "greater_than_equal":
            return _("doit valoir au moins {limit} (trouvé : {found})", limit=limit, found=found)
        case "less_than":
            return _("doit être inférieur à {limit} (trouvé : {found})", limit=limit, found=found)
        case _:
            return _("doit valoir au plus {limit} (trouvé : {found})", limit=limit, found=found)


def _length(kind: str, ctx: Mapping[str, Any], found: str) -> str:
    if kind == "string_too_short":
        least = int(ctx.get("min_length", 1))
        if least <= 1:
            return _("ne doit pas être vide")
        return n_("doit compter au moins {n} caractère (trouvé : {found})",
                  "doit compter au moins {n} caractères (trouvé : {found})", least, found=found)
    most = int(ctx.get("max_length", 0))
    return n_("doit compter au plus {n} caractère (trouvé : {found})",
              "doit compter au plus {n} caractères (trouvé : {found})", most, found=found)


def _own(error: ErrorDetails) -> str:
    # A validator of relance's config raised it, already worded (a bad reference: in the lower layer's words).
    raised = error.get("ctx", {}).get("error")
    return describe(raised) if raised is not None else error["msg"].removeprefix("Value error, ")


_BOUNDS = {"greater_than": "gt", "greater_than_equal": "ge", "less_than": "lt", "less_than_equal": "le"}
_TYPES = {
    "int_type": N_("doit être un nombre entier (trouvé : {found})"),
    "int_parsing": N_("doit être un nombre entier (trouvé : {found})"),
    "int_from_float": N_("doit être un nombre entier (trouvé : {found})"),
    "float_type": N_("doit être un nombre (trouvé : {found})"),
    "float_parsing": N_("doit être un nombre (trouvé : {found})"),
    "finite_number": N_("doit être un nombre (trouvé : {found})"),
    "bool_type": N_("doit valoir true ou false (trouvé : {found})"),
    "bool_parsing": N_("doit valoir true ou false (trouvé : {found})"),
    "string_type": N_("doit être un texte entre guillemets (trouvé : {found})"),
    "model_type": N_("doit être une table, [nom] ou nom = {{ … }} (trouvé : {found})"),
    "model_attributes_type": N_("doit être une table, [nom] ou nom = {{ … }} (trouvé : {found})"),
    "dict_type": N_("doit être une table, [nom] ou nom = {{ … }} (trouvé : {found})"),
    "tuple_type": N_("doit être une liste, comme [\"a\", \"b\"] (trouvé : {found})"),
    "list_type": N_("doit être une liste, comme [\"a\", \"b\"] (trouvé : {found})"),
}


def problem(error: ErrorDetails) -> str:
    """The sentence for one of pydantic's findings on the config."""
    kind, ctx = error["type"], error.get("ctx", {})
    found = shown(error.get("input"))
    if kind in {"value_error", "assertion_error"}:
        return _own(error)
    if kind == "extra_forbidden":
        return _("clé inconnue")
    if kind == "missing":
        return _("obligatoire, mais absente")
    if kind in _BOUNDS:
        limit = ctx.get(_BOUNDS[kind])
        return _bound(kind, int(limit) if isinstance(limit, float) and limit.is_integer() else limit, found)
    if kind in {"string_too_short", "string_too_long"}:
        return _length(kind, ctx, found)
    if kind == "literal_error":
        return _("doit valoir l'une de ces valeurs : {values} (trouvé : {found})", values=_expected(ctx), found=found)
    if kind == "string_pattern_mismatch":
        allowed = PATTERNS.get(str(ctx.get("pattern")), _("caractère non permis"))
        return _("{allowed} (trouvé : {found})", allowed=allowed, found=found)
    if kind in _TYPES:
        return _(_TYPES[kind], found=found)
    return _("valeur refusée (trouvé : {found})", found=found)

