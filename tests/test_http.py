"""Moved: the HTTP client's tests are in tests/scrapers/ (test_client, test_retries, test_error_pages,
test_cache, test_pace). This file holds no test; it stays only because tests/test_doctor.py and
tests/service/test_faults_site.py import `AN_ERROR_503` from here. Once they import it from
tests.scrapers.http_site, delete it."""

from tests.scrapers.http_site import AN_ERROR_503

__all__ = ["AN_ERROR_503"]
