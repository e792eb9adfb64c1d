"""The Flask application of `relance serve`: the subscriber pages, the public pages, the feeds and the
JSON API, over the same config and database as the other commands.

Secrets come from the environment only: `RELANCE_SECRET` signs the e-mail links and, through a key
derived from it, the session cookie that carries the CSRF token. Every response carries the security
headers; every error is a page (or, under /api/, a JSON object) that never shows a traceback.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from datetime import date, datetime
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import unquote_plus, urlsplit

from flask import Flask, Request, Response, jsonify, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError, CSRFProtect
from jinja2 import StrictUndefined
from werkzeug.exceptions import HTTPException, InternalServerError, default_exceptions
from werkzeug.routing import RequestRedirect

from bot.app.context import Context
from bot.app.settings import mail_settings
from bot.core.deadlines import PARIS
from bot.core.ministries import ministry_history
from bot.notify.i18n import N_, _, current_language, install_in, n_
from bot.notify.subscriptions import describe_follows, follow_titles
from bot.notify.tokens import site_secret
from bot.notify.wording import CHAMBER_NAMES as CHAMBERS
from bot.notify.wording import FREQUENCIES_FR, MISSING_REASON, STATUS_FR, capitalized, fr_date
from bot.notify.wording import SUBSCRIBER_STATES_FR as STATES_FR
from bot.notify.wording.tags import tag_label
from bot.web import alerts, api, feeds, pages, stats, subscribers
from bot.web.context import EXTENSION, Refusal, Site, absolute_url, close_db, db, site
from bot.web.limits import Limiters
from scrapers.refs import parse_ref
from storage.subscribers import Subscriber
from storage.transactions import DatabaseBusy

CSP = ("default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    # same-origin: links in the manage pages carry tokens, which must never reach another site; our
    # own pages still get a Referer, which Flask-WTF checks on HTTPS posts.
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}
# Each error page's title and message, translated when the page is made (the server may speak English).
ERRORS_FR = {
    400: (N_("Requête incorrecte"), N_("La page demandée ne peut pas être servie telle quelle : vérifiez l'adresse.")),
    403: (N_("Accès refusé"), N_("Cette page n'est pas accessible.")),
    404: (N_("Page introuvable"), N_("Cette page n'existe pas, ou plus. La liste des questions suivies est peut-être "
                                     "ce que vous cherchez.")),
    405: (N_("Méthode non permise"), N_("Cette adresse ne s'utilise pas ainsi.")),
    413: (N_("Envoi trop volumineux"), N_("Le formulaire envoyé est trop long. Raccourcissez-le et recommencez.")),
    431: (N_("Requête trop volumineuse"), N_("L'adresse ou les en-têtes de la requête sont trop longs. "
                                             "Raccourcissez l'adresse, ou effacez les cookies de ce site, et "
                                             "recommencez.")),
    429: (N_("Trop de demandes"), N_("Trop de demandes en peu de temps. Réessayez plus tard.")),
    500: (N_("Erreur du serveur"), N_("Une erreur inattendue est survenue de notre côté. Elle est enregistrée ; "
                                      "réessayez dans un moment.")),
    501: (N_("Requête non prise en charge"), N_("Ce site ne sait pas lire une requête envoyée ainsi.")),
    503: (N_("Service indisponible"), N_("Ce service n'est pas disponible pour le moment.")),
}
CSRF_MESSAGE = N_("Le formulaire a expiré, ou n'a pas été envoyé depuis ce site. Rechargez la page, puis "
                  "recommencez.")
log = logging.getLogger("relance.web")


class RelanceFlask(Flask):
    def log_exception(self, exc_info: Any) -> None:
        # The route, never the path: a path may carry a subscriber's token.
        rule = request.url_rule.rule if request.url_rule else "?"
        log.error("unexpected error in %s %s", request.method, rule, exc_info=exc_info)

    def raise_routing_exception(self, request: Request) -> NoReturn:
        # Werkzeug's routing redirects (`/tags//vsa` to `/tags/vsa`) name the Host the client sent, in
        # their Location and their body: the same redirect, to base_url.
        error = request.routing_exception
        if isinstance(error, RequestRedirect):
            raise RequestRedirect(_on_site(error.new_url)) from None
        super().raise_routing_exception(request)


def session_key(secret: str) -> bytes:
    """The session cookie's key, derived from RELANCE_SECRET: one secret to keep, two separate keys."""
    return hmac.new(secret.encode(), b"relance web session", hashlib.sha256).digest()


