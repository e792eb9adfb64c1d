"""How the store writes instants: aware datetimes as UTC ISO 8601 text, so text order is time order."""

from __future__ import annotations

from datetime import UTC, datetime


def instant_text(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: relance stores only aware instants")
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def instant_from(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
