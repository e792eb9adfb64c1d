"""E-mail addresses given by people: validated and normalised before they are stored or used."""

from __future__ import annotations

import re

from email_validator import EmailNotValidError, validate_email

from scrapers.errors import CannotRun

# Characters that could smuggle a header or a second recipient into a message.
_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f,;<>\"]")
MAX_LENGTH = 254


class AddressError(CannotRun, ValueError):
    """An address relance refuses, with the reason."""

    def __init__(self, address: str, why: str) -> None:
        shown = address if len(address) <= 80 else address[:77] + "..."
        super().__init__(f"{shown!r} is not a usable e-mail address: {why}")


def normalize_address(address: str) -> str:
    """The address to store: validated, lower-case. Raises AddressError."""
    candidate = address.strip()
    if _FORBIDDEN.search(candidate):
        raise AddressError(address, "it contains a line break, a control character or one of , ; < > \"")
    if not candidate or len(candidate) > MAX_LENGTH:
        raise AddressError(address, f"empty or longer than {MAX_LENGTH} characters")
    try:
        valid = validate_email(candidate, check_deliverability=False)
    except EmailNotValidError as error:
        raise AddressError(address, str(error)) from None
    return valid.normalized.lower()
