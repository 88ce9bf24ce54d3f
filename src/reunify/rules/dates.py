"""Birth dates as recorded: exact, estimated, defaulted, or with day and month swapped.

A recorded birth date is ``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY`` (a *partial date*; :func:`parse`
is the one parser of partial dates: the interchange checks, the linker and the family rules all
use it). Clerks who do not know a day
write the 1st of January; an age told by a child becomes a year, often one off; an American form
filled in by a Central American swaps day and month. :func:`agreement` names which of these
explains the difference between two recorded dates.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

EXACT, SWAPPED, MONTH, DEFAULTED, YEAR, YEAR_NEAR, DIFFERENT, UNKNOWN = (
    "exact", "day_month_swapped", "same_month", "defaulted", "same_year", "year_within_one",
    "different", "unknown",
)


@dataclass(frozen=True)
class BirthDate:
    """A recorded birth date taken apart; ``month``/``day`` are 0 when not recorded."""

    year: int
    month: int
    day: int

    @property
    def precise(self) -> bool:
        """A full date that is not the 1st of January (which is often a default)."""
        return self.day > 0 and not (self.month == 1 and self.day == 1)

    def midpoint(self) -> dt.date:
        """The middle of the span the date allows: 1 July of a bare year, the 15th of a bare
        month (used for ages)."""
        if not self.month:
            return dt.date(self.year, 7, 1)
        return dt.date(self.year, self.month, self.day or 15)


_PARTIAL_DATE = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?")


@lru_cache(maxsize=1 << 17)
def parse(raw: str) -> BirthDate | None:
    """A partial date taken apart: ``"2013-07-14"``, ``"2013-07"`` or ``"2013"`` naming a real
    calendar day, month or year (blanks around it ignored); None for anything else or nothing.

    ``"2013-02-30"``, ``"2013-00"``, ``"0000"`` and ``"2013-7-4"`` are not dates.
    """
    match = _PARTIAL_DATE.fullmatch((raw or "").strip())
    if match is None:
        return None
    year, month, day = (int(part) if part else 0 for part in match.groups())
    try:
        dt.date(year, month if match.group(2) else 1, day if match.group(3) else 1)
    except ValueError:
        return None
    return BirthDate(year, month, day)


def agreement(a: str, b: str) -> str:
    """How two recorded birth dates agree, strongest explanation first.

    ``exact`` (same full date), ``day_month_swapped`` (2010-03-07 / 2010-07-03),
    ``same_month`` (a mistyped day), ``defaulted``
    (same year, one is the 1st of January or has no day), ``same_year``, ``year_within_one``
    (estimated ages), ``different``, or ``unknown`` when either is missing.
    """
    x, y = parse(a), parse(b)
    if x is None or y is None:
        return UNKNOWN
    if x.year == y.year:
        if x.precise and y.precise:
            if (x.month, x.day) == (y.month, y.day):
                return EXACT
            if (x.month, x.day) == (y.day, y.month):
                return SWAPPED
            return MONTH if x.month == y.month else YEAR
        # At least one is a default or a bare year or month: it agrees unless it states a
        # month (other than a defaulted January) the other contradicts.
        if x.precise or y.precise:
            loose = y if x.precise else x
            exact = x if x.precise else y
            stated = loose.month and not (loose.month == 1 and loose.day in (0, 1))
            if stated and loose.month != exact.month:
                return YEAR
        return DEFAULTED
    if abs(x.year - y.year) == 1 and (not x.precise or not y.precise):
        return YEAR_NEAR
    return DIFFERENT


def years_apart(a: str, b: str) -> int | None:
    """Whole years between the recorded birth years, or None when either is unknown."""
    x, y = parse(a), parse(b)
    if x is None or y is None:
        return None
    return abs(x.year - y.year)


def distinct(x: BirthDate, y: BirthDate) -> bool:
    """Two precise birth dates no clerk's slip explains: not one date, nor its day and month
    swapped, nor a mistyped day within one month, nor a mistyped year of one day and month.
    Two children of one family unit born on such dates are two children."""
    if not (x.precise and y.precise):
        return False
    if x.year == y.year:
        return x.month != y.month and (x.month, x.day) != (y.day, y.month)
    return (x.month, x.day) != (y.month, y.day) or abs(x.year - y.year) > 1
