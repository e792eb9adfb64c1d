"""A write the database refuses past every retry (another process holding its write lock, an import) is a
503 saying nothing was written and when to try again, never a server error."""

from __future__ import annotations

import sqlite3

import pytest

from storage import db as storage_db
from tests.web import seeded
from tests.web.seeded import Site, page

site = seeded.site
clock = seeded.clock


def test_a_subscription_while_another_process_holds_the_write_lock_is_a_503(site: Site,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    # The web's connection (opened at its thread's first request, below) waits 0.2 s for the lock, not 10,
    # so that each retry gives up quickly.
    monkeypatch.setattr(storage_db, "BUSY_TIMEOUT_MS", 200)
    csrf = site.csrf("/abonnement")
    holder = sqlite3.connect(site.db_path, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # what an import's transaction holds while it writes
        response = site.client.post("/abonnement", data={"csrf_token": csrf, "email": "alice@example.net",
                                                         "frequency": "daily"})
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "60"
    text = page(response)
    assert "rien n&#39;a été enregistré" in text and "Traceback" not in text
    # Once the lock is gone the same request goes through: nothing was half written.
    again = site.client.post("/abonnement", data={"csrf_token": csrf, "email": "alice@example.net",
                                                  "frequency": "daily"})
    assert again.status_code == 303
    assert site.subscriber("alice@example.net").state == "pending"
