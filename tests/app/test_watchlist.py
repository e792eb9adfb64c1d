"""`add_watch` / `remove_watch` edit real config files: canonical refs, comments and layout kept, validated."""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.app import watchlist
from bot.app.config import ConfigError, load_config
from bot.app.watchlist import (
    Exclusion,
    WatchChange,
    add_rule,
    add_watch,
    exclude_question,
    readmit_question,
    remove_watch,
)
from scrapers.refs import RefError
from tests.conftest import PROJECT

BUNDLED = PROJECT / "config.toml"
AN_URL = "https://www.assemblee-nationale.fr/dyn/17/questions/QANR5L17QE5268"
AN_UID = "QANR5L17QE5268"
SENAT_URL = "https://www.senat.fr/questions/base/2022/qSEQ221103705.html"  # watched by the bundled file
SENAT_UID = "SEQ221103705"
MINIMAL = '[relance]\ncontact = "ops@relance.test"\n'


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """A copy of the real bundled config.toml, its watchlist reduced to the Dossus question (the
    questions these tests add must not be watched already)."""
    path = tmp_path / "config.toml"
    shutil.copyfile(BUNDLED, path)
    for watch in load_config(path).watch:
        if watch.ref != SENAT_UID:
            remove_watch(path, watch.ref)
    assert [w.ref for w in load_config(path).watch] == [SENAT_UID]
    return path


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_bytes(text.encode("utf-8"))
    return path


def text_of(path: Path) -> str:
    return path.read_bytes().decode("utf-8")


def is_subsequence(lines: list[str], of: list[str]) -> bool:
    remaining = iter(of)
    return all(line in remaining for line in lines)


def watched(path: Path) -> dict[str, tuple[tuple[str, ...], str | None]]:
    return {w.ref: (w.tags, w.note) for w in load_config(path).watch}


# --- adding ---------------------------------------------------------------------------------------


def test_add_url_form_stores_the_uid_and_keeps_every_line(config: Path) -> None:
    original = text_of(config)
    change = add_watch(config, AN_URL, ["police"], "Question sur la VSA")
    assert change == WatchChange(AN_UID, "added", config)
    new = text_of(config)
    assert is_subsequence(original.splitlines(), new.splitlines())
    # The bundled file ends with a [[watch]] table: the new one follows it after a blank line.
    assert new == original + '\n[[watch]]\nref = "QANR5L17QE5268"\ntags = ["police"]\nnote = "Question sur la VSA"\n'


def test_result_reloads_with_the_canonical_ref(config: Path) -> None:
    add_watch(config, "AN 17-5268", [" police ", "vsa"])
    assert watched(config)[AN_UID] == (("police", "vsa"), None)
    assert [w.ref for w in load_config(config).watch] == [SENAT_UID, AN_UID]
    assert load_config(config).watch[1].question.legislature == 17


def test_add_ref_only(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL)
    add_watch(path, "https://questions.assemblee-nationale.fr/q14/14-47351QE.htm")
    assert text_of(path) == MINIMAL + '\n[[watch]]\nref = "QANR5L14QE47351"\n'


def test_add_twice_merges_tags_into_one_entry(config: Path) -> None:
    add_watch(config, AN_URL, ["vsa", "police"])
    change = add_watch(config, "AN 17-5268", ["police", "algo", "algo"])
    assert change == WatchChange(AN_UID, "updated", config)
    assert text_of(config).count('ref = "QANR5L17QE5268"') == 1
    assert watched(config)[AN_UID] == (("vsa", "police", "algo"), None)


def test_add_already_watched_without_news_leaves_the_file_alone(config: Path) -> None:
    before = config.stat().st_mtime_ns, text_of(config)
    change = add_watch(config, SENAT_UID, ["vsa"])
    assert change == WatchChange(SENAT_UID, "updated", config, written=False)
    assert (config.stat().st_mtime_ns, text_of(config)) == before


