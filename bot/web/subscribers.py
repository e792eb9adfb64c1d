"""The subscriber pages: subscribe, confirm, manage (frequency, follows, pause, leave) and unsubscribe.

No account and no password: each page after the form is reached by a signed link from an e-mail
(bot.notify.tokens), bound to one subscriber, one address and one purpose.

- **Confirming takes a click.** `GET /confirm/<token>` only shows a button; the `POST` it sends
  confirms. Mail security scanners open (GET) every link of a message before the person does: if the
  GET confirmed, a scanner would confirm addresses nobody confirmed, and double opt-in would prove
  nothing.
- **Unsubscribing** works both ways: `GET /unsubscribe/<token>` shows a button for people who click
  the link; `POST /unsubscribe/<token>` unsubscribes at once (RFC 8058 one-click: the mail client
  posts `List-Unsubscribe=One-Click` without cookies, so that endpoint alone is exempt from CSRF; the
  signed token in its address is what proves the request).
- **The subscribe form answers the same** whether the address is new, pending, subscribed or gone:
  one e-mail leaves either way (a confirmation, or the manage link), and the page says only "check
  your mailbox".
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from bot.app.notify import smtputf8_offered
from bot.app.questions import WatchedView
from bot.core.deadlines import today_in_paris
from bot.notify.i18n import _, n_
from bot.notify.subscriptions import MailSettings, confirm, identify, unsubscribe
from bot.notify.tokens import Purpose, TokenClaim, TokenError, make_token, read_token
from bot.web.context import Refusal, db, now, site
from bot.web.forms import ChoicesForm, SubscribeForm
from bot.web.mailing import WebSender, request_subscription, web_sender
from storage.db import database_path
from storage.subscribers import FREQUENCIES, Frequency, Subscriber, set_state, update_choices

bp = Blueprint("subscribers", __name__)
MAX_TOKEN_LENGTH = 500  # real tokens are about 100 characters


@bp.after_request
def _private(response: Response) -> Response:
    # Pages reached by a personal link are nobody else's: not cached, not indexed.
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


# --- helpers ------------------------------------------------------------------------------------


def _mail() -> MailSettings:
    mail = site().mail
    if mail is None:
        raise Refusal(503, _("Pas d'abonnement par e-mail ici"),
                      _("Ce site n'envoie pas d'e-mails (sa configuration n'a pas de section [email]). Les flux "
                        "Atom et iCalendar restent à votre disposition."), link=("/", _("Revenir à l'accueil")))
    return mail


class _Refs:
    """The refs a subscriber may name: the watched ones (looked up in SQL, one at a time), plus those
    they already follow."""

    def __init__(self, view: WatchedView, extra: tuple[str, ...]) -> None:
        self.view, self.extra = view, set(extra)

    def __contains__(self, uid: object) -> bool:
        return uid in self.extra or uid in self.view


def _choices(extra_tags: tuple[str, ...] = (), extra_refs: tuple[str, ...] = ()) -> tuple[list[str], _Refs]:
    """The tags a subscriber may pick (the watched set's, plus those they already follow) and the refs."""
    view = WatchedView(site().config, db(), today_in_paris(now()))
    tags = [t for t, _ in view.tags()]
    return tags + [t for t in extra_tags if t not in tags], _Refs(view, extra_refs)


def frequency_of(value: str) -> Frequency:
    """The frequency a form's radio gave (validated by the form), as its type."""
    return next((f for f in FREQUENCIES if f == value), "daily")


def too_many(wait: int, back: tuple[str, str] | None = None) -> Refusal:
    """The 429 page of a subscription asked too often from one address: when to try again, and a way back
    (`back`: the link and its words; the home page by default)."""
    minutes = max(1, round(wait / 60))
    return Refusal(429, _("Trop de demandes"), n_("Trop de demandes d'abonnement en peu de temps. Réessayez dans "
                                                  "{n} minute.", "Trop de demandes d'abonnement en peu de temps. "
                                                  "Réessayez dans {n} minutes.", minutes),
                   headers={"Retry-After": str(wait)}, link=back or (url_for("pages.home"), _("Revenir à l'accueil")))


def _token_refusal(error: TokenError, purpose: Purpose) -> Refusal:
    if error.problem == "expired":
        message = _("Ce lien a expiré.")
    elif error.problem in ("spent", "ended"):
        message = _("Ce lien a déjà servi, ou l'abonnement a changé depuis : il n'est plus valable.")
    else:
        message = _("Ce lien n'est pas valide. Vérifiez qu'il est complet : certains logiciels de messagerie "
                    "coupent les longs liens en deux.")
    if purpose == "confirm":
        message += " " + _("Pour recevoir un nouveau lien de confirmation, abonnez-vous de nouveau.")
    return Refusal(400, _("Lien non valable"), message, link=(url_for("subscribers.subscribe_form"),
                                                              _("Aller au formulaire d'abonnement")))


def _claim(token: str, purpose: Purpose) -> TokenClaim:
    if len(token) > MAX_TOKEN_LENGTH:
        raise _token_refusal(TokenError("invalid"), purpose)
    try:
        return read_token(site().secret, purpose, token)
    except TokenError as error:
        raise _token_refusal(error, purpose) from None


def _subscriber(token: str, purpose: Purpose) -> Subscriber:
    _claim(token, purpose)
    try:
        return identify(db(), token, purpose=purpose, secret=site().secret)
    except TokenError as error:
        raise _token_refusal(error, purpose) from None


def manage_url(subscriber: Subscriber) -> str:
    claim = TokenClaim(subscriber.id, subscriber.email, subscriber.generation)
    return url_for("subscribers.manage", token=make_token(site().secret, "manage", claim))


# --- subscribe ----------------------------------------------------------------------------------


def _sender() -> WebSender:
    config = site().config
    return web_sender(current_app, config, database_path(config.storage.path), now)


@bp.get("/abonnement")
def subscribe_form() -> ResponseReturnValue:
    _mail()
    tags, refs = _choices()
    form = SubscribeForm(tags, refs, formdata=None)
    # Prefilled from a question's or a tag's page: "follow this by e-mail".
    form.tags.data = [t for t in request.args.getlist("tag") if t in tags]
    form.refs.data = "\n".join(r for r in request.args.getlist("ref") if r in refs)
    return render_template("subscribe.html", form=form)


@bp.post("/abonnement")
def subscribe() -> ResponseReturnValue:
    mail = _mail()
    limiters = site().limiters
    if wait := limiters.per_client.hit(f"client:{request.remote_addr}"):
        raise too_many(wait)
    tags, refs = _choices()
    smtputf8 = smtputf8_offered(site().config, db())
    form = SubscribeForm(tags, refs, smtputf8=smtputf8)
    if not form.validate():
        return render_template("subscribe.html", form=form), 400
    if wait := limiters.per_address.hit(f"address:{form.clean_email}"):
        raise too_many(wait)
    request_subscription(db(), form.clean_email, frequency=frequency_of(form.frequency.data),
                                   tags=tuple(form.tags.data or ()), refs=form.clean_refs, now=now(), settings=mail,
                                   smtputf8=smtputf8)
    # Sent by the web process's sender (bot/web/mailing.py), never waited for here: a slow SMTP server
    # holds no request, and the answer is the same whether or not the server took the message.
    _sender().wake()
    return redirect(url_for("subscribers.sent"), 303)


@bp.get("/abonnement/envoye")
def sent() -> ResponseReturnValue:
    return render_template("sent.html")


# --- confirm ------------------------------------------------------------------------------------


@bp.get("/confirm/<token>")
def confirm_page(token: str) -> ResponseReturnValue:
    claim = _claim(token, "confirm")
    subscriber = _subscriber(token, "confirm")
    if subscriber.state == "confirmed" and subscriber.generation == claim.generation + 1:
        return render_template("confirm.html", subscriber=subscriber, done=True, manage=manage_url(subscriber))
    if subscriber.state != "pending" or subscriber.generation != claim.generation:
        raise _token_refusal(TokenError("spent"), "confirm")
    return render_template("confirm.html", subscriber=subscriber, done=False, manage=None)


@bp.post("/confirm/<token>")
def confirm_post(token: str) -> ResponseReturnValue:
    _claim(token, "confirm")
    try:
        subscriber = confirm(db(), token, now=now(), secret=site().secret)
    except TokenError as error:
        raise _token_refusal(error, "confirm") from None
    flash(_("Votre abonnement est confirmé. Vous recevrez les prochaines nouvelles par e-mail."))
    return redirect(manage_url(subscriber), 303)


# --- manage -------------------------------------------------------------------------------------


def _manage_page(token: str, subscriber: Subscriber, form: ChoicesForm | None = None, status: int = 200
                 ) -> ResponseReturnValue:
    if form is None:
        tags, refs = _choices(subscriber.tags, subscriber.refs)
        form = ChoicesForm(tags, refs, formdata=None)
        form.frequency.data = subscriber.frequency
        form.tags.data = list(subscriber.tags)
        form.refs.data = "\n".join(subscriber.refs)
    return render_template("manage.html", subscriber=subscriber, form=form, token=token), status


@bp.get("/manage/<token>")
def manage(token: str) -> ResponseReturnValue:
    return _manage_page(token, _subscriber(token, "manage"))


def _still_subscribed(subscriber: Subscriber) -> None:
    if subscriber.state == "unsubscribed":
        raise Refusal(400, _("Vous êtes désabonné"), _("Cet abonnement a pris fin : il n'y a plus rien à changer. "
                      "Vous pouvez vous abonner de nouveau."), link=(url_for("subscribers.subscribe_form"),
                                                                    _("Aller au formulaire d'abonnement")))


@bp.post("/manage/<token>")
def save_choices(token: str) -> ResponseReturnValue:
    subscriber = _subscriber(token, "manage")
    _still_subscribed(subscriber)
    tags, refs = _choices(subscriber.tags, subscriber.refs)
    form = ChoicesForm(tags, refs)
    if not form.validate():
        return _manage_page(token, subscriber, form, 400)
    update_choices(db(), subscriber, frequency=frequency_of(form.frequency.data), tags=tuple(form.tags.data or ()),
                   refs=form.clean_refs)
    flash(_("Vos choix sont enregistrés."))
    return redirect(url_for("subscribers.manage", token=token), 303)


@bp.post("/manage/<token>/pause")
def pause(token: str) -> ResponseReturnValue:
    subscriber = _subscriber(token, "manage")
    _still_subscribed(subscriber)
    if subscriber.state == "pending":
        flash(_("Cet abonnement n'est pas encore confirmé : il n'y a rien à mettre en pause."))
        return redirect(url_for("subscribers.manage", token=token), 303)
    if subscriber.state == "confirmed":
        set_state(db(), subscriber, "paused", now())
    flash(_("Votre abonnement est en pause : aucun e-mail ne vous sera envoyé jusqu'à ce que vous le repreniez."))
    return redirect(url_for("subscribers.manage", token=token), 303)


@bp.post("/manage/<token>/resume")
def resume(token: str) -> ResponseReturnValue:
    subscriber = _subscriber(token, "manage")
    _still_subscribed(subscriber)
    if subscriber.state == "pending":
        flash(_("Cet abonnement n'est pas encore confirmé : ouvrez le lien de l'e-mail de confirmation."))
        return redirect(url_for("subscribers.manage", token=token), 303)
    if subscriber.state == "paused":
        set_state(db(), subscriber, "confirmed", now())
    flash(_("Votre abonnement a repris : vous recevrez les nouvelles à partir de maintenant."))
    return redirect(url_for("subscribers.manage", token=token), 303)


@bp.post("/manage/<token>/leave")
def leave(token: str) -> ResponseReturnValue:
    subscriber = _subscriber(token, "manage")
    if subscriber.state != "unsubscribed":
        set_state(db(), subscriber, "unsubscribed", now())
    flash(_("Vous êtes désabonné : vous ne recevrez plus d'e-mail de relance."))
    return redirect(url_for("subscribers.manage", token=token), 303)


# --- unsubscribe --------------------------------------------------------------------------------


@bp.get("/unsubscribe/<token>")
def unsubscribe_page(token: str) -> ResponseReturnValue:
    return render_template("unsubscribe.html", subscriber=_subscriber(token, "unsubscribe"), token=token)


@bp.post("/unsubscribe/<token>")
def unsubscribe_one_click(token: str) -> ResponseReturnValue:
    """RFC 8058 one-click, and the button of the GET page: no CSRF token, no cookie; answers 200."""
    _claim(token, "unsubscribe")
    try:
        subscriber = unsubscribe(db(), token, now=now(), secret=site().secret)
    except TokenError as error:
        raise _token_refusal(error, "unsubscribe") from None
    return render_template("unsubscribed.html", subscriber=subscriber)
