"""`relance doctor`: is this instance able to work? One `Check` per point, with what to do when it is not.

The checks read and try things (the database file, the SMTP server, one question per source) and
change nothing: no migration is applied, no message is sent, nothing is cached or stored.
"""

from __future__ import annotations

import smtplib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from babel.numbers import format_decimal

from bot.app.config import Config
from bot.app.context import now as clock
from bot.app.health import ADMIN_CHANNEL
from bot.app.settings import smtp_settings
from bot.core.deadlines import today_in_paris
from bot.notify.channels import Channel, ChannelError, check_channel, masked_url
from bot.notify.i18n import N_, Translated, _, n_
from bot.notify.smtp import MailUnavailable, SmtpSettings, connect
from bot.notify.tokens import MIN_SECRET_LENGTH
from bot.notify.wording import STATUS_FR, fr_count, fr_list, locale, missing_question_line, rappel_sentence
from bot.notify.wording.actors import ACTORS_NEVER_IMPORTED
from bot.notify.wording.admin import RAPPEL_ADVICE, RAPPEL_NEVER_READ, rappel_check_line
from bot.notify.wording.errors import describe
from bot.notify.wording.requests import REQUESTS_NEVER_COUNTED, requests_line
from bot.notify.wording.tags import tags_label
from scrapers.http import (
    ErrorPage,
    FetchError,
    HttpSettings,
    HttpStatusError,
    NotFound,
    PoliteClient,
    RateLimited,
    TransportError,
)
from scrapers.model import ParseError
from scrapers.refs import QuestionRef, parse_ref
from scrapers.sources import SourceSettings, read_question, source_for
from storage.actors import actor_counts_on_file
from storage.alarms import inspect_database
from storage.budget import requests_on_file
from storage.db import StorageError
from storage.rappel import latest_rappel_check

# The contact of the bundled config.toml: the project's, not the operator's.
BUNDLED_CONTACT = "https://github.com/relance-bot/relance"
# A real question per source, read when no watched question comes from that source.
KNOWN_QUESTIONS = {"an": "QANR5L17QE5268", "an-legacy": "QANR5L14QE47351", "senat": "SEQ221103705"}
SOURCE_LABELS = Translated({"an": N_("source AN (open data)"), "an-legacy": N_("source AN (ancien site)"),
                            "senat": N_("source Sénat")})
BASE_URL_ENTRIES = {"an": "[sources.an] base_url", "an-legacy": "[sources.an] legacy_base_url",
                    "senat": "[sources.senat] base_url"}
# Read where it is shown: `_(FRESH_START)`.
FRESH_START = N_("mettre le fichier de côté (mv) et lancer `relance check`, qui en crée un neuf (l'historique "
                 "est perdu), ou restaurer une sauvegarde")

_NEW_SECRET = "export RELANCE_SECRET=\"$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')\""


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str | None = None  # what to do, when not ok


def check_line(check: Check) -> str:
    """The one line `relance doctor` prints for a check."""
    said = _("{detail} — que faire : {fix}", detail=check.detail, fix=check.fix) if check.fix and not check.ok \
        else check.detail
    state = _("ok") if check.ok else _("PROBLÈME")
    return f"{state:<9} {check.name:<24} {said}"


# ---------------------------------------------------------------------------------------------- config

def config_checks(config: Config, path: Path, env: Mapping[str, str]) -> list[Check]:
    checks = [Check("config", True, _("{path} : lu et valide", path=path))]
    contact = config.relance.contact
    if contact == BUNDLED_CONTACT:
        checks.append(Check("contact", False, _("{contact} est le contact du projet, pas le vôtre", contact=contact),
                            _("mettre votre adresse e-mail ou URL dans [relance] contact : les webmestres des "
                              "sites doivent pouvoir vous joindre")))
    else:
        checks.append(Check("contact", True, _("{contact} (envoyé dans le User-Agent)", contact=contact)))
    email = config.email
    if email is None:
        checks.append(Check("[email]", True, _("absente : aucun e-mail ne sera envoyé (abonnés, alarmes)")))
    else:
        checks.append(Check("[email]", True, _("serveur {host}:{port} ({security}), expéditeur {sender}",
                                               host=email.host, port=email.port, security=email.security,
                                               sender=email.sender)))
        secret = env.get("RELANCE_SECRET", "")
        if len(secret) >= MIN_SECRET_LENGTH:
            checks.append(Check("RELANCE_SECRET", True, _("défini ({n} caractères)", n=len(secret))))
        else:
            checks.append(Check(
                "RELANCE_SECRET", False,
                _("absent") if not secret else _("trop court ({n} caractères, au moins {least})", n=len(secret),
                                                 least=MIN_SECRET_LENGTH),
                _("{command} et le garder : il signe les liens des e-mails", command=_NEW_SECRET)))
        checks.append(Check(_("identifiants SMTP"), True, _credentials(env)))
    checks.append(_admin_check(config))
    checks += channel_checks(config)
    return checks


