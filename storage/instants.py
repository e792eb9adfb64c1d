"""How the store writes instants: aware datetimes as UTC ISO 8601 text, so text order is time order."""

from __future__ import annotations

from datetime import UTC, date, datetime


def instant_text(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: relance stores only aware instants")
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def instant_from(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def stored_day(value: object) -> date | None:
    """A date column as stored (ISO text), None when empty or when it is not a date at all: a value an older
    relance, a hand edit or a bad source left must make that one date unknown, never stop a view."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None
