"""Moved: the fault tests are in tests/service/test_faults_*.py, their helpers in tests/service/faults.py.
This file holds no test; it stays only because tests/scrapers/test_politeness.py takes the threaded
`httpserver` fixture from here (`test_faults.httpserver`). Once it takes it from tests.service.faults,
delete it."""

from tests.service.faults import httpserver

__all__ = ["httpserver"]
