"""Moved: the AN archive's tests are in tests/app/test_an_archive.py and tests/app/test_import_an.py,
the derivations of the real record in tests/app/an_archives.py. This file holds no test; it stays only
because bench/import.py imports `set_dates` and `set_number` from here. Once it imports them from
tests.app.an_archives, delete it."""

from tests.app.an_archives import set_dates, set_number

__all__ = ["set_dates", "set_number"]
