"""The AN archive's pure parts and its file: names and addresses, a question behind the page, the
candidate follow rules, members read one by one, damaged archives refused whole. The records are the
real QANR5L17QE5268.json and its derivations (tests/app/an_archives.py)."""

from __future__ import annotations

import copy
import dataclasses
import json
import tracemalloc
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bot.app.an_archive_download import archive_suffix, archive_url
from bot.app.config import AN_ARCHIVE_URL, ConfigError, FollowRule, load_config
from bot.app.import_an import (
    candidate_rules,
    folded_text,
)
from bot.core.follow import _text_of, matching_rules
from bot.core.reconcile import is_behind, progress
from scrapers.an import parse_an_json
from scrapers.an_archive import AnArchive, ArchiveError
from scrapers.model import ParseError, QuestionSnapshot
from tests.an_variants import dump, qe_json, renewed_on, signaled_on, transferred_to, without_answer
from tests.app.an_archives import (
    PUBLISHED,
    WRAPPERS,
    answered,
    corrupted,
    in_legislature,
    list_file,
    pending,
    qg_json,
    renumbered,
    uid_of,
    write_archive,
)
from tests.conftest import sample_bytes

# --- pure parts -----------------------------------------------------------------------------------


def test_archive_names() -> None:
    assert [archive_suffix(n) for n in (17, 16, 15, 14, 9)] == ["", "", "_XV", "_XIV", "_IX"]
    base = "https://data.assemblee-nationale.fr/static/openData/repository"
    assert archive_url(AN_ARCHIVE_URL, 17) == f"{base}/17/questions/questions_ecrites/Questions_ecrites.json.zip"
    assert archive_url(AN_ARCHIVE_URL, 16) == f"{base}/16/questions/questions_ecrites/Questions_ecrites.json.zip"
    assert archive_url(AN_ARCHIVE_URL, 15) == f"{base}/15/questions/questions_ecrites/Questions_ecrites_XV.json.zip"
    assert archive_url(AN_ARCHIVE_URL, 14) == f"{base}/14/questions/questions_ecrites/Questions_ecrites_XIV.json.zip"


@pytest.mark.parametrize(("template", "problem"), [
    ("https://data.an.test/Questions_ecrites.json.zip", "n'a pas de {leg}"),
    ("https://data.an.test/{leg}/{year}.zip", "seuls {leg} et {suffix} peuvent figurer entre accolades"),
    ("ftp://data.an.test/{leg}.zip", "n'est pas un modèle d'URL http(s)")])
def test_archive_url_setting(tmp_path: Path, template: str, problem: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f'[relance]\ncontact = "tests@relance.test"\n[sources.an]\narchive_url = "{template}"\n',
                    encoding="utf-8")
    with pytest.raises(ConfigError, match=r"sources\.an\.archive_url") as caught:
        load_config(path)
    assert problem in str(caught.value)
    path.write_text('[relance]\ncontact = "tests@relance.test"\n', encoding="utf-8")
    an = load_config(path).sources.an
    assert (an.archive_url, an.legislatures) == (AN_ARCHIVE_URL, (17,))


def snap(document: dict[str, Any]) -> QuestionSnapshot:
    return parse_an_json(dump(document), f"https://www.assemblee-nationale.fr/dyn/opendata/{uid_of(document)}.json")


