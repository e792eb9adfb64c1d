"""What relance says when a bulk file (the AN's archive, the AMO) cannot be written to disk."""

from __future__ import annotations

import errno
from pathlib import Path

from bot.notify.i18n import _


def download_not_written(path: Path, error: OSError) -> str:
    """One line: which file, why, and what to do; the transfer resumes where it stopped."""
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        why = _("le disque est plein")
    elif error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        why = _("ce dossier n'est pas accessible en écriture")
    else:
        why = error.strerror or str(error)
    return _("téléchargement interrompu : impossible d'écrire {path} ({why}). Libérez de la place ou choisissez un "
             "autre dossier ([http] cache_dir), puis relancez la commande : le téléchargement reprendra là où il "
             "s'est arrêté (le fichier partiel, .part, n'est jamais pris pour complet).", path=path, why=why)
