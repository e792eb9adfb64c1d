"""Search alerts any visitor can set: the search page (words, chamber, author, ministry over every stored
question, storage/search.py), its own Atom feed, the form that follows it by e-mail (the same double
opt-in and ledger as the subscribe form, bot.notify.subscriptions.request_search), and, behind a
subscriber's manage link, adding a search, removing one, and the list of their questions still late.

A confirmed address is never changed by the search form: it gets an e-mail whose link (its manage
link's) adds the search, after a click on a button, as confirming does (mail scanners open links).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from markupsafe import Markup, escape
from wtforms import HiddenField, RadioField, StringField
from wtforms.validators import InputRequired, Length, ValidationError

from bot.app.alerts import search_feed, search_feed_url
from bot.app.notify import smtputf8_offered
from bot.app.questions import WatchedView
from bot.app.watched import tags_of
from bot.core.deadlines import today_in_paris
from bot.notify.addresses import AddressError, normalize_address
from bot.notify.i18n import N_, _
from bot.notify.subscriptions import (
    describe_follows,
    follow_titles,
    identify,
    late_line,
    late_of,
    request_search,
)
from bot.notify.tokens import TokenError
from bot.notify.wording.addresses import FORM_ACCENTED, FORM_INVALID
from bot.notify.wording.alerts import bad_search, search_words
from bot.notify.wording.late_group import late_group_delay
from bot.web.context import Refusal, db, now, site
from bot.web.forms import FREQUENCY_CHOICES
from bot.web.mailing import web_sender
from bot.web.subscribers import frequency_of, manage_url, too_many
from bot.web.translated_form import TranslatedForm
from scrapers.refs import parse_ref
from storage.db import database_path
from storage.search import MARK_END, MARK_START, SearchHit, search_questions
from storage.searches import FIELDS, BadSearch, SavedSearch, drop_search, follow_search, searches_of
from storage.subscribers import Subscriber

bp = Blueprint("alerts", __name__)
RESULTS = 50  # the search page's hits, the best first
MAX_TOKEN_LENGTH = 500


class AlertForm(TranslatedForm):
    """Follow a search by e-mail: the address, how often, and the search itself in hidden fields."""

    email = StringField(N_("Votre adresse e-mail"), validators=[InputRequired(N_("Indiquez votre adresse e-mail.")),
                                                                 Length(max=254, message=N_("Adresse trop longue."))])
    frequency = RadioField(N_("Fréquence"), choices=FREQUENCY_CHOICES, default="daily",
                           validators=[InputRequired(N_("Choisissez une fréquence."))])
    q = HiddenField()
    chamber = HiddenField()
    author = HiddenField()
    ministry = HiddenField()

    def __init__(self, *, smtputf8: bool = False, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self._smtputf8 = smtputf8
        self.clean_email = ""

    def validate_email(self, field: StringField) -> None:
        try:
            self.clean_email = normalize_address(field.data or "", smtputf8=self._smtputf8)
        except AddressError as error:
            raise ValidationError(_(FORM_ACCENTED if error.accented else FORM_INVALID)) from None


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    """For the manage page (and any other): a subscriber's searches and what they follow, in words."""
    return {"subscriber_searches": lambda subscriber: searches_of(db(), subscriber.id),
            "alert_follows": _follows, "search_words": search_words}


def _follows(subscriber: Subscriber) -> str:
    searches = [followed.search for followed in searches_of(db(), subscriber.id)]
    return describe_follows(subscriber, follow_titles(db(), subscriber.refs), site().config.tag_labels, searches)


# --- the search page and its feed ---------------------------------------------------------------


def _asked() -> SavedSearch | None:
    """The search the query parameters ask for, None when they ask for none; raises BadSearch."""
    if not any((request.args.get(name) or "").strip() for name in ("q", "author", "ministry")):
        return None
    return SavedSearch.from_args(request.args)


