"""The ``--as-of DAY`` option every register view takes, checked at the command line."""

from __future__ import annotations

import argparse
import datetime as dt

from reunify.rules.as_of import AsOfOutOfRange, check_as_of


def as_of_day(text: str) -> dt.date:
    """An ISO day the register can answer for; argparse reports anything else (exit 2)."""
    try:
        return check_as_of(dt.date.fromisoformat(text))
    except AsOfOutOfRange as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a day (expected YYYY-MM-DD)") from None
