"""The e-mail a web subscription calls for: the confirmation, or, to an address that already follows
relance, its manage link. Either way one message, so the page and its timing tell nothing.

A request only queues it in the ledger and wakes the web process's sender; it never waits for the
SMTP server, so a slow or dripping server cannot hold the site's threads. The sender (`WebSender`) is
one thread per web process, started by the first request that queues a message: it sends the queued
confirmations and access e-mails through the one delivery loop, each within `[email] timeout`, then
sleeps. While one of them failed (the server down), it tries again every `RETRY_SECONDS`; once none
is left it stops, until the next request. So `relance serve` alone gets them out, within seconds;
`relance notify` (or `relance run`) sends them too, and the ledger's claims keep the two from both
sending one. Digests and notices stay the notify pass's.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

from flask import Flask
from sqlite_utils import Database

from bot.app.config import Config
from bot.app.logs import describe, log_event
from bot.app.notify import remember_server
from bot.app.settings import smtp_sender
from bot.notify import delivery
from bot.notify.access_mail import render_access
from bot.notify.subscriptions import (
    MailSettings,
    describe_follows,
    follow_titles,
    link,
    queue_access_mail,
    subscribe,
)
from scrapers.errors import CannotRun
from storage.db import open_db
from storage.ledger import (
    Message,
    MessageKind,
    mark_cancelled,
    messages_to_send,
)
from storage.subscribers import Frequency, Subscriber, get_subscriber

WEB_KINDS: tuple[MessageKind, ...] = ("confirmation", "access")
RETRY_SECONDS = 60.0  # a web e-mail that failed (the server down) is tried again this often
SENDER_KEY = "relance_web_sender"


def queue_access(db: Database, subscriber: Subscriber, settings: MailSettings, now: datetime) -> Message:
    """Queue the e-mail that answers a subscribe request for an address already subscribed: its manage link."""
    follows = describe_follows(subscriber, follow_titles(db, subscriber.refs), settings.tag_labels)
    rendered = render_access(subscriber.email, link(settings, "manage", subscriber), follows,
                             paused=subscriber.state == "paused", now=now)
    return queue_access_mail(db, subscriber.email, rendered, settings, now)


def request_subscription(db: Database, address: str, *, frequency: Frequency, tags: tuple[str, ...],
                         refs: tuple[str, ...], now: datetime, settings: MailSettings,
                         smtputf8: bool = False) -> Message:
    """Record a subscribe request (bot.notify.subscriptions) and queue the one e-mail it calls for."""
    result = subscribe(db, address, frequency=frequency, tags=tags, refs=refs, now=now, settings=settings,
                       smtputf8=smtputf8)
    return result.confirmation or queue_access(db, result.subscriber, settings, now)


def _still_wanted(db: Database, message: Message) -> bool:
    """A confirmation goes only to an address still pending (as the notify pass decides too)."""
    if message.subscriber_id is None:
        return True
    subscriber = get_subscriber(db, id=message.subscriber_id)
    return subscriber is not None and subscriber.state == "pending"


def _web_messages(db: Database) -> Iterator[Message]:
    for message in sorted((m for kind in WEB_KINDS for m in messages_to_send(db, via="email", kind=kind)),
                          key=lambda m: m.id):
        if _still_wanted(db, message):
            yield message
        else:
            mark_cancelled(db, message, "the subscriber's state changed before it was sent")


def send_web_mail(config: Config, db: Database, now: Callable[[], datetime]) -> int:
    """One pass: send the queued confirmations and access e-mails; the number left to send (failed)."""
    with smtp_sender(config) as transport:
        done = delivery.deliver(db, _web_messages(db), transport, now=now)
        remember_server(db, transport, now())
    for failure in done.failures:
        log_event("web_mail_failed", "warning", kind=failure.message.kind, message=failure.message.id,
                  error=describe(failure.error))
    if done.unrecorded:
        log_event("web_mail_unrecorded", "error", error=done.unrecorded)
    return sum(1 for kind in WEB_KINDS for _ in messages_to_send(db, via="email", kind=kind))


class WebSender:
    """The web process's one sender thread: woken by `wake`, it sends until nothing is left to send."""

    def __init__(self, config: Config, db_path: Path, now: Callable[[], datetime]) -> None:
        self.config, self.db_path, self.now = config, db_path, now
        self._lock = threading.Condition()
        self._woken = threading.Event()
        self._thread: threading.Thread | None = None
        self._sending = False  # a pass runs, or a wake asked for one

    def wake(self) -> None:
        """Something was queued: send it now (starting the thread if it had stopped)."""
        with self._lock:
            self._sending = True
            self._woken.set()
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="relance-web-mail", daemon=True)
                self._thread.start()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until what was queued has been tried (a failure may still wait for its retry)."""
        with self._lock:
            return self._lock.wait_for(lambda: not self._sending, timeout)

    def _run(self) -> None:
        try:
            db = open_db(self.db_path)
            try:
                self._loop(db)
            finally:
                db.close()
        except (CannotRun, OSError, sqlite3.Error) as error:  # the database or the config: tried at the next wake
            log_event("web_mail_stopped", "error", error=describe(error))
        finally:
            with self._lock:
                if self._thread is threading.current_thread():  # stopped by an error: the next wake restarts
                    self._thread, self._sending = None, False
                self._lock.notify_all()

    def _loop(self, db: Database) -> None:
        while True:
            with self._lock:
                self._sending = True
                self._woken.clear()
            left = send_web_mail(self.config, db, self.now)
            with self._lock:
                if self._woken.is_set():
                    continue
                self._sending = False
                self._lock.notify_all()
                if not left:  # decided under the lock, so that a wake from now on starts a new thread
                    self._thread = None
                    return
            self._woken.wait(RETRY_SECONDS)


def web_sender(app: Flask, config: Config, db_path: Path, now: Callable[[], datetime]) -> WebSender:
    """The sender of the web process `app` (made on first use)."""
    with _MAKING:
        found = app.extensions.get(SENDER_KEY)
        if not isinstance(found, WebSender):
            found = app.extensions[SENDER_KEY] = WebSender(config, db_path, now)
        return found


_MAKING = threading.Lock()


def wait_for_web_mail(app: Flask, timeout: float = 30.0) -> bool:
    """Wait until the web process's sender has sent (or failed) what was queued: for tests and a clean stop."""
    found = app.extensions.get(SENDER_KEY)
    return not isinstance(found, WebSender) or found.wait_idle(timeout)
