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

from bot.app.config import Config
from bot.app.context import now as clock
from bot.app.health import ADMIN_CHANNEL
from bot.app.settings import smtp_settings
from bot.core.deadlines import today_in_paris
from bot.notify.channels import Channel, ChannelError, check_channel, masked_url
from bot.notify.smtp import MailUnavailable, SmtpSettings, connect
from bot.notify.tokens import MIN_SECRET_LENGTH
from bot.notify.wording import fr_count, fr_list, missing_question_line, rappel_sentence
from bot.notify.wording.actors import ACTORS_NEVER_IMPORTED
from bot.notify.wording.admin import RAPPEL_ADVICE, RAPPEL_NEVER_READ, rappel_check_line
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
SOURCE_LABELS = {"an": "source AN (open data)", "an-legacy": "source AN (ancien site)", "senat": "source Sénat"}
BASE_URL_ENTRIES = {"an": "[sources.an] base_url", "an-legacy": "[sources.an] legacy_base_url",
                    "senat": "[sources.senat] base_url"}
FRESH_START = ("mettre le fichier de côté (mv) et lancer `relance check`, qui en crée un neuf (l'historique "
               "est perdu), ou restaurer une sauvegarde")


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str | None = None  # what to do, when not ok


def check_line(check: Check) -> str:
    """The one line `relance doctor` prints for a check."""
    fix = f" — que faire : {check.fix}" if check.fix and not check.ok else ""
    return f"{'ok' if check.ok else 'PROBLÈME':<9} {check.name:<24} {check.detail}{fix}"


# ---------------------------------------------------------------------------------------------- config

def config_checks(config: Config, path: Path, env: Mapping[str, str]) -> list[Check]:
    checks = [Check("config", True, f"{path} : lu et valide")]
    contact = config.relance.contact
    if contact == BUNDLED_CONTACT:
        checks.append(Check("contact", False, f"{contact} est le contact du projet, pas le vôtre",
                            "mettre votre adresse e-mail ou URL dans [relance] contact : les webmestres des "
                            "sites doivent pouvoir vous joindre"))
    else:
        checks.append(Check("contact", True, f"{contact} (envoyé dans le User-Agent)"))
    email = config.email
    if email is None:
        checks.append(Check("[email]", True, "absente : aucun e-mail ne sera envoyé (abonnés, alarmes)"))
    else:
        checks.append(Check("[email]", True, f"serveur {email.host}:{email.port} ({email.security}), "
                                             f"expéditeur {email.sender}"))
        secret = env.get("RELANCE_SECRET", "")
        if len(secret) >= MIN_SECRET_LENGTH:
            checks.append(Check("RELANCE_SECRET", True, f"défini ({len(secret)} caractères)"))
        else:
            checks.append(Check(
                "RELANCE_SECRET", False,
                "absent" if not secret else f"trop court ({len(secret)} caractères, au moins {MIN_SECRET_LENGTH})",
                "export RELANCE_SECRET=\"$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')\" "
                "et le garder : il signe les liens des e-mails"))
        checks.append(Check("identifiants SMTP", True, _credentials(env)))
    checks.append(_admin_check(config))
    checks += channel_checks(config)
    return checks


def _credentials(env: Mapping[str, str]) -> str:
    user, password = env.get("RELANCE_SMTP_USER"), env.get("RELANCE_SMTP_PASSWORD")
    if user and password:
        return f"RELANCE_SMTP_USER ({user}) et RELANCE_SMTP_PASSWORD définis : connexion authentifiée"
    if user or password:
        given = "RELANCE_SMTP_USER" if user else "RELANCE_SMTP_PASSWORD"
        return f"seul {given} est défini : il faut les deux pour s'authentifier, connexion sans authentification"
    return "RELANCE_SMTP_USER et RELANCE_SMTP_PASSWORD non définis : connexion sans authentification"


def _admin_check(config: Config) -> Check:
    admin = config.admin
    if admin.channel is not None:
        try:
            check_channel(Channel(ADMIN_CHANNEL, admin.channel))
        except ChannelError as error:
            return Check("[admin]", False, f"channel : {error.problem}",
                         "corriger [admin] channel : une URL Apprise (https://github.com/caronc/apprise/wiki)")
    to = [f"e-mail {admin.email}"] * bool(admin.email)
    to += [f"channel {masked_url(admin.channel)}"] if admin.channel else []
    if not to:
        return Check("[admin]", True, "aucun destinataire : les alarmes de santé des sources ne sont envoyées à "
                                      "personne ([admin] email ou channel)")
    return Check("[admin]", True, f"alarme après {admin.failed_cycles} cycles en échec, vers : {', '.join(to)}")


