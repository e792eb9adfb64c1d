"""`relance doctor` on real components: a local HTTP server serving the real samples, a real SMTP
server (aiosmtpd), real SQLite files (sound, damaged, not migrated), through the CLI."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from click.testing import CliRunner, Result
from pytest_httpserver import HTTPServer
from sqlite_utils import Database

from bot.app.config import ChannelEntry, load_config
from bot.app.doctor import Check, check_line, config_checks, database_checks, smtp_check
from bot.main import main
from bot.notify.smtp import SmtpSettings
from storage.db import migrations, open_db
from tests.amo_files import TREE_2025, tree_zip
from tests.conftest import sample_bytes, write_config
from tests.scrapers.http_site import AN_ERROR_503
from tests.senat_pages import page_from_text, page_text, page_url_path
from tests.smtp import Mailer, free_port

AN_PATH = "/dyn/opendata/QANR5L17QE5268.json"
XML_PATH = "/q14/14-47351QE.htm/vue/xml"  # the known legacy question, read when none is watched
SENAT_UID = "SEQ091211244"
SECRET = "a-test-secret-that-is-long-enough"


@pytest.fixture
def site(httpserver: HTTPServer) -> HTTPServer:
    httpserver.expect_request(AN_PATH).respond_with_data(sample_bytes("an/QANR5L17QE5268.json"),
                                                         content_type="application/json")
    httpserver.expect_request(XML_PATH).respond_with_data(sample_bytes("an/q14-47351QE.vue.xml"),
                                                          content_type="text/xml; charset=UTF-8")
    httpserver.expect_request(page_url_path(SENAT_UID)).respond_with_data(page_from_text(page_text(SENAT_UID)),
                                                                          content_type="text/html")
    return httpserver


def doctor_config(tmp_path: Path, server: HTTPServer, smtp_port: int, contact: str = "tests@relance.test") -> Path:
    """The test config (tests/conftest.py) over the local site, with e-mail and an admin; the HTTP
    retries left at their default, as an operator's config would."""
    return write_config(tmp_path / "config.toml", site=server.url_for("").rstrip("/"), smtp_port=smtp_port,
                        relance={"contact": contact}, http={"retries": None}, admin={"email": "admin@example.net"},
                        watch=["AN 17-5268", SENAT_UID])


