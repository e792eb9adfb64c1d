"""config.toml is read once and validated; each problem names the file, the entry and what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app.config import ConfigError, config_path, load_config
from tests.conftest import PROJECT

MINIMAL = '[relance]\ncontact = "ops@relance.test"\n'


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_bundled_config_is_valid() -> None:
    config = load_config(PROJECT / "config.toml")
    assert config.sources.an.base_url == "https://www.assemblee-nationale.fr"
    assert config.sources.an.legacy_base_url == "https://questions.assemblee-nationale.fr"
    assert config.sources.senat.base_url == "https://www.senat.fr"
    assert "SEQ221103705" in [w.ref for w in config.watch]
    assert "contact:" in config.user_agent and config.user_agent.startswith("relance/")


def test_defaults(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, MINIMAL))
    assert config.http.min_interval >= 0.5 and config.http.max_concurrency >= 1
    assert config.storage.path == "relance.db"
    assert config.watch == ()


def test_watch_refs_are_canonical(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, MINIMAL + '[[watch]]\nref = "AN 17-5268"\ntags = ["vsa"]\n'))
    assert config.watch[0].ref == "QANR5L17QE5268"
    assert config.watch[0].question.legislature == 17


@pytest.mark.parametrize("text, entry, problem", [
    (MINIMAL + "[http]\ntimout = 3\n", "http.timout", "clé inconnue"),
    (MINIMAL + "[sources.senat]\nbase_url = \"ftp://x\"\n", "sources.senat.base_url",
     "\"ftp://x\" n'est pas l'adresse http(s) d'un site"),
    (MINIMAL + "[http]\nmin_interval = -1\n", "http.min_interval", "doit valoir au moins 0 (trouvé : -1)"),
    ('[relance]\ncontact = "webmaster@example.org"\n', "relance.contact", "est un exemple"),
    ('[relance]\ncontact = "nobody"\n', "relance.contact", "n'est ni une adresse e-mail ni"),
    ("[http]\n", "relance", "obligatoire, mais absente"),
    (MINIMAL + '[[watch]]\nref = "AN 17-5268"\n[[watch]]\nref = "nonsense"\n', "watch[2] (ref 'nonsense').ref",
     "formes acceptées"),
    (MINIMAL + '[[watch]]\nref = "AN 17-5268"\n[[watch]]\nref = "QANR5L17QE5268"\n',
     "watch[2] (ref 'QANR5L17QE5268')", "en double avec watch[1]"),
    (MINIMAL + "[sources.an.closure_codes]\nRET = \"gone\"\n", "sources.an.closure_codes.RET",
     "doit valoir l'une de ces valeurs : \"pending\", \"answered\", \"withdrawn\", \"closed\", \"lapsed\" "
     "(trouvé : \"gone\")"),
    (MINIMAL + "[relance\n", "", "TOML non valable"),
])
def test_errors_name_file_entry_and_problem(tmp_path: Path, text: str, entry: str, problem: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    error = caught.value
    assert error.file == str(path) and error.entry == entry
    assert problem in error.problem and str(path) in str(error)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="fichier introuvable"):
        load_config(tmp_path / "absent.toml")


def test_which_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("RELANCE_CONFIG", raising=False)
    assert config_path(None) == Path("config.toml")
    monkeypatch.setenv("RELANCE_CONFIG", str(tmp_path / "env.toml"))
    assert config_path(None) == tmp_path / "env.toml"
    assert config_path(tmp_path / "flag.toml") == tmp_path / "flag.toml"


def uncommented(text: str, *headers: str) -> str:
    """The bundled config with the commented templates of `headers` (e.g. `# [email]`) switched on: each
    template's lines, from its header to the next blank line, lose their leading '# '."""
    lines, on = [], False
    for line in text.splitlines():
        on = line in headers or (on and line.startswith("# "))
        lines.append(line[2:] if on else line)
    return "\n".join(lines) + "\n"


def test_the_bundled_templates_of_email_web_and_channel_are_valid_once_uncommented(tmp_path: Path) -> None:
    bundled = (PROJECT / "config.toml").read_text(encoding="utf-8")
    path = tmp_path / "config.toml"
    path.write_text(uncommented(bundled, "# [email]", "# [web]", "# [[channel]]", "# [admin]"), encoding="utf-8")
    config = load_config(path)
    assert config.email is not None and config.email.sender == "relance <relance@your-domain.fr>"
    assert config.web.base_url == "https://relance.your-domain.fr"
    assert [c.name for c in config.channel] == ["vsa-matrix"] and config.channel[0].kinds
    assert config.admin is not None and config.admin.failed_cycles == 3


@pytest.mark.parametrize(("table", "entry", "said"), [
    ('[[channel]]\nname = "equipe"\nurl = "nosuchservice://secret-token@example.net/room"\n',
     "channel[1] (name 'equipe')", "URL Apprise invalide"),
    ('[[channel]]\nname = "equipe"\nurl = "json://127.0.0.1:9/hook"\nkinds = ["answred"]\n',
     "channel[1] (name 'equipe')", "type d'événement inconnu 'answred'"),
    ('[admin]\nchannel = "nosuchservice://x"\n', "admin.channel", "URL Apprise invalide"),
])
def test_a_channel_apprise_cannot_use_is_the_configs_error_at_load(tmp_path: Path, table: str, entry: str,
                                                                     said: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[relance]\ncontact = "ops@relance.test"\n' + table, encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert entry in str(error.value) and said in str(error.value)
    assert "secret-token" not in str(error.value)  # the URL is shown masked
