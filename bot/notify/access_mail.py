"""The e-mail that answers a subscribe request for an address already subscribed: its manage link.

Rendered by the one e-mail environment of `bot.notify.digest` (templates `access.*.j2`).
"""

from __future__ import annotations

from datetime import datetime

from babel.dates import format_time

from bot.core.deadlines import PARIS
from bot.notify.digest import Rendered, _render
from bot.notify.wording import LOCALE, fr_date

ACCESS_SUBJECT = "Votre abonnement à relance"


def render_access(email: str, manage_url: str, follows: str, *, paused: bool, now: datetime) -> Rendered:
    """The manage link of `email`, what it follows, and whether it is paused, in French."""
    local = now.astimezone(PARIS)
    context = {"subject": ACCESS_SUBJECT, "email": email, "manage_url": manage_url, "follows": follows,
               "paused": paused, "asked_at": f"{fr_date(local.date())} à {format_time(local, 'HH:mm', locale=LOCALE)}"}
    text, html = _render("access", context)
    return Rendered(subject=ACCESS_SUBJECT, text=text, html=html)
