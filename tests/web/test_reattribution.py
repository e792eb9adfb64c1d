"""A question's ministries listed once per change, in order, whatever the source repeats: the web question
page, `relance show`'s text, the events (and so the e-mails and feeds that tell them).

From the real AN sample (QANR5L17QE5268: put to the ministry of the economy, PO855083, and attributed to
that same ministry on its publication, 25/03/2025), by small transformations of its attributions: handed
to another ministry and back (A → B → A), or re-attributed to the same ministry under a new name (the AN
keeps the identifier of a renamed ministry)."""

from __future__ import annotations

import copy
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bot.cli.views import snapshot_text
from bot.core.events import diff
from bot.core.ministries import ministry_history, same_ministry
from bot.web.app import create_app
from scrapers.an import parse_an_json
from scrapers.model import Ministry, QuestionSnapshot
from tests.an_variants import dump, qe_json, without_answer
from tests.smtp import Mailer
from tests.web import seeded
from tests.web.seeded import AN, AN_URL, Site, at, page, store, web_config

clock = seeded.clock

ECONOMY = "Ministère de l’économie, des finances et de la souveraineté industrielle et numérique"
PUBLIC_ACCOUNTS = "Ministère chargé des comptes publics"
RENAMED = "Ministère de l’économie, des finances et de l’industrie"


def attributed(*steps: tuple[str, str, str]) -> QuestionSnapshot:
    """The pending real sample with its first attribution followed by `steps` (AN id, name, JO day), each a
    copy of the first with another ministry and date, as the AN lists them."""
    document: dict[str, Any] = without_answer(qe_json())
    first = document["question"]["minAttribs"]["minAttrib"]
    more = []
    for ref, name, day in steps:
        step = copy.deepcopy(first)
        step["infoJO"]["dateJO"] = day
        step["denomination"] = {"organeRef": ref, "abrege": name, "developpe": name}
        more.append(step)
    document["question"]["minAttribs"]["minAttrib"] = [first, *more]
    return parse_an_json(dump(document), AN_URL)


def there_and_back() -> QuestionSnapshot:
    return attributed(("PO999999", PUBLIC_ACCOUNTS, "2025-05-06"), ("PO855083", ECONOMY, "2025-06-03"))


def steps_of(snapshot: QuestionSnapshot) -> list[tuple[str, date | None, bool]]:
    return [(step.ministry.name, step.date, step.asked) for step in ministry_history(snapshot)]


# --- the history, pure -----------------------------------------------------------------------------

def test_the_sample_attributed_to_the_ministry_asked_lists_it_once() -> None:
    snapshot = attributed()
    assert [a.ministry.id for a in snapshot.attributions] == ["PO855083"]  # the source repeats it
    assert steps_of(snapshot) == [(ECONOMY, date(2025, 3, 25), True)]


def test_there_and_back_lists_each_change_once_in_order() -> None:
    assert steps_of(there_and_back()) == [(ECONOMY, date(2025, 3, 25), True),
                                          (PUBLIC_ACCOUNTS, date(2025, 5, 6), False),
                                          (ECONOMY, date(2025, 6, 3), False)]


def test_the_same_ministry_under_a_new_name_is_no_change() -> None:
    renamed = attributed(("PO855083", RENAMED, "2025-05-06"))
    assert steps_of(renamed) == [(ECONOMY, date(2025, 3, 25), True)]
    # The same name written with another apostrophe or case, without an id (the Sénat's CSV and pages).
    assert same_ministry(Ministry(ECONOMY.replace("’", "'").upper()), Ministry(ECONOMY, None, "PO855083"))
    assert not same_ministry(Ministry(ECONOMY, None, "PO855083"), Ministry(PUBLIC_ACCOUNTS, None, "PO999999"))


# --- show's text ----------------------------------------------------------------------------------

def test_show_lists_the_changes_once() -> None:
    assert "Ministère attributaire" not in snapshot_text(attributed(), full=True)
    lines = snapshot_text(there_and_back(), full=True).splitlines()
    start = lines.index(f"  Ministère attributaire : {ECONOMY}")
    assert lines[start + 1:start + 3] == [f"    - {PUBLIC_ACCOUNTS} (depuis le 6 mai 2025)",
                                          f"    - {ECONOMY} (depuis le 3 juin 2025)"]
    assert not lines[start + 3].startswith("    - ")
    assert "Ministère attributaire" not in snapshot_text(attributed(("PO855083", RENAMED, "2025-05-06")))


# --- the events: one transfer per change, none for a new name --------------------------------------

def test_a_transfer_and_the_return_are_two_events_a_new_name_none() -> None:
    before, moved, back = attributed(), attributed(("PO999999", PUBLIC_ACCOUNTS, "2025-05-06")), there_and_back()
    told = [(e.details["from_ministry"], e.details["to_ministry"])
            for old, new, day in ((before, moved, date(2025, 5, 7)), (moved, back, date(2025, 6, 4)))
            for e in diff(old, new, today=day, last_day=day, seen_at=at(day)) if e.kind == "transferred"]
    assert told == [(ECONOMY, PUBLIC_ACCOUNTS), (PUBLIC_ACCOUNTS, ECONOMY)]
    renamed = attributed(("PO855083", RENAMED, "2025-05-06"))
    day = date(2025, 5, 7)
    assert not [e for e in diff(before, renamed, today=day, last_day=day, seen_at=at(day)) if e.kind == "transferred"]


# --- the web question page --------------------------------------------------------------------------

@pytest.fixture
def site(tmp_path: Path, mailer: Mailer, monkeypatch: pytest.MonkeyPatch) -> Site:
    monkeypatch.delenv("RELANCE_DB", raising=False)
    db_path, config = tmp_path / "relance.db", web_config(tmp_path, None)
    moved = attributed(("PO999999", PUBLIC_ACCOUNTS, "2025-05-06"))
    store(db_path, None, attributed(), date(2025, 4, 1))
    store(db_path, attributed(), moved, date(2025, 5, 7), date(2025, 5, 6))
    store(db_path, moved, there_and_back(), date(2025, 6, 4), date(2025, 6, 3))
    app = create_app(config)
    return Site(config, db_path, mailer, app, app.test_client())


def test_the_question_page_lists_each_ministry_change_once(site: Site) -> None:
    html = page(site.client.get(f"/questions/{AN}"))
    ministries = html.split('<ol class="history">')[1].split("</ol>")[0]
    assert re.findall(r"<li>(.*?)</li>", ministries) == [
        f"25 mars 2025&nbsp;: posée au ministère&nbsp;: {ECONOMY}",
        f"6 mai 2025&nbsp;: attribuée au ministère&nbsp;: {PUBLIC_ACCOUNTS}",
        f"3 juin 2025&nbsp;: attribuée au ministère&nbsp;: {ECONOMY}",
    ]
    history = html.split('id="historique"')[1]  # the newest event first
    there, back = f"Transmise : {ECONOMY} → {PUBLIC_ACCOUNTS}", f"Transmise : {PUBLIC_ACCOUNTS} → {ECONOMY}"
    assert history.count("Transmise : ") == 2 and history.index(back) < history.index(there)
