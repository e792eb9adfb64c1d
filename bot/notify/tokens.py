"""Signed tokens in e-mail links: each one bound to one subscriber, one address and one purpose.

Signed with `RELANCE_SECRET` (itsdangerous), so they cannot be guessed or forged; a token made for
one address or purpose is refused for another. A confirmation token also carries the subscriber's
generation, so it works once: confirming moves the generation on.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from bot.notify.i18n import _
from scrapers.errors import CannotRun

Purpose = Literal["confirm", "manage", "unsubscribe"]
MIN_SECRET_LENGTH = 16
# How long a link works: a confirmation for a week; manage and unsubscribe links for as long as
# the e-mails that carry them may be read (RFC 8058 one-click must keep working).
MAX_AGE_SECONDS: dict[Purpose, int | None] = {"confirm": 7 * 24 * 3600, "manage": 400 * 24 * 3600,
                                              "unsubscribe": None}


# Why a link is refused: the web page and the command line each say it in their words.
TokenProblem = Literal["expired", "invalid", "spent", "ended"]


def _token_problem(problem: TokenProblem) -> str:
    match problem:
        case "expired":
            return _("ce lien a expiré")
        case "spent":
            return _("ce lien n'est plus valable : il a déjà servi, ou l'abonnement a changé depuis")
        case "ended":
            return _("ce lien n'est plus valable : il appartient à un abonnement terminé")
        case _:
            return _("ce lien n'est pas valide")


class TokenError(CannotRun, ValueError):
    """A token that is forged, expired, or made for another purpose, address or state; `problem` says
    which, the message says it in words (or what else is wrong: an address that is not subscribed)."""

    def __init__(self, problem: TokenProblem = "invalid", message: str | None = None) -> None:
        super().__init__(message or _token_problem(problem))
        self.problem = problem


class SecretMissing(CannotRun, RuntimeError):
    def __init__(self) -> None:
        super().__init__(_("RELANCE_SECRET n'est pas défini (ou fait moins de {n} caractères) : les liens des "
                           "e-mails ne peuvent pas être signés ; le définir dans l'environnement",
                           n=MIN_SECRET_LENGTH))


@dataclass(frozen=True, slots=True)
class TokenClaim:
    subscriber_id: int
    email: str
    generation: int


def site_secret(needed: bool) -> str:
    """The web's secret: RELANCE_SECRET, required when e-mail links are signed (`needed`: an [email]
    section); without e-mail, RELANCE_SECRET if set, else a random one for this process, which only
    keys the session cookie of the forms (no link outlives the process)."""
    if needed or os.environ.get("RELANCE_SECRET"):
        return secret_from_env()
    return secrets.token_urlsafe(32)


def secret_from_env() -> str:
    secret = os.environ.get("RELANCE_SECRET", "")
    if len(secret) < MIN_SECRET_LENGTH:
        raise SecretMissing()
    return secret


def _serializer(secret: str, purpose: Purpose) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=f"relance-{purpose}")


def make_token(secret: str, purpose: Purpose, claim: TokenClaim) -> str:
    return _serializer(secret, purpose).dumps([claim.subscriber_id, claim.email, claim.generation])


def token_in(text: str, purpose: Purpose) -> str:
    """The token of `text`: the token itself, or a whole link pasted from an e-mail
    (`https://relance.example/confirm/TOKEN`, with or without a trailing slash or query): the path
    segment after `/{purpose}/`, else the last one."""
    text = text.strip()
    if "/" not in text:
        return text
    segments = [part for part in urlsplit(text).path.split("/") if part]
    if purpose in segments[:-1]:
        return segments[segments.index(purpose) + 1]
    return segments[-1] if segments else text


def read_token(secret: str, purpose: Purpose, token: str) -> TokenClaim:
    """The claim a token carries (given alone or in its whole link); raises TokenError when it is not a
    valid token for `purpose`."""
    try:
        data = _serializer(secret, purpose).loads(token_in(token, purpose), max_age=MAX_AGE_SECONDS[purpose])
    except SignatureExpired:
        raise TokenError("expired") from None
    except BadSignature:
        raise TokenError("invalid") from None
    if (not isinstance(data, list) or len(data) != 3 or not isinstance(data[0], int)
            or not isinstance(data[1], str) or not isinstance(data[2], int)):
        raise TokenError("invalid")
    return TokenClaim(data[0], data[1], data[2])