def test_is_behind() -> None:
    real = qe_json()  # answered 2025-06-03, one attribution, neither signalée nor renewed
    page, older = snap(real), snap(without_answer(real))
    assert is_behind(page, older)  # the archive has not seen the answer yet: skipped
    assert not is_behind(older, page)  # the archive has the answer first: taken
    assert not is_behind(page, page)
    transferred = transferred_to(real, "Intérieur", "Ministère de l'intérieur", "PO1", "2025-05-02")
    assert is_behind(snap(transferred), page) and not is_behind(page, snap(transferred))
    assert is_behind(snap(signaled_on(without_answer(real), "2025-05-27")), older)
    assert is_behind(snap(renewed_on(without_answer(real), "2025-06-01")), older)
    # An answer re-published later (an erratum) on the page; the archive still has the first one.
    republished = copy.deepcopy(real)
    republished["question"]["textesReponse"]["texteReponse"]["infoJO"]["dateJO"] = "2025-06-10"
    assert is_behind(snap(republished), page)
    # Further on in one mark, behind in another (transferred, but no answer yet): taken, not skipped.
    mixed = transferred_to(without_answer(real), "Intérieur", "Ministère de l'intérieur", "PO1", "2025-05-02")
    assert not is_behind(page, snap(mixed))
    assert progress(page)[0] == (1, date(2025, 6, 3)) and progress(older)[0] == (0, date.min)


RULES = [
    FollowRule(name="Diamants", keywords=("diamants synthétiques",), tags=("diamants",)),
    FollowRule(name="Sans accents", keywords=("DIAMANTS SYNTHETIQUES", "laboratory-grown")),
    FollowRule(name="Autre sujet", keywords=("reconnaissance faciale", "caméras augmentées")),
    FollowRule(name="Autrice", author="olivia gregoire"),
    FollowRule(name="Autre ministère", ministry="Ministère des armées"),
    FollowRule(name="Sénat", keywords=("diamants",), chamber="senat"),
]


def test_candidate_rules_hold_every_match() -> None:
    """The cheap pre-selection of rules keeps every rule bot.core.follow matches (it may keep one more:
    ingest decides), and its folded text is bot.core.follow's."""
    for document in (qe_json(), without_answer(qe_json()), renumbered(qe_json(), 12)):
        snapshot = snap(document)
        assert folded_text(snapshot) == _text_of(snapshot)
        found = candidate_rules(RULES, snapshot)
        assert {r.name for r in matching_rules(RULES, snapshot)} <= {r.name for r in found}
        assert [r.name for r in found] == ["Diamants", "Sans accents", "Autrice", "Sénat"]
        assert [r.name for r in matching_rules(RULES, snapshot)] == ["Diamants", "Sans accents", "Autrice"]
    assert candidate_rules([], snap(qe_json())) == []


# --- the archive file -----------------------------------------------------------------------------


def test_archive_members_are_read_one_by_one(tmp_path: Path) -> None:
    broken = dump(pending(3))[:5000]  # a question file cut short
    swapped = ("json/QANR5L17QE4.json", dump(pending(5)))  # named after one question, holding another
    path = write_archive(tmp_path / "a.zip", [
        qe_json(), pending(2), ("json/QANR5L17QE3.json", broken), swapped, ("README.txt", b"not a question"),
        ("xml/QANR5L17QE6.xml", b"<question/>"), ("Questions/json/QANR5L17QE2.json", dump(pending(2)))])
    with AnArchive(path) as archive:
        assert archive.verify() == 4  # the xml and txt files are skipped; the second copy of QE2 is not read
        assert [m.name for m in archive.members] == ["json/QANR5L17QE5268.json", "json/QANR5L17QE2.json",
                                                     "json/QANR5L17QE3.json", "json/QANR5L17QE4.json"]
        assert archive.lists == []
        url_of = lambda ref: f"https://an.test/{ref.uid}.json"  # noqa: E731
        first = archive.read(archive.members[0], url_of=url_of)
        assert (first.ref.uid, first.status, first.url) == ("QANR5L17QE5268", "answered",
                                                            "https://an.test/QANR5L17QE5268.json")
        assert archive.read(archive.members[1], url_of=url_of).status == "pending"
        with pytest.raises(ParseError, match="JSON document"):
            archive.read(archive.members[2], url_of=url_of)
        with pytest.raises(ParseError, match=r"a\.zip#json/QANR5L17QE4\.json: cannot read uid: found 'QANR5L17QE5, "
                                             r"but the file is named after QANR5L17QE4'"):
            archive.read(archive.members[3], url_of=url_of)


