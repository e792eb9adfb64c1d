"""Follow rules on real questions: the matcher (accents, case, punctuation, author, ministry, chamber),
the bulk ingest that makes a found question watched, `relance follow add|list|remove` editing a copy of
the real bundled config.toml, the `matched` event in e-mails, channels and feeds, and the daily
discovery job of `relance run`.

Questions: the real AN sample (QANR5L17QE5268, diamants synthétiques), the real Sénat page texts
(tests/senat_pages.py), the real page text of Marie-Pierre de La Gontrie's question on facial
recognition (read under the address tests/test_senat_page.py gives it), and one derived question,
`dossus()`, documented below: the Sénat's algorithmic video-surveillance question.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import time_machine
from click.testing import CliRunner, Result
from pytest_httpserver import HTTPServer
from sqlite_utils import Database

from bot.app.config import ChannelEntry, Config, ConfigError, FollowRule, load_config
from bot.app.discovery import DISCOVERY_IMPORTS, Discovery, ImportSummary
from bot.app.ingest import IngestReport, ingest
from bot.app.watched import watched
from bot.cli.views import event_text
from bot.core.deadlines import PARIS
from bot.core.follow import has_words, matching_rules, rule_matches
from bot.main import main
from bot.notify.channel_notice import notice_text, payload
from bot.notify.channels import Channel, notify_channels
from bot.notify.content import Digest, item_from_event
from bot.notify.digest import render_digest
from bot.notify.feeds import atom_feed
from bot.service.jobs import discovery_job
from bot.service.scheduler import job_specs
from scrapers.an import parse_an_json
from scrapers.model import QuestionSnapshot
from scrapers.senat import parse_senat_text
from storage.db import open_db
from storage.followed import list_followed
from storage.ledger import channel_recipient, list_messages
from storage.questions import get_question, list_events
from tests.conftest import PROJECT, sample_bytes
from tests.senat_pages import PAGE_TEXTS, page_text

BUNDLED = PROJECT / "config.toml"
NOW = datetime(2025, 6, 9, 8, 0, tzinfo=PARIS)  # a Monday morning
AN_UID = "QANR5L17QE5268"
AN_JSON_URL = f"https://www.assemblee-nationale.fr/dyn/opendata/{AN_UID}.json"
LAGONTRIE_UID = "SEQ240501335"
DOSSUS_UID = "SEQ221103705"


# --- the questions ---------------------------------------------------------------------------------

def senat_url(uid: str) -> str:
    yy = int(uid[3:5])
    return f"https://www.senat.fr/questions/base/{1900 + yy if yy >= 78 else 2000 + yy}/q{uid}.html"


def an() -> QuestionSnapshot:
    """Olivia Grégoire's question on the terminology of synthetic diamonds, answered 3 June 2025."""
    return parse_an_json(sample_bytes("an/QANR5L17QE5268.json"), AN_JSON_URL)


def senat(uid: str) -> QuestionSnapshot:
    return parse_senat_text(page_text(uid), senat_url(uid))


def lagontrie() -> QuestionSnapshot:
    """Marie-Pierre de La Gontrie on the use of facial recognition by the police, 30 May 2024."""
    return parse_senat_text(sample_bytes("senat/oral-1335-lagontrie.page-text.txt").decode("utf-8"),
                            senat_url(LAGONTRIE_UID))


def dossus_text() -> str:
    """Thomas Dossus's written question n° 3705 (SEQ221103705, which the bundled config watches) as a
    senat.fr page text. Only its NosSénateurs text was recorded (senat/SOURCES.md), so it is derived
    from the real page text of SEQ020238665, a question to the same ministry, by one transformation:
    - above the heading, the question's title as NosSénateurs gives it (the parser reads a title there);
    - the heading names Thomas Dossus and the day NosSénateurs gives, "soumise le 10 novembre 2022"
      (his department and group are not in the samples, so the heading has none: the parser allows it);
    - the question's paragraph is replaced by the NosSénateurs text's question paragraphs, verbatim;
    - the "- page 537" line and "La question est caduque" are left out: NosSénateurs gives no JO page
      and says "Cette question n'a pas encore de réponse", so the question is pending.
    """
    nos = sample_bytes("senat/SEQ221103705.nossenateurs-text.txt").decode("utf-8").split("\n")
    start = next(i for i, line in enumerate(nos) if line.startswith("M. Thomas Dossus interroge"))
    question = "\n".join(nos[start:nos.index("Réponse", start)]).strip()
    title = "Utilisation illégale des algorithmes de vidéosurveillance par les polices municipales"
    assert title in nos
    lines = page_text("SEQ020238665").split("\n")
    assert lines[0].startswith("Question de M. MASSON Jean Louis") and lines[2].startswith("M. Jean-Louis Masson")
    kept = [line for line in lines[3:] if line not in ("- page 537", "La question est caduque")]
    return "\n".join([title, "", "Question de M. DOSSUS Thomas publiée le 10/11/2022", "", question, *kept])


