"""What the senat.fr readers share: the site's address and how its pages write dates."""

from __future__ import annotations

import re
from datetime import date

from scrapers.model import ParseError
from scrapers.validate import plausible_date

SENAT_BASE_URL = "https://www.senat.fr"

DATE = re.compile(r"(\d{2})/(\d{2})/(\d{4})")


def parse_date(text: str, url: str, what: str) -> date:
    """A `dd/mm/yyyy` date; `ParseError` naming `url` and `what` when `text` is not one, or is not a
    plausible date (scrapers/validate.py)."""
    match = DATE.fullmatch(text)
    try:
        found = date(int(match[3]), int(match[2]), int(match[1])) if match else None
    except ValueError:
        found = None
    if found is None:
        raise ParseError(url, f"{what} (dd/mm/yyyy)", text)
    return plausible_date(found, url, what)


def collapsed(text: str) -> str:
    """`text` with every run of white space (no-break spaces included) as one space, stripped."""
    return " ".join(text.split())
