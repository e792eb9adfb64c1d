"""The web interface through Flask's test client, on real components (tests/web/seeded.py): a real SQLite
file holding snapshots parsed from the real samples, a real SMTP server, the real config loader. A
subscriber's manage page: choices, pause, leave, and one-click unsubscribe."""

from __future__ import annotations

import re
from datetime import date, timedelta
from urllib.parse import urlsplit

import time_machine
from click.testing import CliRunner

from bot.main import main
from storage.db import open_db
from storage.questions import save_check
from storage.records import Event, Poll
from tests.notify.subscribers_site import text_of
from tests.web import seeded
from tests.web.seeded import (
    CSRF,
    NOW,
    SENAT_ANSWERED,
    SENAT_PENDING,
    SENAT_PENDING_URL,
    Site,
    page,
    senat_pending,
)

# Fixtures, registered here under these names: the site of seeded real snapshots, and today (autouse).
site = seeded.site
clock = seeded.clock


# --- manage: choices, pause, leave --------------------------------------------------------------


def test_manage_changes_frequency_and_follows(site: Site) -> None:
    site.confirm("alice@example.net")
    path = f"/manage/{site.token('alice@example.net', 'manage')}"
    html = page(site.client.get(path))
    assert 'checked id="frequency-1" name="frequency" required type="radio" value="daily"' in html
    response = site.client.post(path, data={"csrf_token": CSRF.search(html)[1],  # type: ignore[index]
                                            "frequency": "immediate", "tags": ["diamants", "vsa"],
                                            "refs": "SEQ091211244"})
    assert response.status_code == 303 and response.location == path
    alice = site.subscriber("alice@example.net")
    assert (alice.frequency, alice.tags, alice.refs) == ("immediate", ("diamants", "vsa"), (SENAT_ANSWERED,))
    assert "Vos choix sont enregistrés" in page(site.client.get(path))
    bad = site.client.post(path, data={"csrf_token": site.csrf(path), "frequency": "daily", "refs": "AN 17-1"})
    assert bad.status_code == 400 and "n&#39;est pas suivie par ce site" in page(bad)
    assert site.subscriber("alice@example.net").frequency == "immediate"


def test_pause_resume_and_leave(site: Site) -> None:
    site.confirm("alice@example.net")
    path = f"/manage/{site.token('alice@example.net', 'manage')}"
    paused = site.client.post(f"{path}/pause", data={"csrf_token": site.csrf(path)})
    assert paused.status_code == 303 and site.subscriber("alice@example.net").state == "paused"
    html = page(site.client.get(path))
    assert "en pause" in html and "Reprendre mon abonnement" in html
    # A paused subscriber asking to subscribe again is not reset to pending: they get their manage link.
    assert site.subscribe("alice@example.net").status_code == 303
    assert site.subscriber("alice@example.net").state == "paused"
    assert "en pause" in text_of(site.mails("alice@example.net")[-1])
    resumed = site.client.post(f"{path}/resume", data={"csrf_token": site.csrf(path)})
    assert resumed.status_code == 303 and site.subscriber("alice@example.net").state == "confirmed"
    left = site.client.post(f"{path}/leave", data={"csrf_token": site.csrf(path)})
    assert left.status_code == 303 and site.subscriber("alice@example.net").state == "unsubscribed"
    html = page(site.client.get(path))
    assert "désabonné" in html and "abonnez-vous de nouveau" in html and "Enregistrer mes choix" not in html
    again = site.client.post(path, data={"csrf_token": site.csrf("/abonnement"), "frequency": "daily"})
    assert again.status_code == 400 and site.subscriber("alice@example.net").state == "unsubscribed"


def test_a_paused_subscriber_hears_nothing_until_resumed(site: Site) -> None:
    site.confirm("alice@example.net")
    path = f"/manage/{site.token('alice@example.net', 'manage')}"
    site.client.post(path, data={"csrf_token": site.csrf(path), "frequency": "immediate"})
    site.client.post(f"{path}/pause", data={"csrf_token": site.csrf(path)})
    signaled = Event(SENAT_PENDING, "signaled", "2025-06-11", date(2025, 6, 11), NOW + timedelta(hours=1), {})
    db = open_db(site.db_path)
    save_check(db, senat_pending(), [signaled], Poll(NOW, SENAT_PENDING, "senat", SENAT_PENDING_URL, 200, "changed"))
    db.close()
    with time_machine.travel(NOW + timedelta(hours=2), tick=True):
        assert CliRunner().invoke(main, ["--config", str(site.config), "notify"]).exit_code == 0
        assert len(site.mails("alice@example.net")) == 1  # the confirmation only
        site.client.post(f"{path}/resume", data={"csrf_token": site.csrf(path)})
    renewed = Event(SENAT_PENDING, "renewed", "2025-06-12", date(2025, 6, 12), NOW + timedelta(hours=3), {})
    db = open_db(site.db_path)
    save_check(db, senat_pending(), [renewed], Poll(NOW, SENAT_PENDING, "senat", SENAT_PENDING_URL, 200, "changed"))
    db.close()
    with time_machine.travel(NOW + timedelta(hours=4), tick=True):
        assert CliRunner().invoke(main, ["--config", str(site.config), "notify"]).exit_code == 0
    notice = site.mails("alice@example.net")[-1]
    assert len(site.mails("alice@example.net")) == 2
    assert "renouvelée" in text_of(notice).lower() and "signalée" not in text_of(notice).lower()


