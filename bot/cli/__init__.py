"""The `relance` command line (Click only): the `main` group and its commands, each a thin function
over `bot.app`. A user's mistake or a site's failure prints one line on stderr, never a traceback."""

from __future__ import annotations

from pathlib import Path

import click

from bot.app.config import config_path
from bot.cli.feeds import feed
from bot.cli.follow import follow_group, search
from bot.cli.imports import import_group
from bot.cli.kit import Context, RelanceGroup, Runtime
from bot.cli.notes import note
from bot.cli.people import confirm, notify, subscribe, subscribers, unsubscribe
from bot.cli.questions import add, check, events, fetch, remove, show, status
from bot.cli.runtime import doctor, run, serve
from bot.cli.stats import stats_command
from bot.notify.i18n import LANGUAGES

COMMANDS: tuple[click.Command, ...] = (fetch, check, doctor, status, show, events, add, remove, subscribe, confirm,
                                       unsubscribe, subscribers, notify, run, feed, import_group, serve, follow_group,
                                       search, stats_command, note)


def build_main(runtime: Runtime | None = None) -> click.Group:
    """The `relance` group with every command; `runtime` starts the web and the scheduler."""

    @click.group(name="relance", cls=RelanceGroup, context_settings={"help_option_names": ["-h", "--help"]})
    @click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
                  help="Fichier de configuration (par défaut : $RELANCE_CONFIG, sinon ./config.toml).")
    @click.option("--lang", "language", type=click.Choice(LANGUAGES), default=None,
                  help="Langue des messages : fr (par défaut) ou en (de même si LANG ou LC_ALL nomme l'anglais).")
    @click.version_option(package_name="relance", help="Afficher la version et quitter.")
    @click.pass_context
    def main(ctx: click.Context, config_file: Path | None, language: str | None) -> None:
        """relance : suivre les questions écrites de l'Assemblée nationale et du Sénat."""
        ctx.obj = Context(config_path(config_file), runtime)

    for command in COMMANDS:
        main.add_command(command)
    return main


main = build_main()
