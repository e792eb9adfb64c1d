"""A labelled tag in a real browser: `relance serve` as a real process whose config gives the tag
`diamants` a label and a description (tests/web/browser_world.py's world, with a `[tags.diamants]` table),
headless Chromium; the tag's page is shot at desktop and phone widths like the other pages."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.web import browser_world
from tests.web.browser_world import AN, Tab, World, definitions, expect, served_world, shoot

playwright = browser_world.playwright
browser = browser_world.browser
tab = browser_world.tab

LABEL = "Diamants de synthèse"
DESCRIPTION = ("Les diamants fabriqués en laboratoire, et les mots que le commerce a le droit d'employer pour "
               "les vendre.")
TAGS = f'[tags.diamants]\nlabel = "{LABEL}"\ndescription = """{DESCRIPTION}\nUn second paragraphe, plus court."""\n'


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with served_world(tmp_path_factory.mktemp("browser-labels"), extra=TAGS) as found:
        yield found


def test_a_labelled_tag_reads_by_its_label_from_home_to_its_page(world: World, tab: Tab) -> None:
    page = tab.page
    page.goto(f"{world.base}/")
    themes = page.locator("section[aria-labelledby=themes] li")
    expect(themes).to_have_text([f"{LABEL} (1 question)", "exemples (2 questions)"])
    themes.get_by_role("link", name=LABEL).click()
    expect(page).to_have_url(f"{world.base}/tags/diamants")
    expect(page).to_have_title(f"Thème {LABEL} — relance")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Thème : {LABEL}")
    expect(page.locator(".tag-description p")).to_have_text([DESCRIPTION, "Un second paragraphe, plus court."])
    shoot(page, "tag-label")

    page.goto(f"{world.base}/questions/{AN}")
    assert definitions(page, "dl.facts")["Thèmes"] == f"{LABEL}, exemples"
    page.goto(f"{world.base}/abonnement")
    expect(page.get_by_role("checkbox", name=LABEL)).not_to_be_checked()
    page.goto(f"{world.base}/questions")
    expect(page.get_by_label("Thème").locator("option")).to_contain_text([f"{LABEL} (1)", "exemples (2)"])
