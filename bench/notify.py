"""E-mail digests: how many subscribers one machine serves. Wall time, messages a second and peak memory
of the morning `relance notify` that sends every subscriber their daily digest.

Run: .venv/bin/python bench/notify.py [--subscribers 2000] [--questions 20]

What it builds, in a temporary folder: an archive of `--questions` questions derived from the real
../shared/samples/an/QANR5L17QE5268.json (or $RELANCE_SAMPLES) by bench/import.py's transformation (60 %
pending, hence late at first sight, 40 % answered), found by one follow rule (tag `diamants`), so each
question brings a `matched` event and the pending ones an `overdue` one; `--subscribers` confirmed daily
subscribers to that tag, confirmed the day before the import; a real SMTP server (aiosmtpd) on
127.0.0.1 that accepts and discards every message. Then the real `notify_once` (what `relance notify`
and the scheduler's notify job run) at 08:00 Paris time: each subscriber's digest is planned (the
delivery ledger), rendered (Jinja, HTML and text parts), queued, and sent over one SMTP connection.

Printed: the notify pass's wall time, the messages sent, messages a second, the peak RSS, and what that
rate means for a morning: subscribers served in 10 minutes. No target in the issue: the figure feeds
docs/scale.md.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import resource
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from types import ModuleType

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from bot.app.config import load_config
from bot.app.database import open_database
from bot.app.import_an import import_an
from bot.app.notify import notify_once
from bot.core.deadlines import PARIS
from storage.subscribers import set_state, upsert_pending
from tests.smtp import free_port

PROJECT = Path(__file__).resolve().parent.parent
SAMPLES = Path(os.environ.get("RELANCE_SAMPLES", PROJECT.parent / "shared" / "samples"))
SUBSCRIBED = datetime(2026, 4, 14, 12, tzinfo=PARIS)
IMPORTED = datetime(2026, 4, 15, 7, tzinfo=PARIS)
MORNING = datetime(2026, 4, 15, 8, 5, tzinfo=PARIS)


class Discard:
    """An SMTP handler that accepts every message and keeps only a count."""

    def __init__(self) -> None:
        self.accepted = 0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.accepted += 1
        return "250 OK"


def write_config(folder: Path, smtp_port: int) -> Path:
    path = folder / "config.toml"
    path.write_text(f"""[relance]
contact = "bench@relance.test"
[storage]
path = "{folder / 'relance.db'}"
[http]
cache_dir = "{folder / 'cache'}"
[email]
host = "127.0.0.1"
port = {smtp_port}
security = "none"
sender = "relance <relance@relance.test>"
[web]
base_url = "https://relance.test"
[[follow]]
name = "Diamants"
keywords = ["diamants synthétiques"]
tags = ["diamants"]
""", encoding="utf-8")
    return path


def bench_import() -> ModuleType:
    """bench/import.py (its name is a keyword: loaded from its path), for its archive builder."""
    spec = importlib.util.spec_from_file_location("bench_import", Path(__file__).with_name("import.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def peak_rss_megabytes() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subscribers", type=int, default=2000)
    parser.add_argument("--questions", type=int, default=20)
    args = parser.parse_args()
    if not (SAMPLES / "an/QANR5L17QE5268.json").is_file():
        sys.exit(f"samples not found at {SAMPLES}: set RELANCE_SAMPLES")
    os.environ.setdefault("RELANCE_SECRET", "bench-secret-" + "x" * 40)
    sink = Discard()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with tempfile.TemporaryDirectory(prefix="relance-bench-notify-") as temporary:
            folder = Path(temporary)
            config = load_config(write_config(folder, port))
            archive = folder / "Questions_ecrites.json.zip"
            bench_import().build_archive(str(archive), args.questions)
            db = open_database(folder / "relance.db")
            for n in range(args.subscribers):
                subscriber, _ = upsert_pending(db, f"abonne{n}@example.net", frequency="daily",
                                               tags=("diamants",), refs=(), now=SUBSCRIBED)
                set_state(db, subscriber, "confirmed", SUBSCRIBED)
            imported = import_an(config, db, now=lambda: IMPORTED, file=archive)
            events = db.table("events").count
            print(f"{args.questions:,} questions imported ({imported.matched:,} found by the rule), {events:,} events; "
                  f"{args.subscribers:,} daily subscribers to their tag; SMTP: aiosmtpd on 127.0.0.1, discarding")
            start = time.perf_counter()
            report = notify_once(config, db, now=lambda: MORNING)
            seconds = time.perf_counter() - start
            email = report.email
            sent = email.sent if email else 0
            rate = sent / seconds if seconds else 0.0
            failed = email.failed if email else 0
            print(f"notify:   {seconds:6.1f} s  sent {sent:,} digests (server accepted {sink.accepted:,}), "
                  f"failed {failed}, {rate:,.0f} messages/s, peak RSS {peak_rss_megabytes():.0f} MB")
            print(f"a morning: {rate * 600:,.0f} subscribers served in 10 minutes at this rate, on one core")
            db.close()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