def dossus() -> QuestionSnapshot:
    return parse_senat_text(dossus_text(), senat_url(DOSSUS_UID))


def real_questions() -> list[QuestionSnapshot]:
    """Every real question of the samples, and the derived Dossus question."""
    return [an(), *(senat(uid) for uid in PAGE_TEXTS), lagontrie(), dossus()]


def rule(**fields: Any) -> FollowRule:
    return FollowRule.model_validate({"name": "test", **fields})


def test_the_derived_dossus_question_reads_as_its_nossenateurs_text_says() -> None:
    q = dossus()
    assert (q.ref.uid, q.status, q.published, q.author.name) == (DOSSUS_UID, "pending", date(2022, 11, 10),
                                                               "Thomas Dossus")
    assert q.title == "Utilisation illégale des algorithmes de vidéosurveillance par les polices municipales"
    assert q.ministry_asked is not None and q.ministry_asked.name == "ministre de l'intérieur et des outre-mer"
    assert q.text is not None and q.text.startswith("M. Thomas Dossus interroge M. le ministre de l'intérieur")
    assert q.text.endswith("pour définir ses futures politiques publiques.")


# --- the matcher -----------------------------------------------------------------------------------
# Decision: a keyword is words in a row; accents, case and whatever spaces or punctuation stand between
# the words are ignored, as SQLite's full-text search does: "reconnaissance-faciale" is the phrase
# "reconnaissance faciale". Words are whole: no prefix, no singular for a plural.

@pytest.mark.parametrize("keyword", ["reconnaissance faciale", "RECONNAISSANCE FACIALE", "Reconnaissance Faciale",
                                     "reconnaissance-faciale", "reconnaissance   faciale", "reconnaissance, faciale"])
def test_a_phrase_matches_whatever_its_case_and_punctuation(keyword: str) -> None:
    # La Gontrie: "… l'usage de la reconnaissance faciale par les forces de sécurité intérieure …"
    assert rule_matches(rule(keywords=[keyword]), lagontrie())


@pytest.mark.parametrize("keyword", ["reconnaissance facial", "faciale reconnaissance", "reconnaissance fac",
                                     "econnaissance faciale"])
def test_a_phrase_is_whole_words_in_their_order(keyword: str) -> None:
    assert not rule_matches(rule(keywords=[keyword]), lagontrie())


@pytest.mark.parametrize(("keyword", "found"), [
    ("vidéosurveillance", True),  # "des algorithmes de vidéosurveillance"
    ("videosurveillance", True),  # accents folded
    ("VIDEOSURVEILLANCE", True),
    ("vidéo surveillance", True),  # "pour la vidéo-surveillance"
    ("video-surveillance", True),
    ("caméras augmentées", True),  # "des caméras « augmentées »": guillemets are punctuation
    ("cameras augmentees", True),
    ("vidéosurv", False),  # no prefix
    ("vidéosurveillances", False),
    ("reconnaissance faciale", False),
])
def test_video_surveillance_with_and_without_accents(keyword: str, found: bool) -> None:
    assert rule_matches(rule(keywords=[keyword]), dossus()) is found


def test_any_keyword_and_title_or_text() -> None:
    q = an()
    assert q.title == "Révision de la terminologie des diamants synthétiques"
    assert rule_matches(rule(keywords=["DIAMANTS SYNTHETIQUES"]), q)
    assert rule_matches(rule(keywords=["reconnaissance faciale", "pierres gemmes"]), q)  # text: "pierres gemmes"
    assert rule_matches(rule(keywords=["diamant naturel"]), q)  # "… le marché du diamant naturel"
    assert not rule_matches(rule(keywords=["diamants naturels"]), q)  # the plural is another word
    assert rule_matches(rule(keywords=["commerce et artisanat"]), q)  # the rubric (analysis)


