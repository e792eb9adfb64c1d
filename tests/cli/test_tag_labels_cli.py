"""The terminal names a labelled tag by its label and its name (`Vidéosurveillance algorithmique (vsa)`),
since the name is what `--tag` takes back: `relance follow list` (rules' tags) and `relance subscribers`.
The config is a copy of the real bundled config.toml with its commented `[tags.vsa]` switched on."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from bot.core.deadlines import PARIS
from storage.db import open_db
from storage.subscribers import upsert_pending
from tests.app.test_config import PROJECT, uncommented
from tests.follow_questions import run_cli

LABELLED = "Vidéosurveillance algorithmique (vsa)"


@pytest.fixture
def labelled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(uncommented((PROJECT / "config.toml").read_text(encoding="utf-8"), "# [tags.vsa]"),
                    encoding="utf-8")
    monkeypatch.setenv("RELANCE_DB", str(tmp_path / "relance.db"))
    return path


def test_follow_list_names_the_rules_tags_by_label_and_name(labelled: Path) -> None:
    result = run_cli(labelled, "follow", "list")
    assert result.exit_code == 0, result.output
    # Both bundled rules give the tag vsa.
    assert result.output.count(f"thèmes : {LABELLED}") == 2
    listed = json.loads(run_cli(labelled, "follow", "list", "--json").output)
    assert [rule["tags"] for rule in listed] == [["vsa"], ["vsa"]]  # JSON keeps the names


def test_subscribers_names_their_tags_by_label_and_name(labelled: Path, tmp_path: Path) -> None:
    db = open_db(tmp_path / "relance.db")
    upsert_pending(db, "alice@example.net", frequency="daily", tags=("vsa", "exemples"), refs=(),
                   now=datetime(2025, 6, 10, 12, tzinfo=PARIS))
    db.close()
    result = run_cli(labelled, "subscribers", "--wide")  # at 80 columns the column of what they follow drops
    assert result.exit_code == 0, result.output
    line = next(line for line in result.output.splitlines() if line.startswith("alice@example.net"))
    assert f"{LABELLED}, exemples" in line
