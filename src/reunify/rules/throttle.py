"""How sign-in guessing is slowed: limits, back-off, and how counters are keyed.

Two counters are kept for every attempt, keyed on the real client address (behind the trusted
proxy, see ``reunify.web.client``):

- per **account name and address** together: after ``MAX_FAILURES_PER_PAIR`` failures each
  further attempt waits ``BASE_LOCK`` doubled per further failure, at most ``MAX_LOCK``. An
  attacker therefore locks out only themselves: the account's owner, signing in from another
  address, is not slowed at all. There is deliberately no lock on the account name alone (a
  lock anyone could set on an administrator); guessing one account from many addresses is
  bounded by the second factor every role needs, the password rules and the per-address limit.
- per **address**: ``MAX_FAILURES_PER_ADDRESS`` failures within ``WINDOW`` refuse every account
  from that address until the window has passed.

An attempt counts as a failure *before* the password is checked (and is taken back when it
succeeds), so concurrent guesses cannot all pass a check made before any of them was counted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

MAX_FAILURES_PER_PAIR = 5
MAX_FAILURES_PER_ADDRESS = 20
WINDOW = dt.timedelta(minutes=15)
BASE_LOCK = dt.timedelta(minutes=1)
MAX_LOCK = dt.timedelta(minutes=15)
#: A pair's failures are forgotten after this long without an attempt.
PAIR_MEMORY = dt.timedelta(days=1)

PAIR, ADDRESS = "pair", "address"


def account_hash(username: str) -> str:
    """How a typed account name is kept in the throttle: a hash, never the name."""
    return hashlib.sha256(username.strip().lower().encode("utf-8")).hexdigest()


def pair_key(username: str, address: str) -> str:
    """The counter key of one account name tried from one address (a hash: no name kept)."""
    text = f"{username.strip().lower()}\x00{address}"
    return f"{PAIR}:{hashlib.sha256(text.encode('utf-8')).hexdigest()}"


def address_key(address: str) -> str:
    """The counter key of one client address."""
    return f"{ADDRESS}:{address[:90]}"


@dataclass(frozen=True)
class Count:
    """A counter's state: failures (attempts not yet known to have succeeded), first and last."""

    failures: int
    first_at: dt.datetime
    last_at: dt.datetime


def kind_of(key: str) -> str:
    return key.split(":", 1)[0]


def fresh(kind: str, count: Count, now: dt.datetime) -> Count:
    """The counter as it stands at ``now``: an expired one starts again from nothing."""
    expired = (now - count.last_at >= PAIR_MEMORY) if kind == PAIR \
        else (now - count.first_at >= WINDOW)
    return Count(0, now, now) if expired else count


def pair_lock(failures: int) -> dt.timedelta:
    """How long a pair waits after its last attempt, having ``failures`` failures."""
    if failures < MAX_FAILURES_PER_PAIR:
        return dt.timedelta(0)
    doublings = min(failures - MAX_FAILURES_PER_PAIR, 10)
    return min(BASE_LOCK * (2 ** doublings), MAX_LOCK)


def wait(kind: str, count: Count, now: dt.datetime) -> dt.timedelta:
    """How long another attempt must wait under this counter (zero: it may go ahead)."""
    count = fresh(kind, count, now)
    if kind == PAIR:
        lock = pair_lock(count.failures)
        if not lock:
            return dt.timedelta(0)
        until = count.last_at + lock
    elif count.failures >= MAX_FAILURES_PER_ADDRESS:
        until = count.first_at + WINDOW
    else:
        return dt.timedelta(0)
    return max(until - now, dt.timedelta(0))


def taken(kind: str, count: Count, now: dt.datetime) -> Count:
    """The counter once an attempt has taken its place on it."""
    count = fresh(kind, count, now)
    return Count(count.failures + 1, count.first_at, now)
