"""Moved: the download tests are in tests/scrapers/test_download.py. This file holds no test; it
stays only because tests/app/test_import_an.py imports `RangeSite` from here. Once it imports it
from tests.scrapers.range_site, delete it."""

from tests.scrapers.range_site import RangeSite

__all__ = ["RangeSite"]
