"""Checks of single values: partial dates, date-times, and the spec's enumerations."""

from __future__ import annotations

import datetime as dt

from reunify.rules import dates


def is_partial_date(value: str) -> bool:
    """``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY`` naming a real calendar day, month or year, with
    nothing around it (the one parser of partial dates: :func:`reunify.rules.dates.parse`)."""
    return dates.parse(value) is not None and value == value.strip()


def is_day(value: str) -> bool:
    """``YYYY-MM-DD`` naming a real calendar day (no partial date)."""
    return len(value) == 10 and is_partial_date(value)


def parse_instant(value: str) -> dt.datetime | None:
    """An ISO 8601 date or date-time as an aware UTC date-time (no zone means UTC), or None."""
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    try:
        return moment.astimezone(dt.UTC)
    except OverflowError:  # e.g. 9999-12-31T23:00-05:00 lies past the last representable day
        return None
