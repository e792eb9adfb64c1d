"""The deadline engine: when a minister must answer a written question, kept as data (`RULES`).

Pure functions of a `QuestionSnapshot` and `today` (a calendar date in Europe/Paris); the only
clock reading is `today_in_paris`, which the shell calls once and passes in. See RULES.md § 1.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Literal
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from bot.core.marks import N_, Translate, as_written
from scrapers.model import Chamber, QuestionSnapshot

PARIS = ZoneInfo("Europe/Paris")

StartsFrom = Literal["publication", "signalement"]
DeadlineKind = Literal["answer", "signalement"]

_KIND_OF: dict[StartsFrom, DeadlineKind] = {"publication": "answer", "signalement": "signalement"}


@dataclass(frozen=True, slots=True)
class Rule:
    """One row of the rules: a delay that runs from an event, for one chamber, over a span of dates.

    A rule applies to a deadline whose basis date `d` satisfies `valid_from <= d < valid_until`
    (`valid_until` None: still in force). A rule that changes gets a new row with the next span.
    """

    id: str
    chamber: Chamber
    starts_from: StartsFrom
    months: int
    days: int
    valid_from: dt.date
    valid_until: dt.date | None
    source: str
    description_fr: str
    note: str | None = None

    def applies(self, chamber: Chamber, starts_from: StartsFrom, on: dt.date) -> bool:
        in_span = self.valid_from <= on and (self.valid_until is None or on < self.valid_until)
        return self.chamber == chamber and self.starts_from == starts_from and in_span

    def deadline_after(self, basis: dt.date) -> dt.date:
        """`basis` plus the delay in calendar months then days; a month end clamps (31/12 → 28/02)."""
        return basis + relativedelta(months=self.months, days=self.days)


# The Constitution of 4 October 1958: relance does not model any earlier regime. The article numbers
# cited are today's (the AN's art. 135 was art. 139 before the 2009 reform of its Règlement); a
# historic wording or delay that matters becomes a row of its own with its span.
FIFTH_REPUBLIC = dt.date(1958, 10, 4)

RULES: tuple[Rule, ...] = (
    Rule(
        id="an-publication",
        chamber="an",
        starts_from="publication",
        months=2,
        days=0,
        valid_from=FIFTH_REPUBLIC,
        valid_until=None,
        source=N_("Règlement de l'Assemblée nationale, art. 135"),
        description_fr=N_("2 mois après la publication au JO"),
        note=N_("Le ministre peut demander un délai supplémentaire d'au plus 2 mois, publié au JO : "
                "non modélisé, l'échéance reste à 2 mois."),
    ),
    Rule(
        id="an-signalement",
        chamber="an",
        starts_from="signalement",
        months=0,
        days=10,
        valid_from=FIFTH_REPUBLIC,
        valid_until=None,
        source=N_("Règlement de l'Assemblée nationale, art. 135"),
        description_fr=N_("10 jours après le signalement"),
        note=N_("Question signalée par un président de groupe (liste de la Conférence des présidents) ; "
                "procédure en usage depuis 1994."),
    ),
    Rule(
        id="senat-publication",
        chamber="senat",
        starts_from="publication",
        months=2,
        days=0,
        valid_from=FIFTH_REPUBLIC,
        valid_until=None,
        source=N_("Règlement du Sénat, art. 75"),
        description_fr=N_("2 mois après la publication au JO"),
        note=N_("1 mois, que le ministre peut prolonger d'1 mois : relance retient 2 mois ; sans réponse, "
                "la question entre dans la liste de rappel mensuelle du JO Sénat."),
    ),
)


# A fingerprint of the rules: deadlines stored beside a question (for SQL sorting and statistics) carry
# it, and are computed again when the rules change.
RULES_VERSION = hashlib.sha256(repr(RULES).encode("utf-8")).hexdigest()[:12]


def rule_for(chamber: Chamber, starts_from: StartsFrom, on: dt.date) -> Rule | None:
    """The rule of `chamber` for a delay running from `starts_from` on date `on`, None if there is none."""
    return next((rule for rule in RULES if rule.applies(chamber, starts_from, on)), None)


@dataclass(frozen=True, slots=True)
class Deadline:
    """A date by which an answer is due, with the date it runs from and the rule that sets it."""

    kind: DeadlineKind
    date: dt.date
    basis: dt.date
    rule: Rule

    def explain(self, translate: Translate = as_written) -> str:
        """How the date was computed, for the user, in the language `translate` reads (`bot.notify.i18n._`
        where a person reads it); French by default, as JSON values and stored events keep it:
        "2 mois après la publication au JO du 10/11/2022 (Règlement du Sénat, art. 75)"."""
        return translate(N_("{rule} du {day} ({source})"), rule=translate(self.rule.description_fr),
                         day=f"{self.basis:%d/%m/%Y}", source=translate(self.rule.source))

    def explain_fr(self) -> str:
        """`explain` in French, whatever the language: what `status --json`, the API and events store."""
        return self.explain()


@dataclass(frozen=True, slots=True)
class DeadlineStatus:
    """Where a question stands against its deadlines on a given day.

    `binding` is the deadline that matters now: for an open question the earliest one not yet
    passed, else the earliest passed one; for a question no longer open, the answer deadline.
    `days_left` (open, not late) and `days_late` are never both set.
    """

    answer_deadline: Deadline | None
    signalement_deadline: Deadline | None
    open: bool
    overdue: bool
    signaled_overdue: bool
    binding: Deadline | None
    days_left: int | None
    days_late: int | None
    answered_on_time: bool | None


def deadline_from(chamber: Chamber, starts_from: StartsFrom, basis: dt.date) -> Deadline | None:
    """The deadline running from `basis` under the rule in force that day, None if no rule applies or the
    deadline falls past the last date Python can hold (a basis of 31/12/9999: a stored value, not a JO
    date, which must leave the deadline unknown rather than stop every view)."""
    rule = rule_for(chamber, starts_from, basis)
    if rule is None:
        return None
    try:
        due = rule.deadline_after(basis)
    except (ValueError, OverflowError):  # relativedelta says ValueError for the year 10000, days OverflowError
        return None
    return Deadline(kind=_KIND_OF[starts_from], date=due, basis=basis, rule=rule)


def answer_deadline(snapshot: QuestionSnapshot) -> Deadline | None:
    """Two months from the question's own publication: a transfer or a renewal does not move it."""
    if snapshot.published is None:
        return None
    return deadline_from(snapshot.chamber, "publication", snapshot.published)


