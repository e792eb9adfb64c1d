"""A poisoned record is that question's error, end to end (issue 17): the check cycle and the archive
import read the others, store them, record the poisoned one's failure in the poll log and exit 2.
The poisoned records are the real QANR5L17QE5268.json with one value changed (a JO date 9999-12-31,
a lone surrogate in the title, as the reliability trial found them)."""

from __future__ import annotations

import copy
import json
import sqlite3
from pathlib import Path
from typing import Any

import time_machine
from click.testing import CliRunner, Result

from bot.main import main
from tests.an_variants import dump, qe_json
from tests.app import check_site
from tests.app.an_archives import TODAY, pending, uid_of, write_archive
from tests.app.check_site import AN_PATH, Site, at, check_json, relance
from tests.conftest import write_config

site = check_site.site
config = check_site.config

AN_UID = "QANR5L17QE5268"


def far_future_answer(document: dict[str, Any]) -> dict[str, Any]:
    """The record with its answer dated 9999-12-31: the trial's poisoned JO date."""
    d = copy.deepcopy(document)
    d["question"]["textesReponse"]["texteReponse"]["infoJO"]["dateJO"] = "9999-12-31"
    return d


def surrogate_title(document: dict[str, Any]) -> dict[str, Any]:
    """The record whose title holds a lone surrogate (`\\ud800`, valid JSON, no valid UTF-8)."""
    d = copy.deepcopy(document)
    d["question"]["indexationAN"]["analyses"]["analyse"] = "Révision \ud800 des diamants"
    return d


def polls(db: Path, ref: str) -> list[tuple[str, str | None]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT outcome, error FROM polls WHERE ref = ? ORDER BY id", [ref]).fetchall()


def test_a_poisoned_page_is_that_questions_error_and_the_cycle_goes_on(config: Path, site: Site) -> None:
    site.serve(AN_PATH, dump(surrogate_title(qe_json())), "application/json")
    with time_machine.travel(at("2025-11-20"), tick=True):
        report = check_json(config, expect_exit=2)
        assert report["checked"] == 2  # the XML and the Sénat page, read and stored
        [error] = report["errors"]
        assert error["ref"] == AN_UID and "title (a lone surrogate U+D800 at character 10)" in error["error"]
        [(outcome, logged)] = polls(config.parent / "relance.db", AN_UID)
        assert outcome == "error" and logged is not None and "lone surrogate" in logged

        # The page poisoned otherwise: the same, and the views still work.
        site.serve(AN_PATH, dump(far_future_answer(qe_json())), "application/json")
        again = check_json(config, expect_exit=2)
        assert "9999-12-31" in again["errors"][0]["error"]
        status = relance(config, "status")
    assert status.exit_code == 0, status.output
    assert "Traceback" not in status.output


def import_file(config: Path, archive: Path) -> Result:
    return CliRunner().invoke(main, ["--config", str(config), "import", "an", "--json", "--file", str(archive)],
                              env={"RELANCE_DB": None})


def test_an_archive_with_one_poisoned_file_stores_the_60_others(tmp_path: Path) -> None:
    config = write_config(tmp_path / "config.toml")
    good = [pending(number) for number in range(1, 61)]
    poisoned = surrogate_title(pending(61))
    archive = write_archive(tmp_path / "a.zip", [*good[:30], poisoned, *good[30:]])
    with time_machine.travel(TODAY, tick=True):
        result = import_file(config, archive)
    assert result.exit_code == 2, result.output  # a partial import: some question could not be read
    assert "Traceback" not in result.output
    report = json.loads(result.stdout)
    assert (report["read"], report["new"]) == (60, 60)
    [error] = report["errors"]
    assert error["member"] == f"json/{uid_of(poisoned)}.json"
    assert "title (a lone surrogate U+D800" in error["error"]
    with sqlite3.connect(tmp_path / "relance.db") as conn:
        stored = {ref for (ref,) in conn.execute("SELECT ref FROM questions")}
    assert stored == {uid_of(document) for document in good}


def test_a_stored_question_whose_new_file_is_poisoned_keeps_its_state(tmp_path: Path) -> None:
    config = write_config(tmp_path / "config.toml")
    with time_machine.travel(TODAY, tick=True):
        assert import_file(config, write_archive(tmp_path / "a.zip", [qe_json()])).exit_code == 0
        result = import_file(config, write_archive(tmp_path / "b.zip", [far_future_answer(qe_json())]))
    assert result.exit_code == 2, result.output
    assert json.loads(result.stdout)["errors"][0]["member"] == f"json/{AN_UID}.json"
    outcomes = polls(tmp_path / "relance.db", AN_UID)
    assert outcomes[-1][0] == "error" and "9999-12-31" in str(outcomes[-1][1])
    with sqlite3.connect(tmp_path / "relance.db") as conn:
        (status,) = conn.execute("SELECT status FROM questions WHERE ref = ?", [AN_UID]).fetchone()
    assert status == "answered"  # as the first archive said: the poisoned file changed nothing
