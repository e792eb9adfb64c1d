"""The e-mail that answers a subscribe request for an address already subscribed: its manage link.

Rendered by the one e-mail environment of `bot.notify.digest` (templates `access.*.j2`).
"""

from __future__ import annotations

from datetime import datetime

from bot.notify.digest import Rendered, _render
from bot.notify.i18n import N_, _
from bot.notify.wording import at_time

ACCESS_SUBJECT = N_("Votre abonnement à relance")  # read where shown: `_(ACCESS_SUBJECT)`


def render_access(email: str, manage_url: str, follows: str, *, paused: bool, now: datetime) -> Rendered:
    """The manage link of `email`, what it follows, and whether it is paused, in relance's language."""
    subject = _(ACCESS_SUBJECT)
    context = {"subject": subject, "email": email, "manage_url": manage_url, "follows": follows,
               "paused": paused, "asked_at": at_time(now)}
    text, html = _render("access", context)
    return Rendered(subject=subject, text=text, html=html)