def _follows_text(subscriber: Subscriber) -> str:
    """What a subscriber follows, the questions named by their titles (for the manage page)."""
    return describe_follows(subscriber, follow_titles(db(), subscriber.refs), site().config.tag_labels)


def create_app(config_path: str | Path, *, limiters: Limiters | None = None) -> Flask:
    """The application over the config at `config_path`. Raises ConfigError, SecretMissing or
    StorageError at once, before serving anything."""
    context = Context(Path(config_path))
    config = context.config
    secret = site_secret(needed=config.email is not None)
    context.database().close()  # an unusable database stops the start; migrations are applied once here
    site = Site(context, config, secret, mail_settings(config) if config.email is not None else None,
                limiters or Limiters.default())
    app = RelanceFlask(__name__)
    app.config.update(
        SECRET_KEY=session_key(secret), MAX_CONTENT_LENGTH=config.web.max_body_bytes,
        MAX_FORM_MEMORY_SIZE=config.web.max_body_bytes,
        SESSION_COOKIE_NAME="relance_session", SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=site.base_url.startswith("https://"), WTF_CSRF_TIME_LIMIT=12 * 3600,
        WTF_I18N_ENABLED=False,  # WTForms' bundled translations, in the forms' locale (French), without Flask-Babel
        PROPAGATE_EXCEPTIONS=False, TRAP_HTTP_EXCEPTIONS=False, TRAP_BAD_REQUEST_ERRORS=False,
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]  # the keys in `relance status --json`'s order
    app.extensions[EXTENSION] = site
    csrf = CSRFProtect(app)
    csrf.exempt(subscribers.unsubscribe_one_click)  # RFC 8058: a mail client posts without cookies
    for blueprint in (pages.bp, subscribers.bp, feeds.bp, api.bp, stats.bp, alerts.bp):
        app.register_blueprint(blueprint)
    app.teardown_appcontext(close_db)
    app.after_request(_security_headers)
    app.after_request(_location_from_base_url)
    app.register_error_handler(HTTPException, _error_page)
    app.register_error_handler(DatabaseBusy, _busy_page)
    _templates(app)
    return app


def _security_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.path.startswith(("/api/", "/feeds/")):
        response.headers.setdefault("Access-Control-Allow-Origin", "*")  # public data, no cookies used
    return response


def _on_site(location: str) -> str:
    """`location` on `[web] base_url` when it names a host (any host: a request's Host header is the
    client's to choose); a path stays a path, unless it starts with `//`, which browsers read as a host."""
    parts = urlsplit(location)
    if not (parts.scheme or parts.netloc or location.startswith(("//", "/\\"))):
        return location
    path = "/" + parts.path.lstrip("/\\")
    return site().base_url + path + (f"?{parts.query}" if parts.query else "")


def _location_from_base_url(response: Response) -> Response:
    """Every redirect stays on the site: whatever made it, its Location names no host but base_url's."""
    location = response.headers.get("Location")
    if location is not None:
        response.headers["Location"] = _on_site(location)
    return response


def error_response(app: Flask, code: int, path: str) -> tuple[str, list[tuple[str, str]], bytes]:
    """Status line, headers and body of the page for `code`, for an error the server answers before the
    application sees the request (a body or headers too large, a request it cannot read)."""
    error = default_exceptions.get(code, InternalServerError)()
    try:
        with app.test_request_context(path if path.startswith("/") else "/"):
            response = app.process_response(app.make_response(_error_page(error)))
    except Exception:  # the page could not be made (a path it cannot be made for, a template's fault)
        log.exception("the page of error %s could not be made", code)
        title, message = (_(text) for text in ERRORS_FR[code if code in ERRORS_FR else (500 if code >= 500 else 400)])
        response = Response(f"{title}\n\n{message}\n", code, mimetype="text/plain")
        response.headers.update(SECURITY_HEADERS)
    headers = [(k, v) for k, v in response.headers.items() if k.lower() not in ("content-length", "connection")]
    return response.status, headers, response.get_data()


