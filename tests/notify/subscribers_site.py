"""What the tests of telling people share: a config over a local AN site serving the real sample and a
real SMTP server (aiosmtpd), the `relance` command line, and reading the e-mails it sent."""

from __future__ import annotations

import re
import sqlite3
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from pytest_httpserver import HTTPServer

from bot.core.deadlines import PARIS
from bot.main import main
from tests.an_variants import dump, qe_json, without_answer
from tests.conftest import write_config
from tests.smtp import Mailer

AN_PATH = "/dyn/opendata/QANR5L17QE5268.json"
SECRET = "a-test-secret-that-is-long-enough"


@pytest.fixture
def config(tmp_path: Path, httpserver: HTTPServer, mailer: Mailer, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RELANCE_SECRET", SECRET)
    monkeypatch.delenv("RELANCE_DB", raising=False)
    serve(httpserver, dump(without_answer(qe_json())))
    base = httpserver.url_for("").rstrip("/")
    return write_config(tmp_path / "config.toml", smtp_port=mailer.port, sources={"an": {"base_url": base}},
                        web={"base_url": "https://relance.test"}, watch=[{"ref": "AN 17-5268", "tags": ["diamants"]}])


def serve(server: HTTPServer, body: bytes) -> None:
    server.clear_all_handlers()
    server.expect_request(AN_PATH).respond_with_data(body, content_type="application/json")


def relance(config: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--config", str(config), *args])


def ok(result: Result) -> Result:
    assert result.exit_code == 0, result.output
    return result


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


def html_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


def token_in(message: EmailMessage, purpose: str) -> str:
    found = re.search(rf"https://relance\.test/{purpose}/([\w.-]+)", text_of(message))
    assert found, text_of(message)
    return found[1]


def at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(f"{day}T{hour:02d}:00:00").replace(tzinfo=PARIS)


def subscribe_and_confirm(config: Path, mailer: Mailer, address: str, *args: str) -> None:
    ok(relance(config, "subscribe", address, *args))
    [confirmation] = mailer.inbox.to(address)
    ok(relance(config, "confirm", token_in(confirmation, "confirm")))


def states(config: Path) -> list[str]:
    with sqlite3.connect(config.parent / "relance.db") as conn:
        return [row[0] for row in conn.execute("SELECT state FROM messages ORDER BY id")]
