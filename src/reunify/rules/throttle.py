"""How sign-in guessing is slowed: limits, the window they count over, and how a typed account
name is kept (a hash, whether or not such an account exists)."""

from __future__ import annotations

import datetime as dt
import hashlib

#: Failures within ``WINDOW`` after which sign-in is refused, per account name and per address.
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20
WINDOW = dt.timedelta(minutes=15)


def account_hash(username: str) -> str:
    """How a typed account name is kept in the throttle: a hash, never the name."""
    return hashlib.sha256(username.strip().lower().encode("utf-8")).hexdigest()


def refused(by_account: int, by_address: int) -> bool:
    """Whether recent failures for this name or this address refuse another attempt."""
    return by_account >= MAX_FAILURES_PER_ACCOUNT or by_address >= MAX_FAILURES_PER_ADDRESS