def signalement_deadline(snapshot: QuestionSnapshot) -> Deadline | None:
    """The deadline of the latest signalement, None when the question was never signaled."""
    if not snapshot.signaled:
        return None
    return deadline_from(snapshot.chamber, "signalement", max(snapshot.signaled))


def _binding(deadlines: list[Deadline], today: dt.date) -> Deadline | None:
    # Sorting on the date alone keeps the answer deadline first when both fall on the same day.
    ordered = sorted(deadlines, key=lambda deadline: deadline.date)
    upcoming = [deadline for deadline in ordered if today <= deadline.date]
    if upcoming:
        return upcoming[0]
    return ordered[0] if ordered else None


def _passed(deadline: Deadline | None, today: dt.date) -> bool:
    return deadline is not None and today > deadline.date


def _open_status(answer: Deadline | None, signaled: Deadline | None, today: dt.date) -> DeadlineStatus:
    binding = _binding([d for d in (answer, signaled) if d is not None], today)
    late = _passed(binding, today)
    return DeadlineStatus(
        answer_deadline=answer,
        signalement_deadline=signaled,
        open=True,
        overdue=_passed(answer, today),
        signaled_overdue=_passed(signaled, today),
        binding=binding,
        days_left=(binding.date - today).days if binding is not None and not late else None,
        days_late=(today - binding.date).days if binding is not None and late else None,
        answered_on_time=None,
    )


def _ended_status(snapshot: QuestionSnapshot, answer: Deadline | None,
                  signaled: Deadline | None) -> DeadlineStatus:
    answered = snapshot.answered if snapshot.status == "answered" else None
    days_late = None
    if answered is not None and answer is not None:
        days_late = max(0, (answered - answer.date).days)
    return DeadlineStatus(
        answer_deadline=answer,
        signalement_deadline=signaled,
        open=False,
        overdue=False,
        signaled_overdue=False,
        binding=answer,
        days_left=None,
        days_late=days_late,
        answered_on_time=None if days_late is None else days_late == 0,
    )


def deadline_status(snapshot: QuestionSnapshot, today: dt.date) -> DeadlineStatus:
    """Where `snapshot` stands on `today` (a Europe/Paris date): pure, never raises on missing dates.

    Only a pending question is open; an answered, withdrawn, closed or lapsed one has no pending
    deadline. An answer published on the deadline day is on time.
    """
    answer = answer_deadline(snapshot)
    signaled = signalement_deadline(snapshot)
    if snapshot.status == "pending":
        return _open_status(answer, signaled, today)
    return _ended_status(snapshot, answer, signaled)


def today_in_paris(now: dt.datetime) -> dt.date:
    """Today's calendar date in Europe/Paris, from an aware instant `now` (the caller reads the clock).

    The one place the bot turns an instant into a date; a naive datetime is refused because its
    time zone would be a guess.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"today_in_paris needs an aware datetime, got naive {now.isoformat()}")
    return now.astimezone(PARIS).date()
