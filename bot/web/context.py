"""What every view of the web interface shares: the site's settings, the database of the request,
the clock, absolute links, and the refusals that become error pages."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app, g, url_for
from sqlite_utils import Database
from werkzeug.exceptions import HTTPException

from bot.app.config import Config
from bot.app.context import Context
from bot.app.context import now as clock
from bot.notify.subscriptions import MailSettings
from bot.web.limits import Limiters
from scrapers.errors import CannotRun
from storage.db import database_path, open_db

EXTENSION = "relance"


@dataclass
class Site:
    """Read once when the app is created, like `relance run` reads its config once at start."""

    context: Context
    config: Config
    secret: str
    mail: MailSettings | None  # None without an [email] section: no subscriptions on this site
    limiters: Limiters = field(default_factory=Limiters.default)
    connections: threading.local = field(default_factory=threading.local)  # each thread's database (`db`)
    # The feeds' documents with what they were made from (bot/web/feeds.py), shared by the threads.
    documents: dict[tuple[Any, ...], tuple[float, Any]] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return self.config.web.base_url.rstrip("/")


def site() -> Site:
    found: Site = current_app.extensions[EXTENSION]
    return found


def db() -> Database:
    """The request's connection: its thread's, opened on the thread's first request and kept for the next
    ones, so that the watched set it has loaded and joined with the store (storage/listing.py) serves every
    request until the database changes. Each request's transaction ends with it: short transactions
    beside `relance run` (WAL lets both read while one writes)."""
    if "relance_db" not in g:
        connections = site().connections
        if getattr(connections, "db", None) is None:
            # Migrated, without the pass that brings stored deadlines up to date: create_app ran it once at
            # start, and every save since stores its deadlines; a pass per request would scan the table.
            connections.db = open_db(database_path(site().config.storage.path))
        g.relance_db = connections.db
    found: Database = g.relance_db
    return found


def close_db(_error: BaseException | None = None) -> None:
    """At the end of a request: what it left uncommitted is rolled back, as closing the connection did."""
    found: Database | None = g.pop("relance_db", None)
    if found is not None and found.conn.in_transaction:
        found.conn.rollback()


def now() -> datetime:
    return clock()


def absolute_url(endpoint: str, **values: Any) -> str:
    """A link for outside the site (feeds to paste into a reader or a calendar): `[web] base_url`
    followed by the route's path, never the Host header a request came with."""
    return site().base_url + url_for(endpoint, **values)


class Refusal(HTTPException, CannotRun):
    """An error page with a French title and message, and optional headers (Retry-After) and link."""

    def __init__(self, code: int, title: str, message: str, *, headers: Mapping[str, str] | None = None,
                 link: tuple[str, str] | None = None) -> None:
        super().__init__(description=message)
        self.code = code
        self.title = title
        self.extra_headers = dict(headers or {})
        self.link = link  # (href, text) of a way out, e.g. back to the subscribe form