@bp.get("/recherche")
def search() -> ResponseReturnValue:
    try:
        found = _asked()
    except BadSearch as error:
        return _search_page(None, problem=bad_search(error)), 400
    return _search_page(found)


@bp.app_template_filter("marked")
def _marked(snippet: str) -> Markup:
    """A hit's snippet, escaped, the words found in <mark>."""
    return escape(snippet).replace(MARK_START, Markup("<mark>")).replace(MARK_END, Markup("</mark>"))


def _links(hits: list[SearchHit]) -> dict[str, str]:
    """Each hit's page: relance's own for a watched question (deadlines, advice), else the official one."""
    view = WatchedView(site().config, db(), today_in_paris(now()))
    return {hit.ref: url_for("pages.question", ref=hit.ref) if hit.ref in view else parse_ref(hit.ref).public_url
            for hit in hits}


def _snippets(hits: list[SearchHit]) -> dict[str, str]:
    """Each hit's snippet, but for one that only repeats its title, shown just above it."""
    found = {}
    for hit in hits:
        title = hit.stored.snapshot.title if hit.stored.snapshot else None
        if hit.snippet and hit.snippet.replace(MARK_START, "").replace(MARK_END, "") != title:
            found[hit.ref] = hit.snippet
    return found


def _search_page(found: SavedSearch | None, *, form: AlertForm | None = None, problem: str | None = None) -> str:
    hits = search_questions(db(), found.words, chamber=found.chamber, author=found.author, ministry=found.ministry,
                            limit=RESULTS) if found else []
    if found is not None and form is None and site().mail is not None:
        form = AlertForm(formdata=None, data=found.args())
    return render_template("search.html", found=found, hits=hits, links=_links(hits), snippets=_snippets(hits),
                           form=form, problem=problem,
                           results=RESULTS,
                           args=request.args if found is None else found.args(),
                           feed_url=search_feed_url(site().base_url, found) if found else None)


@bp.get("/recherche.atom")
def feed() -> ResponseReturnValue:
    found = _search_of_link()
    document = search_feed(db(), found, now=now(), base_url=site().base_url)
    response = Response(document.body, mimetype="application/atom+xml")
    response.set_etag(document.etag)
    response.last_modified = document.last_modified
    response.cache_control.public = True
    response.cache_control.max_age = 300
    response.headers["Access-Control-Allow-Origin"] = "*"  # public data, no cookies used
    return response.make_conditional(request)


@bp.post("/recherche/suivre")
def follow() -> ResponseReturnValue:
    mail = site().mail
    if mail is None:
        raise Refusal(503, _("Pas d'abonnement par e-mail ici"), _("Ce site n'envoie pas d'e-mails. Le flux Atom de "
                      "la recherche reste à votre disposition."), link=("/", _("Revenir à l'accueil")))
    limiters = site().limiters
    if wait := limiters.per_client.hit(f"client:{request.remote_addr}"):
        raise too_many(wait, (url_for("alerts.search"), _("Revenir à la recherche")))
    smtputf8 = smtputf8_offered(site().config, db())
    form = AlertForm(smtputf8=smtputf8)
    try:
        found = SavedSearch.from_args({name: getattr(form, name).data or "" for name in FIELDS})
    except BadSearch as error:
        return _search_page(None, problem=bad_search(error)), 400
    if not form.validate():
        return _search_page(found, form=form), 400
    if wait := limiters.per_address.hit(f"address:{form.clean_email}"):
        raise too_many(wait, (url_for("alerts.search"), _("Revenir à la recherche")))
    request_search(db(), form.clean_email, frequency=frequency_of(form.frequency.data), search=found, now=now(),
                   settings=mail, smtputf8=smtputf8)
    config = site().config
    web_sender(current_app, config, database_path(config.storage.path), now).wake()  # sent soon, never waited for
    return redirect(url_for("subscribers.sent"), 303)


# --- behind a subscriber's manage link ----------------------------------------------------------


