"""Team channels end to end: real events in a real SQLite file, sent through Apprise to a real HTTP
server on 127.0.0.1 (a json:// webhook), each (channel, event) once, failures retried unchanged."""

from __future__ import annotations

import json
import socket
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from sqlite_utils import Database

from bot.core.deadlines import PARIS
from bot.core.events import diff
from bot.notify import channels
from bot.notify.channel_notice import notice_text, payload
from bot.notify.channels import (
    Channel,
    ChannelError,
    ChannelReport,
    check_channel,
    masked_url,
    notify_channels,
    send,
)
from bot.notify.content import item_from_event
from scrapers.an import parse_an_json
from storage.db import open_db
from storage.ledger import channel_recipient, list_messages
from storage.questions import get_question, list_events, save_check
from storage.records import Event, Poll
from tests.an_variants import dump, qe_json, without_answer
from tests.conftest import sample_bytes

REF = "QANR5L17QE5268"
SOURCE = "https://www.assemblee-nationale.fr/dyn/opendata/QANR5L17QE5268.json"
FIRST_SEEN = datetime(2025, 3, 26, 8, 0, tzinfo=PARIS)  # the question is added to the watchlist
ANSWER_SEEN = datetime(2025, 6, 4, 9, 30, tzinfo=PARIS)  # the day after the answer's JO
NOW = datetime(2025, 6, 4, 10, 0, tzinfo=PARIS)
TAGS = {REF: ("commerce",)}
MINISTRY = "Ministère de l’économie, des finances et de la souveraineté industrielle et numérique"
TIMEOUTS = "cto=2&rto=2"  # Apprise's connect and read timeouts, in seconds


def poll(at: datetime) -> Poll:
    return Poll(at=at, ref=REF, source="an", url=SOURCE, http_status=200, outcome="changed")


@pytest.fixture
def db(tmp_path: Path) -> Database:
    """The real question seen twice: first awaiting its answer (a `published` event), then answered."""
    database = open_db(tmp_path / "relance.db")
    pending = parse_an_json(dump(without_answer(qe_json())), SOURCE)
    answered = parse_an_json(sample_bytes("an/QANR5L17QE5268.json"), SOURCE)
    first = diff(None, pending, today=FIRST_SEEN.date(), last_day=None, seen_at=FIRST_SEEN)
    save_check(database, pending, first, poll(FIRST_SEEN))
    then = diff(pending, answered, today=ANSWER_SEEN.date(), last_day=date(2025, 6, 1), seen_at=ANSWER_SEEN)
    save_check(database, answered, then, poll(ANSWER_SEEN))
    assert [e.kind for e in list_events(database)] == ["published", "answered"]
    return database


def hook(server: HTTPServer, path: str = "/hook", query: str = TIMEOUTS) -> str:
    return f"json://127.0.0.1:{server.port}{path}?{query}"


def posts(server: HTTPServer, path: str = "/hook") -> list[dict[str, Any]]:
    return [json.loads(request.get_data()) for request, _response in server.log if request.path == path]


def run(db: Database, *channels: Channel, **options: Any) -> ChannelReport:
    return notify_channels(db, channels, TAGS, NOW, **options)


def messages(db: Database, name: str) -> list[Any]:
    return list_messages(db, channel_recipient(name))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


# --- the webhook body


