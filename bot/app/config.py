"""Read and validate `config.toml` once at start; every problem names the file, the entry and what is wrong.

Which file: `--config PATH` given to the CLI, else `$RELANCE_CONFIG`, else `config.toml` in the
current directory.
"""

from __future__ import annotations

import os
import re
import tomllib
from email.utils import parseaddr
from pathlib import Path
from typing import Annotated, Literal

from apscheduler.triggers.cron import CronTrigger
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

from bot.app.config_problems import problem, shown
from bot.notify.addresses import normalize_address
from bot.notify.channels import Channel, ChannelError, check_channel
from bot.notify.i18n import _
from scrapers.errors import CannotRun
from scrapers.model import STATUSES, Status
from scrapers.refs import QuestionRef, RefError, parse_ref

DEFAULT_CONFIG = "config.toml"
VERSION = "0.1.0"


class ConfigError(CannotRun):
    """A configuration problem: `file`, `entry` (a dotted path such as `sources.an.base_url`), `problem`."""

    def __init__(self, file: Path | str, entry: str, problem: str) -> None:
        self.file, self.entry, self.problem = str(file), entry, problem
        super().__init__(_("{file}, entrée {entry} : {problem}", file=file, entry=entry, problem=problem) if entry
                         else _("{file} : {problem}", file=file, problem=problem))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


_URL = re.compile(r"https?://[^\s/?#]+(?::\d+)?(?:/[^\s?#]*)?")
_EMAIL = re.compile(r"[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+")


def _base_url(value: str) -> str:
    if not _URL.fullmatch(value):
        raise ValueError(_("{value} n'est pas l'adresse http(s) d'un site, comme https://www.senat.fr",
                           value=shown(value)))
    return value.rstrip("/")


class RelanceSection(_Strict):
    contact: str = Field(description="an e-mail address or URL the sites can reach; sent in the User-Agent")

    @field_validator("contact")
    @classmethod
    def _contact(cls, value: str) -> str:
        value = value.strip()
        if not (_EMAIL.fullmatch(value) or _URL.fullmatch(value)):
            raise ValueError(_("{value} n'est ni une adresse e-mail ni une URL http(s)", value=shown(value)))
        if re.search(r"[@./]example\.(?:org|com|net)\b", value):
            raise ValueError(_("{value} est un exemple : donner une adresse où les sites peuvent vous joindre",
                               value=shown(value)))
        return value