@bp.after_request
def _private(response: Response) -> Response:
    if request.endpoint in ("alerts.add_search", "alerts.add_search_post", "alerts.drop", "alerts.still_late"):
        response.headers["Cache-Control"] = "no-store"  # reached by a personal link: nobody else's
        response.headers["X-Robots-Tag"] = "noindex"
    return response


def _owner(token: str) -> Subscriber:
    """The subscriber a manage link belongs to; an error page for any other token."""
    try:
        if len(token) > MAX_TOKEN_LENGTH:
            raise TokenError("invalid")
        return identify(db(), token, purpose="manage", secret=site().secret)
    except TokenError:
        raise Refusal(400, _("Lien non valable"), _("Ce lien n'est pas valide, ou plus : ouvrez le lien « Gérer mon "
                      "abonnement » d'un e-mail récent de relance."),
                      link=(url_for("alerts.search"), _("Rechercher"))) from None


def _subscribed(subscriber: Subscriber) -> None:
    if subscriber.state == "unsubscribed":
        raise Refusal(400, _("Vous êtes désabonné"), _("Cet abonnement a pris fin : il n'y a plus rien à changer. "
                      "Vous pouvez suivre cette recherche de nouveau depuis la page de recherche."),
                      link=(url_for("alerts.search"), _("Aller à la recherche")))


def _search_of_link() -> SavedSearch:
    """The search a link's query names (a feed's, an e-mail's); an error page when it names none."""
    _to_search = (url_for("alerts.search"), _("Aller à la recherche"))
    try:
        found = _asked()
    except BadSearch as error:
        raise Refusal(400, _("Recherche incorrecte"), bad_search(error), link=_to_search) from None
    if found is None:
        raise Refusal(400, _("Recherche incorrecte"), bad_search(BadSearch("", "nothing")), link=_to_search)
    return found


@bp.get("/manage/<token>/recherche")
def add_search(token: str) -> ResponseReturnValue:
    subscriber = _owner(token)
    _subscribed(subscriber)
    found = _search_of_link()
    already = any(f.search == found for f in searches_of(db(), subscriber.id))
    return render_template("search_add.html", subscriber=subscriber, found=found, already=already,
                           manage=manage_url(subscriber), query=found.query, token=token)


@bp.post("/manage/<token>/recherche")
def add_search_post(token: str) -> ResponseReturnValue:
    subscriber = _owner(token)
    _subscribed(subscriber)
    found = _search_of_link()
    try:
        added = follow_search(db(), subscriber.id, found, now())
    except BadSearch as error:
        flash(bad_search(error))
        return redirect(manage_url(subscriber), 303)
    words = search_words(found)
    flash(_("Vous suivez désormais les {words}.", words=words) if added
          else _("Vous suivez déjà les {words}.", words=words))
    return redirect(manage_url(subscriber), 303)


@bp.post("/manage/<token>/recherches/<int:search_id>/retirer")
def drop(token: str, search_id: int) -> ResponseReturnValue:
    subscriber = _owner(token)
    _subscribed(subscriber)
    followed = {f.id: f.search for f in searches_of(db(), subscriber.id)}
    if search_id in followed and drop_search(db(), subscriber.id, search_id):
        flash(_("Vous ne suivez plus les {words}.", words=search_words(followed[search_id])))
    else:
        flash(_("Cette recherche ne fait plus partie de votre abonnement."))
    return redirect(manage_url(subscriber), 303)


@bp.get("/manage/<token>/sans-reponse")
def still_late(token: str) -> ResponseReturnValue:
    subscriber = _owner(token)
    today: date = today_in_paris(now())
    late = late_of(db(), subscriber, tags_of(site().config, db()), today)
    lines = [late_line(q, today) for q in late]
    return render_template("still_late.html", subscriber=subscriber, manage=manage_url(subscriber), today=today,
                           lines=[(line, late_group_delay(line.days_late, line.signal_days_late)) for line in lines])