def test_add_to_an_entry_written_in_another_form_changes_only_that_entry(config: Path) -> None:
    original = text_of(config)
    add_watch(config, SENAT_UID, ["police"], "Nouvelle note")
    entry = f'ref = "{SENAT_URL}"\ntags = ["vsa"]'
    expected = original.replace(entry, entry.replace('["vsa"]', '["vsa", "police"]'))
    expected = expected[:expected.index('note = "')] + 'note = "Nouvelle note"\n'
    assert text_of(config) == expected
    assert f'ref = "{SENAT_URL}"' in text_of(config)  # an existing ref is left in the form staff wrote


def test_new_keys_go_in_order_above_the_comments_that_follow(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL + '\n[[watch]]\nref = "AN 17-5268"  # the VSA one\nnote = "n"\n'
                                     "\n# Sénat questions\n[[watch]]\nref = \"SEQ221103705\"\n")
    add_watch(path, AN_URL, ["vsa"])
    add_watch(path, SENAT_URL, note="Dossus")
    assert text_of(path) == MINIMAL + (
        '\n[[watch]]\nref = "AN 17-5268"  # the VSA one\ntags = ["vsa"]\nnote = "n"\n'
        '\n# Sénat questions\n[[watch]]\nref = "SEQ221103705"\nnote = "Dossus"\n')


def test_tags_of_a_multiline_array_keep_their_layout(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL + '[[watch]]\nref = "AN 17-5268"\ntags = [\n    "vsa",  # why\n]\n')
    add_watch(path, AN_UID, ["police"])
    assert text_of(path) == MINIMAL + '[[watch]]\nref = "AN 17-5268"\ntags = [\n    "vsa",  # why\n    "police",\n]\n'


def test_add_to_a_config_without_watch_tables(tmp_path: Path) -> None:
    heading = MINIMAL + "\n# Questions followed.\n"
    path = write(tmp_path, heading)
    assert add_watch(path, AN_URL, ["vsa"]).action == "added"
    assert text_of(path) == heading + '[[watch]]\nref = "QANR5L17QE5268"\ntags = ["vsa"]\n'
    no_newline = write(tmp_path, MINIMAL.rstrip("\n"))
    add_watch(no_newline, SENAT_UID)
    assert text_of(no_newline) == MINIMAL + '\n[[watch]]\nref = "SEQ221103705"\n'


def test_add_goes_after_the_last_watch_even_when_tables_follow(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL + '\n[[watch]]\nref = "AN 17-5268"\n\n# Where the data lives\n[storage]\n'
                                     'path = "x.db"\n')
    add_watch(path, SENAT_UID)
    assert text_of(path) == MINIMAL + ('\n[[watch]]\nref = "AN 17-5268"\n\n[[watch]]\nref = "SEQ221103705"\n'
                                       '\n# Where the data lives\n[storage]\npath = "x.db"\n')
    assert load_config(path).storage.path == "x.db"


def test_windows_line_endings_are_kept(tmp_path: Path) -> None:
    original = MINIMAL.replace("\n", "\r\n") + '\r\n[[watch]]\r\nref = "AN 17-5268"\r\n'
    path = write(tmp_path, original)
    add_watch(path, SENAT_UID, ["x"])
    add_watch(path, AN_UID, ["y"], "n")
    assert text_of(path) == MINIMAL.replace("\n", "\r\n") + (
        '\r\n[[watch]]\r\nref = "AN 17-5268"\r\ntags = ["y"]\r\nnote = "n"\r\n'
        '\r\n[[watch]]\r\nref = "SEQ221103705"\r\ntags = ["x"]\r\n')


# --- removing -------------------------------------------------------------------------------------


def test_remove_leaves_the_rest_byte_identical(config: Path) -> None:
    original = text_of(config)
    head, header, table = original.rpartition("[[watch]]\n")
    assert header and "qSEQ221103705" in table, "the bundled file no longer ends with the Dossus question"
    before = [w.ref for w in load_config(config).watch]
    assert remove_watch(config, SENAT_UID) == WatchChange(SENAT_UID, "removed", config)
    assert text_of(config) == head  # the comment introducing the entry stays
    assert [w.ref for w in load_config(config).watch] == [ref for ref in before if ref != SENAT_UID]


