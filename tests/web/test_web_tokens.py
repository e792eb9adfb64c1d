"""The web interface through Flask's test client, on real components (tests/web/seeded.py): a real SQLite
file holding snapshots parsed from the real samples, a real SMTP server, the real config loader. The bad
inputs: forged, expired and misused tokens, missing CSRF tokens, foreign referers, oversized forms."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from bot.notify.tokens import TokenClaim, make_token
from tests.notify.subscribers_site import SECRET, token_in
from tests.web import seeded
from tests.web.seeded import (
    BASE,
    CSRF,
    NOW,
    Site,
    page,
)

# Fixtures, registered here under these names: the site of seeded real snapshots, and today (autouse).
site = seeded.site
clock = seeded.clock


# --- tokens -------------------------------------------------------------------------------------


def test_forged_tokens_are_refused(site: Site) -> None:
    site.confirm("alice@example.net")
    good = site.token("alice@example.net", "manage")
    forged = good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB")
    for path in (f"/manage/{forged}", f"/unsubscribe/{forged}", f"/confirm/{forged}", "/manage/nonsense",
                 "/manage/" + "x" * 600):
        response = site.client.get(path)
        assert response.status_code == 400 and "Ce lien n&#39;est pas valide" in page(response)
    assert site.client.post(f"/unsubscribe/{forged}", data={"List-Unsubscribe": "One-Click"}).status_code == 400
    assert site.subscriber("alice@example.net").state == "confirmed"


def test_a_token_signed_with_another_secret_is_refused(site: Site) -> None:
    site.confirm("alice@example.net")
    s = site.subscriber("alice@example.net")
    other = make_token("another-secret-also-long-enough", "manage", TokenClaim(s.id, s.email, s.generation))
    assert site.client.get(f"/manage/{other}").status_code == 400


def test_token_for_another_address_is_refused(site: Site) -> None:
    site.confirm("alice@example.net")
    alice = site.subscriber("alice@example.net")
    for purpose in ("manage", "unsubscribe"):
        token = make_token(SECRET, purpose, TokenClaim(alice.id, "mallory@example.net", alice.generation))
        assert site.client.get(f"/{purpose}/{token}").status_code == 400
    token = make_token(SECRET, "unsubscribe", TokenClaim(alice.id, "mallory@example.net", alice.generation))
    assert site.client.post(f"/unsubscribe/{token}").status_code == 400
    assert site.subscriber("alice@example.net").state == "confirmed"


def test_token_of_another_purpose_is_refused(site: Site) -> None:
    assert site.subscribe("alice@example.net").status_code == 303
    confirm_token = token_in(site.mails("alice@example.net")[0], "confirm")
    for path in (f"/manage/{confirm_token}", f"/unsubscribe/{confirm_token}"):
        assert site.client.get(path).status_code == 400
    assert site.client.post(f"/unsubscribe/{confirm_token}").status_code == 400
    manage = site.token("alice@example.net", "manage")
    assert site.client.get(f"/confirm/{manage}").status_code == 400
    assert site.subscriber("alice@example.net").state == "pending"


def test_expired_confirmation_link(site: Site) -> None:
    assert site.subscribe("alice@example.net").status_code == 303
    token = token_in(site.mails("alice@example.net")[0], "confirm")
    with time_machine.travel(NOW + timedelta(days=8), tick=True):
        csrf = site.csrf("/abonnement")  # a fresh form token: only the link is a week old
        shown = site.client.get(f"/confirm/{token}")
        assert shown.status_code == 400 and "Ce lien a expiré" in page(shown)
        posted = site.client.post(f"/confirm/{token}", data={"csrf_token": csrf})
        assert posted.status_code == 400 and "abonnez-vous de nouveau" in page(posted)
    assert site.subscriber("alice@example.net").state == "pending"


def test_an_older_confirmation_link_no_longer_works(site: Site) -> None:
    assert site.subscribe("alice@example.net").status_code == 303
    assert site.subscribe("alice@example.net").status_code == 303  # asked twice: a second link
    first, second = (token_in(m, "confirm") for m in site.mails("alice@example.net"))
    response = site.client.get(f"/confirm/{first}")
    assert response.status_code == 400 and "plus valable" in page(response)
    assert site.client.get(f"/confirm/{second}").status_code == 200


# --- CSRF and sizes -----------------------------------------------------------------------------


def test_every_form_needs_its_csrf_token(site: Site) -> None:
    site.confirm("alice@example.net")
    manage = site.token("alice@example.net", "manage")
    assert site.subscribe("bob@example.net").status_code == 303
    confirm_token = token_in(site.mails("bob@example.net")[0], "confirm")
    posts = [("/abonnement", {"email": "carol@example.net", "frequency": "daily"}),
             (f"/confirm/{confirm_token}", {}), (f"/manage/{manage}", {"frequency": "weekly"}),
             (f"/manage/{manage}/pause", {}), (f"/manage/{manage}/resume", {}), (f"/manage/{manage}/leave", {})]
    fresh = site.app.test_client()  # no session: as a forged cross-site post would be
    for path, data in posts:
        for client, form in ((fresh, data), (site.client, {**data, "csrf_token": "forged"})):
            response = client.post(path, data=form)
            assert response.status_code == 400, path
            assert "Le formulaire a expiré" in page(response)
    assert site.subscriber("alice@example.net").state == "confirmed"
    assert site.subscriber("bob@example.net").state == "pending"
    with pytest.raises(AssertionError):
        site.subscriber("carol@example.net")


def test_https_posts_need_a_same_origin_referer(site: Site) -> None:
    form = site.client.get("/abonnement", base_url=BASE)
    assert "Secure" in form.headers["Set-Cookie"] and "HttpOnly" in form.headers["Set-Cookie"]
    csrf = CSRF.search(form.get_data(as_text=True))[1]  # type: ignore[index]
    data = {"csrf_token": csrf, "email": "alice@example.net", "frequency": "daily"}
    bare = site.client.post("/abonnement", data=data, base_url=BASE)
    assert bare.status_code == 400
    cross = site.client.post("/abonnement", data=data, base_url=BASE, headers={"Referer": "https://evil.test/"})
    assert cross.status_code == 400
    same = site.client.post("/abonnement", data=data, base_url=BASE, headers={"Referer": f"{BASE}/abonnement"})
    assert same.status_code == 303


def test_oversized_form_is_a_clean_413(site: Site) -> None:
    csrf = site.csrf("/abonnement")
    response = site.client.post("/abonnement", data={"csrf_token": csrf, "email": "a@example.net",
                                                     "refs": "AN 17-5268\n" * 3000})
    assert response.status_code == 413 and "Envoi trop volumineux" in page(response)
    one_click = site.client.post(f"/unsubscribe/{'x' * 50}", data={"List-Unsubscribe": "One-Click" * 5000})
    assert one_click.status_code in (400, 413) and "Traceback" not in page(one_click)
    assert site.mailer.inbox.messages == []