def channel_checks(config: Config) -> list[Check]:
    """One line per [[channel]]: the URL (masked) Apprise can use, with what goes there, or the problem."""
    checks = []
    for entry in config.channel:
        name = f"channel {entry.name}"
        try:
            check_channel(Channel(entry.name, entry.url, entry.tags, entry.kinds))
        except ChannelError as error:
            checks.append(Check(name, False, error.problem,
                                f"corriger l'url du [[channel]] name = \"{entry.name}\" : une URL Apprise "
                                "(https://github.com/caronc/apprise/wiki)"))
            continue
        what = f"les questions marquées {tags_label(entry.tags, config.tag_labels)}" if entry.tags else \
            "toutes les questions suivies"
        kinds = f"événements : {', '.join(entry.kinds)}" if entry.kinds else "tous les événements"
        checks.append(Check(name, True, f"{masked_url(entry.url)} : {what}, {kinds}"))
    return checks


# ---------------------------------------------------------------------------------------------- database

def _size(n: int) -> str:
    return f"{n / 1_000_000:.1f} Mo".replace(".", ",") if n >= 100_000 else f"{n / 1000:.0f} ko"


def database_checks(path: Path) -> list[Check]:
    if not path.exists():
        return [Check("base de données", True, f"{path} absente : le premier `relance check` la crée")]
    try:
        info = inspect_database(path)
    except StorageError as error:
        return [Check("base de données", False, f"{path} illisible : {error.problem}", FRESH_START)]
    wal = f" + journal WAL {_size(info.wal_size)}" if info.wal_size else ""
    checks = [Check("base de données", True, f"{path} : {_size(info.size)}{wal}")]
    if info.integrity == ("ok",):
        checks.append(Check("intégrité", True, "PRAGMA integrity_check : ok"))
    else:
        checks.append(Check("intégrité", False, f"la base est abîmée : {'; '.join(info.integrity[:3])}", FRESH_START))
    if info.pending:
        checks.append(Check("migrations", False, f"{len(info.pending)} en attente : {', '.join(info.pending)}",
                            "lancer `relance check` (ou `relance status`) : relance met le schéma à jour en "
                            "ouvrant la base"))
    else:
        checks.append(Check("migrations", True, "schéma à jour"))
    if info.journal_mode.lower() == "wal":
        checks.append(Check("mode WAL", True, "journal_mode = wal"))
    else:
        checks.append(Check("mode WAL", False, f"journal_mode = {info.journal_mode}",
                            "lancer `relance status` : relance passe la base en WAL en l'ouvrant"))
    checks.append(given_up_check(info.given_up))
    return checks


def given_up_check(count: int) -> Check:
    """Information only: a message given up does not stop relance working, but someone lost it."""
    if not count:
        return Check("messages abandonnés", True, "aucun")
    return Check("messages abandonnés", True,
                 f"{count} refusé{'s' if count > 1 else ''} définitivement par le serveur SMTP ([email] "
                 "give_up_after fois) — que faire : `relance subscribers` montre à quelles adresses ; corriger "
                 "l'adresse (`relance subscribe`) ou la désabonner (`relance unsubscribe ADRESSE`)")


def rappel_checks(path: Path) -> list[Check]:
    """The latest reading of the Sénat's liste de rappel and every disagreement it found with relance
    (`relance import senat --rappel`). Information: a disagreement is to look into, not a broken instance."""
    try:
        check = latest_rappel_check(path) if path.exists() else None
    except StorageError:
        return []  # the database check above names the problem
    if check is None:
        return [Check("liste de rappel", True, RAPPEL_NEVER_READ)]
    found = len(check.disagreements)
    advice = f" — que faire : {RAPPEL_ADVICE}" if found else ""
    lines = [Check("liste de rappel", True, rappel_check_line(check.at, check.source, check.listed, found) + advice)]
    return lines + [Check("désaccord (rappel)", True, f"{parse_ref(e.ref).label} : {rappel_sentence(e.details)}")
                    for e in check.disagreements]