def _credentials(env: Mapping[str, str]) -> str:
    user, password = env.get("RELANCE_SMTP_USER"), env.get("RELANCE_SMTP_PASSWORD")
    if user and password:
        return _("RELANCE_SMTP_USER ({user}) et RELANCE_SMTP_PASSWORD définis : connexion authentifiée", user=user)
    if user or password:
        given = "RELANCE_SMTP_USER" if user else "RELANCE_SMTP_PASSWORD"
        return _("seul {given} est défini : il faut les deux pour s'authentifier, connexion sans authentification",
                 given=given)
    return _("RELANCE_SMTP_USER et RELANCE_SMTP_PASSWORD non définis : connexion sans authentification")


def _admin_check(config: Config) -> Check:
    admin = config.admin
    if admin.channel is not None:
        try:
            check_channel(Channel(ADMIN_CHANNEL, admin.channel))
        except ChannelError as error:
            return Check("[admin]", False, _("channel : {problem}", problem=error.problem),
                         _("corriger [admin] channel : une URL Apprise (https://github.com/caronc/apprise/wiki)"))
    to = [_("e-mail {address}", address=admin.email)] * bool(admin.email)
    to += [_("channel {url}", url=masked_url(admin.channel))] if admin.channel else []
    if not to:
        return Check("[admin]", True, _("aucun destinataire : les alarmes de santé des sources ne sont envoyées à "
                                        "personne ([admin] email ou channel)"))
    return Check("[admin]", True, _("alarme après {n} cycles en échec, vers : {to}", n=admin.failed_cycles,
                                    to=", ".join(to)))


def channel_checks(config: Config) -> list[Check]:
    """One line per [[channel]]: the URL (masked) Apprise can use, with what goes there, or the problem."""
    checks = []
    for entry in config.channel:
        name = f"channel {entry.name}"
        try:
            check_channel(Channel(entry.name, entry.url, entry.tags, entry.kinds))
        except ChannelError as error:
            checks.append(Check(name, False, error.problem,
                                _("corriger l'url du [[channel]] name = \"{name}\" : une URL Apprise "
                                  "(https://github.com/caronc/apprise/wiki)", name=entry.name)))
            continue
        what = _("les questions marquées {tags}", tags=tags_label(entry.tags, config.tag_labels)) if entry.tags \
            else _("toutes les questions suivies")
        kinds = _("événements : {kinds}", kinds=", ".join(entry.kinds)) if entry.kinds else _("tous les événements")
        checks.append(Check(name, True, _("{url} : {what}, {kinds}", url=masked_url(entry.url), what=what,
                                          kinds=kinds)))
    return checks


# ---------------------------------------------------------------------------------------------- database

def _size(n: int) -> str:
    if n >= 100_000:
        return _("{size} Mo", size=format_decimal(round(n / 1_000_000, 1), format="0.0", locale=locale()))
    return _("{size} ko", size=format_decimal(round(n / 1000), locale=locale()))


def database_checks(path: Path) -> list[Check]:
    if not path.exists():
        return [Check(_("base de données"), True, _("{path} absente : le premier `relance check` la crée", path=path))]
    try:
        info = inspect_database(path)
    except StorageError as error:
        return [Check(_("base de données"), False, _("{path} illisible : {problem}", path=path, problem=error.problem),
                      _(FRESH_START))]
    size = _("{path} : {size} + journal WAL {wal}", path=path, size=_size(info.size), wal=_size(info.wal_size)) \
        if info.wal_size else _("{path} : {size}", path=path, size=_size(info.size))
    checks = [Check(_("base de données"), True, size)]
    if info.integrity == ("ok",):
        checks.append(Check(_("intégrité"), True, _("PRAGMA integrity_check : ok")))
    else:
        damage = "; ".join(info.integrity[:3])
        checks.append(Check(_("intégrité"), False, _("la base est abîmée : {found}", found=damage), _(FRESH_START)))
    if info.pending:
        checks.append(Check(_("migrations"), False, _("{n} en attente : {names}", n=len(info.pending),
                                                      names=", ".join(info.pending)),
                            _("lancer `relance check` (ou `relance status`) : relance met le schéma à jour en "
                              "ouvrant la base")))
    else:
        checks.append(Check(_("migrations"), True, _("schéma à jour")))
    if info.journal_mode.lower() == "wal":
        checks.append(Check(_("mode WAL"), True, "journal_mode = wal"))
    else:
        checks.append(Check(_("mode WAL"), False, f"journal_mode = {info.journal_mode}",
                            _("lancer `relance status` : relance passe la base en WAL en l'ouvrant")))
    checks.append(given_up_check(info.given_up))
    return checks