class HttpSection(_Strict):
    timeout: Annotated[float, Field(gt=0, le=300)] = 20.0
    max_concurrency: Annotated[int, Field(ge=1, le=8)] = 2
    min_interval: Annotated[float, Field(ge=0, le=600)] = 2.0
    retries: Annotated[int, Field(ge=0, le=10)] = 3
    backoff_max: Annotated[float, Field(gt=0, le=3600)] = 60.0
    max_retry_after: Annotated[float, Field(ge=0, le=3600)] = 300.0
    cache_dir: str = ".relance-cache"
    # Bounds against a hostile or broken site (docs/limits.md).
    max_body_mb: Annotated[float, Field(gt=0, le=1000)] = 8.0  # a page or a JSON, read into memory
    max_file_mb: Annotated[float, Field(gt=0, le=10_000)] = 64.0  # the Sénat's CSV, read into memory
    max_download_mb: Annotated[float, Field(gt=0, le=100_000)] = 1000.0  # an archive streamed to disk
    deadline: Annotated[float, Field(gt=0, le=3600)] = 60.0  # one request: connect, every read, redirects
    question_deadline: Annotated[float, Field(gt=0, le=7200)] = 300.0  # one question, retries included
    download_deadline: Annotated[float, Field(gt=0, le=86_400)] = 3600.0  # one attempt of a download
    redirect_sites: tuple[str, ...] = ()  # other sites a redirect may lead to: "https://host"

    @field_validator("redirect_sites")
    @classmethod
    def _redirect_sites(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for site in value:
            if not re.fullmatch(r"https?://[^\s/?#]+(?::\d+)?/?", site):
                raise ValueError(_("{site} n'est pas un site : écrire son protocole et son hôte, comme "
                                   "https://data.senat.fr", site=shown(site)))
        return value


AN_ARCHIVE_URL = ("https://data.assemblee-nationale.fr/static/openData/repository/{leg}/questions/"
                  "questions_ecrites/Questions_ecrites{suffix}.json.zip")
# The AN's open data of deputies, senators, ministers and bodies (AMO), every mandate, per legislature
# (`relance import actors`); the file name is the one the 16th legislature's folder publishes.
AN_ACTORS_URL = ("https://data.assemblee-nationale.fr/static/openData/repository/{leg}/amo/"
                 "deputes_senateurs_ministres_legislature/AMO20_dep_sen_min_tous_mandats_et_organes.json.zip")


class AnSource(_Strict):
    base_url: str = "https://www.assemblee-nationale.fr"
    legacy_base_url: str = "https://questions.assemblee-nationale.fr"
    closure_codes: dict[str, Status] = Field(default_factory=dict)
    # The per-legislature archive of written questions (`relance import an`): {leg} is the
    # legislature's number, {suffix} what the AN appends to older ones' file names ("_XV" for 15).
    archive_url: str = AN_ARCHIVE_URL
    legislatures: tuple[Annotated[int, Field(ge=1, le=30)], ...] = (17,)  # the archives imported
    # The AMO zip of each legislature (`relance import actors`), which names the questions' authors.
    actors_url: str = AN_ACTORS_URL

    _check_urls = field_validator("base_url", "legacy_base_url")(_base_url)

    @field_validator("actors_url")
    @classmethod
    def _actors_url(cls, value: str) -> str:
        if "{leg}" not in value:
            raise ValueError(_("{value} n'a pas de {{leg}} : chaque législature a son propre fichier",
                               value=shown(value)))
        try:
            example = value.format(leg=17)
        except (KeyError, IndexError, ValueError):
            raise ValueError(_("{value} : seul {{leg}} peut figurer entre accolades", value=shown(value))) from None
        if not _URL.fullmatch(example):
            raise ValueError(_("{value} n'est pas un modèle d'URL http(s) comme {example}", value=shown(value),
                               example=AN_ACTORS_URL))
        return value

    @field_validator("archive_url")
    @classmethod
    def _archive_url(cls, value: str) -> str:
        if "{leg}" not in value:
            raise ValueError(_("{value} n'a pas de {{leg}} : chaque législature a sa propre archive",
                               value=shown(value)))
        try:
            example = value.format(leg=17, suffix="")
        except (KeyError, IndexError, ValueError):
            raise ValueError(_("{value} : seuls {{leg}} et {{suffix}} peuvent figurer entre accolades",
                               value=shown(value))) from None
        if not _URL.fullmatch(example):
            raise ValueError(_("{value} n'est pas un modèle d'URL http(s) comme {example}", value=shown(value),
                               example=AN_ARCHIVE_URL))
        return value


def _file_url(value: str) -> str:
    if not _URL.fullmatch(value):
        raise ValueError(_("{value} n'est pas une URL http(s) comme {example}", value=shown(value),
                           example="https://data.senat.fr/data/questions/questions-depuis-un-an.csv"))
    return value


class SenatSource(_Strict):
    base_url: str = "https://www.senat.fr"
    # The open-data CSV of every question of the last twelve months, rebuilt daily (relance import senat).
    csv_url: str = "https://data.senat.fr/data/questions/questions-depuis-un-an.csv"
    # The export of the liste de rappel (relance import senat --rappel): no default, since no real
    # address of it is known here (only its help page, samples/senat/SOURCES.md).
    rappel_url: str | None = None

    _check_url = field_validator("base_url")(_base_url)
    _check_csv_url = field_validator("csv_url")(_file_url)

    @field_validator("rappel_url")
    @classmethod
    def _rappel_url(cls, value: str | None) -> str | None:
        return None if value is None else _file_url(value)


class Sources(_Strict):
    an: AnSource = AnSource()
    senat: SenatSource = SenatSource()


class StorageSection(_Strict):
    path: str = "relance.db"


class CheckSection(_Strict):
    recheck_closed_days: Annotated[int, Field(ge=1, le=365)] = 7  # answered or ended questions
    deadline_soon_days: Annotated[int, Field(ge=1, le=60)] = 7
    # A question whose state a bulk source (AN archive, Sénat CSV) confirmed within this many hours is not
    # read one by one (bot/core/budget.py says when it still is).
    bulk_fresh_hours: Annotated[int, Field(ge=1, le=24 * 14)] = 24


Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


class EmailSection(_Strict):
    host: str = "localhost"
    port: Annotated[int, Field(ge=1, le=65535)] = 587
    security: Literal["starttls", "tls", "none"] = "starttls"
    sender: str = Field(description="the From address, e.g. 'relance <relance@example.net>'")
    timeout: Annotated[float, Field(gt=0, le=300)] = 30.0
    daily_hour: Annotated[int, Field(ge=0, le=23)] = 8  # daily and weekly digests go out from this hour
    weekly_day: Weekday = "monday"
    unsubscribe_mailto: str | None = None  # the mailto: form of List-Unsubscribe (default: the sender)
    # a message the server refuses for good (a 5xx: mailbox unknown…) this many times is given up
    give_up_after: Annotated[int, Field(ge=1, le=100)] = 3

    @field_validator("sender")
    @classmethod
    def _sender(cls, value: str) -> str:
        _name, address = parseaddr(value)
        if not _EMAIL.fullmatch(address) or any(c in value for c in "\r\n\0"):
            raise ValueError(_("{value} n'est pas une adresse comme \"relance <relance@example.net>\"",
                               value=shown(value)))
        return value


class WebSection(_Strict):
    base_url: str = "http://127.0.0.1:8080"  # public address of `relance serve`, used in every e-mail link
    # Against slow and hostile clients: docs/security.md says why each number.
    threads: Annotated[int, Field(ge=1, le=64)] = 4
    connection_limit: Annotated[int, Field(ge=10, le=10_000)] = 1000
    connections_per_client: Annotated[int, Field(ge=1, le=10_000)] = 100
    request_timeout: Annotated[float, Field(ge=0.5, le=300)] = 20.0  # seconds to send a request, head and body
    channel_timeout: Annotated[float, Field(ge=1, le=3600)] = 30.0  # seconds a kept-alive connection may idle
    max_body_bytes: Annotated[int, Field(ge=1024, le=1_048_576)] = 16 * 1024
    backlog: Annotated[int, Field(ge=16, le=65_535)] = 1024

    _check_url = field_validator("base_url")(_base_url)


class ChannelEntry(_Strict):
    name: Annotated[str, Field(min_length=1, max_length=60, pattern=r"^[\w.-]+$")]
    url: Annotated[str, Field(min_length=3)]
    tags: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()


class AdminSection(_Strict):
    """Who hears of a source that keeps failing (bot/app/health.py): an address, an Apprise URL, or both."""

    email: str | None = None  # sent through the [email] section's server
    channel: Annotated[str, Field(min_length=3)] | None = None  # any Apprise URL, as in [[channel]]
    failed_cycles: Annotated[int, Field(ge=1, le=1000)] = 3  # consecutive failed cycles before the alarm

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        return normalize_address(value) if value is not None else None


def _crontab(value: str) -> str:
    value = " ".join(value.split())
    try:
        CronTrigger.from_crontab(value, timezone="Europe/Paris")
    except ValueError as error:
        raise ValueError(_("{value} n'est pas une ligne de crontab « minute heure jour mois jour-de-semaine » "
                           "comme \"0 7-21/2 * * *\" ({detail})", value=shown(value), detail=error)) from None
    return value


class ScheduleSection(_Strict):
    """When `relance run` works, as crontab entries (5 fields) in Europe/Paris time."""

    check: str = "0 7-21/2 * * *"  # a check cycle, then the notices it calls for
    # An extra pass on the day each chamber's questions and answers appear in the JO (RULES.md §4);
    # an empty string turns it off.
    extra_an: str = "30 12 * * tue"
    extra_senat: str = "30 12 * * thu"
    # Import the AN archive and the Sénat CSV (bot.service.jobs.discovery_job), before the morning check;
    # an empty string turns it off.
    discovery: str = "0 6 * * *"
    # For tests and mirrors only: check every N seconds instead of `check`.
    check_interval_seconds: Annotated[int, Field(ge=1, le=86_400)] | None = None

    _check_crontab = field_validator("check")(_crontab)

    @field_validator("extra_an", "extra_senat", "discovery")
    @classmethod
    def _extra(cls, value: str) -> str:
        return _crontab(value) if value.strip() else ""


class LogSection(_Strict):
    level: Literal["debug", "info", "warning", "error"] = "info"


class Watch(_Strict):
    ref: str
    tags: tuple[str, ...] = ()
    note: str | None = None

    @field_validator("ref")
    @classmethod
    def _ref(cls, value: str) -> str:
        return parse_ref(value).uid

    @property
    def question(self) -> QuestionRef:
        return parse_ref(self.ref)


class FollowRule(_Strict):
    """A rule that finds questions by itself: every condition given must hold (keywords: any one)."""

    name: Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[\w .'’-]+$")]
    keywords: tuple[str, ...] = ()  # words or phrases, accent- and case-insensitive
    author: str | None = None
    ministry: str | None = None
    chamber: Literal["an", "senat"] | None = None
    tags: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()  # questions `relance remove` took out of the rule: any form of ref, kept canonical

    @field_validator("exclude")
    @classmethod
    def _refs(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(parse_ref(value).uid for value in values))

    @model_validator(mode="after")
    def _something_to_match(self) -> FollowRule:
        if not (self.keywords or self.author or self.ministry):
            raise ValueError(_("donner au moins l'un de keywords, author ou ministry"))
        # A condition without a word would hold for every question.
        for keyword in self.keywords:
            if not re.search(r"[^\W_]", keyword):
                raise ValueError(_("le mot-clé {keyword} n'a ni lettre ni chiffre", keyword=shown(keyword)))
        for what, value in (("author", self.author), ("ministry", self.ministry)):
            if value is not None and not re.search(r"[^\W_]", value):
                raise ValueError(_("{key} = {value} : ni lettre ni chiffre", key=what, value=shown(value)))
        return self


class TagEntry(_Strict):
    """How a tag reads everywhere relance shows it (`[tags.vsa] label = "…"`); a tag without one keeps its name."""

    label: Annotated[str, Field(min_length=1, max_length=120)] | None = None
    description: Annotated[str, Field(min_length=1, max_length=2000)] | None = None

    @field_validator("label", "description")
    @classmethod
    def _text(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and not value.strip():
            raise ValueError(_("est vide : écrire les mots, ou retirer la ligne pour garder le nom de l'étiquette"))
        # A label is one line wherever it shows (a heading, a feed's title); a description keeps its lines.
        return value if value is None else " ".join(value.split()) if info.field_name == "label" else value.strip()


class Config(_Strict):
    relance: RelanceSection
    http: HttpSection = HttpSection()
    sources: Sources = Sources()
    storage: StorageSection = StorageSection()
    check: CheckSection = CheckSection()
    email: EmailSection | None = None
    web: WebSection = WebSection()
    channel: tuple[ChannelEntry, ...] = ()
    admin: AdminSection = AdminSection()
    watch: tuple[Watch, ...] = ()
    follow: tuple[FollowRule, ...] = ()
    tags: dict[str, TagEntry] = Field(default_factory=dict)  # labels and descriptions, by tag name
    schedule: ScheduleSection = ScheduleSection()
    log: LogSection = LogSection()

    @property
    def tag_labels(self) -> dict[str, str]:
        """Each labelled tag's label (`bot.notify.wording.tags.tag_label` reads it)."""
        return {name: entry.label for name, entry in self.tags.items() if entry.label}

    @property
    def user_agent(self) -> str:
        return f"relance/{VERSION} (written-question follow-up bot; contact: {self.relance.contact})"


def config_path(explicit: str | Path | None) -> Path:
    return Path(explicit or os.environ.get("RELANCE_CONFIG") or DEFAULT_CONFIG)


def _entry(location: tuple[str | int, ...], data: object) -> str:
    """A readable dotted entry for an error location; list items of `[[watch]]` show their ref."""
    parts: list[str] = []
    node = data
    for key in location:
        child = _child(node, key)
        if isinstance(key, int) and parts:
            ref = child.get("ref") if isinstance(child, dict) else None
            parts[-1] += f"[{key + 1}]" + (f" (ref {ref!r})" if ref else "")
        else:
            parts.append(str(key))
        node = child
    return ".".join(parts)


def _child(node: object, key: str | int) -> object:
    if isinstance(node, dict):
        return node.get(str(key))
    if isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
        return node[key]
    return None


def load_config(path: Path) -> Config:
    """Read and validate the config file at `path`; raises `ConfigError` naming the first problem."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(path, "", _("fichier introuvable (donner --config CHEMIN ou définir RELANCE_CONFIG)")
                          ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(path, "", _("illisible : {error}", error=error)) from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(path, "", _("TOML non valable : {error}", error=error)) from None
    if "log_level" in data:  # one setting for one thing: the level lives under [log] now
        raise ConfigError(path, "log_level", _("déplacé : écrire level = {value} sous [log]",
                                               value=shown(data["log_level"])))
    try:
        config = Config.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        raise ConfigError(path, _entry(tuple(first["loc"]), data), problem(first)) from None
    except RefError as error:  # pragma: no cover - pydantic wraps validator errors
        raise ConfigError(path, "watch", str(error)) from None
    if config.admin.email is not None and config.email is None:
        raise ConfigError(path, "admin.email", _("il faut une section [email] : relance envoie les alarmes par elle"))
    names: set[str] = set()
    for index, channel in enumerate(config.channel, start=1):
        if channel.name in names:
            raise ConfigError(path, f"channel[{index}] (name {channel.name!r})", _("nom de canal en double"))
        names.add(channel.name)
        _check_channel(path, f"channel[{index}] (name {channel.name!r})", channel.name, channel.url, channel.kinds)
    if config.admin.channel is not None:
        _check_channel(path, "admin.channel", "admin", config.admin.channel, ())
    rule_names: set[str] = set()
    for index, rule in enumerate(config.follow, start=1):
        if rule.name in rule_names:
            raise ConfigError(path, f"follow[{index}] (name {rule.name!r})", _("nom de règle en double"))
        rule_names.add(rule.name)
    seen: dict[str, int] = {}
    for index, watch in enumerate(config.watch, start=1):
        if watch.ref in seen:
            raise ConfigError(path, f"watch[{index}] (ref {watch.ref!r})",
                              _("en double avec watch[{index}]", index=seen[watch.ref]))
        seen[watch.ref] = index
    return config


__all__ = ["STATUSES", "Config", "ConfigError", "config_path", "load_config"]


def _check_channel(path: Path, entry: str, name: str, url: str, kinds: tuple[str, ...]) -> None:
    """A channel Apprise cannot use, or with an unknown event kind, is the config's error at load, not a
    failure found at the first `notify` (the URL is shown masked: it may hold a token)."""
    try:
        check_channel(Channel(name, url, (), kinds))
    except ChannelError as error:
        raise ConfigError(path, entry, error.problem) from None
    except ValueError as error:  # an unknown event kind in `kinds`
        raise ConfigError(path, entry, str(error)) from None
