"""`relance import …`: bulk readers of the chambers' open data. Each source adds its own subcommand
to `import_group` from its module, imported at the end of this one."""

from __future__ import annotations

import click


@click.group("import")
def import_group() -> None:
    """Import the chambers' open data in bulk: every question becomes a stored snapshot."""

import bot.import_an  # noqa: E402, F401  (registers `relance import an`)
from bot import import_senat  # noqa: E402, F401  (registers `relance import senat`)
