"""What relance says of an e-mail address it cannot use (the subscribe form and the command line). The
constants are `N_` marks, translated where they are shown (`_(FORM_INVALID)`)."""

from __future__ import annotations

from bot.notify.i18n import N_, _

FORBIDDEN_CHARACTERS = N_("elle contient un retour à la ligne, un caractère de contrôle ou l'un de , ; < > \"")
EMPTY_OR_LONG = N_("elle est vide ou dépasse {max_length} caractères")
NOT_AN_ADDRESS = N_("ce n'est pas une adresse e-mail ({why})")
ACCENTED_LOCAL_PART = N_("la partie avant le « @ » contient des caractères accentués ou non latins ({local}) et le "
                         "serveur d'envoi de ce site ne sait pas les transmettre : indiquez une adresse sans accent "
                         "avant le « @ »")
FORM_INVALID = N_("Cette adresse e-mail n'est pas valable (exemple : nom@exemple.fr).")
FORM_ACCENTED = N_("Cette adresse contient des caractères accentués avant le « @ », que le serveur d'envoi de ce "
                   "site ne sait pas transmettre. Indiquez une adresse sans accent avant le « @ » (exemple : "
                   "jose@exemple.fr).")


def unusable(address: str, why: str) -> str:
    """'« josé@exemple.fr » n'est pas une adresse e-mail utilisable : …', the address cut at 80 characters."""
    shown = address if len(address) <= 80 else address[:77] + "..."
    return _("« {address} » n'est pas une adresse e-mail utilisable : {why}", address=shown, why=why)