def test_add_then_remove_gives_back_the_original(config: Path) -> None:
    original = text_of(config)
    add_watch(config, AN_URL, ["vsa"], "note")
    remove_watch(config, "AN 17-5268")
    assert text_of(config) == original


def test_remove_keeps_comments_above_other_tables(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL + (
        '\n# Questions followed.\n[[watch]]\nref = "AN 17-5268"\n\n'
        '# Sénat\n[[watch]]\nref = "SEQ221103705"  # Dossus\ntags = ["vsa"]\n# seen in committee\n\n'
        '# Old ones\n[[watch]]\nref = "AN 14-47351"\n\n# end\n'))
    remove_watch(path, SENAT_URL)
    assert text_of(path) == MINIMAL + (
        '\n# Questions followed.\n[[watch]]\nref = "AN 17-5268"\n\n'
        '# Sénat\n\n# Old ones\n[[watch]]\nref = "AN 14-47351"\n\n# end\n')
    remove_watch(path, AN_UID)
    assert text_of(path) == MINIMAL + (
        '\n# Questions followed.\n\n# Sénat\n\n# Old ones\n[[watch]]\nref = "AN 14-47351"\n\n# end\n')
    remove_watch(path, "QANR5L14QE47351")
    assert text_of(path) == MINIMAL + "\n# Questions followed.\n\n# Sénat\n\n# Old ones\n\n# end\n"
    assert load_config(path).watch == ()


def test_remove_keeps_a_comment_right_above_the_next_header(tmp_path: Path) -> None:
    text = MINIMAL + '[[watch]]\nref = "AN 17-5268"\n# ---- Sénat ----\n[[watch]]\nref = "SEQ221103705"\n'
    path = write(tmp_path, text)
    remove_watch(path, AN_URL)
    assert text_of(path) == MINIMAL + '# ---- Sénat ----\n[[watch]]\nref = "SEQ221103705"\n'


def test_remove_unknown_ref(config: Path) -> None:
    original = text_of(config)
    with pytest.raises(ConfigError) as caught:
        remove_watch(config, AN_URL)
    assert (caught.value.file, caught.value.entry) == (str(config), "watch")
    assert "'QANR5L17QE5268' n'est pas dans la liste de suivi" in caught.value.problem
    assert text_of(config) == original


# --- errors leave the file untouched ---------------------------------------------------------------


@pytest.mark.parametrize("edit", [lambda p: add_watch(p, "https://example.org/q/1"),
                                  lambda p: add_watch(p, "QANR5L17QG12", ["x"]),
                                  lambda p: remove_watch(p, "nonsense")])
def test_bad_ref_raises_ref_error(config: Path, edit: Callable[[Path], WatchChange]) -> None:
    original = text_of(config)
    with pytest.raises(RefError, match="accepted forms"):
        edit(config)
    assert text_of(config) == original


@pytest.mark.parametrize("tags", [[""], ["  "], ["ok", "bell\x07"], ["line\nbreak"], ["tab\there"], [None]])
def test_tags_must_be_clean_strings(config: Path, tags: list[str]) -> None:
    original = text_of(config)
    with pytest.raises(ConfigError) as caught:
        add_watch(config, AN_URL, tags)
    assert caught.value.entry == "watch[2] (ref 'QANR5L17QE5268').tags"
    assert caught.value.file == str(config)
    assert text_of(config) == original


def test_tags_of_an_existing_entry_are_checked_too(config: Path) -> None:
    with pytest.raises(ConfigError, match=r"entrée watch\[1\] \(ref 'SEQ221103705'\)\.tags : étiquette vide"):
        add_watch(config, SENAT_URL, ["ok", " "])


def test_tags_are_stripped_and_deduplicated_and_a_lone_string_is_one_tag(config: Path) -> None:
    add_watch(config, AN_URL, [" vsa ", "vsa", "police\u00a0"])
    add_watch(config, SENAT_UID, "police")
    assert watched(config)[AN_UID][0] == ("vsa", "police")
    assert watched(config)[SENAT_UID][0] == ("vsa", "police")