def given_up_check(count: int) -> Check:
    """Information only: a message given up does not stop relance working, but someone lost it."""
    if not count:
        return Check(_("messages abandonnés"), True, _("aucun"))
    return Check(_("messages abandonnés"), True,
                 n_("{n} refusé définitivement par le serveur SMTP ([email] give_up_after fois) — que faire : "
                    "`relance subscribers` montre à quelles adresses ; corriger l'adresse (`relance subscribe`) ou "
                    "la désabonner (`relance unsubscribe ADRESSE`)",
                    "{n} refusés définitivement par le serveur SMTP ([email] give_up_after fois) — que faire : "
                    "`relance subscribers` montre à quelles adresses ; corriger l'adresse (`relance subscribe`) ou "
                    "la désabonner (`relance unsubscribe ADRESSE`)", count))


def rappel_checks(path: Path) -> list[Check]:
    """The latest reading of the Sénat's liste de rappel and every disagreement it found with relance
    (`relance import senat --rappel`). Information: a disagreement is to look into, not a broken instance."""
    try:
        check = latest_rappel_check(path) if path.exists() else None
    except StorageError:
        return []  # the database check above names the problem
    if check is None:
        return [Check(_("liste de rappel"), True, _(RAPPEL_NEVER_READ))]
    found = len(check.disagreements)
    line = rappel_check_line(check.at, check.source, check.listed, found)
    if found:
        line = _("{detail} — que faire : {fix}", detail=line, fix=_(RAPPEL_ADVICE))
    return [Check(_("liste de rappel"), True, line)] + [
        Check(_("désaccord (rappel)"), True, _("{label} : {what}", label=parse_ref(e.ref).label,
                                                 what=rappel_sentence(e.details)))
        for e in check.disagreements]


def actors_check(path: Path) -> list[Check]:
    """Whether the AN's actors were imported (`relance import actors`): without them an AN author is
    named only when the question's text opens with the name. Information, never a problem."""
    try:
        counts = actor_counts_on_file(path) if path.exists() else None
    except StorageError:
        return []  # the database check above names the problem
    if counts is None or counts.actors == 0:
        return [Check(_("acteurs de l'AN"), True, _(ACTORS_NEVER_IMPORTED))]
    return [Check(_("acteurs de l'AN"), True, _("{counts} importés", counts=fr_list([
        fr_count(counts.actors, "acteur", "acteurs"), fr_count(counts.bodies, "organe", "organes")])))]


def requests_check(path: Path, today: date) -> list[Check]:
    """The requests sent to each site today and yesterday, as the check cycles and the service's imports
    counted them (the request budget). Information, never a problem."""
    yesterday = today - timedelta(days=1)
    try:
        counts = requests_on_file(path, (today, yesterday)) if path.exists() else None
    except StorageError:
        return []  # the database check above names the problem
    if counts is None or not (counts[today] or counts[yesterday]):
        return [Check(_("requêtes par site"), True, _(REQUESTS_NEVER_COUNTED))]
    return [Check(_("requêtes par site"), True, requests_line(today, counts[today], yesterday, counts[yesterday]))]


# ---------------------------------------------------------------------------------------------- SMTP

def _smtp_fix(problem: str, settings: SmtpSettings) -> str:
    if "SMTPAuthenticationError" in problem:
        return _("vérifier RELANCE_SMTP_USER et RELANCE_SMTP_PASSWORD")
    if "AUTH extension not supported" in problem:
        return _("le serveur ne propose pas l'authentification ici : vérifier [email] security (beaucoup ne la "
                 "proposent qu'après STARTTLS), ou ne pas définir RELANCE_SMTP_USER et RELANCE_SMTP_PASSWORD")
    if "SSL" in problem or "STARTTLS" in problem.upper() or "SMTPNotSupportedError" in problem:
        return _("vérifier [email] security : starttls (port 587 en général), tls (port 465) ou none, "
                 "comme le serveur l'attend")
    return _("vérifier que le serveur SMTP {host}:{port} tourne et accepte les connexions, et [email] host et port",
             host=settings.host, port=settings.port)


