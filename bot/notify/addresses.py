"""E-mail addresses given by people: validated and normalised before they are stored or used, and the
form SMTP carries them in.

An internationalised domain (`jose@exämple.fr`) is kept as the person wrote it and sent as its
punycode A-label (`jose@xn--exmple-cua.fr`), which every SMTP server accepts. A local part that is not
ASCII (`josé@exemple.fr`) can only travel with the SMTPUTF8 extension (RFC 6531): it is refused
unless the SMTP server is known to offer it.
"""

from __future__ import annotations

import re

from email_validator import EmailNotValidError, validate_email

from bot.notify.i18n import _
from bot.notify.wording import addresses as fr
from scrapers.errors import CannotRun

# Characters that could smuggle a header or a second recipient into a message.
_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f,;<>\"]")
MAX_LENGTH = 254


class AddressError(CannotRun, ValueError):
    """An address relance refuses, with the reason in relance's language. `accented`: only its non-ASCII local
    part is wrong (the form says so in its own words)."""

    def __init__(self, address: str, why: str, *, accented: bool = False) -> None:
        self.accented = accented
        super().__init__(fr.unusable(address, why))


def normalize_address(address: str, *, smtputf8: bool = False) -> str:
    """The address to store: validated, lower-case, its domain as written (Unicode). A non-ASCII local
    part passes only with `smtputf8` (the SMTP server offers SMTPUTF8). Raises AddressError."""
    candidate = address.strip()
    if _FORBIDDEN.search(candidate):
        raise AddressError(address, _(fr.FORBIDDEN_CHARACTERS))
    if not candidate or len(candidate) > MAX_LENGTH:
        raise AddressError(address, _(fr.EMPTY_OR_LONG, max_length=MAX_LENGTH))
    try:
        valid = validate_email(candidate, check_deliverability=False)
    except EmailNotValidError as error:
        raise AddressError(address, _(fr.NOT_AN_ADDRESS, why=error)) from None
    if not valid.local_part.isascii() and not smtputf8:
        raise AddressError(address, _(fr.ACCENTED_LOCAL_PART, local=valid.local_part), accented=True)
    return valid.normalized.lower()


def needs_smtputf8(address: str) -> bool:
    """Whether `address` (as stored) can only be sent with SMTPUTF8: its local part is not ASCII."""
    return not address.rpartition("@")[0].isascii()


def smtp_address(address: str) -> str:
    """`address` as SMTP and the To header carry it: its domain as an IDNA A-label (punycode), the local
    part unchanged. An address that is not valid any more is returned as it is (the server refuses it)."""
    try:
        valid = validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return address
    return f"{valid.local_part}@{valid.ascii_domain}"
