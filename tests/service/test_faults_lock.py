"""The database locked by another process, end to end through the real CLI as a child process: a lock
shorter than SQLite's busy timeout is waited out, a longer one is one clear line on stderr."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from storage.db import BUSY_TIMEOUT_MS
from tests.app import check_site
from tests.app.check_site import AN_PATH, Site, check_json
from tests.service import faults
from tests.service.faults import WAIT, event_count, finish, has_open, integrity, pending, rows, spawn, wait_until

# Fixtures, registered here under these names: the three real questions on a local threaded `site`.
config = check_site.config
site = check_site.site
httpserver = faults.httpserver

HELD_AFTER_OPEN = 1.5  # the lock stays this long after the child opened the database: well within 10 s

LOCKER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
sys.stdin.readline()  # hold the lock until the test writes a line (or its end closes the pipe)
print(time.time(), flush=True)  # still held: no other process can have written before this instant
conn.execute("COMMIT")
"""


class Locker:
    """A second Python process holding `BEGIN EXCLUSIVE` on the database until `release()`."""

    def __init__(self, db: Path) -> None:
        self.process = subprocess.Popen([sys.executable, "-c", LOCKER, str(db)], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        assert self.process.stdout.readline().strip() == "locked"

    def release(self) -> datetime:
        """Commit; return an instant just before the commit, while the lock was still held."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write("release\n")
        self.process.stdin.flush()
        released = float(self.process.stdout.readline())
        self.process.wait(WAIT)
        return datetime.fromtimestamp(released, UTC)

    def __enter__(self) -> Locker:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(WAIT)
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()


def test_a_lock_shorter_than_the_busy_timeout_is_waited_out(config: Path, site: Site) -> None:
    site.serve(AN_PATH, pending(), "application/json")
    check_json(config)
    db = config.parent / "relance.db"
    with Locker(db) as lock:
        process = spawn(config, "check", "--json")
        # However long a loaded machine takes to start the child, wait until it has the database open;
        # its cycle then begins within milliseconds and waits for the lock (BUSY_TIMEOUT_MS, 10 s).
        wait_until(lambda: has_open(process, db), "the child to open the database")
        time.sleep(HELD_AFTER_OPEN)
        released = lock.release()
        code, out, err = finish(process)
    assert code == 0, err
    assert json.loads(out)["checked"] == 1
    # The child's own clock: when its cycle began, and when it recorded its one poll.
    [(started,)] = rows(config, "SELECT started FROM cycles ORDER BY id DESC LIMIT 1")
    [(polled,)] = rows(config, "SELECT at FROM polls ORDER BY id DESC LIMIT 1")
    # The cycle began while the lock was held, and wrote only once it was let go (`released` is an
    # instant at which the lock was still held, so no scheduling delay can put `polled` before it).
    assert datetime.fromisoformat(started) < released < datetime.fromisoformat(polled)
    assert integrity(config) == "ok"


def test_a_lock_held_beyond_the_busy_timeout_is_one_clear_line(config: Path, site: Site) -> None:
    site.serve(AN_PATH, pending(), "application/json")
    check_json(config)
    events_before = event_count(config)
    with Locker(config.parent / "relance.db"):
        started = time.monotonic()
        code, _out, err = finish(spawn(config, "check"))
        waited = time.monotonic() - started
    assert waited >= BUSY_TIMEOUT_MS / 1000  # it did wait the whole busy timeout
    assert integrity(config) == "ok" and event_count(config) == events_before
    check_json(config)  # the lock gone, the next run is fine
    assert code in (1, 2)
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1 and "verrouillée" in err, err


