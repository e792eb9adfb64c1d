"""One `relance run` per database: an exclusive `flock` on a lock file beside it."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.app.logs import describe
from bot.notify.i18n import _
from scrapers.errors import CannotRun
from storage.db import StorageError


class AlreadyRunning(CannotRun):
    """Another `relance run` holds the database's lock file."""

    def __init__(self, lock: Path, pid: str) -> None:
        self.lock, self.pid = lock, pid
        super().__init__(_("un autre relance run tient {lock} (pid {pid})", lock=lock, pid=pid or _("inconnu")))


def lock_path(database: Path) -> Path:
    return Path(f"{database}.lock")


@contextmanager
def instance_lock(database: Path) -> Iterator[Path]:
    """Hold an exclusive `flock` on `<database>.lock` (which names our pid) until the block ends.

    The kernel drops the lock when the process dies, however it dies: no stale lock to clean up. The
    file itself stays, so that two starting processes always lock the same inode."""
    path = lock_path(database)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as error:
        problem = _("impossible d'ouvrir le fichier de verrou : {error}", error=describe(error))
        raise StorageError(path, problem) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise AlreadyRunning(path, os.pread(fd, 32, 0).decode("ascii", "replace").strip()) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        yield path
    finally:
        os.close(fd)  # releases the lock