@pytest.mark.parametrize("note", ["", "   ", "two\nlines"])
def test_note_must_be_clean(config: Path, note: str) -> None:
    original = text_of(config)
    with pytest.raises(ConfigError, match=r"\.note : note "):
        add_watch(config, AN_URL, note=note)
    assert text_of(config) == original


@pytest.mark.parametrize("text, entry", [
    (MINIMAL + "[http]\ntimout = 3\n", "http.timout"),
    (MINIMAL + "[relance\n", ""),
    ('[relance]\ncontact = "webmaster@example.org"\n', "relance.contact"),
    (MINIMAL + '[[watch]]\nref = "AN 17-5268"\n[[watch]]\nref = "QANR5L17QE5268"\n', "watch[2] (ref 'QANR5L17QE5268')"),
])
def test_invalid_original_config_gives_its_own_error(tmp_path: Path, text: str, entry: str) -> None:
    path = write(tmp_path, text)
    for edit in (add_watch, remove_watch):
        with pytest.raises(ConfigError) as caught:
            edit(path, AN_URL)
        assert (caught.value.file, caught.value.entry) == (str(path), entry)
        assert text_of(path) == text


def test_watch_written_as_an_inline_array_is_refused(tmp_path: Path) -> None:
    text = MINIMAL.replace("[relance]", 'watch = [{ref = "AN 17-5268"}]\n[relance]')
    path = write(tmp_path, text)
    with pytest.raises(ConfigError, match=r"entrée watch : écrit comme un tableau en ligne"):
        add_watch(path, SENAT_UID)
    assert text_of(path) == text


