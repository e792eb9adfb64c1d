"""Many late questions told at once (a `LateGroup`: the first digest or channel batch after a bulk
import): the count per ministry, then one line per question, then each chamber's advice once."""

from __future__ import annotations

from bot.notify.i18n import N_, Translated, _
from bot.notify.wording import capitalized, days, fr_count, overdue_advice

LATE_GROUP_TITLE_CHARS = 80
_ACTION_OF_CHAMBER = Translated({"an": N_("pour les questions de l'Assemblée nationale, {action}"),
                                 "senat": N_("pour les questions du Sénat, {action}")})


def unknown_ministry() -> str:
    return _("Ministère non indiqué")


def late_group_intro(questions: int) -> str:
    """The sentence before the counts: how many questions, and how they are listed."""
    return _("{questions} en retard à la fois : le nombre par ministère, puis chaque question, la plus en retard "
             "d'abord.", questions=fr_count(questions, "question", "questions"))


def late_group_ministry(ministry: str | None, questions: int) -> str:
    """'Ministère de l'intérieur : 12 questions'."""
    return _("{ministry} : {questions}", ministry=capitalized(ministry) if ministry else unknown_ministry(),
             questions=fr_count(questions, "question", "questions"))


def late_group_delay(days_late: int | None, signal_days_late: int | None) -> str:
    """How late one question of the group is: '400 jours de retard', with its signalement's when passed."""
    parts = [_("{days} de retard", days=days(days_late))] if days_late is not None else []
    if signal_days_late is not None:
        parts.append(_("délai du signalement dépassé de {days}", days=days(signal_days_late)))
    return ", ".join(parts) or _("en retard")


def late_group_line(label: str, title: str | None, days_late: int | None, signal_days_late: int | None) -> str:
    """One question of the group on one line: 'AN 17-5268 — Révision de la terminologie… : 400 jours de retard'."""
    delay = late_group_delay(days_late, signal_days_late)
    if title:
        return _("{label} — {title} : {delay}", label=label, title=short_title(title, LATE_GROUP_TITLE_CHARS),
                 delay=delay)
    return _("{label} : {delay}", label=label, delay=delay)


def short_title(text: str, limit: int) -> str:
    """`text` on one line, cut at a word boundary with an ellipsis when longer than `limit`."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit].rsplit(" ", 1)[0].rstrip(" ,;:.") + "…"


def late_group_action(chamber: str) -> str | None:
    """What to do about the group's late questions of one chamber, as the cards' advice says it."""
    action = overdue_advice(chamber)
    return _ACTION_OF_CHAMBER[chamber].format(action=action) if action and chamber in _ACTION_OF_CHAMBER else None


def late_group_title(questions: int) -> str:
    """A channel's grouped notice's title: 'relance — 31 questions en retard'."""
    return _("relance — {questions} en retard", questions=fr_count(questions, "question", "questions"))
