"""Joining and leaving: subscribe (double opt-in), confirm, unsubscribe, and the signed links.

Nothing but the confirmation is ever sent to an address that has not confirmed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlite_utils import Database

from bot.notify.addresses import normalize_address
from bot.notify.digest import render_confirmation
from bot.notify.mail import build_email, message_id
from bot.notify.tokens import Purpose, TokenClaim, TokenError, make_token, read_token
from bot.notify.wording.late_group import short_title
from bot.notify.wording.tags import tags_label
from scrapers.errors import CannotRun
from scrapers.refs import RefError, parse_ref
from storage.ledger import Message, email_recipient, queue_message
from storage.questions import get_question
from storage.subscribers import (
    FREQUENCIES,
    Frequency,
    Subscriber,
    get_subscriber,
    set_state,
    upsert_pending,
)


class SubscriptionError(CannotRun, ValueError):
    """A subscription request relance refuses (an unknown frequency…)."""


@dataclass(frozen=True, slots=True)
class MailSettings:
    """What every e-mail needs: who sends it, where its links point, and the key that signs them."""

    sender: str
    base_url: str
    secret: str
    unsubscribe_mailto: str | None = None
    tag_labels: Mapping[str, str] = field(default_factory=dict)  # the config's [tags.NAME] labels


def link(settings: MailSettings, purpose: Purpose, subscriber: Subscriber) -> str:
    token = make_token(settings.secret, purpose, TokenClaim(subscriber.id, subscriber.email, subscriber.generation))
    return f"{settings.base_url.rstrip('/')}/{purpose}/{token}"


FOLLOWED_TITLE_CHARS = 70  # a followed question's title, in the words of what a subscriber follows


def follow_titles(db: Database, refs: Sequence[str]) -> dict[str, str]:
    """The titles of the stored questions among `refs` (a subscriber's few), to name them for a person."""
    titles = {}
    for ref in refs:
        stored = get_question(db, ref)
        if stored is not None and stored.snapshot is not None and stored.snapshot.title:
            titles[ref] = stored.snapshot.title
    return titles


def _named(ref: str, titles: Mapping[str, str]) -> str:
    """'« Révision de la terminologie des diamants synthétiques » (AN 17-5268)', or the label alone."""
    try:
        label = parse_ref(ref).label
    except RefError:
        label = ref
    title = titles.get(ref)
    return f"« {short_title(title, FOLLOWED_TITLE_CHARS)} » ({label})" if title else label


def describe_follows(subscriber: Subscriber, titles: Mapping[str, str] | None = None,
                     tag_labels: Mapping[str, str] | None = None) -> str:
    """What a subscriber follows, in words: the tags by their labels (`tag_labels`, the config's), and the
    questions by their titles (`titles`, see `follow_titles`) and labels, never by their raw ids."""
    parts = [f"les questions marquées {tags_label(subscriber.tags, tag_labels or {})}"] if subscriber.tags else []
    named = [_named(ref, titles or {}) for ref in subscriber.refs]
    parts += [f"{'la question' if len(named) == 1 else 'les questions'} {', '.join(named)}"] if named else []
    return " et ".join(parts) or "toutes les questions suivies"


@dataclass(frozen=True, slots=True)
class Subscription:
    subscriber: Subscriber
    confirmation: Message | None  # None when the address had already confirmed


def subscribe(db: Database, address: str, *, frequency: str, tags: Sequence[str], refs: Sequence[str],
              now: datetime, settings: MailSettings, smtputf8: bool = False) -> Subscription:
    """Record a subscription and queue its confirmation. Raises AddressError, RefError or SubscriptionError.
    `smtputf8`: the SMTP server offers SMTPUTF8, so an address with accents before the @ can be used."""
    email = normalize_address(address, smtputf8=smtputf8)
    if frequency not in FREQUENCIES:
        raise SubscriptionError(f"frequency {frequency!r}: choose one of {', '.join(FREQUENCIES)}")
    chosen: Frequency = frequency
    clean_tags = tuple(dict.fromkeys(t.strip() for t in tags if t.strip()))
    canonical_refs = tuple(dict.fromkeys(parse_ref(r).uid for r in refs))
    subscriber, needs_confirmation = upsert_pending(db, email, frequency=chosen, tags=clean_tags,
                                                    refs=canonical_refs, now=now)
    if not needs_confirmation:
        return Subscription(subscriber, None)
    follows = describe_follows(subscriber, follow_titles(db, subscriber.refs), settings.tag_labels)
    rendered = render_confirmation(email, link(settings, "confirm", subscriber), chosen, follows, now)

    def build(row_id: int) -> tuple[str, str, str]:
        mid = message_id(settings.sender, "confirm", row_id)
        return mid, rendered.subject, build_email(sender=settings.sender, to=email, subject=rendered.subject,
                                                  text=rendered.text, html=rendered.html, message_id=mid, date=now)

    confirmation = queue_message(db, recipient=email_recipient(email), kind="confirmation", events=[], build=build,
                                 now=now, subscriber_id=subscriber.id)
    return Subscription(subscriber, confirmation)


def _subscriber_for(db: Database, claim: TokenClaim) -> Subscriber:
    subscriber = get_subscriber(db, id=claim.subscriber_id)
    if subscriber is None or subscriber.email != claim.email:
        raise TokenError("this link is not valid")
    if claim.generation < subscriber.joined_generation:  # signed before the address left and came back
        raise TokenError("this link is no longer valid: it belongs to a subscription that ended")
    return subscriber


def confirm(db: Database, token: str, *, now: datetime, secret: str) -> Subscriber:
    """Confirm the address a confirmation token was made for; a token works once."""
    claim = read_token(secret, "confirm", token)
    subscriber = _subscriber_for(db, claim)
    if subscriber.state == "confirmed" and subscriber.generation == claim.generation + 1:
        return subscriber  # the same link clicked twice: already done
    if subscriber.state != "pending" or subscriber.generation != claim.generation:
        raise TokenError("this confirmation link is no longer valid: subscribe again")
    return set_state(db, subscriber, "confirmed", now)


def unsubscribe(db: Database, token_or_address: str, *, now: datetime, secret: str | None) -> Subscriber:
    """Leave, by an unsubscribe token (the e-mail's link) or, for the operator, by the address."""
    if "@" in token_or_address and "/" not in token_or_address:  # an address, not a pasted link
        subscriber = get_subscriber(db, email=normalize_address(token_or_address, smtputf8=True))
        if subscriber is None:
            raise TokenError(f"{token_or_address} is not a subscriber")
    else:
        if secret is None:
            raise TokenError("cannot read a token without RELANCE_SECRET")
        subscriber = _subscriber_for(db, read_token(secret, "unsubscribe", token_or_address))
    if subscriber.state == "unsubscribed":
        return subscriber
    return set_state(db, subscriber, "unsubscribed", now)


def identify(db: Database, token: str, *, purpose: Purpose, secret: str) -> Subscriber:
    """The subscriber a manage or unsubscribe link belongs to (for the web pages)."""
    return _subscriber_for(db, read_token(secret, purpose, token))

