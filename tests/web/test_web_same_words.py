"""The command line and the web show the same things in the same words (tests/web/seeded.py: real
snapshots; Sénat 23812, published 15/07/2021, still pending on 10/06/2025, so long past its deadline):
`relance feed` prints the very bytes the web serves, and a question late now carries its chamber's
advice on its page and in `relance show`."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from bot.main import main
from tests.web import seeded
from tests.web.seeded import AN, SENAT_PENDING, Site, page

# Fixtures, registered here under these names: the site of seeded real snapshots, and today (autouse).
site = seeded.site
clock = seeded.clock


@pytest.mark.parametrize(("args", "path"), [
    (["feed", "atom"], "/feeds/events.atom"), (["feed", "atom", "--tag", "vsa"], "/feeds/events.atom?tag=vsa"),
    (["feed", "ical"], "/feeds/deadlines.ics"), (["feed", "ical", "--tag", "vsa"], "/feeds/deadlines.ics?tag=vsa")])
def test_relance_feed_prints_the_feed_the_web_serves(site: Site, args: list[str], path: str) -> None:
    printed = CliRunner().invoke(main, ["--config", str(site.config), *args])
    assert printed.exit_code == 0, printed.output
    served = site.client.get(path)
    assert served.status_code == 200
    assert printed.stdout_bytes == served.get_data()


def test_a_late_senat_question_says_what_to_do_on_its_page_and_in_show(site: Site) -> None:
    html = page(site.client.get(f"/questions/{SENAT_PENDING}"))
    for words in ("Que faire", "liste de rappel", "question de rappel", "question orale"):
        assert words in html
    shown = CliRunner().invoke(main, ["--config", str(site.config), "show", SENAT_PENDING])
    assert shown.exit_code == 0, shown.output
    assert "liste de rappel" in shown.stdout and "Que faire : poser une question de rappel" in shown.stdout


def test_an_answered_question_has_no_advice(site: Site) -> None:
    assert "Que faire" not in page(site.client.get(f"/questions/{AN}"))
