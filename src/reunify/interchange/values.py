"""Checks of single values: partial dates, date-times, and the spec's enumerations."""

from __future__ import annotations

import datetime as dt
import re

_PARTIAL_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
#: Dates already judged (valid or not); hot loops look here before calling is_partial_date.
REMEMBERED_DATES: dict[str, bool] = {}
#: The valid ones among them, as a set: a chunk's distinct dates minus this set (one C-level
#: operation) leaves only the dates still to judge.
VALID_DATES: set[str] = set()
#: Distinct dates remembered between calls; birth dates repeat a lot, so this saves most work.
_DATE_MEMORY = 200_000


def is_partial_date(value: str) -> bool:
    """``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY`` naming a real calendar day, month or year."""
    known = REMEMBERED_DATES.get(value)
    if known is not None:
        return known
    match = _PARTIAL_DATE.fullmatch(value)
    valid = False
    if match is not None:
        year, month, day = (int(part) if part else None for part in match.groups())
        try:
            dt.date(year or 0, month or 1, day or 1)
            valid = True
        except ValueError:
            valid = False
    if len(REMEMBERED_DATES) >= _DATE_MEMORY:
        REMEMBERED_DATES.clear()
        VALID_DATES.clear()
    REMEMBERED_DATES[value] = valid
    if valid:
        VALID_DATES.add(value)
    return valid


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