def test_one_post_per_event_with_the_documented_json(db: Database, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    report = run(db, Channel("equipe", hook(httpserver)))
    assert (report.queued, report.sent, report.failed, report.errors) == (2, 2, 0, [])

    bodies = posts(httpserver)
    assert [b["relance"]["kind"] for b in bodies] == ["published", "answered"]
    request = httpserver.log[1][0]
    assert request.method == "POST" and request.headers["Content-Type"] == "application/json"
    answered = bodies[1]
    # Apprise's envelope, unchanged, with the event under "relance".
    assert set(answered) == {"version", "title", "message", "attachments", "type", "relance"}
    assert answered["version"] == "1.0" and answered["attachments"] == [] and answered["type"] == "success"
    assert answered["title"] == "AN 17-5268 — réponse publiée"
    assert "Révision de la terminologie des diamants synthétiques (Olivia Grégoire)" in answered["message"]
    event = answered["relance"]
    answered_id = list_events(db)[1].id
    expected = {
        "relance_version": 1, "event_id": answered_id, "kind": "answered", "kind_fr": "réponse publiée",
        "ref": REF, "label": "AN 17-5268", "chamber": "an",
        "url": "https://www.assemblee-nationale.fr/dyn/17/questions/QANR5L17QE5268",
        "title": "Révision de la terminologie des diamants synthétiques", "author": "Olivia Grégoire",
        "ministry": MINISTRY, "date": "2025-06-03", "seen_at": "2025-06-04T09:30:00+02:00",
        # published on 25/03/2025 + 2 months = 25/05/2025; answered on 03/06/2025, 9 days later
        "deadline": "2025-05-25", "days_late": 9, "days_left": None,
        "from_ministry": None, "to_ministry": None,
    }
    assert {k: event[k] for k in expected} == expected
    assert set(event) == {*expected, "deadline_rule", "excerpt", "rules"}
    assert event["rules"] is None  # the follow rules that found a question: `matched` events only
    assert "2 mois après la publication au JO du 25/03/2025" in event["deadline_rule"]
    assert event["excerpt"].startswith("À la suite de la sollicitation d'un opérateur produisant des diamants")

    published = bodies[0]["relance"]
    assert (published["kind"], published["date"], published["seen_at"]) == (
        "published", "2025-03-25", "2025-03-26T08:00:00+01:00")  # winter time: +01:00
    assert bodies[0]["type"] == "info"
    assert [m.state for m in messages(db, "equipe")] == ["sent", "sent"]


def test_a_second_run_posts_nothing(db: Database, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    channel = Channel("equipe", hook(httpserver))
    run(db, channel)
    assert len(httpserver.log) == 2
    again = run(db, channel)
    assert (again.queued, again.sent, again.failed) == (0, 0, 0)
    assert len(httpserver.log) == 2
    assert len(messages(db, "equipe")) == 2


def test_a_failed_post_is_sent_again_unchanged_on_the_next_run(db: Database, httpserver: HTTPServer) -> None:
    channel = Channel("equipe", hook(httpserver), kinds=("answered",))
    httpserver.expect_request("/hook", method="POST").respond_with_data("down", status=500)
    report = run(db, channel)
    assert (report.queued, report.sent, report.failed) == (1, 0, 1)
    assert len(report.errors) == 1 and report.errors[0].startswith("canal « equipe » : ")
    [message] = messages(db, "equipe")
    assert (message.state, message.attempts, message.sent_at) == ("failed", 1, None)
    assert message.last_error is not None and "500" in message.last_error
    failed_body = httpserver.log[0][0].get_data()

    httpserver.clear()
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    retry = run(db, channel)
    assert (retry.queued, retry.sent, retry.failed, retry.errors) == (0, 1, 0, [])
    assert len(httpserver.log) == 1 and httpserver.log[0][0].get_data() == failed_body
    [message] = messages(db, "equipe")
    assert (message.state, message.attempts, message.last_error) == ("sent", 2, None)

    run(db, channel)
    assert len(httpserver.log) == 1


def test_a_channel_that_keeps_failing_is_left_for_the_next_run(db: Database) -> None:
    refused = f"json://127.0.0.1:{free_port()}/hook?{TIMEOUTS}"
    report = run(db, Channel("equipe", refused))
    assert (report.queued, report.sent, report.failed) == (2, 0, 2)
    assert all("connection error" in e.lower() for e in report.errors)
    assert [m.state for m in messages(db, "equipe")] == ["failed", "failed"]


def test_a_channel_that_is_down_is_not_tried_for_every_message(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(channels, "GIVE_UP_AFTER", 1)
    report = run(db, Channel("equipe", f"json://127.0.0.1:{free_port()}/hook?{TIMEOUTS}"))
    assert (report.queued, report.sent, report.failed) == (2, 0, 1)
    assert "le reste attend la prochaine exécution" in report.errors[-1]
    assert [m.state for m in messages(db, "equipe")] == ["failed", "queued"]


# --- who gets what


def test_tags_and_kinds_choose_the_events(db: Database, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/other", method="POST").respond_with_data("ok")
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    other = Channel("energie", hook(httpserver, "/other"), tags=("energie",))
    report = run(db, other, Channel("commerce", hook(httpserver), tags=("energie", "commerce"), kinds=("answered",)))
    assert posts(httpserver, "/other") == []
    assert messages(db, "energie") == []
    assert [b["relance"]["kind"] for b in posts(httpserver)] == ["answered"]
    assert report.queued == 1


def test_a_question_no_longer_watched_goes_nowhere(db: Database, httpserver: HTTPServer) -> None:
    report = notify_channels(db, [Channel("equipe", hook(httpserver))], {}, NOW)
    assert (report.queued, report.sent) == (0, 0)
    assert httpserver.log == []


def test_since_keeps_the_history_from_a_new_channel(db: Database, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    added = datetime(2025, 5, 1, 12, 0, tzinfo=PARIS)  # after the `published` event, before the answer
    report = run(db, Channel("equipe", hook(httpserver)), since={"equipe": added})
    assert report.sent == 1
    assert [b["relance"]["kind"] for b in posts(httpserver)] == ["answered"]


def test_two_channels_get_each_event_once(db: Database, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/a", method="POST").respond_with_data("ok")
    httpserver.expect_request("/b", method="POST").respond_with_data("ok")
    # "equipe" is a prefix of "equipe2": the ledger's prefix search must not mix them up.
    channels = (Channel("equipe", hook(httpserver, "/a")), Channel("equipe2", hook(httpserver, "/b")))
    assert run(db, *channels).sent == 4
    assert run(db, *channels).sent == 0
    for path in ("/a", "/b"):
        assert [b["relance"]["kind"] for b in posts(httpserver, path)] == ["published", "answered"]
    assert len(messages(db, "equipe")) == len(messages(db, "equipe2")) == 2


def test_dry_run_sends_and_queues_nothing(db: Database, httpserver: HTTPServer) -> None:
    lines: list[str] = []
    channel = Channel("equipe", hook(httpserver, "/hook/SecretPath123"))
    report = run(db, channel, dry_run=True, echo=lines.append)
    assert httpserver.log == []
    assert messages(db, "equipe") == []
    assert report.sent == 0 and report.queued == 2
    assert len(lines) == 2 and "AN 17-5268 — réponse publiée" in lines[1]
    assert not any("SecretPath123" in line for line in lines)


# --- errors never show a URL's secrets


@pytest.mark.parametrize(("url", "secrets"), [
    ("slack://T1JJ3T3L2/A1BRTD4JD/", ["T1JJ3T3L2", "A1BRTD4JD"]),  # Slack's third token is missing
    ("nosuchservice://alice:Hunter2pw@example.net/s3cr3tToken", ["alice", "Hunter2pw", "s3cr3tToken"]),
    ("matrixs://bot:Hunter2pw@/", ["Hunter2pw"]),  # no host
])
def test_an_invalid_url_is_a_channel_error_without_its_secrets(url: str, secrets: list[str]) -> None:
    channel = Channel("equipe", url)
    with pytest.raises(ChannelError) as caught:
        send(channel, "titre", "corps", {"kind": "answered"})
    text = str(caught.value)
    assert text.startswith("canal « equipe » : URL Apprise invalide ")
    assert not [s for s in secrets if s in text]
    with pytest.raises(ChannelError):
        check_channel(channel)


def test_a_failed_send_does_not_show_tokens_in_path_headers_or_password(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/hook/PathToken42", method="POST").respond_with_data("no", status=403)
    url = (f"json://relance:PassWord99@127.0.0.1:{httpserver.port}/hook/PathToken42"
           f"?{TIMEOUTS}&+Authorization=Bearer%20HeaderToken77")
    with pytest.raises(ChannelError) as caught:
        send(Channel("equipe", url), "titre", "corps", {"kind": "overdue"})
    text = str(caught.value)
    assert f"json://127.0.0.1:{httpserver.port}/…" in text and "403" in text
    assert not [s for s in ("PassWord99", "PathToken42", "HeaderToken77") if s in text]
    assert json.loads(httpserver.log[0][0].get_data())["type"] == "warning"


def test_a_bad_url_in_the_loop_is_reported_and_its_messages_wait(db: Database) -> None:
    report = run(db, Channel("equipe", "slack://T1JJ3T3L2/A1BRTD4JD/"))
    assert (report.queued, report.sent, report.failed) == (2, 0, 0)
    assert len(report.errors) == 1 and "T1JJ3T3L2" not in report.errors[0]
    assert [m.state for m in messages(db, "equipe")] == ["queued", "queued"]


def test_masked_url_keeps_only_what_is_public() -> None:
    assert masked_url("mmosts://mm.example.org/8y4xpj8oxxxtoken") == "mmosts://mm.example.org/…"
    assert masked_url("ntfys://user:pw@ntfy.example.org/topic") == "ntfys://ntfy.example.org/…"
    slack = masked_url("slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ/#general")
    assert slack.startswith("slack://") and "T1JJ3T3L2" not in slack and "TIiajkdnlazkcOXrIdevi7FQ" not in slack
    assert masked_url("not a url") == "?://…"


# --- the notice and the channel's rules, as pure functions


def answered_event(db: Database) -> Event:
    return list_events(db)[1]


def test_notice_text_in_french(db: Database) -> None:
    stored = get_question(db, REF)
    assert stored is not None
    item = item_from_event(answered_event(db), stored.snapshot, NOW.date())
    title, body = notice_text(item)
    assert title == "AN 17-5268 — réponse publiée"
    lines = body.splitlines()
    assert lines[0] == "Révision de la terminologie des diamants synthétiques (Olivia Grégoire)"
    # The e-mail's sentence (bot/notify/wording/): deadline 25/05/2025, answered 03/06/2025.
    assert lines[1] == "Réponse au JO du 3 juin 2025 (page 4348), publiée avec 9 jours de retard."
    assert lines[2].startswith("« À la suite de la sollicitation") and lines[2].endswith("… »")
    assert len(lines[2]) < 300
    assert lines[3] == f"Ministère : {MINISTRY}"
    assert lines[4] == "https://www.assemblee-nationale.fr/dyn/17/questions/QANR5L17QE5268"
    assert payload(item)["deadline"] == "2025-05-25"


def test_follows() -> None:
    everything = Channel("a", "json://localhost/hook")
    assert everything.follows(REF, (), "published")
    tagged = Channel("b", "json://localhost/hook", tags=("energie", "sante"), kinds=("overdue", "answered"))
    assert tagged.follows(REF, ("sante",), "overdue")
    assert not tagged.follows(REF, ("commerce",), "overdue")
    assert not tagged.follows(REF, (), "overdue")
    assert not tagged.follows(REF, ("sante",), "published")
    with pytest.raises(ValueError, match="type d'événement inconnu 'answer'"):
        Channel("c", "json://localhost/hook", kinds=("answer",))

