"""`[tags.NAME]` in config.toml: validated by the config model, read by the one function that names a tag
(bot/notify/wording/tags.py); the bundled config's commented example is valid once uncommented."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app.config import ConfigError, load_config
from bot.notify.wording.tags import tag_label, tag_with_name, tags_label
from tests.app.test_config import PROJECT, uncommented
from tests.conftest import write_config


def test_the_bundled_example_is_valid_once_uncommented(tmp_path: Path) -> None:
    bundled = (PROJECT / "config.toml").read_text(encoding="utf-8")
    assert "# [tags.vsa]" in bundled
    path = tmp_path / "config.toml"
    path.write_text(uncommented(bundled, "# [tags.vsa]"), encoding="utf-8")
    config = load_config(path)
    assert config.tag_labels == {"vsa": "Vidéosurveillance algorithmique"}
    description = config.tags["vsa"].description
    assert description is not None and description.startswith("Les caméras")
    # The bundled file as shipped has no label: its tags keep their names.
    assert load_config(PROJECT / "config.toml").tag_labels == {}


def test_labels_and_descriptions_are_read(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path / "config.toml", watch=[{"ref": "AN 17-5268", "tags": ["vsa", "x"]}],
                                      extra='[tags.vsa]\nlabel = "  Vidéosurveillance\\n algorithmique "\n'
                                            'description = """Première ligne.\nDeuxième."""\n'
                                            '[tags.energie]\ndescription = "Sans label."\n'))
    # A label is one line wherever it shows; a description keeps its lines.
    assert config.tags["vsa"].label == "Vidéosurveillance algorithmique"
    assert config.tags["vsa"].description == "Première ligne.\nDeuxième."
    assert config.tag_labels == {"vsa": "Vidéosurveillance algorithmique"}  # energie has no label
    labels = config.tag_labels
    assert tag_label("vsa", labels) == "Vidéosurveillance algorithmique"
    assert tag_label("x", labels) == "x" and tag_label("energie", labels) == "energie"
    assert tags_label(["vsa", "x"], labels) == "Vidéosurveillance algorithmique, x"
    assert tag_with_name("vsa", labels) == "Vidéosurveillance algorithmique (vsa)"
    assert tag_with_name("x", labels) == "x"


@pytest.mark.parametrize(("table", "entry", "said"), [
    ('[tags.vsa]\nlabel = "  "\n', "tags.vsa.label", "est vide"),
    ('[tags.vsa]\ndescription = ""\n', "tags.vsa.description", "ne doit pas être vide"),
    ('[tags.vsa]\nlabell = "VSA"\n', "tags.vsa.labell", "clé inconnue"),
    ('[tags.vsa]\nlabel = "' + "x" * 121 + '"\n', "tags.vsa.label", "au plus 120 caractères"),
    ('[tags]\nvsa = "Vidéosurveillance"\n', "tags.vsa", "doit être une table"),
])
def test_a_wrong_tag_table_names_its_entry(tmp_path: Path, table: str, entry: str, said: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write_config(tmp_path / "config.toml", extra=table))
    assert caught.value.entry == entry and said in caught.value.problem
