"""AN questions named from the AN's own data of actors (`relance import actors`, storage/actors.py):
the author's civility, first name and surname as the AN writes them, and their political group on the
question's publication date; the ministries by their refs.

The AN's question JSON names its author by `acteurRef` only: the parser takes the name from the text's
opening words ("Mme Olivia Grégoire interroge…"), which not every text has. `name_author` replaces it
with the actor's, when the actor is known; otherwise what the parser found stays. It is applied
wherever an AN question is read (the check cycle, the bulk imports), before the diff, so that a
question read twice is named the same way twice; and `relance import actors` applies it to the
stored questions when actors arrive after them (bot/app/import_actors.py). A name is not a change
of state: renaming adds no event.
"""

from __future__ import annotations

import dataclasses

from sqlite_utils import Database

from scrapers.an_actors import Body
from scrapers.model import Attribution, Author, Ministry, QuestionSnapshot
from storage.actors import author_on, get_body


def _author(db: Database, snapshot: QuestionSnapshot) -> Author:
    author = snapshot.author
    if author.actor_ref is None or snapshot.published is None:
        return author
    found = author_on(db, author.actor_ref, snapshot.published)
    if found is None:
        return author  # an actor the imported files do not hold: the parser's reading stays
    # The group of the mandate covering the publication date, when its body is known; else the
    # question's own labels.
    group, group_name = (found.group, found.group_name) if found.group else (author.group, author.group_name)
    return dataclasses.replace(author, name=found.name, civility=found.civility, group=group, group_name=group_name)


def _ministry(db: Database, ministry: Ministry, bodies: dict[str, Body | None]) -> Ministry:
    """The ministry as the AN's bodies name it (by its ref); the question's own labels when the body
    is not known (the current AMO10 tree drops closed ministries)."""
    if ministry.id is None:
        return ministry
    if ministry.id not in bodies:
        bodies[ministry.id] = get_body(db, ministry.id)
    body = bodies[ministry.id]
    return ministry if body is None else Ministry(name=body.name, short=body.short or ministry.short, id=ministry.id)


def name_author(db: Database, snapshot: QuestionSnapshot) -> QuestionSnapshot:
    """`snapshot` with its author (and ministries) named from the stored actors and bodies, on its
    publication date; the snapshot itself when it is not an AN question or nothing is known of them."""
    if snapshot.chamber != "an":
        return snapshot
    bodies: dict[str, Body | None] = {}  # each ref looked up once
    attributions = tuple(Attribution(_ministry(db, a.ministry, bodies), a.date) for a in snapshot.attributions)
    asked = snapshot.ministry_asked
    answer = snapshot.answer
    if answer is not None and snapshot.attributions and answer.ministry == snapshot.attributions[-1].ministry.name:
        # The parser gives the answer the name of the ministry holding the question: named alike.
        answer = dataclasses.replace(answer, ministry=attributions[-1].ministry.name)
    named = dataclasses.replace(snapshot, author=_author(db, snapshot), attributions=attributions, answer=answer,
                                ministry_asked=asked if asked is None else _ministry(db, asked, bodies))
    return snapshot if named == snapshot else named