@pytest.fixture
def config(tmp_path: Path, site: HTTPServer, mailer: Mailer, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RELANCE_SECRET", SECRET)
    for name in ("RELANCE_DB", "RELANCE_SMTP_USER", "RELANCE_SMTP_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    open_db(tmp_path / "relance.db").close()
    return doctor_config(tmp_path, site, mailer.port)


def doctor(config: Path) -> Result:
    return CliRunner().invoke(main, ["--config", str(config), "doctor"])


def line(result: Result, name: str) -> str:
    found = [text for text in result.stdout.splitlines() if text.split(None, 1)[1].startswith(name)]
    assert len(found) == 1, result.stdout
    return found[0]


def test_all_ok(config: Path, site: HTTPServer, mailer: Mailer) -> None:
    result = doctor(config)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert all(text.startswith("ok ") for text in lines), result.stdout
    assert [text.split(None, 1)[1].split("  ")[0] for text in lines] == [
        "config", "contact", "[email]", "RELANCE_SECRET", "identifiants SMTP", "[admin]", "base de données",
        "intégrité", "migrations", "mode WAL", "messages abandonnés", "acteurs de l'AN", "liste de rappel",
        "requêtes par site", "SMTP",
        "source AN (open data)", "source AN (ancien site)", "source Sénat"]
    assert f"127.0.0.1:{mailer.port} : connexion, EHLO, QUIT (aucun message envoyé)" in line(result, "SMTP")
    assert mailer.inbox.messages == []
    assert "AN 17-5268 lue (répondue)" in line(result, "source AN (open data)")
    assert "AN 14-47351 lue (répondue)" in line(result, "source AN (ancien site)")
    assert f"{site.url_for(page_url_path(SENAT_UID))} : HTTP 200" in line(result, "source Sénat")
    # One GET per source, no retry; nothing cached.
    assert sorted(request.path for request, _ in site.log) == sorted([AN_PATH, XML_PATH, page_url_path(SENAT_UID)])
    assert not (config.parent / "cache").exists()


def test_error_page_served_with_200_is_a_problem(config: Path, site: HTTPServer) -> None:
    site.clear_all_handlers()
    site.expect_request(AN_PATH).respond_with_data(AN_ERROR_503, content_type="text/html")
    site.expect_request(XML_PATH).respond_with_data(sample_bytes("an/q14-47351QE.vue.xml"), content_type="text/xml")
    site.expect_request(page_url_path(SENAT_UID)).respond_with_data(page_from_text(page_text(SENAT_UID)),
                                                                    content_type="text/html")
    result = doctor(config)
    assert result.exit_code == 2, result.output
    an = line(result, "source AN (open data)")
    assert an.startswith("PROBLÈME") and "QANR5L17QE5268 : " in an and "503" in an
    assert "page d'erreur servie à la place des données" in an
    assert "que faire : le site sert une page d'erreur à la place des données" in an
    assert line(result, "source Sénat").startswith("ok")
    assert [request.path for request, _ in site.log].count(AN_PATH) == 1  # not retried


def test_smtp_port_closed_is_a_problem_with_a_fix(config: Path, mailer: Mailer) -> None:
    mailer.stop()
    result = doctor(config)
    assert result.exit_code == 2
    smtp = line(result, "SMTP")
    assert smtp.startswith("PROBLÈME") and f"serveur SMTP 127.0.0.1:{mailer.port} : ConnectionRefusedError" in smtp
    assert f"que faire : vérifier que le serveur SMTP 127.0.0.1:{mailer.port} tourne" in smtp


def test_a_file_that_is_not_a_database(config: Path, tmp_path: Path) -> None:
    (tmp_path / "relance.db").write_bytes(b"these bytes are no SQLite database, whatever the name says\n" * 100)
    result = doctor(config)
    assert result.exit_code == 2
    database = line(result, "base de données")
    assert database.startswith("PROBLÈME") and "file is not a database" in database
    assert "que faire : mettre le fichier de côté" in database


def test_a_damaged_database(tmp_path: Path) -> None:
    path = tmp_path / "relance.db"
    db = open_db(path)
    db.table("polls").insert_all({"at": f"2025-06-02T{i % 24:02d}:00:00", "source": "an", "outcome": "unchanged",
                                  "url": "x" * 200} for i in range(2000))
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page_size = db.execute("PRAGMA page_size").fetchone()[0]
    db.close()
    with path.open("r+b") as file:  # scribble over a page in the middle of the file, as a bad disk would
        file.seek(page_size * (path.stat().st_size // page_size // 2))
        file.write(os.urandom(page_size))
    checks = database_checks(path)
    problems = [c for c in checks if not c.ok]
    assert problems and problems[0].name in ("base de données", "intégrité"), checks
    assert "relance check" in (problems[0].fix or "")


def test_a_database_not_migrated_yet(tmp_path: Path) -> None:
    path = tmp_path / "relance.db"
    old = Database(sqlite3.connect(path))
    old.enable_wal()
    last = migrations.pending(old)[-1].name
    migrations.apply(old, stop_before=last)  # a database written by the previous relance
    old.close()
    checks = {c.name: c for c in database_checks(path)}
    assert not checks["migrations"].ok and checks["migrations"].detail == f"1 en attente : {last}"
    assert checks["intégrité"].ok and checks["mode WAL"].ok
    assert "pending" not in Database(sqlite3.connect(path)).table_names()  # the doctor migrated nothing
    assert [m.name for m in migrations.pending(Database(sqlite3.connect(path)))] == [last]


def test_no_database_yet_is_fine(tmp_path: Path) -> None:
    [check] = database_checks(tmp_path / "relance.db")
    assert check.ok and "le premier `relance check` la crée" in check.detail
    assert not (tmp_path / "relance.db").exists()


def test_config_problems(tmp_path: Path, site: HTTPServer) -> None:
    path = doctor_config(tmp_path, site, 25, contact="https://github.com/relance-bot/relance")
    checks = {c.name: c for c in config_checks(load_config(path), path, {"RELANCE_SECRET": "short"})}
    assert not checks["contact"].ok and "[relance] contact" in (checks["contact"].fix or "")
    assert not checks["RELANCE_SECRET"].ok and checks["RELANCE_SECRET"].detail.startswith("trop court (5 caractères")
    assert checks["identifiants SMTP"].ok  # information only
    assert "connexion sans authentification" in checks["identifiants SMTP"].detail


def test_missing_secret_via_the_cli(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RELANCE_SECRET")
    result = doctor(config)
    assert result.exit_code == 2
    assert line(result, "RELANCE_SECRET").startswith("PROBLÈME") and "export RELANCE_SECRET=" in result.stdout


def test_unreadable_config_exits_1(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[relance]\ncontact = 'tests@relance.test'\n[http]\ntimout = 3\n", encoding="utf-8")
    result = doctor(path)
    assert result.exit_code == 1
    assert result.stdout.startswith("PROBLÈME  config") and "entrée http.timout : clé inconnue" in result.stdout


class Password:
    """An aiosmtpd authenticator that knows one user and one password."""

    def __call__(self, server: object, session: object, envelope: object, mechanism: str,
                 auth_data: object) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (b"relance", b"right")
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535 itself


@pytest.fixture
def guarded() -> Iterator[int]:
    """An SMTP server that wants a login (allowed without TLS, on 127.0.0.1 only)."""
    port = free_port()
    controller = Controller(Mailer().inbox, hostname="127.0.0.1", port=port, authenticator=Password(),
                            auth_require_tls=False)
    controller.start()
    yield port
    controller.stop()


def test_smtp_login_as_configured(guarded: int) -> None:
    good = smtp_check(SmtpSettings("127.0.0.1", guarded, "none", 5, "relance", "right"))
    assert good.ok
    assert good.detail == f"127.0.0.1:{guarded} : connexion, EHLO, authentification, QUIT (aucun message envoyé)"
    bad = smtp_check(SmtpSettings("127.0.0.1", guarded, "none", 5, "relance", "wrong"))
    assert not bad.ok and "SMTPAuthenticationError" in bad.detail
    assert bad.fix == "vérifier RELANCE_SMTP_USER et RELANCE_SMTP_PASSWORD"


def test_smtp_login_offered_by_no_server(mailer: Mailer) -> None:
    check = smtp_check(SmtpSettings("127.0.0.1", mailer.port, "none", 5, "relance", "right"))
    assert not check.ok and "SMTPNotSupportedError" in check.detail and "[email] security" in (check.fix or "")


def test_check_line() -> None:
    problem = check_line(Check("SMTP", False, "down", "start it"))
    assert problem == f"{'PROBLÈME':<9} {'SMTP':<24} down — que faire : start it"
    assert check_line(Check("SMTP", True, "up", "never shown")) == f"{'ok':<9} {'SMTP':<24} up"
    assert free_port() > 0


def test_the_actors_line_says_whether_the_an_authors_can_be_named(config: Path, site: HTTPServer,
                                                                   tmp_path: Path) -> None:
    assert "jamais importés" in line(doctor(config), "acteurs de l'AN")
    archive = tree_zip(TREE_2025, tmp_path / "amo17.zip")  # the real 17th-legislature files, zipped
    imported = CliRunner().invoke(main, ["--config", str(config), "import", "actors", "--file", str(archive)])
    assert imported.exit_code == 0, imported.output
    after = line(doctor(config), "acteurs de l'AN")
    assert after.startswith("ok ") and after.endswith("1 acteur et 5 organes importés")


# --- channels: one line each ------------------------------------------------------------------------

CHANNELS = '''
[[channel]]
name = "equipe"
url = "json://127.0.0.1:9/hook?token=s3cr3t-t0ken"
tags = ["vsa"]
kinds = ["answered", "overdue"]

[[channel]]
name = "tout"
url = "ntfy://ntfy.sh/relance-private-topic"

[tags.vsa]
label = "Vidéosurveillance algorithmique"
'''


def test_each_channel_has_its_line_its_url_masked(config: Path) -> None:
    config.write_text(config.read_text(encoding="utf-8") + CHANNELS, encoding="utf-8")
    result = doctor(config)
    team, everything = line(result, "channel equipe"), line(result, "channel tout")
    assert team.startswith("ok") and everything.startswith("ok")
    assert "json://127.0.0.1:9/… : les questions marquées Vidéosurveillance algorithmique, événements : " \
           "answered, overdue" in team
    assert "toutes les questions suivies, tous les événements" in everything
    assert "s3cr3t" not in result.output and "relance-private-topic" not in result.output
    names = [text.split(None, 1)[1].split("  ")[0] for text in result.stdout.splitlines()]
    assert names.index("channel equipe") == names.index("[admin]") + 1  # with the config's checks


def test_a_channel_apprise_cannot_use_is_a_problem_with_a_fix(config: Path) -> None:
    # The config's load refuses such a URL; doctor says it too when Apprise no longer takes a URL it took.
    loaded = load_config(config)
    broken = loaded.model_copy(update={"channel": (ChannelEntry(name="equipe", url="nosuchservice://tok3n@x/room"),)})
    checks = {c.name: c for c in config_checks(broken, config, {"RELANCE_SECRET": SECRET})}
    found = checks["channel equipe"]
    assert not found.ok and "URL Apprise invalide" in found.detail and "tok3n" not in found.detail
    assert found.fix is not None and 'name = "equipe"' in found.fix
