"""An SMTP server that refuses a recipient or hangs up in the middle of DATA, through `relance notify`:
the one notice fails alone, and goes on a later run, once."""

from __future__ import annotations

from pathlib import Path

from tests.app.check_site import relance
from tests.notify import subscribers_site
from tests.notify.subscribers_site import ok
from tests.service import faulty_smtp
from tests.service.faulty_smtp import SUBSCRIBERS, FaultyMailer, ledger, notices, three_notices_due

# Fixtures, registered here under these names: one pending AN question, an [email] section,
# RELANCE_SECRET set (the `config` of tests/notify/subscribers_site.py), and the faulty SMTP server in
# place of `mailer`.
notify_config = subscribers_site.config
mailer = faulty_smtp.mailer


def test_a_refused_recipient_fails_alone(notify_config: Path, mailer: FaultyMailer) -> None:
    three_notices_due(notify_config, mailer)
    mailer.inbox.refuse.add("bob@example.net")
    result = relance(notify_config, "notify")
    assert result.exit_code == 2 and "envoyés 2, en échec 1" in result.stdout
    assert "il a refusé le message pour bob@example.net" in result.stderr and "550" in result.stderr
    assert ledger(notify_config) == {"alice@example.net": ("sent", 1), "bob@example.net": ("failed", 1),
                                     "carol@example.net": ("sent", 1)}
    assert [len(notices(mailer, a)) for a in SUBSCRIBERS] == [1, 0, 1]

    mailer.inbox.refuse.clear()  # the mailbox is back: the failed notice goes, the others do not go again
    assert "envoyés 1, en échec 0" in ok(relance(notify_config, "notify")).stdout
    assert [len(notices(mailer, a)) for a in SUBSCRIBERS] == [1, 1, 1]
    assert ledger(notify_config)["bob@example.net"] == ("sent", 2)


def test_a_connection_dropped_mid_data_fails_and_is_resent_once(notify_config: Path, mailer: FaultyMailer) -> None:
    three_notices_due(notify_config, mailer)
    mailer.inbox.hang_up_once.add("bob@example.net")
    result = relance(notify_config, "notify")
    assert result.exit_code == 2 and "n'a pas pris le message pour bob@example.net" in result.stderr
    # The connection is gone: the notices after bob's wait for the next run rather than fail too.
    assert ledger(notify_config) == {"alice@example.net": ("sent", 1), "bob@example.net": ("failed", 1),
                                     "carol@example.net": ("queued", 0)}
    assert [len(notices(mailer, a)) for a in SUBSCRIBERS] == [1, 0, 0]

    assert "envoyés 2, en échec 0" in ok(relance(notify_config, "notify")).stdout
    assert "envoyés 0, en échec 0" in ok(relance(notify_config, "notify")).stdout
    assert [len(notices(mailer, a)) for a in SUBSCRIBERS] == [1, 1, 1]
    assert ledger(notify_config) == {"alice@example.net": ("sent", 1), "bob@example.net": ("sent", 2),
                                     "carol@example.net": ("sent", 1)}


