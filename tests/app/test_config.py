"""config.toml is read once and validated; each problem names the file, the entry and what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app.config import (
    AdminSection,
    AnSource,
    ChannelEntry,
    CheckSection,
    ConfigError,
    EmailSection,
    FollowRule,
    HttpSection,
    LogSection,
    RelanceSection,
    ScheduleSection,
    SenatSource,
    StorageSection,
    TagEntry,
    Watch,
    WebSection,
    config_path,
    load_config,
)
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


# --- every problem in words: never pydantic's -------------------------------------------------------

# What pydantic writes when its own message leaks through: English sentences, a pattern, a type's name.
PYDANTIC_WORDS = ("Input should", "Value error", "String should", "Field required", "Extra inputs", "validation",
                  "pattern", "[^", "type=", "dictionary", "tuple", "Tuple", "float", "int_", "str_", "NoneType")
# Each section, table of an array of tables and value table of the config, with the keys it must hold.
TABLES = [("[relance]\n", RelanceSection, 'contact = "ops@relance.test"\n'), ("[http]\n", HttpSection, ""),
          ("[sources.an]\n", AnSource, ""), ("[sources.senat]\n", SenatSource, ""), ("[storage]\n", StorageSection, ""),
          ("[check]\n", CheckSection, ""), ("[email]\n", EmailSection, 'sender = "relance@relance.test"\n'),
          ("[web]\n", WebSection, ""), ("[[channel]]\n", ChannelEntry, 'name = "equipe"\nurl = "json://127.0.0.1/"\n'),
          ("[admin]\n", AdminSection, ""), ("[[watch]]\n", Watch, 'ref = "AN 17-5268"\n'),
          ("[[follow]]\n", FollowRule, 'name = "Diamants"\nkeywords = ["diamants"]\n'), ("[tags.vsa]\n", TagEntry, ""),
          ("[schedule]\n", ScheduleSection, ""), ("[log]\n", LogSection, "")]
# A value of every other kind than a key expects, whatever it expects: one of them is wrong for it.
WRONG_VALUES = ("{ x = 1 }", '"x"', "-1", "1.5", "true", '["x"]', '""', '"' + "x" * 3000 + '"')


def _bad_entries() -> list[str]:
    """Each table with one of its keys given a wrong value, beside the other keys it requires."""
    return [header + f"{key} = {value}\n" + "".join(line + "\n" for line in required.splitlines()
                                                   if not line.startswith(f"{key} ="))
            for header, model, required in TABLES for key in model.model_fields for value in WRONG_VALUES]


def test_every_problem_of_every_entry_reads_as_relance_words(tmp_path: Path) -> None:
    # Each key of every table, given each kind of wrong value: whatever is refused is refused in one sentence
    # of the catalogs, naming the entry and what was found, never with pydantic's words.
    refused = 0
    for table in _bad_entries():
        text = MINIMAL + table if not table.startswith("[relance]") else table
        try:
            load_config(write(tmp_path, text))
        except ConfigError as error:
            refused += 1
            assert error.entry and not any(words in error.problem for words in PYDANTIC_WORDS), (table, str(error))
            assert str(error).startswith(f"{tmp_path / 'config.toml'}, entrée {error.entry} : "), str(error)
            assert "\n" not in str(error)
    assert refused > 300  # most keys refuse most kinds of values: the loop did reach the checks
