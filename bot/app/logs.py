"""Structured logs for `relance run`: one line per event on stderr, the instant in Europe/Paris, then
`key=value` pairs, e.g. `2025-06-03T18:00:00+02:00 level=info event=cycle_done checked=12 changed=1`.

A value with a space, a quote, an `=` or a line break is written as a JSON string, so every event stays
on one line and a line splits back into its pairs (logfmt). Other libraries' records come out the same
way, as `event=log logger=NAME message="…"`.
"""

from __future__ import annotations

import json
import logging
import sys
import traceback
from collections.abc import Mapping
from datetime import datetime
from typing import Literal, TextIO

from bot.core.deadlines import PARIS
from bot.core.text import printable

Level = Literal["debug", "info", "warning", "error"]
LEVELS: dict[str, int] = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING,
                          "error": logging.ERROR}
LOGGER = "relance"
_FIELDS = "relance_fields"  # where a record made by `log_event` keeps its pairs
# Libraries that say too much at info for a service that logs its own events; shown again at debug.
_CHATTY = {"apscheduler": logging.ERROR, "httpx": logging.WARNING, "httpcore": logging.WARNING}

log = logging.getLogger(LOGGER)


def log_event(event: str, level: Level = "info", **fields: object) -> None:
    """Log one event: `event` is its name (`cycle_done`), `fields` its pairs; a `None` field is left out."""
    log.log(LEVELS[level], event, extra={_FIELDS: fields})


def describe(error: BaseException) -> str:
    """An exception on one line: its type and message."""
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        value = value.astimezone(PARIS).isoformat(timespec="seconds")
    text = str(value)
    # A value quoted from a source may hold control characters: quoted, then escaped (JSON escapes C0;
    # DEL and C1, which some terminals obey, by bot.core.text.printable), never written raw to a log.
    if not text or printable(text) != text or any(c.isspace() or c in '"=\\' for c in text):
        return printable(json.dumps(text, ensure_ascii=False))
    return text


def format_line(when: datetime, level: str, event: str, fields: Mapping[str, object]) -> str:
    pairs = [f"{key}={_value(value)}" for key, value in fields.items() if value is not None]
    return " ".join([when.astimezone(PARIS).isoformat(timespec="seconds"), f"level={level}", f"event={event}",
                     *pairs])


class LineFormatter(logging.Formatter):
    """Formats every record as one `key=value` line (see the module's docstring)."""

    def __init__(self, tracebacks: bool = False) -> None:
        super().__init__()
        self.tracebacks = tracebacks  # at debug level, an exception's traceback too, as one escaped value

    def format(self, record: logging.LogRecord) -> str:
        fields: dict[str, object]
        own = getattr(record, _FIELDS, None)
        if isinstance(own, dict):
            event, fields = str(record.msg), dict(own)
        else:
            event, fields = "log", {"logger": record.name, "message": record.getMessage()}
        if record.exc_info and record.exc_info[1] is not None:
            fields.setdefault("error", describe(record.exc_info[1]))
            if self.tracebacks:
                fields["traceback"] = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        when = datetime.fromtimestamp(record.created, PARIS)
        return format_line(when, record.levelname.lower(), event, fields)


def setup_logging(level: Level, stream: TextIO | None = None) -> None:
    """Send every log record at `level` or above to `stream` (stderr), one line each."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(LineFormatter(tracebacks=level == "debug"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(LEVELS[level])
    for name, quiet in _CHATTY.items():
        logging.getLogger(name).setLevel(logging.DEBUG if level == "debug" else quiet)