def actors_check(path: Path) -> list[Check]:
    """Whether the AN's actors were imported (`relance import actors`): without them an AN author is
    named only when the question's text opens with the name. Information, never a problem."""
    try:
        counts = actor_counts_on_file(path) if path.exists() else None
    except StorageError:
        return []  # the database check above names the problem
    if counts is None or counts.actors == 0:
        return [Check("acteurs de l'AN", True, ACTORS_NEVER_IMPORTED)]
    return [Check("acteurs de l'AN", True, fr_list([fr_count(counts.actors, "acteur", "acteurs"),
                                                     fr_count(counts.bodies, "organe", "organes")]) + " importés")]


def requests_check(path: Path, today: date) -> list[Check]:
    """The requests sent to each site today and yesterday, as the check cycles and the service's imports
    counted them (the request budget). Information, never a problem."""
    yesterday = today - timedelta(days=1)
    try:
        counts = requests_on_file(path, (today, yesterday)) if path.exists() else None
    except StorageError:
        return []  # the database check above names the problem
    if counts is None or not (counts[today] or counts[yesterday]):
        return [Check("requêtes par site", True, REQUESTS_NEVER_COUNTED)]
    return [Check("requêtes par site", True, requests_line(today, counts[today], yesterday, counts[yesterday]))]


# ---------------------------------------------------------------------------------------------- SMTP

def _smtp_fix(problem: str, settings: SmtpSettings) -> str:
    if "SMTPAuthenticationError" in problem:
        return "vérifier RELANCE_SMTP_USER et RELANCE_SMTP_PASSWORD"
    if "AUTH extension not supported" in problem:
        return ("le serveur ne propose pas l'authentification ici : vérifier [email] security (beaucoup ne la "
                "proposent qu'après STARTTLS), ou ne pas définir RELANCE_SMTP_USER et RELANCE_SMTP_PASSWORD")
    if "SSL" in problem or "STARTTLS" in problem.upper() or "SMTPNotSupportedError" in problem:
        return ("vérifier [email] security : starttls (port 587 en général), tls (port 465) ou none, "
                "comme le serveur l'attend")
    return (f"vérifier que le serveur SMTP {settings.host}:{settings.port} tourne et accepte les connexions, "
            "et [email] host et port")


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
    steps = ["connexion", "EHLO"]
    steps += {"starttls": ["STARTTLS"], "tls": ["TLS"], "none": []}[settings.security]
    steps += ["authentification"] if settings.user and settings.password else []
    return Check("SMTP", True, f"{where} : {', '.join(steps)}, QUIT (aucun message envoyé)")


# ---------------------------------------------------------------------------------------------- sources

def _source_fix(error: Exception, source: str, ref: QuestionRef, base_url: str) -> str:
    entry = BASE_URL_ENTRIES[source]
    if isinstance(error, ErrorPage):
        return (f"le site sert une page d'erreur à la place des données : réessayer plus tard ; si cela dure, "
                f"ouvrir {base_url} dans un navigateur et vérifier {entry}")
    if isinstance(error, NotFound):
        return f"{ref.uid} est introuvable à cette adresse : vérifier {entry} et la référence suivie"
    if isinstance(error, RateLimited):
        return "le site demande d'attendre : réessayer plus tard, augmenter [http] min_interval"
    if isinstance(error, HttpStatusError):
        return f"le site répond en erreur : réessayer plus tard ; vérifier que {base_url} répond"
    if isinstance(error, TransportError):
        return f"site injoignable : vérifier le réseau (DNS, pare-feu, proxy), que {base_url} répond, et {entry}"
    if isinstance(error, ParseError):
        return (f"la page ne se lit plus (le site a changé de format ?) : voir `relance fetch {ref.uid}` et "
                "signaler le problème avec ce message")
    return f"vérifier {entry}"


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
                note, ref = f" ; {missing_question_line(ref.uid)}", parse_ref(known)
                reading = read_question(ref, client, settings)
        except (FetchError, ParseError) as error:
            checks.append(Check(name, False, f"{ref.uid} : {type(error).__name__}: {error}{note}",
                                _source_fix(error, source, ref, _base_url(settings, source))))
            continue
        checks.append(Check(name, True, f"{reading.url} : HTTP {reading.http_status}, {ref.label} lue "
                                        f"({reading.snapshot.status}){note}"))
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
