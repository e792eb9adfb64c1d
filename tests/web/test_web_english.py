"""The web interface in English (`relance --lang en serve`, or an English environment) and in French, its
default, on the seeded site of real snapshots (tests/web/seeded.py): the pages, the error pages and the
API's errors, the forms with their errors (WTForms' own included) and the notices after a post.

Expected values come from the samples: Sénat 23812's answer was due on 15/09/2021, 1364 days before
today (10/06/2025); the tag `exemples` holds AN 17-5268 (answered 03/06/2025, 9 days late) and Sénat 11244
(answered 28/10/2010, late), a span of more than 24 months, so its chart counts per year."""

from __future__ import annotations

from html import unescape

from bot.notify.i18n import use_language
from tests.web import seeded
from tests.web.seeded import SENAT_PENDING, Site, page

# Fixtures, registered here under these names: the site of seeded real snapshots, and today (autouse).
site = seeded.site
clock = seeded.clock


def test_the_pages_speak_english_when_asked(site: Site, english: None) -> None:
    home = page(site.client.get("/"))
    assert '<html lang="en">' in home
    assert "<h1>Followed written questions</h1>" in home
    assert "1364 days late" in home  # Sénat 23812, due 15/09/2021
    assert "(1 question)" in home and "(2 questions)" in home  # the tags diamants and exemples
    assert 'aria-label="Main navigation"' in home and "S'abonner" not in home

    question = page(site.client.get(f"/questions/{SENAT_PENDING}"))
    assert "<dt>Deadline of the answer</dt><dd>15 September 2021" in question
    assert '<span class="late">1364 days late</span>' in question
    # The rule under the deadline, from the core's marked words (bot/core/deadlines.py), in English too.
    assert '<span class="rule">2 months after publication in the JO of 15/07/2021 (' in question

    tag = page(site.client.get("/tags/exemples"))
    assert "<h1>Theme: exemples</h1>" in tag
    assert ("Answers published per year, from 2010 to 2025: 2 answers, 2 of them after the deadline."
            in tag)
    assert "0 answers on time, 2 after the deadline." in tag  # English puts 0 in the plural


def test_errors_speak_english_and_the_api_keeps_its_keys(site: Site, english: None) -> None:
    missing = site.client.get("/nope")
    assert missing.status_code == 404
    assert "<h1>Page not found</h1>" in page(missing) and "Code 404" in page(missing)
    not_a_ref = site.client.get("/questions/nope")
    assert not_a_ref.status_code == 404
    assert "“nope” is not a written question's reference." in unescape(page(not_a_ref))
    api = site.client.get("/api/questions/nope")
    assert api.status_code == 404
    assert api.get_json() == {"error": "'nope' is not a written question's reference.", "status": 404}


def test_forms_their_errors_and_the_notices_speak_english(site: Site, english: None) -> None:
    refused = site.client.post("/abonnement", data={"csrf_token": site.csrf("/abonnement"), "email": "a@example.net",
                                                     "frequency": "hourly", "refs": "zz"})
    assert refused.status_code == 400
    html = unescape(page(refused))
    assert "<h2>The form has errors</h2>" in html
    assert ">Frequency</a>: Not a valid choice." in html  # the label from the catalogs, the error WTForms' own
    assert ">Questions</a>: “zz” is not a written question's reference." in html
    assert "One digest a day" in html and "How often?" in html

    confirmed = site.confirm("b@example.net")
    assert confirmed.status_code == 303
    manage = page(site.client.get(confirmed.headers["Location"]))
    assert "Your subscription is confirmed. You will receive the next news by e-mail." in manage
    assert "<h1>Your subscription</h1>" in manage and "Save my choices" in manage


def test_french_is_the_default_and_comes_back_after_english(site: Site) -> None:
    use_language("en")
    try:
        assert '<html lang="en">' in page(site.client.get("/"))
    finally:
        use_language("fr")
    home = page(site.client.get("/"))
    assert '<html lang="fr">' in home and "<h1>Questions écrites suivies</h1>" in home
    assert "(1 question)" in home and "(2 questions)" in home
    tag = page(site.client.get("/tags/exemples"))
    assert "0 réponse dans les délais, 2 après l'échéance." in tag  # French puts 0 in the singular
    refused = page(site.client.post("/abonnement", data={"csrf_token": site.csrf("/abonnement"),
                                                          "email": "a@example.net", "frequency": "hourly"}))
    assert ">Fréquence</a>\xa0: N'est pas un choix valide." in unescape(refused)