def _busy_page(error: DatabaseBusy) -> ResponseReturnValue:
    """The database stayed locked by another writer (an import, a check) past every retry: nothing was
    written, so the visitor may simply try again; a 503 that says so, not a server error."""
    logging.getLogger(__name__).warning("database busy: %s", error)
    return _error_page(Refusal(503, _(ERRORS_FR[503][0]),
                               _("La base de données est occupée par une autre tâche (une importation, une "
                                 "vérification) : rien n'a été enregistré. Réessayez dans une minute."),
                               headers={"Retry-After": "60"}))


def _error_page(error: HTTPException) -> ResponseReturnValue:
    if error.code is None or error.code < 400:
        return error  # a routing redirect (a missing trailing slash), not an error
    code = error.code if error.code in ERRORS_FR else (500 if error.code >= 500 else 400)
    title, message = (_(text) for text in ERRORS_FR[code])
    link = None
    if isinstance(error, Refusal):
        title, message, link = error.title, error.description or message, error.link
    elif isinstance(error, CSRFError):
        message = _(CSRF_MESSAGE)
    headers = {k: v for k, v in error.get_headers() if k in ("Allow", "Retry-After")}
    if isinstance(error, Refusal):
        headers.update(error.extra_headers)
    if request.path.startswith("/api/"):
        return jsonify({"error": message, "status": error.code}), error.code, headers
    return render_template("error.html", code=error.code, title=title, message=message, link=link), \
        error.code, headers


# --- templates ---------------------------------------------------------------------------------


def _date_fr(value: str | date | None) -> str:
    if value is None or value == "":
        return "—"
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return fr_date(day)


def _readable_url(url: str) -> str:
    """An address as a person reads it (« é » rather than « %C3%A9 »); the link itself keeps the encoded one."""
    return unquote_plus(url)


def _short_date(value: str | date | None) -> str:
    if value is None or value == "":
        return "—"
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return f"{day:%d/%m/%Y}"


def _datetime_fr(value: str | datetime | None) -> str:
    if value is None or value == "":
        return _("jamais")
    instant = datetime.fromisoformat(value) if isinstance(value, str) else value
    local = instant.astimezone(PARIS)
    time = f"{local:%H:%M}"
    return _("{day} à {time}", day=fr_date(local.date()), time=time)


def _percent(value: float | None) -> str:
    return "—" if value is None else _("{n}\u202f%", n=round(value * 100))


def _days(n: int | None) -> str:
    if n is None:
        return "—"
    # The number as written (no thousands separator), the noun by the language's rules (French: 0 and 1).
    return f"{n} {n_('jour', 'jours', abs(n))}"


def _tag_label(tag: str) -> str:
    return tag_label(tag, site().config.tag_labels)


def _tag_description(tag: str) -> str | None:
    entry = site().config.tags.get(tag)
    return entry.description if entry else None


def _translated(message: str) -> str:
    """A message written elsewhere (a table of words, a constant marked with N_), in the page's language."""
    return _(message)


def _missing_reason() -> str:
    """What a question the site does not have is marked with, in the page's language."""
    return _(MISSING_REASON)


def _table_link(endpoint: str, path_args: dict[str, Any], query: dict[str, Any]) -> str:
    return url_for(endpoint, **path_args, **query)


def _templates(app: Flask) -> None:
    app.jinja_env.undefined = StrictUndefined
    install_in(app.jinja_env)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.filters.update(date_fr=_date_fr, short_date=_short_date, datetime_fr=_datetime_fr,
                                 percent=_percent, days=_days, status_fr=lambda s: STATUS_FR.get(s, s),
                                 chamber_fr=lambda c: CHAMBERS.get(c, c), ref_label=lambda r: parse_ref(r).label,
                                 capitalize_first=capitalized, readable_url=_readable_url, tag_label=_tag_label,
                                 translated=_translated)
    app.jinja_env.globals.update(absolute_url=absolute_url, table_link=_table_link, CHAMBERS=CHAMBERS,
                                 STATUS_FR=STATUS_FR, follows_text=_follows_text, html_language=current_language,
                                 frequency_fr=lambda f: FREQUENCIES_FR.get(f, f),
                                 state_fr=lambda s: STATES_FR.get(s, s), tag_description=_tag_description,
                                 ministry_history=ministry_history, missing_reason=_missing_reason,
                                 deadline_rule=lambda deadline: deadline.explain(_))
