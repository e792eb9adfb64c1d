"""The web tests' site: a config, a real SQLite file holding snapshots parsed from the real samples, a
real SMTP server (aiosmtpd) for the e-mails, Flask's test client; and today, fixed (`clock`).

Expected values are read from the samples: AN 17-5268 published on 25/03/2025 and answered on
03/06/2025 (deadline 25/05/2025, 9 days late); Sénat 11244 published on 10/12/2009 and answered on
28/10/2010; Sénat 23812 published on 15/07/2021 and, with its ending taken out, still pending.
Its `site` and `clock` fixtures are registered by the modules that use them (`site = seeded.site`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from bot.core.deadlines import PARIS
from bot.core.events import diff
from bot.notify.tokens import TokenClaim, make_token
from bot.web.app import create_app
from bot.web.mailing import wait_for_web_mail
from scrapers.an import parse_an_json
from scrapers.model import QuestionSnapshot
from scrapers.senat import parse_senat_text
from storage.db import open_db
from storage.questions import save_check
from storage.records import Event, Poll
from storage.subscribers import Subscriber, get_subscriber
from tests.an_variants import dump, qe_json, without_answer
from tests.conftest import sample_bytes, write_config
from tests.notify.subscribers_site import SECRET, token_in
from tests.senat_pages import page_text
from tests.smtp import Mailer

AN_URL = "https://www.assemblee-nationale.fr/dyn/opendata/QANR5L17QE5268.json"
SENAT_ANSWERED_URL = "https://www.senat.fr/questions/base/2009/qSEQ091211244.html"
SENAT_PENDING_URL = "https://www.senat.fr/questions/base/2021/qSEQ210723812.html"
AN, SENAT_ANSWERED, SENAT_PENDING, NEVER_READ = "QANR5L17QE5268", "SEQ091211244", "SEQ210723812", "QANR5L14QE47351"
NOW = datetime(2025, 6, 10, 12, 0, tzinfo=PARIS)
BASE = "https://relance.test"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


# --- the site: a config, a database of real snapshots, an SMTP server ---------------------------


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=PARIS)


def an_pending() -> QuestionSnapshot:
    return parse_an_json(dump(without_answer(qe_json())), AN_URL)


def an_answered() -> QuestionSnapshot:
    return parse_an_json(sample_bytes("an/QANR5L17QE5268.json"), AN_URL)


def senat_answered() -> QuestionSnapshot:
    return parse_senat_text(page_text(SENAT_ANSWERED), SENAT_ANSWERED_URL)


def senat_pending() -> QuestionSnapshot:
    """The real caduque page of SEQ210723812 without its ending: still awaiting its answer."""
    return parse_senat_text(page_text(SENAT_PENDING).replace("La question est caduque", ""), SENAT_PENDING_URL)


def store(db_path: Path, old: QuestionSnapshot | None, new: QuestionSnapshot, day: date,
          last_day: date | None = None) -> list[Event]:
    """One successful check, as the check cycle records it: the real diff, then `save_check`."""
    seen = at(day)
    events = diff(old, new, today=day, last_day=last_day, seen_at=seen)
    db = open_db(db_path)
    try:
        return save_check(db, new, events, Poll(seen, new.ref.uid, new.chamber, new.url, 200, "changed"))
    finally:
        db.close()


WATCHED = ({"ref": "AN 17-5268", "tags": ["diamants", "exemples"]}, {"ref": SENAT_ANSWERED_URL, "tags": ["exemples"]},
           {"ref": SENAT_PENDING, "tags": ["vsa"]}, {"ref": NEVER_READ, "tags": ["vsa"]})


def web_config(folder: Path, smtp_port: int | None, extra: str = "") -> Path:
    """The web tests' config.toml in `folder`, its database `folder`/relance.db; e-mail only with a port."""
    return write_config(folder / "config.toml", smtp_port=smtp_port, web={"base_url": BASE}, watch=WATCHED,
                        extra=extra)


@dataclass
class Site:
    config: Path
    db_path: Path
    mailer: Mailer
    app: Flask
    client: FlaskClient

    def subscriber(self, email: str) -> Subscriber:
        db = open_db(self.db_path)
        try:
            found = get_subscriber(db, email=email)
        finally:
            db.close()
        assert found is not None
        return found

    def csrf(self, path: str) -> str:
        response = self.client.get(path)
        assert response.status_code == 200, response.get_data(as_text=True)
        found = CSRF.search(response.get_data(as_text=True))
        assert found, f"no CSRF token in {path}"
        return found[1]

    def subscribe(self, email: str, *, frequency: str = "daily", tags: tuple[str, ...] = (), refs: str = "",
                  **extra: str) -> TestResponse:
        data: dict[str, Any] = {"csrf_token": self.csrf("/abonnement"), "email": email, "frequency": frequency,
                                "tags": list(tags), "refs": refs, **extra}
        return self.client.post("/abonnement", data=data)

    def mails(self, email: str) -> list[EmailMessage]:
        """The e-mails `email` received, once the web's sender has tried what the requests queued."""
        assert wait_for_web_mail(self.app), "the web's sender is still busy after 30 s"
        return self.mailer.inbox.to(email)

    def confirm(self, email: str) -> TestResponse:
        """Subscribe `email` and confirm it as a person does: the link, then the button."""
        assert self.subscribe(email).status_code == 303
        token = token_in(self.mails(email)[-1], "confirm")
        return self.client.post(f"/confirm/{token}", data={"csrf_token": self.csrf(f"/confirm/{token}")})

    def token(self, email: str, purpose: str) -> str:
        s = self.subscriber(email)
        return make_token(SECRET, purpose, TokenClaim(s.id, s.email, s.generation))  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=True):
        yield


def seed(db_path: Path) -> None:
    store(db_path, None, an_pending(), date(2025, 4, 1))
    store(db_path, an_pending(), an_answered(), date(2025, 6, 3), date(2025, 6, 2))
    store(db_path, None, senat_answered(), date(2025, 4, 1))
    store(db_path, None, senat_pending(), date(2025, 4, 1))


@pytest.fixture
def site(tmp_path: Path, mailer: Mailer, monkeypatch: pytest.MonkeyPatch) -> Site:
    monkeypatch.setenv("RELANCE_SECRET", SECRET)
    monkeypatch.delenv("RELANCE_DB", raising=False)
    db_path, config = tmp_path / "relance.db", web_config(tmp_path, mailer.port)
    seed(db_path)
    app = create_app(config)
    return Site(config, db_path, mailer, app, app.test_client())


def page(response: TestResponse) -> str:
    text = response.get_data(as_text=True)
    assert "Traceback" not in text and 'File "' not in text
    return text
