"""What every entry point (a command, a web request, a scheduled job) shares: the config file, read
once when first needed, the database it names, and the one clock, an aware instant in Europe/Paris."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlite_utils import Database

from bot.app.config import Config, load_config
from bot.app.database import open_database
from bot.core.deadlines import PARIS
from storage.db import database_path


def now() -> datetime:
    """The one clock: an aware instant in Europe/Paris."""
    return datetime.now(PARIS)


class Context:
    """The config file's path, and its config read once when first needed."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._config: Config | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.path)
        return self._config

    def database(self) -> Database:
        return open_database(database_path(self.config.storage.path))