# --- unsubscribe --------------------------------------------------------------------------------


def test_one_click_unsubscribe_rfc_8058(site: Site) -> None:
    site.confirm("alice@example.net")
    token = site.token("alice@example.net", "unsubscribe")
    shown = site.client.get(f"/unsubscribe/{token}")  # a click, or a scanner: changes nothing
    assert shown.status_code == 200 and "Me désabonner" in page(shown)
    assert site.subscriber("alice@example.net").state == "confirmed"
    mail_client = site.app.test_client(use_cookies=False)  # a mail client: no cookie, no CSRF token
    response = mail_client.post(f"/unsubscribe/{token}", data="List-Unsubscribe=One-Click",
                                content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200 and "Vous êtes désabonné" in page(response)
    assert "Set-Cookie" not in response.headers
    assert site.subscriber("alice@example.net").state == "unsubscribed"
    assert mail_client.post(f"/unsubscribe/{token}", data="List-Unsubscribe=One-Click",
                            content_type="application/x-www-form-urlencoded").status_code == 200  # twice: fine
    assert "déjà désabonné" in page(site.client.get(f"/unsubscribe/{token}"))


def test_the_unsubscribe_link_of_a_real_notice_works(site: Site) -> None:
    site.confirm("alice@example.net")
    path = f"/manage/{site.token('alice@example.net', 'manage')}"
    site.client.post(path, data={"csrf_token": site.csrf(path), "frequency": "immediate"})
    signaled = Event(SENAT_PENDING, "signaled", "2025-06-11", date(2025, 6, 11), NOW + timedelta(hours=1), {})
    db = open_db(site.db_path)
    save_check(db, senat_pending(), [signaled], Poll(NOW, SENAT_PENDING, "senat", SENAT_PENDING_URL, 200, "changed"))
    db.close()
    with time_machine.travel(NOW + timedelta(hours=2), tick=True):
        assert CliRunner().invoke(main, ["--config", str(site.config), "notify"]).exit_code == 0
        notice = site.mails("alice@example.net")[-1]
        found = re.search(r"<https://relance\.test(/unsubscribe/[\w.-]+)>", str(notice["List-Unsubscribe"]))
        assert found and notice["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        response = site.app.test_client(use_cookies=False).post(found[1], data={"List-Unsubscribe": "One-Click"})
        assert response.status_code == 200 and site.subscriber("alice@example.net").state == "unsubscribed"
        manage = re.search(r"https://relance\.test(/manage/[\w.-]+)", text_of(notice))
        assert manage and "désabonné" in page(site.client.get(manage[1]))


def test_no_redirect_goes_to_a_user_supplied_address(site: Site) -> None:
    response = site.subscribe("alice@example.net", next="https://evil.test/", redirect="//evil.test")
    assert response.status_code == 303 and response.location == "/abonnement/envoye"
    for path in ("/questions/https:%2F%2Fevil.test", "/questions//evil.test", "/abonnement?next=//evil.test",
                 "//evil.test/questions"):
        location = urlsplit(site.client.get(path).headers.get("Location") or "")
        # Relative, or absolute on [web] base_url's host (never the Host header's, never the user's).
        assert location.netloc in ("", "localhost", "relance.test") and not location.path.startswith("//")


def test_manage_page_of_a_subscription_not_confirmed_yet(site: Site) -> None:
    assert site.subscribe("alice@example.net").status_code == 303
    path = f"/manage/{site.token('alice@example.net', 'manage')}"
    html = page(site.client.get(path))
    assert "attend sa confirmation" in html and "Mettre en pause" not in html and "Me désabonner" in html
    response = site.client.post(f"{path}/pause", data={"csrf_token": site.csrf(path)})
    assert response.status_code == 303 and site.subscriber("alice@example.net").state == "pending"
    assert "pas encore confirmé" in page(site.client.get(path))


# --- issue 17: links from before leaving ---------------------------------------------------------


def test_links_from_before_leaving_are_refused_once_the_address_subscribes_again(site: Site) -> None:
    site.confirm("alice@example.net")
    old_manage = f"/manage/{site.token('alice@example.net', 'manage')}"
    old_unsubscribe = f"/unsubscribe/{site.token('alice@example.net', 'unsubscribe')}"
    left = site.client.post(f"{old_manage}/leave", data={"csrf_token": site.csrf(old_manage)})
    assert left.status_code == 303 and site.subscriber("alice@example.net").state == "unsubscribed"
    assert "désabonné" in page(site.client.get(old_manage))  # still says so while the address stays gone
    site.confirm("alice@example.net")  # back: subscribe again and confirm, as a person does
    assert site.subscriber("alice@example.net").state == "confirmed"
    for path in (old_manage, old_unsubscribe):
        refused = site.client.get(path)
        assert refused.status_code == 400 and "n&#39;est plus valable" in page(refused), path
    refused = site.client.post(f"{old_manage}/leave", data={"csrf_token": site.csrf("/abonnement")})
    assert refused.status_code == 400 and site.subscriber("alice@example.net").state == "confirmed"
    one_click = site.app.test_client(use_cookies=False).post(old_unsubscribe, data="List-Unsubscribe=One-Click",
                                                             content_type="application/x-www-form-urlencoded")
    assert one_click.status_code == 400 and site.subscriber("alice@example.net").state == "confirmed"
    # The links of the new subscription work.
    new_manage = f"/manage/{site.token('alice@example.net', 'manage')}"
    assert "actif" in page(site.client.get(new_manage))
