"""Writers wait their turn (issue 17): on one real SQLite file, `relance import an`, `relance check` and
`relance notify` run as real processes while 24 people post the subscribe form at once (the WSGI app on
24 threads, each with its own connection as under waitress). No command fails, no request answers 500,
and every address gets its one confirmation, never two."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from bot.web.app import create_app
from tests.app import check_site
from tests.app.an_archives import pending, write_archive
from tests.conftest import write_config
from tests.notify.subscribers_site import SECRET
from tests.smtp import Mailer

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PEOPLE = 24
ARCHIVE_SIZE = 400  # questions: an import that lasts while the others write
RELANCE = [str(Path(sys.executable).with_name("relance"))]  # the installed command, as people run it

site = check_site.site


@pytest.fixture
def config(tmp_path: Path, site: check_site.Site, mailer: Mailer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("RELANCE_SECRET", SECRET)
    monkeypatch.delenv("RELANCE_DB", raising=False)
    yield write_config(tmp_path / "config.toml", site=site.base_url, smtp_port=mailer.port,
                       web={"base_url": "https://relance.test"}, http={"retries": 1, "backoff_max": 0.05},
                       watch=check_site.WATCHED)


def _command(config: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "RELANCE_SECRET": SECRET}
    env.pop("RELANCE_DB", None)
    return subprocess.Popen([*RELANCE, "--config", str(config), *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)


def _finished(process: subprocess.Popen[str]) -> tuple[int, str]:
    _, err = process.communicate(timeout=240)
    return process.returncode, err


def _subscribe(app: Flask, number: int, start: threading.Barrier, answers: dict[int, int]) -> None:
    """One person (an address of their own, their own IP as the rate limits count them) posting the form."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = f"10.0.0.{number + 1}"
    form = client.get("/abonnement").get_data(as_text=True)
    token = CSRF.search(form)
    if token is None:
        start.abort()  # the test fails on this person's missing answer, not on a wait for them
        return
    start.wait(60)
    response = client.post("/abonnement", data={"csrf_token": token[1], "email": f"personne{number}@example.org",
                                                "frequency": "daily", "tags": ["diamants"], "refs": ""})
    answers[number] = response.status_code


def _addresses_with_more_than_one_mail(mailer: Mailer) -> dict[str, int]:
    counts: dict[str, int] = {}
    for _, recipients, _message in mailer.inbox.messages:
        for address in recipients:
            counts[address] = counts.get(address, 0) + 1
    return {address: n for address, n in counts.items() if n > 1}


def test_import_check_notify_and_24_subscriptions_on_one_database(config: Path, mailer: Mailer,
                                                                  tmp_path: Path) -> None:
    archive = write_archive(tmp_path / "an.zip", [pending(number) for number in range(1, ARCHIVE_SIZE + 1)])
    app = create_app(config)  # migrates the new database before anyone writes to it
    start = threading.Barrier(PEOPLE + 1)
    answers: dict[int, int] = {}
    people = [threading.Thread(target=_subscribe, args=(app, n, start, answers)) for n in range(PEOPLE)]
    for person in people:
        person.start()
    commands = {"import": _command(config, "import", "an", "--file", str(archive)),
                "check": _command(config, "check"), "notify": _command(config, "notify")}
    start.wait(60)
    for person in people:
        person.join(240)
    outcomes = {name: _finished(process) for name, process in commands.items()}

    assert {n: answers.get(n) for n in range(PEOPLE)} == dict.fromkeys(range(PEOPLE), 303), answers
    for name, (code, err) in outcomes.items():
        assert code == 0, (name, err)
        assert "Traceback" not in err and "locked" not in err, (name, err)
    # Whatever the first notify found queued, a second one sends the rest: each address one confirmation.
    code, err = _finished(_command(config, "notify"))
    assert code == 0, err
    with sqlite3.connect(tmp_path / "relance.db") as conn:
        assert conn.execute("SELECT count(*) FROM subscribers").fetchone()[0] == PEOPLE
        assert conn.execute("SELECT count(*) FROM questions WHERE chamber = 'an'").fetchone()[0] >= ARCHIVE_SIZE
    conn.close()
    confirmed = {address for _, recipients, _ in mailer.inbox.messages for address in recipients}
    assert confirmed >= {f"personne{n}@example.org" for n in range(PEOPLE)}
    assert _addresses_with_more_than_one_mail(mailer) == {}
