"""Joining and leaving: subscribe (double opt-in), confirm, unsubscribe, and the signed links; and what a
subscriber hears of (their tags, questions and searches), and which of their questions are still late.

Nothing but the confirmation is ever sent to an address that has not confirmed.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlite_utils import Database

from bot.notify.addresses import normalize_address
from bot.notify.content import LateQuestion as LateLine
from bot.notify.content import StillLate
from bot.notify.digest import Rendered, render_confirmation, render_search_access
from bot.notify.i18n import _, n_
from bot.notify.mail import build_email, message_id
from bot.notify.tokens import Purpose, TokenClaim, TokenError, make_token, read_token
from bot.notify.wording.alerts import STILL_LATE_SHOWN, search_words, searches_words
from bot.notify.wording.late_group import short_title
from bot.notify.wording.tags import tags_label
from scrapers.errors import CannotRun
from scrapers.refs import RefError, parse_ref
from storage.ledger import Message, email_recipient, queue_message
from storage.questions import get_question
from storage.searches import LateQuestion, SavedSearch, late_questions, matching, searches_of, set_searches
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
                     tag_labels: Mapping[str, str] | None = None, searches: Sequence[SavedSearch] = ()) -> str:
    """What a subscriber follows, in words: the tags by their labels (`tag_labels`, the config's), the
    questions by their titles (`titles`, see `follow_titles`) and labels, never by their raw ids, and the
    searches (`searches`, see `searches_of`)."""
    parts = ([_("les questions marquées {tags}", tags=tags_label(subscriber.tags, tag_labels or {}))]
             if subscriber.tags else [])
    named = [_named(ref, titles or {}) for ref in subscriber.refs]
    parts += [n_("la question {questions}", "les questions {questions}", len(named), questions=", ".join(named))
              ] if named else []
    parts += [searches_words(list(searches))] if searches else []
    if not parts:
        return _("toutes les questions suivies")
    said = parts[0]
    for part in parts[1:]:  # 'a et b et c': each choice stands on its own
        said = _("{first} et {last}", first=said, last=part)
    return said


def followed_searches(db: Database, subscriber: Subscriber) -> list[SavedSearch]:
    """The searches `subscriber` follows, for `describe_follows`."""
    return [followed.search for followed in searches_of(db, subscriber.id)]


@dataclass(frozen=True, slots=True)
class Subscription:
    subscriber: Subscriber
    confirmation: Message | None  # None when the address had already confirmed


def subscribe(db: Database, address: str, *, frequency: str, tags: Sequence[str], refs: Sequence[str],
              now: datetime, settings: MailSettings, searches: Sequence[SavedSearch] = (),
              smtputf8: bool = False) -> Subscription:
    """Record a subscription and queue its confirmation. Raises AddressError, RefError or SubscriptionError.

    A new, pending or departed address gets these choices, `searches` included, and a confirmation; a
    confirmed or paused one is left as it is (its owner adds a search through their manage link).
    `smtputf8`: the SMTP server offers SMTPUTF8, so an address with accents before the @ can be used."""
    email = normalize_address(address, smtputf8=smtputf8)
    if frequency not in FREQUENCIES:
        raise SubscriptionError(_("fréquence {frequency} : choisir l'une de {choices}", frequency=repr(frequency),
                                  choices=", ".join(FREQUENCIES)))
    chosen: Frequency = frequency
    clean_tags = tuple(dict.fromkeys(t.strip() for t in tags if t.strip()))
    canonical_refs = tuple(dict.fromkeys(parse_ref(r).uid for r in refs))
    subscriber, needs_confirmation = upsert_pending(db, email, frequency=chosen, tags=clean_tags,
                                                    refs=canonical_refs, now=now)
    if not needs_confirmation:
        return Subscription(subscriber, None)
    set_searches(db, subscriber.id, searches, now)
    follows = describe_follows(subscriber, follow_titles(db, subscriber.refs), settings.tag_labels, searches)
    rendered = render_confirmation(email, link(settings, "confirm", subscriber), chosen, follows, now)

    def build(row_id: int) -> tuple[str, str, str]:
        mid = message_id(settings.sender, "confirm", row_id)
        return mid, rendered.subject, build_email(sender=settings.sender, to=email, subject=rendered.subject,
                                                  text=rendered.text, html=rendered.html, message_id=mid, date=now)

    confirmation = queue_message(db, recipient=email_recipient(email), kind="confirmation", events=[], build=build,
                                 now=now, subscriber_id=subscriber.id)
    return Subscription(subscriber, confirmation)


SEARCH_ADD_PAGE = "recherche"  # under a subscriber's manage link: add the search its query names


def search_add_url(settings: MailSettings, subscriber: Subscriber, search: SavedSearch) -> str:
    return f"{link(settings, 'manage', subscriber)}/{SEARCH_ADD_PAGE}?{search.query}"


def request_search(db: Database, address: str, *, frequency: str, search: SavedSearch, now: datetime,
                   settings: MailSettings, smtputf8: bool = False) -> Message:
    """A visitor asks that `address` follow `search`; queue the one e-mail it calls for. A new or departed
    address gets a confirmation naming the search; a pending one keeps its other choices, gains the
    search and gets a new confirmation; a confirmed or paused one gets the link that adds the search from
    its manage page: nobody adds a search to somebody else's subscription."""
    existing = get_subscriber(db, email=normalize_address(address, smtputf8=smtputf8))
    if existing is not None and existing.state in ("confirmed", "paused"):
        return _queue_search_access(db, existing, search, settings, now)
    kept = existing is not None and existing.state == "pending"
    searches = [f.search for f in searches_of(db, existing.id)] if existing is not None and kept else []
    result = subscribe(db, address, frequency=frequency, tags=existing.tags if existing and kept else (),
                       refs=existing.refs if existing and kept else (), now=now, settings=settings,
                       searches=[*(s for s in searches if s != search), search], smtputf8=smtputf8)
    assert result.confirmation is not None  # not confirmed nor paused: subscribe asked for a confirmation
    return result.confirmation


def queue_access_mail(db: Database, email: str, rendered: Rendered, settings: MailSettings, now: datetime) -> Message:
    """Queue one of the e-mails that answer a web request for an address already subscribed (its manage
    link, a search to add). No subscriber id: the notify pass would otherwise cancel it for a paused
    subscriber, who needs it most."""

    def build(row_id: int) -> tuple[str, str, str]:
        mid = message_id(settings.sender, "access", row_id)
        return mid, rendered.subject, build_email(sender=settings.sender, to=email, subject=rendered.subject,
                                                  text=rendered.text, html=rendered.html, message_id=mid, date=now)

    return queue_message(db, recipient=email_recipient(email), kind="access", events=[], build=build, now=now)


def _queue_search_access(db: Database, subscriber: Subscriber, search: SavedSearch, settings: MailSettings,
                         now: datetime) -> Message:
    rendered = render_search_access(subscriber.email, search_add_url(settings, subscriber, search),
                                    search_words(search), now)
    return queue_access_mail(db, subscriber.email, rendered, settings, now)


def _subscriber_for(db: Database, claim: TokenClaim) -> Subscriber:
    subscriber = get_subscriber(db, id=claim.subscriber_id)
    if subscriber is None or subscriber.email != claim.email:
        raise TokenError("invalid")
    if claim.generation < subscriber.joined_generation:  # signed before the address left and came back
        raise TokenError("ended")
    return subscriber


def confirm(db: Database, token: str, *, now: datetime, secret: str) -> Subscriber:
    """Confirm the address a confirmation token was made for; a token works once."""
    claim = read_token(secret, "confirm", token)
    subscriber = _subscriber_for(db, claim)
    if subscriber.state == "confirmed" and subscriber.generation == claim.generation + 1:
        return subscriber  # the same link clicked twice: already done
    if subscriber.state != "pending" or subscriber.generation != claim.generation:
        raise TokenError("spent")
    return set_state(db, subscriber, "confirmed", now)


def unsubscribe(db: Database, token_or_address: str, *, now: datetime, secret: str | None) -> Subscriber:
    """Leave, by an unsubscribe token (the e-mail's link) or, for the operator, by the address."""
    if "@" in token_or_address and "/" not in token_or_address:  # an address, not a pasted link
        subscriber = get_subscriber(db, email=normalize_address(token_or_address, smtputf8=True))
        if subscriber is None:
            raise TokenError("invalid", _("{address} n'est pas abonnée", address=token_or_address))
    else:
        if secret is None:
            raise TokenError("invalid", _("impossible de lire un lien sans RELANCE_SECRET"))
        subscriber = _subscriber_for(db, read_token(secret, "unsubscribe", token_or_address))
    if subscriber.state == "unsubscribed":
        return subscriber
    return set_state(db, subscriber, "unsubscribed", now)


def identify(db: Database, token: str, *, purpose: Purpose, secret: str) -> Subscriber:
    """The subscriber a manage or unsubscribe link belongs to (for the web pages)."""
    return _subscriber_for(db, read_token(secret, purpose, token))



# --- what a subscriber hears of ------------------------------------------------------------------


def _by_choices(subscriber: Subscriber, searches: Sequence[SavedSearch], ref: str,
                tags_of: Mapping[str, tuple[str, ...]]) -> bool:
    """A question they named, or a watched one (`tags_of` holds every watched question) among their tags,
    or any watched one when they chose nothing at all: no tag, no question, no search. A bulk import
    stores every question of a chamber; only the watched ones are news for "everything"."""
    if ref in subscriber.refs:
        return True
    if ref not in tags_of:
        return False
    return bool(set(subscriber.tags) & set(tags_of[ref])) or (subscriber.follows_everything and not searches)


def told_refs(db: Database, subscriber: Subscriber, refs: Collection[str],
              tags_of: Mapping[str, tuple[str, ...]]) -> set[str]:
    """Which of `refs` `subscriber` hears of: by their tags and questions (`_by_choices`), and any stored
    question one of their searches finds, watched or not, matched now: a question stored after the
    search was saved is found as well."""
    searches = followed_searches(db, subscriber)
    told = {ref for ref in refs if _by_choices(subscriber, searches, ref, tags_of)}
    if searches:
        told |= matching(db, searches, [ref for ref in refs if ref not in told])
    return told


STILL_LATE_PAGE = "sans-reponse"  # under a subscriber's manage link: all their questions still late


def still_late_url(settings: MailSettings, subscriber: Subscriber) -> str:
    return f"{link(settings, 'manage', subscriber)}/{STILL_LATE_PAGE}"


def late_of(db: Database, subscriber: Subscriber, tags_of: Mapping[str, tuple[str, ...]], today: date
            ) -> list[LateQuestion]:
    """Every question of `subscriber` (their tags', their questions, their searches') pending past a deadline
    on `today` (Paris), the latest to have become late first (ties in reference order)."""
    searches = followed_searches(db, subscriber)
    refs = [ref for ref in dict.fromkeys([*subscriber.refs, *tags_of]) if _by_choices(subscriber, searches, ref,
                                                                                        tags_of)]
    found = sorted(late_questions(db, refs, searches, today), key=lambda q: q.ref)
    return sorted(found, key=lambda q: q.late_since(today), reverse=True)


def _passed(deadline: date | None, today: date) -> int | None:
    return (today - deadline).days if deadline is not None and deadline < today else None


def late_line(question: LateQuestion, today: date) -> LateLine:
    """A late question as the digest's lists show it (label, official page, days past each deadline)."""
    ref = parse_ref(question.ref)
    return LateLine(question.ref, ref.label, ref.chamber, ref.public_url, question.title, None,
                    _passed(question.answer_deadline, today), _passed(question.signal_deadline, today))


def still_late(db: Database, subscriber: Subscriber, tags_of: Mapping[str, tuple[str, ...]], today: date,
               settings: MailSettings) -> StillLate | None:
    """A digest's closing block: how many of the subscriber's questions are still late, the
    STILL_LATE_SHOWN latest to have become late, and the link to them all; None when none is late."""
    late = late_of(db, subscriber, tags_of, today)
    if not late:
        return None
    return StillLate(len(late), tuple(late_line(q, today) for q in late[:STILL_LATE_SHOWN]),
                     still_late_url(settings, subscriber))