def test_an_edit_failing_validation_leaves_the_original(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    original = text_of(config)
    monkeypatch.setattr(watchlist, "_append_table", lambda path, text, watch: text + '[[watch]]\nref = "x"\n')
    with pytest.raises(ConfigError) as caught:
        add_watch(config, AN_URL)
    assert caught.value.file == str(config)
    assert "le fichier n'a pas été changé" in caught.value.problem
    assert text_of(config) == original
    assert os.listdir(config.parent) == ["config.toml"]  # no temporary file left behind


def test_an_edit_giving_another_watchlist_is_refused(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    original = text_of(config)
    monkeypatch.setattr(watchlist, "_cut_table", lambda path, text, index: text)
    with pytest.raises(ConfigError, match="configuration attendue"):
        remove_watch(config, SENAT_UID)
    assert text_of(config) == original


# --- the file itself --------------------------------------------------------------------------------


def test_permissions_are_kept_and_no_temporary_file_remains(config: Path) -> None:
    config.chmod(0o640)
    add_watch(config, AN_URL)
    assert stat.S_IMODE(config.stat().st_mode) == 0o640
    remove_watch(config, AN_URL)
    assert stat.S_IMODE(config.stat().st_mode) == 0o640
    assert os.listdir(config.parent) == ["config.toml"]


def test_a_symlinked_config_stays_a_symlink(config: Path, tmp_path: Path) -> None:
    link = tmp_path / "link" / "config.toml"
    link.parent.mkdir()
    link.symlink_to(config)
    add_watch(link, AN_URL)
    assert link.is_symlink()
    assert AN_UID in watched(config)
    assert remove_watch(link, AN_UID).path == link


# --- property -----------------------------------------------------------------------------------------

REFS = {  # several forms of a few questions, and the uid each stands for
    SENAT_URL: SENAT_UID, SENAT_UID: SENAT_UID,
    AN_URL: AN_UID, "AN 17-5268": AN_UID,
    "https://questions.assemblee-nationale.fr/q14/14-47351QE.htm": "QANR5L14QE47351",
    "https://www.senat.fr/questions/base/2023/qSEQ230500123.html": "SEQ230500123",
    "QANR5L16QE1": "QANR5L16QE1",
}
STEPS = st.lists(st.tuples(st.sampled_from(["add", "remove"]), st.sampled_from(sorted(REFS)),
                           st.lists(st.sampled_from(["vsa", "police", "algo"]), max_size=2)),
                 max_size=12)


@settings(max_examples=50, deadline=None)
@given(steps=STEPS)
def test_any_sequence_of_edits_matches_a_model(steps: list[tuple[str, str, list[str]]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "config.toml"
        shutil.copyfile(BUNDLED, path)
        comments = [line for line in text_of(path).splitlines() if line.startswith("#")]
        model = {watch.ref for watch in load_config(path).watch}
        for action, ref, tags in steps:
            uid = REFS[ref]
            if action == "add":
                assert add_watch(path, ref, tags).action == ("updated" if uid in model else "added")
                model.add(uid)
            elif uid in model:
                assert remove_watch(path, ref).action == "removed"
                model.remove(uid)
            else:
                with pytest.raises(ConfigError, match="n'est pas dans la liste de suivi"):
                    remove_watch(path, ref)
            assert {watch.ref for watch in load_config(path).watch} == model
        assert [line for line in text_of(path).splitlines() if line.startswith("#")] == comments


# --- a rule's exclusions (relance remove / relance add on what a rule found) ------------------------

RULES = (MINIMAL + "\n# The rules\n[[follow]]\nname = \"VSA\"\nkeywords = [\"VSA\"]  # short\ntags = [\"vsa\"]\n"
         "# about this rule\n\n[[follow]]\nname = \"Autre\"\nauthor = \"Masson\"\n")


def test_exclude_then_readmit_give_back_the_file_byte_for_byte(tmp_path: Path) -> None:
    for newline in ("\n", "\r\n"):
        path = write(tmp_path, RULES.replace("\n", newline))
        change = exclude_question(path, AN_URL, ["VSA", "Autre", "gone by hand"])
        assert change == Exclusion(AN_UID, ("VSA", "Autre"), path)
        assert text_of(path) == RULES.replace(
            'tags = ["vsa"]\n', f'tags = ["vsa"]\nexclude = ["{AN_UID}"]\n').replace(
            'author = "Masson"\n', f'author = "Masson"\nexclude = ["{AN_UID}"]\n').replace("\n", newline)
        assert [rule.exclude for rule in load_config(path).follow] == [(AN_UID,), (AN_UID,)]
        assert exclude_question(path, AN_UID, ["VSA"]) == Exclusion(AN_UID, (), path)  # already: nothing written
        assert readmit_question(path, "AN 17-5268") == Exclusion(AN_UID, ("VSA", "Autre"), path)
        assert text_of(path) == RULES.replace("\n", newline)


def test_a_second_exclusion_joins_the_list_and_readmit_takes_out_only_its_own(tmp_path: Path) -> None:
    path = write(tmp_path, RULES)
    exclude_question(path, SENAT_URL, ["VSA"])
    exclude_question(path, AN_UID, ["VSA"])
    assert load_config(path).follow[0].exclude == (SENAT_UID, AN_UID)
    assert f'exclude = ["{SENAT_UID}", "{AN_UID}"]\n' in text_of(path)
    readmit_question(path, SENAT_UID)
    assert f'tags = ["vsa"]\nexclude = ["{AN_UID}"]\n# about this rule\n' in text_of(path)


def test_exclude_also_cuts_the_watch_table_in_the_same_write(config: Path) -> None:
    original = text_of(config)
    change = exclude_question(config, SENAT_UID, ["Vidéosurveillance algorithmique"])
    assert change.unwatched and change.rules == ("Vidéosurveillance algorithmique",)
    config_now = load_config(config)
    assert config_now.watch == () and config_now.follow[1].exclude == (SENAT_UID,)
    assert "# Algorithmic video-surveillance and facial recognition." in text_of(config)  # comments stay
    assert text_of(config).count("\n") < original.count("\n")


def test_merging_into_a_rule_keeps_its_exclusions(tmp_path: Path) -> None:
    path = write(tmp_path, RULES)
    exclude_question(path, AN_UID, ["VSA"])
    add_rule(path, "VSA", keywords=["caméras augmentées"])
    assert load_config(path).follow[0].exclude == (AN_UID,)
    assert load_config(path).follow[0].keywords == ("VSA", "caméras augmentées")