def test_damaged_archives_are_refused_whole(tmp_path: Path) -> None:
    good = write_archive(tmp_path / "good.zip", [qe_json(), pending(2), pending(3)])
    bad = corrupted(write_archive(tmp_path / "bad.zip", [qe_json(), pending(2), pending(3)]), "json/QANR5L17QE3.json")
    with AnArchive(bad) as archive, pytest.raises(ArchiveError) as caught:
        archive.verify()
    assert str(bad) in str(caught.value) and "damaged member json/QANR5L17QE3.json" in str(caught.value)
    assert "CRC" in str(caught.value)
    truncated = tmp_path / "truncated.zip"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(ArchiveError, match=f"archive {truncated}: not a zip archive, or truncated"):
        AnArchive(truncated)
    empty = write_archive(tmp_path / "empty.zip", [("README.txt", b"nothing here")])
    with AnArchive(empty) as archive, pytest.raises(ArchiveError, match="no question in it: neither one JSON file "
                                                                        "per question"):
        archive.verify()


# --- the two layouts ------------------------------------------------------------------------------

URL_OF = lambda ref: f"https://an.test/{ref.uid}.json"  # noqa: E731


def test_question_files_in_any_folder(tmp_path: Path) -> None:
    """Since 2019 one file per question under a folder, at any depth; a file not named after its
    question is named from its content."""
    path = write_archive(tmp_path / "a.zip", [qe_json(), pending(2)], folder="Questions_ecrites/json/2019")
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("Questions_ecrites/json/2020/question-0003.json", dump(pending(3)))
        archive.writestr("QANR5L17QE4.json", dump(pending(4)))  # at the root, no folder
        # Re-zipped on a Mac: an AppleDouble copy of a file's metadata (its magic number, then nothing).
        archive.writestr("__MACOSX/Questions_ecrites/json/2019/._QANR5L17QE2.json", b"\x00\x05\x16\x07")
    with AnArchive(path) as archive:
        assert archive.verify() == 4
        assert [(m.name, m.uid) for m in archive.members] == [
            ("Questions_ecrites/json/2019/QANR5L17QE5268.json", "QANR5L17QE5268"),
            ("Questions_ecrites/json/2019/QANR5L17QE2.json", "QANR5L17QE2"),
            ("Questions_ecrites/json/2020/question-0003.json", "QANR5L17QE3"),
            ("QANR5L17QE4.json", "QANR5L17QE4")]
        read = [archive.read(m, url_of=URL_OF) for m in archive.members]
    assert [(s.ref.uid, s.status, s.published) for s in read] == [
        ("QANR5L17QE5268", "answered", date(2025, 3, 25)), ("QANR5L17QE2", "pending", PUBLISHED),
        ("QANR5L17QE3", "pending", PUBLISHED), ("QANR5L17QE4", "pending", PUBLISHED)]


@pytest.mark.parametrize("wrapper", WRAPPERS)
def test_one_file_holding_the_list_of_questions(tmp_path: Path, wrapper: str) -> None:
    """The 14th legislature's layout, recognised from the content in each wrapper: the real 17th
    question, renumbered copies, a copy moved to the 14th legislature, and the real 16th QG (same
    schema, not a written question: that one question is refused, named by its position)."""
    documents = [qe_json(), pending(2), in_legislature(qe_json(), 14, 47351), qg_json(), answered(5)]
    path = write_archive(tmp_path / "a.zip", [("Questions_ecrites_XIV.json", list_file(documents, wrapper))])
    with AnArchive(path) as archive:
        assert archive.verify() == 5
        assert archive.members == []
        assert [(q.name, q.count) for q in archive.lists] == [("Questions_ecrites_XIV.json", 5)]
        read = list(archive.read_list(archive.lists[0], url_of=URL_OF))
    assert [name for name, _ in read] == [f"Questions_ecrites_XIV.json[{i}]" for i in range(5)]
    snapshots = [result for _, result in read if isinstance(result, QuestionSnapshot)]
    assert [(s.ref.uid, s.status, s.url) for s in snapshots] == [
        ("QANR5L17QE5268", "answered", "https://an.test/QANR5L17QE5268.json"),
        ("QANR5L17QE2", "pending", "https://an.test/QANR5L17QE2.json"),
        ("QANR5L14QE47351", "answered", "https://an.test/QANR5L14QE47351.json"),
        ("QANR5L17QE5", "answered", "https://an.test/QANR5L17QE5.json")]
    # The same snapshot as the question's own file gives.
    assert snapshots[0] == dataclasses.replace(snap(qe_json()), url="https://an.test/QANR5L17QE5268.json")
    assert str(read[3][1]) == (f"{path}#Questions_ecrites_XIV.json[3]: cannot read uid (a written question's: "
                               "QANR5L…QE…): found 'QANR5L16QG6'")


