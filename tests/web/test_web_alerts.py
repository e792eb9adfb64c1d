"""Search alerts through Flask's test client, on real components (tests/web/seeded.py: a real SQLite file of
snapshots parsed from the real samples, a real SMTP server): the search page, its Atom feed, following a
search by e-mail (double opt-in), adding one to a confirmed subscription only through its owner's link,
removing one, and the page of a subscriber's questions still late.

From the samples: AN 17-5268 « Révision de la terminologie des diamants synthétiques », by Olivia Grégoire,
answered on 03/06/2025; Sénat 11244 and 23812 are Jean Louis Masson's, the second still pending (its
deadline, two months after its publication on 15/07/2021, long passed)."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

import lxml.etree
from werkzeug.test import TestResponse

from storage.db import open_db
from storage.searches import SavedSearch, searches_of
from tests.notify.subscribers_site import text_of
from tests.web import seeded
from tests.web.seeded import AN, BASE, CSRF, SENAT_ANSWERED, SENAT_PENDING, Site, page

site = seeded.site
clock = seeded.clock
ATOM = {"a": "http://www.w3.org/2005/Atom"}
ADD_LINK = re.compile(rf"{re.escape(BASE)}(/manage/[\w.-]+/recherche\?[^\s\"<]+)")


def follow(site: Site, email: str, frequency: str = "daily", **search: str) -> TestResponse:
    """The search page's form, as a person sends it: its CSRF token and hidden fields, their address."""
    shown = page(site.client.get("/recherche", query_string=search))
    hidden = dict(re.findall(r'<input id="(q|chamber|author|ministry)" name="\1" type="hidden" value="([^"]*)"', shown))
    assert hidden == {name: search.get(name, "") for name in ("q", "chamber", "author", "ministry")}
    return site.client.post("/recherche/suivre", data={"csrf_token": CSRF.search(shown)[1], "email": email,  # type: ignore[index]
                                                        "frequency": frequency, **hidden})


