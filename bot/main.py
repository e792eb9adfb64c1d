"""The composition root: the `relance` command line with the web server and the scheduler wired in.

The console script `relance` runs `bot.main:main`. Only here do the command line, the web and the
service meet; each of them imports `bot.app` and never the others."""

from __future__ import annotations

from pathlib import Path

from bot.app.config import Config
from bot.app.context import now
from bot.app.logs import setup_logging
from bot.cli import build_main
from storage.db import database_path


class Runtime:
    """What `relance serve` and `relance run` start (`bot.cli.kit.Runtime`). The web server (Flask,
    waitress) and the scheduler (APScheduler) are imported when started, not by every command: a
    `relance status` does not pay for them (bench/status.py)."""

    def serve(self, config_path: Path, config: Config, *, host: str, port: int, threads: int | None,
              trusted_proxy: str | None = None) -> None:
        from bot.web.server import serve as serve_web  # noqa: PLC0415  (only `serve` needs the web)

        serve_web(config_path, config, host=host, port=port, threads=threads, trusted_proxy=trusted_proxy)

    def run(self, config_path: Path, config: Config) -> None:
        from bot.service.run import run_service  # noqa: PLC0415  (only `run` needs the scheduler)

        setup_logging(config.log.level)
        run_service(config, database_path(config.storage.path), now=now)


main = build_main(Runtime())
