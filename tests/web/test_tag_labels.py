"""A tag's label and description from config.toml (`[tags.vsa]`), shown by the web pages, the e-mails
and the feeds instead of the bare tag; a tag with no entry keeps its name. The site is the web tests'
(tests/web/seeded.py: real snapshots from the samples, a real SMTP server), its config given a
`[tags.vsa]` table; the tag `exemples` has none."""

from __future__ import annotations

import re
from pathlib import Path

import icalendar
import pytest
from lxml import etree

from bot.web.app import create_app
from tests.notify.subscribers_site import SECRET, text_of
from tests.smtp import Mailer
from tests.web import seeded
from tests.web.seeded import AN, SENAT_PENDING, Site, page, web_config

clock = seeded.clock

LABEL = "Vidéosurveillance algorithmique"
# Markup in the description must reach the page as text, and its two paragraphs as two.
DESCRIPTION = "Les caméras « augmentées » & leurs <algorithmes>.\nDeuxième paragraphe."
TAGS = f'''
[tags.vsa]
label = "{LABEL}"
description = """{DESCRIPTION}"""
'''
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def site(tmp_path: Path, mailer: Mailer, monkeypatch: pytest.MonkeyPatch) -> Site:
    monkeypatch.setenv("RELANCE_SECRET", SECRET)
    monkeypatch.delenv("RELANCE_DB", raising=False)
    db_path, config = tmp_path / "relance.db", web_config(tmp_path, mailer.port, extra=TAGS)
    seeded.seed(db_path)
    app = create_app(config)
    return Site(config, db_path, mailer, app, app.test_client())


def test_the_tag_page_is_titled_by_its_label_and_shows_its_description(site: Site) -> None:
    html = page(site.client.get("/tags/vsa"))
    assert f"<title>Thème {LABEL}" in html
    assert f"<h1>Thème&nbsp;: {LABEL}</h1>" in html
    assert f'title="relance : {LABEL}"' in html  # the Atom feed's alternate link
    assert "<p>Les caméras « augmentées » &amp; leurs &lt;algorithmes&gt;.</p><p>Deuxième paragraphe.</p>" in html
    assert ">vsa<" not in html and "thème vsa" not in html
    # The address and the feeds keep the name: it is what people type and what JSON carries.
    assert "/feeds/events.atom?tag=vsa" in html and "/questions?tag=vsa" in html


def test_a_tag_without_an_entry_keeps_its_name(site: Site) -> None:
    html = page(site.client.get("/tags/exemples"))
    assert "<h1>Thème&nbsp;: exemples</h1>" in html
    assert 'class="lead tag-description"' not in html


def test_home_question_page_and_filter_show_the_label(site: Site) -> None:
    home = page(site.client.get("/"))
    assert f'<a href="/tags/vsa">{LABEL}</a> (2 questions)' in home
    assert '<a href="/tags/exemples">exemples</a> (2 questions)' in home
    question = page(site.client.get(f"/questions/{SENAT_PENDING}"))
    assert f'<dt>Thèmes</dt><dd><a href="/tags/vsa">{LABEL}</a></dd>' in question
    assert '<a href="/tags/diamants">diamants</a>, <a href="/tags/exemples">exemples</a>' in \
        page(site.client.get(f"/questions/{AN}"))
    listing = page(site.client.get("/questions?tag=vsa"))
    assert f'<option value="vsa" selected>{LABEL} (2)</option>' in listing


def test_the_subscribe_form_confirmation_and_manage_page_name_the_tag_by_its_label(site: Site) -> None:
    form = page(site.client.get("/abonnement"))
    box = re.search(r'<input id="(tags-\d+)" name="tags" type="checkbox" value="vsa"> <label for="\1">([^<]*)</label>',
                    form)
    assert box is not None and box[2] == LABEL
    assert site.subscribe("alice@example.net", tags=("vsa", "exemples")).status_code == 303
    confirmation = text_of(site.mails("alice@example.net")[-1])
    assert f"les questions marquées {LABEL}, exemples" in " ".join(confirmation.split())
    manage = page(site.client.get(f"/manage/{site.token('alice@example.net', 'manage')}"))
    assert f"les questions marquées {LABEL}, exemples" in manage


def test_the_tag_feed_is_titled_by_the_label_and_its_self_link_keeps_the_tag(site: Site) -> None:
    feed = etree.fromstring(site.client.get("/feeds/events.atom?tag=vsa").data)
    assert feed.findtext(f"{ATOM}title") == f"relance : questions écrites suivies ({LABEL})"
    self_link = feed.find(f"{ATOM}link[@rel='self']")
    assert self_link is not None and self_link.get("href") == "https://relance.test/feeds/events.atom?tag=vsa"
    everything = etree.fromstring(site.client.get("/feeds/events.atom").data)
    assert everything.findtext(f"{ATOM}title") == "relance : questions écrites suivies"
    assert everything.find(f"{ATOM}link[@rel='self']").get("href") == "https://relance.test/feeds/events.atom"


def test_the_tag_calendar_names_the_label_in_its_name_and_categories(site: Site) -> None:
    calendar = icalendar.Calendar.from_ical(site.client.get("/feeds/deadlines.ics?tag=vsa").data)
    assert str(calendar["X-WR-CALNAME"]).endswith(f"({LABEL})")
    events = calendar.walk("VEVENT")
    assert events  # the pending Sénat question's deadline
    assert all(event["CATEGORIES"].cats == [LABEL] for event in events)
