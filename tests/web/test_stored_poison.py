"""A stored value never breaks a view (issue 17): with a date of 9999-12-31, of year 1, or a malformed one
stored for two of the seeded real questions, every page, feed and API answers without a 500, and the
question's deadline is unknown rather than wrong."""

from __future__ import annotations

import pytest

from bot.web.app import create_app
from tests.web import seeded
from tests.web.seeded import AN, SENAT_ANSWERED, SENAT_PENDING, Site, page
from tests.web.stored_poison import POISONS

site = seeded.site
clock = seeded.clock

PATHS = ("/", "/questions", "/questions?sort=deadline", "/questions?sort=deadline&order=desc",
         "/questions?sort=published", "/questions?sort=delay&order=asc", "/questions?overdue=1",
         f"/questions/{SENAT_PENDING}", f"/questions/{AN}", f"/questions/{SENAT_ANSWERED}", "/tags/vsa",
         "/tags/exemples", "/feeds/events.atom", "/feeds/deadlines.ics", "/feeds/deadlines.ics?tag=vsa",
         "/api/questions", "/api/questions.csv", f"/api/questions/{SENAT_PENDING}", f"/api/questions/{AN}",
         "/api/events", "/api/events.csv", "/statistiques", "/statistiques/questions", "/api/stats",
         "/api/stats.csv", "/abonnement")


@pytest.fixture(params=sorted(POISONS))
def poisoned(request: pytest.FixtureRequest, site: Site) -> Site:
    POISONS[request.param](site.db_path)
    # A new app, as a restart would: its start brings the stored deadlines up to date over the poison.
    app = create_app(site.config)
    return Site(site.config, site.db_path, site.mailer, app, app.test_client())


@pytest.mark.parametrize("path", PATHS)
def test_every_page_feed_and_api_answers(poisoned: Site, path: str) -> None:
    response = poisoned.client.get(path)
    assert response.status_code == 200, (path, response.status_code, response.get_data(as_text=True)[:2000])
    page(response)


def test_the_poisoned_question_has_an_unknown_deadline_and_the_others_keep_theirs(poisoned: Site) -> None:
    """The pending Sénat question (published 15/07/2021 in its sample, deadline 15/09/2021) carries the
    poison: no deadline, and it is not counted late; the answered Sénat one, untouched, keeps 10/02/2010
    (published 10/12/2009, two months)."""
    listed = {row["ref"]: row for row in poisoned.client.get("/api/questions").get_json()}
    assert listed[SENAT_PENDING]["deadline"] is None
    assert listed[SENAT_ANSWERED]["deadline"] == "2010-02-10"
    late = poisoned.client.get("/api/questions?overdue=1").get_json()
    assert SENAT_PENDING not in {row["ref"] for row in late}