@pytest.mark.parametrize(("author", "found"), [
    ("Grégoire", True), ("gregoire", True), ("Olivia GRÉGOIRE", True), ("Grégoire Olivia", True),
    ("Grég", False), ("Masson", False),
])
def test_author_words_accents_and_case_folded(author: str, found: bool) -> None:
    assert rule_matches(rule(author=author), an()) is found


def test_author_in_the_senat_and_whole_words_only() -> None:
    # The Sénat writes "MASSON Jean Louis", relance "Jean Louis Masson"; the text says "Jean-Louis".
    masson = [uid for uid in PAGE_TEXTS if rule_matches(rule(author="Jean-Louis Masson"), senat(uid))]
    assert masson == ["SEQ020238665", "SEQ091211244", "SEQ130606725", "SEQ181007406", "SEQ210723812"]
    assert has_words("masson", "Jean Louis Masson") and not has_words("masson", "Jean Massonnet")


def test_ministry_asked_or_holding() -> None:
    transferred = senat("SEQ210723812")  # asked: ministre de l'intérieur; transferred to the transition écologique
    assert rule_matches(rule(ministry="intérieur"), transferred)
    assert rule_matches(rule(ministry="Transition écologique"), transferred)
    assert not rule_matches(rule(ministry="économie"), transferred)
    assert rule_matches(rule(ministry="ECONOMIE"), an())


def test_every_condition_must_hold_and_the_chamber_too() -> None:
    mairie = rule(author="Masson", keywords=["mairie"], chamber="senat")
    assert [q.ref.uid for q in real_questions() if rule_matches(mairie, q)] == ["SEQ210723812"]
    assert not rule_matches(rule(keywords=["reconnaissance faciale"], chamber="an"), lagontrie())
    assert rule_matches(rule(keywords=["reconnaissance faciale"], chamber="senat"), lagontrie())
    assert not rule_matches(rule(keywords=["diamants"], chamber="senat"), an())


def test_the_bundled_rules_find_the_facial_recognition_and_vsa_questions_only() -> None:
    rules = load_config(BUNDLED).follow
    assert [r.name for r in rules] == ["Reconnaissance faciale", "Vidéosurveillance algorithmique"]
    assert all(r.tags == ("vsa",) and r.chamber is None for r in rules)  # both chambers
    found = {q.ref.uid: [r.name for r in matching_rules(rules, q)] for q in real_questions()}
    assert {uid: names for uid, names in found.items() if names} == {
        LAGONTRIE_UID: ["Reconnaissance faciale"], DOSSUS_UID: ["Vidéosurveillance algorithmique"]}


