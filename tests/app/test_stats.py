"""The answer statistics (bot/app/stats.py over storage/stats.py) on the archive of tests/stats_archive.py:
20 AN questions derived from the real record, with a known spread of answers, and one real Sénat page.
Every expected figure is counted by hand from the table in tests/stats_archive.py."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlite_utils import Database

from bot.app.config import Config, load_config
from bot.app.database import open_database
from bot.app.stats import BadArgs, StatsRequest, behind, delays, one_row, parse_request, rows_csv, stat_json, stats
from bot.core.deadlines import today_in_paris
from storage.followed import follow
from storage.stats import StatRow
from tests.conftest import ConfigFactory
from tests.stats_archive import (
    AGRICULTURE,
    DE_COURSON_NAME,
    ECONOMY,
    INTERIOR,
    SENAT,
    THOMIN_NAME,
    TODAY,
    build,
    uid,
)

DAY = today_in_paris(TODAY)
AN = StatsRequest(chamber="an")
INTERIOR_NAME, AGRICULTURE_NAME, ECONOMY_NAME = INTERIOR[2], AGRICULTURE[2], ECONOMY[2]


@pytest.fixture
def world(make_config: ConfigFactory, tmp_path: Path) -> tuple[Config, Database]:
    config = load_config(make_config(watch=[{"ref": "AN 16-90001", "tags": ["sécurité"]},
                                            {"ref": "AN 16-90004", "tags": ["sécurité", "outre-mer"]},
                                            {"ref": "AN 16-90009", "tags": ["agriculture"]}]))
    build(config, tmp_path)
    db = open_database(config.storage.path)
    # A follow rule found 90010 (tag agriculture) and 90004 (tag sécurité, already the config's): each
    # question counts once per tag.
    follow(db, uid(10), ["rule"], ["agriculture"], TODAY)
    follow(db, uid(4), ["rule"], ["sécurité"], TODAY)
    return config, db


def test_by_ministry_holding_the_question_after_transfers(world: tuple[Config, Database]) -> None:
    config, db = world
    assert stats(config, db, AN, DAY) == [
        # 1, 2, 3, 4, 7, 8 and 5, 6 transferred from the economy: 8; answered 1, 2, 3, 5, 8; late 3; pending
        # 4, 6, 7, overdue 4, 6; deadline passed for all but 7: 4 on time of 7; days 42, 56, 91, 28, 61.
        StatRow(INTERIOR_NAME, 8, 5, 4, 3, 2, 0.625, 0.5714, 56.0),
        # 9 to 15: answered 9, 10, 12, 13 (on time 9, 12); overdue 11, 15; 14 ahead; days 35, 119, 49, 84.
        StatRow(AGRICULTURE_NAME, 7, 4, 2, 3, 2, 0.5714, 0.3333, 66.5),
        # 16 to 20: answered 16, 17, 20 (on time 16, 20); overdue 18; 19 ahead; days 42, 140, 42.
        StatRow(ECONOMY_NAME, 5, 3, 2, 2, 1, 0.6, 0.5, 42.0),
    ]


def test_by_ministry_asked(world: tuple[Config, Database]) -> None:
    config, db = world
    rows = stats(config, db, StatsRequest(by="ministry_asked", chamber="an"), DAY)
    # The economy was asked 5, 6, 16 to 20: 7 (answered 5, 16, 17, 20, on time 5, 16, 20; pending 6, 18, 19,
    # overdue 6, 18; days 28, 42, 140, 42). Ties are ordered by name: « agriculture » before « économie ».
    assert rows == [StatRow(AGRICULTURE_NAME, 7, 4, 2, 3, 2, 0.5714, 0.3333, 66.5),
                    StatRow(ECONOMY_NAME, 7, 4, 3, 3, 2, 0.5714, 0.5, 42.0),
                    # 1, 2, 3, 4, 7, 8: days 42, 56, 91, 61; on time 1, 2, 8 of 1, 2, 3, 4, 8.
                    StatRow(INTERIOR_NAME, 6, 4, 3, 2, 1, 0.6667, 0.6, 58.5)]


def test_by_author_and_group_both_chambers(world: tuple[Config, Database]) -> None:
    config, db = world
    # Thomin: 1-6, 9-11, 15, 16, 19; answered 1, 2, 3, 5, 9, 10, 16 (late 3, 10); overdue 4, 6, 11, 15;
    # 19 ahead; days 42, 56, 91, 28, 35, 119, 42. De Courson: 7, 8, 12-14, 17, 18, 20; answered 8, 12, 13,
    # 17, 20 (late 13, 17); overdue 18; 7, 14 ahead; days 61, 49, 84, 140, 42. The Sénat's question by
    # M. Masson (NI) was answered 322 days after its publication, past its deadline of 10 February 2010.
    thomin, courson = (12, 7, 5, 5, 4, 0.5833, 0.4545, 42.0), (8, 5, 3, 3, 1, 0.625, 0.5, 61.0)
    masson = (1, 1, 0, 0, 0, 1.0, 0.0, 322.0)
    assert stats(config, db, StatsRequest(by="author"), DAY) == [
        StatRow(THOMIN_NAME, *thomin), StatRow(DE_COURSON_NAME, *courson), StatRow("Jean Louis Masson", *masson)]
    assert stats(config, db, StatsRequest(by="group"), DAY) == [
        StatRow("SOC", *thomin), StatRow("LIOT", *courson), StatRow("NI", *masson)]


def test_by_chamber(world: tuple[Config, Database]) -> None:
    config, db = world
    # The AN's 20: 12 answered, 8 on time of the 17 whose deadline passed, 8 pending of which 5 overdue;
    # the median of 28, 35, 42, 42, 42, 49, 56, 61, 84, 91, 119, 140 is (49 + 56) / 2.
    assert stats(config, db, StatsRequest(by="chamber"), DAY) == [
        StatRow("an", 20, 12, 8, 8, 5, 0.6, 0.4706, 52.5), StatRow("senat", 1, 1, 0, 0, 0, 1.0, 0.0, 322.0)]
    assert stats(config, db, StatsRequest(by="chamber", chamber="senat"), DAY) == [
        StatRow("senat", 1, 1, 0, 0, 0, 1.0, 0.0, 322.0)]


def test_by_tag_a_question_counts_in_each_of_its_tags(world: tuple[Config, Database]) -> None:
    config, db = world
    assert stats(config, db, StatsRequest(by="tag"), DAY) == [
        StatRow("agriculture", 2, 2, 1, 0, 0, 1.0, 0.5, 77.0),  # 9 on time (35 days), 10 late (119)
        StatRow("sécurité", 2, 1, 1, 1, 1, 0.5, 0.5, 42.0),  # 1 on time (42 days), 4 overdue
        StatRow("outre-mer", 1, 0, 0, 1, 1, 0.0, 0.0, None),  # 4
    ]


def test_the_publication_period(world: tuple[Config, Database]) -> None:
    config, db = world
    request = parse_request({"chamber": "an", "since": "2023-09-01", "until": "2023-10-31"})
    # Published from 1 September to 31 October 2023: 5, 6 (interior), 13 (agriculture), 18, 20 (economy).
    assert [(r.name, r.questions) for r in stats(config, db, request, DAY)] == [
        (INTERIOR_NAME, 2), (ECONOMY_NAME, 2), (AGRICULTURE_NAME, 1)]
    assert stats(config, db, StatsRequest(since=date(2024, 1, 1)), DAY) == []


def test_the_questions_behind_a_figure_late_ones_first(world: tuple[Config, Database]) -> None:
    config, db = world
    total, rows = behind(config, db, AN, INTERIOR_NAME, figure="questions", today=DAY, limit=100)
    # Overdue (4 since 6 August before 6 since 3 December), answered late (3), pending ahead (7), then the
    # others, latest published first.
    assert total == 8
    assert [r.ref for r in rows] == [uid(n) for n in (4, 6, 3, 7, 5, 8, 2, 1)]
    assert [r.overdue for r in rows] == [True, True] + [False] * 6
    total, rows = behind(config, db, AN, ECONOMY_NAME, figure="answered_on_time", today=DAY, limit=1, offset=1)
    assert (total, [r.ref for r in rows]) == (2, [uid(16)])
    _, rows = behind(config, db, StatsRequest(by="author"), THOMIN_NAME, figure="overdue", today=DAY, limit=10)
    assert [r.ref for r in rows] == [uid(n) for n in (4, 11, 15, 6)]
    _, rows = behind(config, db, StatsRequest(by="tag"), "agriculture", figure="answered_late", today=DAY, limit=10)
    assert [r.ref for r in rows] == [uid(10)]
    with pytest.raises(BadArgs, match="figure='late'"):
        behind(config, db, AN, INTERIOR_NAME, figure="late", today=DAY, limit=10)


def test_one_row_and_the_answers_over_time(world: tuple[Config, Database]) -> None:
    config, db = world
    author = StatsRequest(by="author")
    assert one_row(config, db, author, DE_COURSON_NAME, DAY) == StatRow(DE_COURSON_NAME, 8, 5, 3, 3, 1, 0.625,
                                                                        0.5, 61.0)
    assert one_row(config, db, author, "Personne", DAY) is None
    assert delays(config, db, author, DE_COURSON_NAME, DAY) == [
        (date(2023, 4, 25), False), (date(2023, 6, 4), False), (date(2023, 10, 31), True),
        (date(2023, 11, 28), False), (date(2023, 12, 12), True)]


def test_json_keys_and_csv_columns(world: tuple[Config, Database]) -> None:
    config, db = world
    keys = ["name", "questions", "answered", "answered_on_time", "pending", "overdue", "answer_rate", "on_time_rate",
            "median_days_to_answer"]
    rows = [stat_json(r) for r in stats(config, db, StatsRequest(by="tag"), DAY)]
    assert [list(r) for r in rows] == [keys] * 3
    assert rows_csv(rows, keys).splitlines() == [",".join(keys), "agriculture,2,2,1,0,0,1.0,0.5,77.0",
                                                 "sécurité,2,1,1,1,1,0.5,0.5,42.0", "outre-mer,1,0,0,1,1,0.0,0.0,"]


@pytest.mark.parametrize(("args", "message"), [
    ({"by": "party"}, "by='party'"), ({"chamber": "cn"}, "chamber='cn'"), ({"since": "2023-13-01"}, "since="),
    ({"since": "2024-01-02", "until": "2023-01-01"}, "est après until=2023-01-01")])
def test_bad_parameters_are_named(args: dict[str, str], message: str) -> None:
    with pytest.raises(BadArgs, match=message):
        parse_request(args)


def test_columns_filled_for_questions_stored_before_m013(world: tuple[Config, Database]) -> None:
    """A database migrated before m013 (the two columns emptied, as m013's backfill found them) gets them
    from each stored snapshot again when the migration runs."""
    config, db = world
    db.execute("UPDATE questions SET ministry_asked = NULL, author_group = NULL")
    db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm013_ministry_asked_and_group'")
    db.execute("ALTER TABLE questions DROP COLUMN ministry_asked")
    db.execute("ALTER TABLE questions DROP COLUMN author_group")
    db.conn.commit()
    db.close()
    db = open_database(config.storage.path)
    assert dict(db.execute("SELECT ref, author_group FROM questions WHERE ref IN (?, ?)", [uid(1), SENAT])
                .fetchall()) == {uid(1): "SOC", SENAT: "NI"}
    assert stats(config, db, StatsRequest(by="ministry_asked", chamber="an"), DAY)[2].name == INTERIOR_NAME
