"""Moved: the check cycle's tests are in tests/app/test_check.py, its shared world in
tests/app/check_site.py. This file holds no test; it stays only because tests/scrapers/test_politeness.py
imports `check_json` from here. Once it imports it from tests.app.check_site, delete it."""

from tests.app.check_site import check_json

__all__ = ["check_json"]
