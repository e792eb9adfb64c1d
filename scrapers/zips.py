"""What the AN's zips (the archive of questions, the AMO data of deputies) share: opening one with a clear
error, the exceptions that mean a damaged zip, and closing it as a context manager."""

from __future__ import annotations

import struct
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Self

# What zipfile raises on a damaged archive: bad magic numbers or CRCs, a truncated member, a corrupt
# deflate stream, an encrypted member (RuntimeError), and a compression method the standard library
# does not read (zipfile raises NotImplementedError for it: a property of the file, not code to write).
ZIP_DAMAGE: tuple[type[Exception], ...] = (zipfile.BadZipFile, zlib.error, EOFError, struct.error,
                                           NotImplementedError, RuntimeError, ValueError, OSError)


class ZipReader:
    """A zip open for reading, closed by `close` or at the end of a `with` block."""

    def __init__(self, path: Path, refused: Callable[[Path, str], Exception]) -> None:
        """Open `path`; `refused(path, problem)` is the error raised when it is missing or no zip."""
        self.path = path
        try:
            self._zip = zipfile.ZipFile(path)
        except FileNotFoundError:
            raise refused(path, "no such file") from None
        except ZIP_DAMAGE as error:
            raise refused(path, f"not a zip archive, or truncated: {error}") from None

    def close(self) -> None:
        self._zip.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()