@pytest.mark.parametrize(("fields", "problem"), [
    ({"tags": ["x"]}, "give at least one of keywords, author, ministry"),
    ({"keywords": ["«»"]}, "keyword '«»' has no letter or digit"),
    ({"keywords": [" "]}, "has no letter or digit"),
    ({"author": "-"}, "author '-' has no letter or digit"),
])
def test_a_rule_that_would_match_everything_is_refused(fields: dict[str, Any], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        rule(**fields)


# --- found questions become watched ------------------------------------------------------------------

def ingest_all(db: Database, rules: tuple[FollowRule, ...], now: datetime = NOW,
               questions: list[QuestionSnapshot] | None = None) -> IngestReport:
    report = IngestReport()
    for q in real_questions() if questions is None else questions:
        ingest(db, q, source="test-import", url=q.url, now=now, rules=rules, report=report)
    return report


@pytest.fixture
def config_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the real bundled config.toml, its database in tmp_path."""
    path = tmp_path / "config.toml"
    path.write_bytes(BUNDLED.read_bytes())
    monkeypatch.setenv("RELANCE_DB", str(tmp_path / "relance.db"))
    return path


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = open_db(tmp_path / "relance.db")
    yield database
    database.close()


def test_a_found_question_is_watched_with_the_rules_tags(config_path: Path, db: Database) -> None:
    config = load_config(config_path)
    report = ingest_all(db, config.follow)
    assert (report.read, report.new, report.matched) == (10, 10, 2)
    assert {f.ref: (f.rules, f.tags) for f in list_followed(db)} == {
        LAGONTRIE_UID: (("Reconnaissance faciale",), ("vsa",)),
        DOSSUS_UID: (("Vidéosurveillance algorithmique",), ("vsa",))}
    entries = {w.ref.uid: w for w in watched(config, db)}
    assert entries[LAGONTRIE_UID].tags == ("vsa",) and entries[LAGONTRIE_UID].rules == ("Reconnaissance faciale",)
    # Dossus's question is also a [[watch]] table of the file: one entry, the file's, with the rule.
    assert (entries[DOSSUS_UID].tags, entries[DOSSUS_UID].rules) == (("vsa",), ("Vidéosurveillance algorithmique",))
    assert AN_UID in entries and "SEQ210723812" not in entries  # in the file; found by no rule
    matched = [e for e in list_events(db) if e.kind == "matched"]
    assert [(e.ref, e.key, e.official_date) for e in matched] == [
        (LAGONTRIE_UID, "Reconnaissance faciale", date(2024, 5, 30)),
        (DOSSUS_UID, "Vidéosurveillance algorithmique", date(2022, 11, 10))]
    assert matched[1].details == {"rules": ["Vidéosurveillance algorithmique"], "tags": ["vsa"], "status": "pending",
                                  "title": dossus().title, "author": "Thomas Dossus",
                                  "ministry": "ministre de l'intérieur et des outre-mer"}
    assert event_text(matched[0]) == "30/05/2024  SEQ240501335  trouvée par la règle « Reconnaissance faciale »"


def test_a_second_import_adds_nothing(db: Database) -> None:
    rules = load_config(BUNDLED).follow
    ingest_all(db, rules)
    count = len(list_events(db))
    again = ingest_all(db, rules, now=datetime(2025, 6, 10, 6, 0, tzinfo=PARIS))
    assert (again.new, again.changed, again.matched, again.unchanged, again.events) == (0, 0, 0, 10, [])
    assert len(list_events(db)) == count


def test_a_rule_added_later_finds_stored_questions_at_the_next_import(db: Database) -> None:
    ingest_all(db, ())
    assert list_followed(db) == []
    both = (*load_config(BUNDLED).follow, rule(name="Diamants", keywords=["diamants synthétiques"], tags=["commerce"]))
    report = ingest_all(db, both, now=datetime(2025, 6, 10, 6, 0, tzinfo=PARIS))
    assert (report.new, report.changed, report.matched) == (0, 0, 3)
    assert [e.kind for e in report.events] == ["matched"] * 3  # nothing else about unchanged questions


def run_cli(config: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--config", str(config), *args])


@time_machine.travel(datetime(2025, 6, 9, 10, 0, tzinfo=PARIS), tick=False)
def test_found_questions_show_in_status_by_tag_with_their_deadlines(config_path: Path, db: Database) -> None:
    ingest_all(db, load_config(config_path).follow)
    result = run_cli(config_path, "status", "--tag", "vsa", "--json")
    assert result.exit_code == 0, result.output
    rows = {row["ref"]: row for row in json.loads(result.output)}
    assert list(rows) == [DOSSUS_UID, LAGONTRIE_UID]  # the file's entry, then the found one
    # Published 10/11/2022, two months to answer (Règlement du Sénat, art. 75): due 10/01/2023,
    # unanswered on 9 June 2025, 881 days later.
    pending = rows[DOSSUS_UID]
    assert (pending["status"], pending["deadline"], pending["overdue"], pending["days_overdue"]) == (
        "pending", "2023-01-10", True, 881)
    assert pending["tags"] == ["vsa"] and pending["author"] == "Thomas Dossus"
    answered = rows[LAGONTRIE_UID]
    assert (answered["status"], answered["deadline"], answered["answered"], answered["overdue"]) == (
        "answered", "2024-07-30", "2024-06-05", False)
    assert answered["url"] == "https://www.senat.fr/questions/base/2024/qSEQ240501335.html"
    table = run_cli(config_path, "status", "--tag", "vsa")
    assert "SEQ240501335" in table.output and "Marie-Pierre de La Gontrie" in table.output


# --- relance follow add | list | remove --------------------------------------------------------------

def text_of(path: Path) -> str:
    return path.read_bytes().decode("utf-8")


DIAMANTS_TABLE = ('\n[[follow]]\nname = "Diamants"\nkeywords = ["diamants synthétiques"]\nchamber = "an"\n'
                  'tags = ["commerce"]\n')


def test_follow_add_appends_a_table_and_keeps_every_comment(config_path: Path) -> None:
    original = text_of(config_path)
    result = run_cli(config_path, "follow", "add", "Diamants", "--keyword", "diamants synthétiques",
                     "--chamber", "an", "--tag", "commerce")
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"rule 'Diamants' added to {config_path}\n")
    # After the last [[follow]] table of the bundled file, before the comments heading the watchlist.
    last = 'caméras intelligentes", "VSA"]\ntags = ["vsa"]\n'
    assert text_of(config_path) == original.replace(last, last + DIAMANTS_TABLE)
    assert original.count(last) == 1
    assert load_config(config_path).follow[-1] == rule(name="Diamants", keywords=["diamants synthétiques"],
                                                       chamber="an", tags=["commerce"])


def test_follow_add_to_a_rule_merges_keywords_and_tags(config_path: Path) -> None:
    run_cli(config_path, "follow", "add", "Diamants", "--keyword", "diamants synthétiques", "--chamber", "an",
            "--tag", "commerce")
    before = text_of(config_path)
    result = run_cli(config_path, "follow", "add", "Diamants", "--keyword", "DIAMANTS SYNTHETIQUES",
                     "--keyword", "pierres gemmes", "--tag", "commerce", "--author", "Grégoire")
    assert result.exit_code == 0, result.output
    assert "rule 'Diamants' updated" in result.output
    assert text_of(config_path) == before.replace(
        'keywords = ["diamants synthétiques"]\nchamber = "an"',
        'keywords = ["diamants synthétiques", "pierres gemmes"]\nauthor = "Grégoire"\nchamber = "an"')
    unchanged = run_cli(config_path, "follow", "add", "Diamants", "--keyword", "pierres gemmes")
    assert "already says so: nothing to change" in unchanged.output


@pytest.mark.parametrize(("args", "problem"), [
    (["Vide", "--tag", "x"], "follow[3] (name 'Vide'): give at least one of keywords, author, ministry"),
    (["Vide", "--keyword", "«»"], "keyword '«»' has no letter or digit"),
    (["a/b", "--keyword", "x"], "follow[3] (name 'a/b').name: String should match pattern"),
    (["Reconnaissance faciale", "--author", "?"], "author '?' has no letter or digit"),
])
def test_follow_add_refuses_a_bad_rule_and_leaves_the_file(config_path: Path, args: list[str], problem: str) -> None:
    original = text_of(config_path)
    result = run_cli(config_path, "follow", "add", *args)
    assert result.exit_code == 1
    assert problem in result.output and result.output.startswith(f"relance: {config_path}: ")
    assert text_of(config_path) == original


def test_follow_list_counts_what_each_rule_found(config_path: Path, db: Database) -> None:
    run_cli(config_path, "follow", "add", "Diamants", "--keyword", "diamants synthétiques", "--tag", "commerce")
    ingest_all(db, load_config(config_path).follow)
    result = run_cli(config_path, "follow", "list", "--json")
    assert result.exit_code == 0, result.output
    assert [(r["name"], r["found"], r["tags"], r["chamber"]) for r in json.loads(result.output)] == [
        ("Reconnaissance faciale", 1, ["vsa"], None), ("Vidéosurveillance algorithmique", 1, ["vsa"], None),
        ("Diamants", 1, ["commerce"], None)]
    text = run_cli(config_path, "follow", "list").output
    assert 'Reconnaissance faciale: 1 question found\n  keywords: "reconnaissance faciale",' in text
    assert "Diamants: 1 question found\n" in text and "  chamber: both; tags: commerce\n" in text


def test_follow_remove_takes_the_table_out_and_forgets_what_only_it_found(config_path: Path, db: Database) -> None:
    original = text_of(config_path)
    run_cli(config_path, "follow", "add", "Diamants", "--keyword", "diamants synthétiques", "--chamber", "an",
            "--tag", "commerce")
    run_cli(config_path, "follow", "add", "Grégoire", "--author", "Olivia Grégoire")
    ingest_all(db, load_config(config_path).follow)
    assert {f.ref: f.rules for f in list_followed(db)}[AN_UID] == ("Diamants", "Grégoire")

    result = run_cli(config_path, "follow", "remove", "Grégoire")
    assert result.exit_code == 0, result.output
    assert result.output == (f"rule 'Grégoire' removed from {config_path}\n"
                             "0 question(s) found only by 'Grégoire' no longer watched\n")
    assert {f.ref: f.rules for f in list_followed(db)}[AN_UID] == ("Diamants",)  # still found by the other
    result = run_cli(config_path, "follow", "remove", "Diamants")
    assert "1 question(s) found only by 'Diamants' no longer watched" in result.output
    assert text_of(config_path) == original  # byte for byte: comments and layout kept
    assert AN_UID not in {f.ref for f in list_followed(db)}
    assert [e.kind for e in list_events(db, ref=AN_UID)] == ["published", "matched"]  # the history stays

    removed = run_cli(config_path, "follow", "remove", "Reconnaissance faciale")
    assert "1 question(s) found only by 'Reconnaissance faciale' no longer watched" in removed.output
    table = ('[[follow]]\nname = "Reconnaissance faciale"\nkeywords = ["reconnaissance faciale", '
             '"identification faciale", "reconnaissance biométrique"]\ntags = ["vsa"]\n\n')
    assert text_of(config_path) == original.replace(table, "")  # its comment heading the rules stays
    assert LAGONTRIE_UID not in {w.ref.uid for w in watched(load_config(config_path), db)}
    status = json.loads(run_cli(config_path, "status", "--tag", "vsa", "--json").output)
    assert [row["ref"] for row in status] == [DOSSUS_UID]


def test_follow_remove_of_an_unknown_rule_names_the_rules(config_path: Path) -> None:
    result = run_cli(config_path, "follow", "remove", "Nope")
    assert result.exit_code == 1
    assert result.output == (f"relance: {config_path}: follow: no rule named 'Nope' (rules: "
                             "'Reconnaissance faciale', 'Vidéosurveillance algorithmique')\n")


def test_a_rule_deleted_by_hand_can_still_be_forgotten(config_path: Path, db: Database) -> None:
    ingest_all(db, load_config(config_path).follow)
    text = text_of(config_path)
    config_path.write_text(text[:text.index("[[follow]]\nname = \"Reconnaissance faciale\"")] +
                           text[text.index("[[follow]]\nname = \"Vidéosurveillance"):], encoding="utf-8")
    listed = run_cli(config_path, "follow", "list").output
    assert "Reconnaissance faciale: no longer in" in listed and "1 question(s) it found are still watched" in listed
    result = run_cli(config_path, "follow", "remove", "Reconnaissance faciale")
    assert result.exit_code == 0, result.output
    assert result.output == "1 question(s) found only by 'Reconnaissance faciale' no longer watched\n"


# --- the matched event, told --------------------------------------------------------------------------

def found_items(db: Database) -> list[Any]:
    return [item_from_event(e, (s.snapshot if (s := get_question(db, e.ref)) else None), NOW.date())
            for e in list_events(db) if e.ref in (LAGONTRIE_UID, DOSSUS_UID)]


def test_a_digest_tells_the_found_questions_once_each(db: Database) -> None:
    ingest_all(db, load_config(BUNDLED).follow, questions=[lagontrie(), dossus()])
    items = found_items(db)
    assert [i.kind for i in items] == ["published", "matched", "published", "matched"]
    digest = Digest("daily", tuple(items), (), NOW, "https://relance.test/manage", "https://relance.test/unsub")
    rendered = render_digest(digest)
    assert rendered.subject == "Résumé quotidien — relance : 2 questions trouvées"
    text = " ".join(rendered.text.split())
    assert "Questions trouvées par les règles de suivi (2)" in text
    assert ("Nouvelle question trouvée par la règle « Reconnaissance faciale », publiée au JO le 30 mai 2024 ; "
            "elle est désormais suivie.") in text
    assert "État : répondue" in text
    assert ("Nouvelle question trouvée par la règle « Vidéosurveillance algorithmique », publiée au JO le "
            "10 novembre 2022 ; elle est désormais suivie.") in text
    assert "Échéance : 10 janvier 2023 Délai : 2 mois après la publication au JO du 10/11/2022" in text
    assert "Nouvelle question suivie" not in text  # the `published` items go with the found ones
    assert "Nouvelle question trouvée par la règle « Reconnaissance faciale »" in rendered.html


def test_a_question_found_by_two_rules_names_both(db: Database) -> None:
    rules = (*load_config(BUNDLED).follow, rule(name="Police", keywords=["forces de sécurité intérieure"]))
    [event] = [e for e in ingest_all(db, rules, questions=[lagontrie()]).events if e.kind == "matched"]
    assert event.key == "Reconnaissance faciale|Police"
    assert event_text(event).endswith("trouvée par les règles « Reconnaissance faciale » et « Police »")
    title, _ = notice_text(item_from_event(event, lagontrie(), NOW.date()))
    assert title == "Sénat 1335 (2024-05) — trouvée par les règles « Reconnaissance faciale » et « Police »"


def test_channel_notice_payload_and_feed_entry(db: Database) -> None:
    ingest_all(db, load_config(BUNDLED).follow, questions=[dossus()])
    published, matched = found_items(db)
    title, body = notice_text(matched)
    assert title == "Sénat 3705 (2022-11) — trouvée par la règle « Vidéosurveillance algorithmique »"
    assert body.splitlines()[:3] == [
        "Utilisation illégale des algorithmes de vidéosurveillance par les polices municipales (Thomas Dossus)",
        "Nouvelle question trouvée par la règle « Vidéosurveillance algorithmique », publiée au JO le 10/11/2022 "
        "(en attente de réponse) : elle est désormais suivie.",
        "Échéance : 10/01/2023."]
    data = payload(matched)
    assert (data["kind"], data["kind_fr"], data["rules"], data["date"]) == (
        "matched", "trouvée par la règle « Vidéosurveillance algorithmique »", ["Vidéosurveillance algorithmique"],
        "2022-11-10")
    assert payload(published)["rules"] is None
    feed = atom_feed([published, matched], feed_id="tag:relance.test,2025:feed", title="t",
                     self_url="https://relance.test/feed", updated=NOW).decode("utf-8")
    assert feed.count("<entry>") == 1  # the published entry goes with the found one
    assert ("<title>Trouvée par la règle « Vidéosurveillance algorithmique » — Sénat 3705 (2022-11) : "
            "Utilisation illégale des algorithmes de vidéosurveillance par les polices municipales</title>") in feed
    assert "Nouvelle question trouvée par la règle « Vidéosurveillance algorithmique », publiée au JO le 10 novembre 2022" \
        in feed


def test_a_channel_gets_one_notice_per_found_question(db: Database, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    ingest_all(db, load_config(BUNDLED).follow)
    channel = Channel("vsa", f"json://127.0.0.1:{httpserver.port}/hook?cto=2&rto=2", tags=("vsa",))
    tags = {f.ref: f.tags for f in list_followed(db)}
    report = notify_channels(db, [channel], tags, NOW)
    assert (report.queued, report.sent, report.errors) == (2, 2, [])
    bodies = [json.loads(request.get_data()) for request, _ in httpserver.log]
    assert [(b["relance"]["ref"], b["relance"]["kind"]) for b in bodies] == [(LAGONTRIE_UID, "matched"),
                                                                           (DOSSUS_UID, "matched")]
    # Each message carries the question's published and matched events: neither is sent again.
    [first, second] = list_messages(db, channel_recipient("vsa"))
    assert notify_channels(db, [channel], tags, NOW).queued == 0
    assert first.subject == "Sénat 1335 (2024-05) — trouvée par la règle « Reconnaissance faciale »"
    assert second.subject == "Sénat 3705 (2022-11) — trouvée par la règle « Vidéosurveillance algorithmique »"


# --- discovery in the schedule ----------------------------------------------------------------------

def schedule_config(tmp_path: Path, schedule: str = "") -> Config:
    path = tmp_path / "schedule.toml"
    path.write_text(f'[relance]\ncontact = "tests@relance.test"\n{schedule}', encoding="utf-8")
    return load_config(path)


def paris(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=PARIS)


def test_discovery_runs_daily_before_the_morning_check(tmp_path: Path) -> None:
    specs = {spec.id: spec for spec in job_specs(schedule_config(tmp_path))}
    assert specs["discovery"].kind == "discovery"
    assert specs["discovery"].trigger.get_next_fire_time(None, paris("2025-06-03T10:05")) == paris("2025-06-04T06:00")
    assert specs["check"].trigger.get_next_fire_time(None, paris("2025-06-04T06:00")) == paris("2025-06-04T07:00")
    off = job_specs(schedule_config(tmp_path, '[schedule]\ndiscovery = ""\n'))
    assert "discovery" not in [spec.id for spec in off]
    with pytest.raises(ConfigError) as error:
        schedule_config(tmp_path, '[schedule]\ndiscovery = "every morning"\n')
    assert error.value.entry == "schedule.discovery"


def _summary(report: IngestReport) -> ImportSummary:
    return ImportSummary(report.read, report.new, report.changed, report.matched,
                         matched_events=[e for e in report.events if e.kind == "matched"])


@pytest.fixture
def imports() -> tuple[Discovery, ...]:
    """Stand-ins for the AN and Sénat imports of the discovery registry that ingest real questions, as
    the real imports do, through bot.app.ingest.ingest."""

    def import_an(config: Config, db: Database, client: Any, now: Any, should_stop: Any) -> ImportSummary:
        report = IngestReport()
        ingest(db, an(), source="an-archive", url=AN_JSON_URL, now=now(), rules=config.follow, report=report)
        return _summary(report)

    def import_senat(config: Config, db: Database, client: Any, now: Any, should_stop: Any) -> ImportSummary:
        report = IngestReport()
        for q in (lagontrie(), dossus(), senat("SEQ210723812")):
            ingest(db, q, source="senat-csv", url=q.url, now=now(), rules=config.follow, report=report)
        return _summary(report)

    return (Discovery("an-archive", import_an), Discovery("senat-csv", import_senat))


def test_the_registry_runs_the_real_imports_in_order() -> None:
    assert [d.name for d in DISCOVERY_IMPORTS] == ["an-archive", "senat-csv"]


def test_the_discovery_job_imports_then_tells_the_channels(tmp_path: Path, httpserver: HTTPServer,
                                                           imports: tuple[Discovery, ...],
                                                           caplog: pytest.LogCaptureFixture) -> None:
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    hook = ChannelEntry(name="vsa", url=f"json://127.0.0.1:{httpserver.port}/hook?cto=2&rto=2", tags=("vsa",))
    config = load_config(BUNDLED).model_copy(update={"channel": (hook,)})
    caplog.set_level(logging.INFO, logger="relance")
    reports = discovery_job(config, tmp_path / "relance.db", now=lambda: NOW, imports=imports)
    assert list(reports) == ["an-archive", "senat-csv"]
    done = {r.__dict__["relance_fields"]["source"]: r.__dict__["relance_fields"]
            for r in caplog.records if r.getMessage() == "discovery_done"}
    assert (done["senat-csv"]["read"], done["senat-csv"]["matched"]) == (3, 2)
    assert (done["an-archive"]["read"], done["an-archive"]["matched"]) == (1, 0)
    # The notify pass that follows sends the two found questions, and only them, to the channel.
    titles = [json.loads(request.get_data())["title"] for request, _ in httpserver.log]
    assert titles == ["Sénat 1335 (2024-05) — trouvée par la règle « Reconnaissance faciale »",
                      "Sénat 3705 (2022-11) — trouvée par la règle « Vidéosurveillance algorithmique »"]


def test_a_failing_import_is_logged_and_the_others_run(tmp_path: Path, imports: tuple[Discovery, ...],
                                                       caplog: pytest.LogCaptureFixture) -> None:
    def broken(config: Config, db: Database, client: Any, now: Any, should_stop: Any) -> ImportSummary:
        raise OSError("archive truncated")

    caplog.set_level(logging.INFO, logger="relance")
    failing = (Discovery("an-archive", broken), imports[1])
    reports = discovery_job(load_config(BUNDLED), tmp_path / "relance.db", now=lambda: NOW, imports=failing)
    assert reports["an-archive"] is None
    summary = reports["senat-csv"]
    assert summary is not None and summary.ok and summary.read == 3
    lines = [(r.getMessage(), r.__dict__["relance_fields"]) for r in caplog.records]
    assert ("discovery_failed", {"job": "discovery", "source": "an-archive",
                                 "error": "OSError: archive truncated"}) in lines


def test_a_rule_added_after_an_import_finds_the_stored_questions(config_path: Path, db: Database) -> None:
    """The archive imported before the rule existed: `follow add` runs the new rule over what is stored,
    so the matches show at once, without waiting for the next changed archive."""
    ingest_all(db, ())
    assert list_followed(db) == []
    added = CliRunner().invoke(main, ["--config", str(config_path), "follow", "add", "Diamants",
                                      "--keyword", "diamants synthetiques", "--tag", "diamants"])
    assert added.exit_code == 0, added.output
    assert "1 stored question(s) newly found by this rule" in added.stdout
    assert [(f.ref, f.rules) for f in list_followed(db)] == [("QANR5L17QE5268", ("Diamants",))]
    assert [e.kind for e in list_events(db, ref="QANR5L17QE5268")][-1] == "matched"
    again = CliRunner().invoke(main, ["--config", str(config_path), "follow", "add", "Diamants",
                                      "--keyword", "diamants synthetiques"])
    assert "0 stored question(s) newly found" in again.stdout  # found once, announced once
    rows = json.loads(CliRunner().invoke(main, ["--config", str(config_path), "status", "--json",
                                                "--tag", "diamants"]).stdout)
    assert [r["ref"] for r in rows] == ["QANR5L17QE5268"] and rows[0]["deadline"] == "2025-05-25"
