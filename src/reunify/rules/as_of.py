"""The days the register can be asked about.

Every view of the register is "as of" a day. A day before anyone could have been in custody or
far past any record is a mistake in the request, not a question with an answer: it is refused
with a clear message (HTTP 400, CLI exit 2) instead of overflowing date arithmetic.
"""

from __future__ import annotations

import datetime as dt

#: The first and last day the register answers for.
FIRST_DAY = dt.date(1900, 1, 1)
LAST_DAY = dt.date(2199, 12, 31)


class AsOfOutOfRange(ValueError):
    """An as-of day outside ``FIRST_DAY`` … ``LAST_DAY``."""


def check_as_of(day: dt.date) -> dt.date:
    """``day`` itself when the register can answer for it; else ``AsOfOutOfRange``."""
    if not FIRST_DAY <= day <= LAST_DAY:
        raise AsOfOutOfRange(
            f"as_of {day.isoformat()} is out of range "
            f"(expected a day from {FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()})")
    return day