def read(response: TestResponse) -> str:
    """A page's text as a person reads it: without tags, entities decoded, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page(response))).split())


def searches(site: Site, email: str) -> list[SavedSearch]:
    db = open_db(site.db_path)
    try:
        return [f.search for f in searches_of(db, site.subscriber(email).id)]
    finally:
        db.close()


# --- the search page and its feed ---------------------------------------------------------------


def test_the_search_page_finds_words_and_authors_over_every_stored_question(site: Site) -> None:
    diamonds = page(site.client.get("/recherche?q=diamant"))  # a word's beginning finds « diamants »
    assert "Questions contenant « diamant »&nbsp;: 1 trouvée." in diamonds
    assert f'href="/questions/{AN}">AN 17-5268</a> — Révision de la terminologie des diamants' in diamonds
    assert "les <mark>diamants</mark> produits en laboratoire" in diamonds  # the words found, marked
    assert "Suivre cette recherche par e-mail" in diamonds
    assert f'<link rel="alternate" type="application/atom+xml" title="relance : questions contenant « diamant »" ' \
           f'href="{BASE}/recherche.atom?q=diamant">' in diamonds
    masson = read(site.client.get("/recherche?author=Masson&chamber=senat"))
    assert "Questions au Sénat, de l'auteur « Masson » : 2 trouvées." in masson
    assert SENAT_ANSWERED[3:] not in diamonds and "Sénat 11244" in masson and "Sénat 23812" in masson
    nothing = read(site.client.get("/recherche?q=diamant&chamber=senat"))
    assert "Questions contenant « diamant », au Sénat : aucune trouvée." in nothing


def test_a_search_with_nothing_to_search_for_is_told_in_french(site: Site) -> None:
    empty = site.client.get("/recherche?q=%22%21%22")
    assert empty.status_code == 400 and "Les mots : aucune lettre ni chiffre à chercher." in page(empty)
    wrong = site.client.get("/recherche?q=x&chamber=lords")
    assert wrong.status_code == 400 and "l'Assemblée nationale (an) ou le Sénat (senat)" in read(wrong)
    assert "Rechercher dans les questions écrites" in page(site.client.get("/recherche"))  # the bare form: no error
    feed = site.client.get("/recherche.atom")
    assert feed.status_code == 400 and "Indiquez des mots, un auteur ou un ministère" in page(feed)


def test_each_search_has_its_atom_feed_whose_self_link_keeps_the_query(site: Site) -> None:
    response = site.client.get("/recherche.atom?chamber=an&q=diamants%20 synthétiques")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    feed = lxml.etree.fromstring(response.data)
    self_link = str(feed.xpath("string(a:link[@rel='self']/@href)", namespaces=ATOM))
    assert parse_qs(urlsplit(self_link).query) == {"q": ["diamants synthétiques"], "chamber": ["an"]}
    assert self_link.startswith(f"{BASE}/recherche.atom?q=")
    assert feed.findtext("a:title", namespaces=ATOM) == "relance : questions contenant « diamants synthétiques », " \
                                                        "à l'Assemblée nationale"
    titles = [str(e.findtext("a:title", namespaces=ATOM)) for e in feed.findall("a:entry", ATOM)]
    assert titles and all("AN 17-5268" in t for t in titles)
    assert any(t.startswith("Réponse publiée") for t in titles), titles
    again = site.client.get(self_link.removeprefix(BASE), headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


# --- following a search by e-mail ---------------------------------------------------------------


def test_a_visitor_follows_a_search_by_email_with_double_opt_in(site: Site) -> None:
    sent = follow(site, "bea@example.net", frequency="weekly", q="diamants", chamber="an")
    assert sent.status_code == 303 and sent.location == "/abonnement/envoye"
    [mail] = site.mails("bea@example.net")
    assert mail["Subject"] == "Confirmez votre abonnement à relance"
    assert "les questions contenant « diamants », à l'Assemblée nationale" in " ".join(text_of(mail).split())
    assert site.subscriber("bea@example.net").state == "pending"
    assert searches(site, "bea@example.net") == [SavedSearch("diamants", "an")]
    token = re.search(rf"{BASE}/confirm/([\w.-]+)", text_of(mail))[1]  # type: ignore[index]
    confirmed = site.client.post(f"/confirm/{token}", data={"csrf_token": site.csrf(f"/confirm/{token}")})
    assert site.subscriber("bea@example.net").state == "confirmed"
    manage = page(site.client.get(confirmed.location))
    said = read(site.client.get(confirmed.location))
    assert "Vous suivez les questions contenant « diamants », à l'Assemblée nationale, en un résumé hebdomadaire." \
        in said
    assert "toutes les questions suivies" not in said  # a search alone is not « everything »
    assert 'href="/recherche?q=diamants&amp;chamber=an">Questions contenant « diamants »' in manage
    assert ">Retirer</button>" in manage


def test_a_confirmed_address_gains_a_search_only_through_its_own_link(site: Site) -> None:
    site.confirm("carl@example.net")
    assert follow(site, "carl@example.net", author="Masson").status_code == 303
    assert searches(site, "carl@example.net") == []  # nothing changes on a stranger's request
    mail = site.mails("carl@example.net")[-1]
    assert mail["Subject"] == "Ajouter une recherche à votre abonnement relance"
    link = ADD_LINK.search(text_of(mail))
    assert link, text_of(mail)
    shown = page(site.client.get(link[1]))  # a mail scanner opens it: still nothing added
    assert "Ajouter à votre abonnement les questions de l'auteur « Masson »" in read(site.client.get(link[1]))
    assert searches(site, "carl@example.net") == []
    added = site.client.post(link[1], data={"csrf_token": CSRF.search(shown)[1]})  # type: ignore[index]
    assert added.status_code == 303 and added.location.startswith("/manage/")
    assert searches(site, "carl@example.net") == [SavedSearch(author="Masson")]
    assert "Vous suivez désormais les questions de l'auteur « Masson »." in read(site.client.get(added.location))
    forged = site.client.get(link[1].replace("/manage/", "/manage/x"))
    assert forged.status_code == 400 and "Lien non valable" in page(forged)


def test_a_subscriber_removes_a_search_from_the_manage_page(site: Site) -> None:
    follow(site, "dan@example.net", q="diamants")
    follow(site, "dan@example.net", author="Masson")  # still pending: the second joins the first
    assert searches(site, "dan@example.net") == [SavedSearch("diamants"), SavedSearch(author="Masson")]
    token = site.token("dan@example.net", "manage")
    manage = page(site.client.get(f"/manage/{token}"))
    [first, _] = re.findall(rf'action="(/manage/{re.escape(token)}/recherches/\d+/retirer)"', manage)
    removed = site.client.post(first, data={"csrf_token": CSRF.search(manage)[1]})  # type: ignore[index]
    assert removed.status_code == 303
    assert searches(site, "dan@example.net") == [SavedSearch(author="Masson")]
    assert "Vous ne suivez plus les questions contenant « diamants »." in read(site.client.get(removed.location))


def test_the_still_late_page_lists_a_subscribers_late_questions(site: Site) -> None:
    site.confirm("eve@example.net")  # everything watched: the Sénat question 23812 is late, AN 17-5268 answered
    token = site.token("eve@example.net", "manage")
    late = site.client.get(f"/manage/{token}/sans-reponse")
    assert late.status_code == 200 and late.headers["Cache-Control"] == "no-store"
    shown = page(late)
    assert "1 question en retard." in shown and "Sénat 23812" in shown and "AN 17-5268" not in shown
    # Published on 15/07/2021, answer due by 15/09/2021: 1,364 days late on 10/06/2025.
    assert "1\u202f364 jours de retard" in shown or "1 364 jours de retard" in shown, shown
    assert SENAT_PENDING in shown  # its official page's address
