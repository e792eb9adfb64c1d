"""`relance follow add|list|remove` editing a copy of the real bundled config.toml."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlite_utils import Database

from bot.app.config import load_config
from bot.app.watched import watched
from storage.followed import list_followed
from storage.questions import list_events
from tests.follow_questions import (  # noqa: F401 (fixtures)
    AN_UID,
    DOSSUS_UID,
    LAGONTRIE_UID,
    config_path,
    db,
    ingest_all,
    rule,
    run_cli,
)

# --- relance follow add | list | remove --------------------------------------------------------------

def text_of(path: Path) -> str:
    return path.read_bytes().decode("utf-8")


DIAMANTS_TABLE = ('\n[[follow]]\nname = "Diamants"\nkeywords = ["diamants synthétiques"]\nchamber = "an"\n'
                  'tags = ["commerce"]\n')


def test_follow_add_appends_a_table_and_keeps_every_comment(config_path: Path) -> None:
    original = text_of(config_path)
    result = run_cli(config_path, "follow", "add", "Diamants", "--keyword", "diamants synthétiques",
                     "--chamber", "an", "--tag", "commerce")
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"rule 'Diamants' added to {config_path}\n")
    # After the last [[follow]] table of the bundled file, before the comments heading the watchlist.
    last = 'caméras intelligentes", "VSA"]\ntags = ["vsa"]\n'
    assert text_of(config_path) == original.replace(last, last + DIAMANTS_TABLE)
    assert original.count(last) == 1
    assert load_config(config_path).follow[-1] == rule(name="Diamants", keywords=["diamants synthétiques"],
                                                       chamber="an", tags=["commerce"])


def test_follow_add_to_a_rule_merges_keywords_and_tags(config_path: Path) -> None:
    run_cli(config_path, "follow", "add", "Diamants", "--keyword", "diamants synthétiques", "--chamber", "an",
            "--tag", "commerce")
    before = text_of(config_path)
    result = run_cli(config_path, "follow", "add", "Diamants", "--keyword", "DIAMANTS SYNTHETIQUES",
                     "--keyword", "pierres gemmes", "--tag", "commerce", "--author", "Grégoire")
    assert result.exit_code == 0, result.output
    assert "rule 'Diamants' updated" in result.output
    assert text_of(config_path) == before.replace(
        'keywords = ["diamants synthétiques"]\nchamber = "an"',
        'keywords = ["diamants synthétiques", "pierres gemmes"]\nauthor = "Grégoire"\nchamber = "an"')
    unchanged = run_cli(config_path, "follow", "add", "Diamants", "--keyword", "pierres gemmes")
    assert "already says so: nothing to change" in unchanged.output


@pytest.mark.parametrize(("args", "problem"), [
    (["Vide", "--tag", "x"], "follow[3] (name 'Vide'): give at least one of keywords, author, ministry"),
    (["Vide", "--keyword", "«»"], "keyword '«»' has no letter or digit"),
    (["a/b", "--keyword", "x"], "follow[3] (name 'a/b').name: String should match pattern"),
    (["Reconnaissance faciale", "--author", "?"], "author '?' has no letter or digit"),
])
def test_follow_add_refuses_a_bad_rule_and_leaves_the_file(config_path: Path, args: list[str], problem: str) -> None:
    original = text_of(config_path)
    result = run_cli(config_path, "follow", "add", *args)
    assert result.exit_code == 1
    assert problem in result.output and result.output.startswith(f"relance: {config_path}: ")
    assert text_of(config_path) == original


def test_follow_list_counts_what_each_rule_found(config_path: Path, db: Database) -> None:
    run_cli(config_path, "follow", "add", "Diamants", "--keyword", "diamants synthétiques", "--tag", "commerce")
    ingest_all(db, load_config(config_path).follow)
    result = run_cli(config_path, "follow", "list", "--json")
    assert result.exit_code == 0, result.output
    assert [(r["name"], r["found"], r["tags"], r["chamber"]) for r in json.loads(result.output)] == [
        ("Reconnaissance faciale", 1, ["vsa"], None), ("Vidéosurveillance algorithmique", 1, ["vsa"], None),
        ("Diamants", 1, ["commerce"], None)]
    text = run_cli(config_path, "follow", "list").output
    assert 'Reconnaissance faciale: 1 question found\n  keywords: "reconnaissance faciale",' in text
    assert "Diamants: 1 question found\n" in text and "  chamber: both; tags: commerce\n" in text


def test_follow_remove_takes_the_table_out_and_forgets_what_only_it_found(config_path: Path, db: Database) -> None:
    original = text_of(config_path)
    run_cli(config_path, "follow", "add", "Diamants", "--keyword", "diamants synthétiques", "--chamber", "an",
            "--tag", "commerce")
    run_cli(config_path, "follow", "add", "Grégoire", "--author", "Olivia Grégoire", "--tag", "auteurs")
    ingest_all(db, load_config(config_path).follow)
    assert {f.ref: f.rules for f in list_followed(db)}[AN_UID] == ("Diamants", "Grégoire")
    assert {f.ref: f.tags for f in list_followed(db)}[AN_UID] == ("commerce", "auteurs")

    result = run_cli(config_path, "follow", "remove", "Grégoire")
    assert result.exit_code == 0, result.output
    assert result.output == (f"rule 'Grégoire' removed from {config_path}\n"
                             "0 question(s) found only by 'Grégoire' no longer watched\n")
    assert {f.ref: f.rules for f in list_followed(db)}[AN_UID] == ("Diamants",)  # still found by the other
    assert {f.ref: f.tags for f in list_followed(db)}[AN_UID] == ("commerce",)  # the removed rule's tag goes
    result = run_cli(config_path, "follow", "remove", "Diamants")
    assert "1 question(s) found only by 'Diamants' no longer watched" in result.output
    assert text_of(config_path) == original  # byte for byte: comments and layout kept
    assert AN_UID not in {f.ref for f in list_followed(db)}
    assert [e.kind for e in list_events(db, ref=AN_UID)] == ["published", "matched"]  # the history stays

    removed = run_cli(config_path, "follow", "remove", "Reconnaissance faciale")
    assert "1 question(s) found only by 'Reconnaissance faciale' no longer watched" in removed.output
    table = ('[[follow]]\nname = "Reconnaissance faciale"\nkeywords = ["reconnaissance faciale", '
             '"identification faciale", "reconnaissance biométrique"]\ntags = ["vsa"]\n\n')
    assert text_of(config_path) == original.replace(table, "")  # its comment heading the rules stays
    assert LAGONTRIE_UID not in {w.ref.uid for w in watched(load_config(config_path), db)}
    status = json.loads(run_cli(config_path, "status", "--tag", "vsa", "--json").output)
    assert [row["ref"] for row in status] == [DOSSUS_UID]


def test_follow_remove_of_an_unknown_rule_names_the_rules(config_path: Path) -> None:
    result = run_cli(config_path, "follow", "remove", "Nope")
    assert result.exit_code == 1
    assert result.output == (f"relance: {config_path}: follow: no rule named 'Nope' (rules: "
                             "'Reconnaissance faciale', 'Vidéosurveillance algorithmique')\n")


def test_a_rule_deleted_by_hand_can_still_be_forgotten(config_path: Path, db: Database) -> None:
    ingest_all(db, load_config(config_path).follow)
    text = text_of(config_path)
    config_path.write_text(text[:text.index("[[follow]]\nname = \"Reconnaissance faciale\"")] +
                           text[text.index("[[follow]]\nname = \"Vidéosurveillance"):], encoding="utf-8")
    listed = run_cli(config_path, "follow", "list").output
    assert "Reconnaissance faciale: no longer in" in listed and "1 question(s) it found are still watched" in listed
    result = run_cli(config_path, "follow", "remove", "Reconnaissance faciale")
    assert result.exit_code == 0, result.output
    assert result.output == "1 question(s) found only by 'Reconnaissance faciale' no longer watched\n"