def smtp_check(settings: SmtpSettings) -> Check:
    """Connect, EHLO, STARTTLS or TLS and log in as configured, then QUIT: no message is sent."""
    where = f"{settings.host}:{settings.port}"
    try:
        smtp = connect(settings)
    except MailUnavailable as error:
        return Check("SMTP", False, str(error), _smtp_fix(str(error), settings))
    try:
        smtp.ehlo_or_helo_if_needed()
        smtp.quit()
    except (OSError, smtplib.SMTPException) as error:
        smtp.close()
        problem = f"SMTP server {where}: {type(error).__name__}: {error}"
        return Check("SMTP", False, problem, _smtp_fix(problem, settings))
    steps = [_("connexion"), "EHLO"]
    steps += {"starttls": ["STARTTLS"], "tls": ["TLS"], "none": []}[settings.security]
    steps += [_("authentification")] if settings.user and settings.password else []
    return Check("SMTP", True, _("{where} : {steps}, QUIT (aucun message envoyé)", where=where, steps=", ".join(steps)))


# ---------------------------------------------------------------------------------------------- sources

def _source_fix(error: Exception, source: str, ref: QuestionRef, base_url: str) -> str:
    entry = BASE_URL_ENTRIES[source]
    if isinstance(error, ErrorPage):
        return _("le site sert une page d'erreur à la place des données : réessayer plus tard ; si cela dure, "
                 "ouvrir {url} dans un navigateur et vérifier {entry}", url=base_url, entry=entry)
    if isinstance(error, NotFound):
        return _("{ref} est introuvable à cette adresse : vérifier {entry} et la référence suivie", ref=ref.uid,
                 entry=entry)
    if isinstance(error, RateLimited):
        return _("le site demande d'attendre : réessayer plus tard, augmenter [http] min_interval")
    if isinstance(error, HttpStatusError):
        return _("le site répond en erreur : réessayer plus tard ; vérifier que {url} répond", url=base_url)
    if isinstance(error, TransportError):
        return _("site injoignable : vérifier le réseau (DNS, pare-feu, proxy), que {url} répond, et {entry}",
                 url=base_url, entry=entry)
    if isinstance(error, ParseError):
        return _("la page ne se lit plus (le site a changé de format ?) : voir `relance fetch {ref}` et "
                 "signaler le problème avec ce message", ref=ref.uid)
    return _("vérifier {entry}", entry=entry)


def _base_url(settings: SourceSettings, source: str) -> str:
    return {"an": settings.an_base_url, "an-legacy": settings.an_legacy_base_url,
            "senat": settings.senat_base_url}[source]


def source_checks(settings: SourceSettings, watched: Sequence[QuestionRef], client: PoliteClient) -> list[Check]:
    """For each source, one read of a real question (the first watched one it serves, else a known one)
    with the real parser. A watched question the site does not have (404, 410) is the question's
    problem, not the site's: the known question is then read to judge the site, and the missing one named."""
    checks = []
    for source, known in KNOWN_QUESTIONS.items():
        ref = next((r for r in watched if source_for(r, settings).name == source), parse_ref(known))
        name = SOURCE_LABELS[source]
        note = ""
        try:
            try:
                reading = read_question(ref, client, settings)
            except NotFound:
                if ref.uid == known:
                    raise
                note, ref = missing_question_line(ref.uid), parse_ref(known)
                reading = read_question(ref, client, settings)
        except (FetchError, ParseError) as error:
            failed = _("{ref} : {error}", ref=ref.uid, error=describe(error))
            checks.append(Check(name, False, _("{detail} ; {note}", detail=failed, note=note) if note else failed,
                                _source_fix(error, source, ref, _base_url(settings, source))))
            continue
        read = _("{url} : HTTP {status}, {label} lue ({state})", url=reading.url, status=reading.http_status,
                 label=ref.label, state=STATUS_FR[reading.snapshot.status])
        checks.append(Check(name, True, _("{detail} ; {note}", detail=read, note=note) if note else read))
    return checks


# ---------------------------------------------------------------------------------------------- all

def diagnose(config: Config, path: Path, *, env: Mapping[str, str], database: Path, http: HttpSettings,
             sources: SourceSettings, now: Callable[[], datetime] = clock) -> Iterator[Check]:
    """Every check, in order, as it completes. `http` should neither retry nor cache: one real GET per source."""
    yield from config_checks(config, path, env)
    yield from database_checks(database)
    yield from actors_check(database)
    yield from rappel_checks(database)
    yield from requests_check(database, today_in_paris(now()))
    if config.email is not None:
        yield smtp_check(smtp_settings(config, env))
    with PoliteClient(http) as client:
        yield from source_checks(sources, [w.question for w in config.watch], client)
