"""`relance follow add|list|remove` editing a copy of the real bundled config.toml."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from sqlite_utils import Database

from bot.app.config import load_config
from bot.app.watched import watched
from storage.followed import list_followed
from storage.questions import list_events
from tests.app.an_archives import answered, pending, write_archive
from tests.follow_questions import (  # noqa: F401 (fixtures)
    AN_UID,
    DOSSUS_UID,
    LAGONTRIE_UID,
    config_path,
    db,
    ingest_all,
    lagontrie,
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
    assert result.output.startswith(f"règle 'Diamants' ajoutée à {config_path}\n")
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
    assert "règle 'Diamants' mise à jour dans" in result.output
    assert text_of(config_path) == before.replace(
        'keywords = ["diamants synthétiques"]\nchamber = "an"',
        'keywords = ["diamants synthétiques", "pierres gemmes"]\nauthor = "Grégoire"\nchamber = "an"')
    unchanged = run_cli(config_path, "follow", "add", "Diamants", "--keyword", "pierres gemmes")
    assert "la règle 'Diamants' le dit déjà : rien à changer" in unchanged.output


@pytest.mark.parametrize(("args", "problem"), [
    (["Vide", "--tag", "x"], "entrée follow[3] (name 'Vide') : donner au moins l'un de keywords, author ou ministry"),
    (["Vide", "--keyword", "«»"], "le mot-clé \"«»\" n'a ni lettre ni chiffre"),
    (["a/b", "--keyword", "x"], "follow[3] (name 'a/b').name : seuls les lettres, les chiffres, les espaces"),
    (["Reconnaissance faciale", "--author", "?"], "author = \"?\" : ni lettre ni chiffre"),
])
def test_follow_add_refuses_a_bad_rule_and_leaves_the_file(config_path: Path, args: list[str], problem: str) -> None:
    original = text_of(config_path)
    result = run_cli(config_path, "follow", "add", *args)
    assert result.exit_code == 1
    assert problem in result.output and result.output.startswith(f"relance: {config_path}, entrée ")
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
    assert 'Reconnaissance faciale : 1 question trouvée\n  mots-clés : "reconnaissance faciale",' in text
    assert "Diamants : 1 question trouvée\n" in text and "  chambre : les deux ; thèmes : commerce\n" in text


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
    assert result.output == (f"règle 'Grégoire' retirée de {config_path}\n"
                             "0 question trouvée par 'Grégoire' seule n'est plus suivie\n")
    assert {f.ref: f.rules for f in list_followed(db)}[AN_UID] == ("Diamants",)  # still found by the other
    assert {f.ref: f.tags for f in list_followed(db)}[AN_UID] == ("commerce",)  # the removed rule's tag goes
    result = run_cli(config_path, "follow", "remove", "Diamants")
    assert "1 question trouvée par 'Diamants' seule n'est plus suivie" in result.output
    assert text_of(config_path) == original  # byte for byte: comments and layout kept
    assert AN_UID not in {f.ref for f in list_followed(db)}
    assert [e.kind for e in list_events(db, ref=AN_UID)] == ["published", "matched"]  # the history stays

    removed = run_cli(config_path, "follow", "remove", "Reconnaissance faciale")
    assert "1 question trouvée par 'Reconnaissance faciale' seule n'est plus suivie" in removed.output
    table = ('[[follow]]\nname = "Reconnaissance faciale"\nkeywords = ["reconnaissance faciale", '
             '"identification faciale", "reconnaissance biométrique"]\ntags = ["vsa"]\n\n')
    assert text_of(config_path) == original.replace(table, "")  # its comment heading the rules stays
    assert LAGONTRIE_UID not in {w.ref.uid for w in watched(load_config(config_path), db)}
    status = json.loads(run_cli(config_path, "status", "--tag", "vsa", "--json").output)
    assert [row["ref"] for row in status] == [DOSSUS_UID]


def test_follow_remove_of_an_unknown_rule_names_the_rules(config_path: Path) -> None:
    result = run_cli(config_path, "follow", "remove", "Nope")
    assert result.exit_code == 1
    assert result.output == (f"relance: {config_path}, entrée follow : aucune règle nommée 'Nope' (règles : "
                             "'Reconnaissance faciale', 'Vidéosurveillance algorithmique')\n")


def test_a_rule_deleted_by_hand_can_still_be_forgotten(config_path: Path, db: Database) -> None:
    ingest_all(db, load_config(config_path).follow)
    text = text_of(config_path)
    config_path.write_text(text[:text.index("[[follow]]\nname = \"Reconnaissance faciale\"")] +
                           text[text.index("[[follow]]\nname = \"Vidéosurveillance"):], encoding="utf-8")
    listed = run_cli(config_path, "follow", "list").output
    assert f"Reconnaissance faciale : n'est plus dans {config_path} ; 1 question qu'elle a trouvée est encore " \
           "suivie (relance follow remove 'Reconnaissance faciale' l'oublie)" in listed
    result = run_cli(config_path, "follow", "remove", "Reconnaissance faciale")
    assert result.exit_code == 0, result.output
    assert result.output == "1 question trouvée par 'Reconnaissance faciale' seule n'est plus suivie\n"


# --- relance remove on a question a rule found: excluded from the rule, for good ----------------------

FACIAL_TABLE_END = 'identification faciale", "reconnaissance biométrique"]\ntags = ["vsa"]\n'


def found_refs(db: Database) -> dict[str, tuple[str, ...]]:
    return {f.ref: f.rules for f in list_followed(db)}


def test_remove_excludes_what_a_rule_found_and_no_import_finds_it_again(config_path: Path, db: Database) -> None:
    original = text_of(config_path)
    ingest_all(db, load_config(config_path).follow)
    assert found_refs(db)[LAGONTRIE_UID] == ("Reconnaissance faciale",)
    assert LAGONTRIE_UID not in {w.ref for w in load_config(config_path).watch}

    result = run_cli(config_path, "remove", "Sénat 1335 (2024-05)")  # the label relance prints
    assert result.exit_code == 0, result.output
    assert result.stdout == (f"{LAGONTRIE_UID} exclue de la règle « Reconnaissance faciale » dans {config_path} : "
                             "elle n'y sera plus trouvée\n"
                             f"{LAGONTRIE_UID} n'est plus suivie ; son historique reste enregistré\n")
    # In the rule's own table, after its tags; every other byte of the file as it was.
    assert text_of(config_path) == original.replace(FACIAL_TABLE_END,
                                                    FACIAL_TABLE_END + f'exclude = ["{LAGONTRIE_UID}"]\n')
    assert load_config(config_path).follow[0].exclude == (LAGONTRIE_UID,)
    assert LAGONTRIE_UID not in found_refs(db)
    assert LAGONTRIE_UID not in {w.ref.uid for w in watched(load_config(config_path), db)}
    assert [e.kind for e in list_events(db, ref=LAGONTRIE_UID)][-1] == "matched"  # the history stays

    # Read again by an import (a later, changed state: its text edited), the rule leaves it alone, while
    # another rule may still find it.
    real = lagontrie()
    assert real.text is not None and "reconnaissance faciale" in real.text
    report = ingest_all(db, load_config(config_path).follow,
                        questions=[dataclasses.replace(real, text=real.text + " (corrigé)")])
    assert report.changed == 1 and report.matched == 0
    assert LAGONTRIE_UID not in found_refs(db)
    added = run_cli(config_path, "follow", "add", "Faciale", "--keyword", "reconnaissance faciale")
    # A new rule is not bound by the old one's exclusion.
    assert "1 question enregistrée nouvellement trouvée par cette règle" in added.output
    assert found_refs(db)[LAGONTRIE_UID] == ("Faciale",)


def test_follow_list_names_what_each_rule_excludes(config_path: Path, db: Database) -> None:
    ingest_all(db, load_config(config_path).follow)
    run_cli(config_path, "remove", LAGONTRIE_UID)
    text = run_cli(config_path, "follow", "list").output
    assert "Reconnaissance faciale : 0 question trouvée\n" in text
    assert "  exclues (1 question) : Sénat 1335 (2024-05)\n" in text
    rules = json.loads(run_cli(config_path, "follow", "list", "--json").output)
    assert [(r["name"], r["exclude"]) for r in rules] == [("Reconnaissance faciale", [LAGONTRIE_UID]),
                                                         ("Vidéosurveillance algorithmique", [])]


def test_add_lifts_the_exclusion_and_the_rule_finds_it_again(config_path: Path, db: Database) -> None:
    original = text_of(config_path)
    ingest_all(db, load_config(config_path).follow)
    run_cli(config_path, "remove", LAGONTRIE_UID)
    result = run_cli(config_path, "add", "SEQ240501335")
    assert result.stdout.startswith(f"{LAGONTRIE_UID} n'est plus exclue de la règle « Reconnaissance faciale » "
                                    f"dans {config_path}\n")
    # The exclusion is gone, key and all; the question is in the watchlist too, as `add` says.
    assert text_of(config_path) == original + f'\n[[watch]]\nref = "{LAGONTRIE_UID}"\n'
    assert found_refs(db)[LAGONTRIE_UID] == ("Reconnaissance faciale",)
    assert {w.ref.uid: w.tags for w in watched(load_config(config_path), db)}[LAGONTRIE_UID] == ("vsa",)


def test_remove_a_question_both_watched_and_found_in_one_write(config_path: Path, db: Database) -> None:
    ingest_all(db, load_config(config_path).follow)
    assert found_refs(db)[DOSSUS_UID] == ("Vidéosurveillance algorithmique",)
    result = run_cli(config_path, "remove", DOSSUS_UID)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"{DOSSUS_UID} retirée de la liste de suivi de {config_path}",
        f"{DOSSUS_UID} exclue de la règle « Vidéosurveillance algorithmique » dans {config_path} : "
        "elle n'y sera plus trouvée",
        f"{DOSSUS_UID} n'est plus suivie ; son historique reste enregistré"]
    config = load_config(config_path)
    assert DOSSUS_UID not in {w.ref for w in config.watch} and config.follow[1].exclude == (DOSSUS_UID,)
    status = json.loads(run_cli(config_path, "status", "--tag", "vsa", "--json").output)
    assert [row["ref"] for row in status] == [LAGONTRIE_UID]


def test_remove_what_nothing_watches_is_one_french_line(config_path: Path, db: Database) -> None:
    ingest_all(db, load_config(config_path).follow)
    original = text_of(config_path)
    unknown = run_cli(config_path, "remove", "AN 17-9999")
    assert unknown.exit_code == 1
    assert unknown.stderr == (f"relance: {config_path}, entrée watch : 'QANR5L17QE9999' n'est ni dans la liste "
                              "de suivi ni trouvée par une règle de suivi\n")
    run_cli(config_path, "remove", LAGONTRIE_UID)
    again = run_cli(config_path, "remove", LAGONTRIE_UID)
    assert again.exit_code == 1
    assert "déjà exclue de la règle « Reconnaissance faciale » (relance add SEQ240501335 la suit de nouveau)" \
           in again.stderr
    assert text_of(config_path) == original.replace(FACIAL_TABLE_END,
                                                    FACIAL_TABLE_END + f'exclude = ["{LAGONTRIE_UID}"]\n')


def test_an_exclusion_written_by_hand_in_any_form_holds_and_add_lifts_it(config_path: Path, db: Database) -> None:
    original = text_of(config_path)
    by_hand = original.replace(FACIAL_TABLE_END, FACIAL_TABLE_END + 'exclude = ["Sénat 1335 (2024-05)"]  # vu\n')
    config_path.write_text(by_hand, encoding="utf-8")
    ingest_all(db, load_config(config_path).follow)
    assert LAGONTRIE_UID not in found_refs(db)
    assert run_cli(config_path, "add", "Sénat 1335 (2024-05)").exit_code == 0
    assert text_of(config_path) == original + f'\n[[watch]]\nref = "{LAGONTRIE_UID}"\n'
    assert found_refs(db)[LAGONTRIE_UID] == ("Reconnaissance faciale",)


def test_a_bad_exclusion_is_the_configs_error(config_path: Path) -> None:
    text = text_of(config_path).replace(FACIAL_TABLE_END, FACIAL_TABLE_END + 'exclude = ["pas une ref"]\n')
    config_path.write_text(text, encoding="utf-8")
    result = run_cli(config_path, "follow", "list")
    assert result.exit_code == 1 and "follow[1]" in result.stderr and "exclude" in result.stderr
    assert "Traceback" not in result.output


def test_an_import_of_the_archive_after_remove_does_not_find_it_again(config_path: Path, tmp_path: Path) -> None:
    """Through `relance import an --file`: QANR5L17QE2 (the real record renumbered, pending) is found by a
    rule; removed; then the archive shows it answered: the import stores the answer, the rule stays away."""
    run_cli(config_path, "follow", "add", "Diamants", "--keyword", "diamants synthétiques", "--tag", "commerce")
    first = run_cli(config_path, "import", "an", "--file", str(write_archive(tmp_path / "a.zip", [pending(2)])))
    assert first.exit_code == 0, first.output
    assert run_cli(config_path, "status", "--tag", "commerce", "--json").output.count('"QANR5L17QE2"') == 1
    assert run_cli(config_path, "remove", "AN 17-2").exit_code == 0
    again = run_cli(config_path, "import", "an", "--file", str(write_archive(tmp_path / "b.zip", [answered(2)])))
    assert again.exit_code == 0, again.output
    assert json.loads(run_cli(config_path, "show", "QANR5L17QE2", "--json").output)["status"] == "answered"
    assert json.loads(run_cli(config_path, "status", "--tag", "commerce", "--json").output) == []
    rules = json.loads(run_cli(config_path, "follow", "list", "--json").output)
    assert [(r["name"], r["found"], r["exclude"]) for r in rules][-1] == ("Diamants", 0, ["QANR5L17QE2"])


def test_remove_of_a_watched_question_creates_no_database(config_path: Path, tmp_path: Path) -> None:
    result = run_cli(config_path, "remove", DOSSUS_UID)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"{DOSSUS_UID} retirée de la liste de suivi de {config_path}\n")
    assert not (tmp_path / "relance.db").exists()  # nothing was found by a rule: no store to open