AMO = "an/amo/amo10-l17-2025-07/json"


@pytest.mark.parametrize(("name", "content", "found"), [
    # Real files of the AN's open data that are not questions: a body (organe) and a deputy (acteur).
    ("json/PO845407.json", lambda: sample_bytes(f"{AMO}/organe/PO845407.json"), "found the key `organe.uid`"),
    ("Questions_ecrites/acteur.json", lambda: sample_bytes(f"{AMO}/acteur/PA721764.json"),
     "found the key `acteur.uid`"),
    # A list, but of bodies: the real organe files, listed as an export would list them.
    ("organes.json", lambda: json.dumps([json.loads(sample_bytes(f"{AMO}/organe/{n}.json"))
                                         for n in ("PO845407", "PO855083")]).encode(),
     "found item 0 of the list has neither a `question` nor a `uid` key"),
    # The AN's export shape, with something else beside the list.
    ("Questions_ecrites.json", lambda: json.dumps({"questions": {"question": [qe_json()["question"]],
                                                                 "organe": json.loads(sample_bytes(
                                                                     f"{AMO}/organe/PO845407.json"))}}).encode(),
     "found the key `questions.organe`")])
def test_a_json_member_of_neither_layout_is_refused(tmp_path: Path, name: str, content: Any, found: str) -> None:
    path = write_archive(tmp_path / "a.zip", [qe_json(), pending(2), (name, content())])
    with AnArchive(path) as archive, pytest.raises(ArchiveError) as caught:
        archive.verify()
    assert str(caught.value) == (f"archive {path}: member {name}: neither one question ({{\"question\": {{…}}}}) "
                                 f"nor a list of questions: {found}")


def test_a_truncated_list_file_is_refused(tmp_path: Path) -> None:
    """A whole zip whose one file was cut short before it was zipped: the JSON ends too early."""
    whole = list_file([qe_json(), *(pending(n) for n in range(2, 20))], "questions")
    path = write_archive(tmp_path / "a.zip", [("Questions_ecrites_XIV.json", whole[: len(whole) * 2 // 3])])
    with AnArchive(path) as archive, pytest.raises(ArchiveError) as caught:
        archive.verify()
    assert str(caught.value).startswith(f"archive {path}: member Questions_ecrites_XIV.json: not a whole JSON "
                                        "document (truncated?): IncompleteJSONError: parse error: premature EOF")


def test_a_list_file_is_streamed(tmp_path: Path) -> None:
    """Verifying and reading a list of 600 questions (about 6 MB) holds one question at a time, not the file."""
    documents = [qe_json(), *(renumbered(qe_json(), n) for n in range(1, 600))]
    data = list_file(documents, "questions")
    path = write_archive(tmp_path / "a.zip", [("Questions_ecrites_XIV.json", data)])
    tracemalloc.start()
    try:
        with AnArchive(path) as archive:
            assert archive.verify() == 600
            uids = {result.ref.uid for _, result in archive.read_list(archive.lists[0], url_of=URL_OF)
                    if isinstance(result, QuestionSnapshot)}
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(uids) == 600
    assert len(data) > 5_000_000 and peak < len(data) // 5, (len(data), peak)
