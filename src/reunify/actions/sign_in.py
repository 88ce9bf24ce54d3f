"""Sign-in throttling: an attempt takes its place on its counters before it is evaluated.

Not ledger entries: attempts change no state of the record, and an attacker must not be able to
grow the ledger at will (the same reason ``record_sign_in_failure`` writes none).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from reunify.actions.ledger import in_transaction
from reunify.actions.users import record_sign_in_failure
from reunify.models import SignInCounter
from reunify.rules import throttle


def _keys(username: str, address: str) -> list[str]:
    # Always locked in one order, so two attempts never wait on each other's rows crosswise.
    return sorted({throttle.pair_key(username, address), throttle.address_key(address)})


def take_attempt(username: str, address: str, *, actor: str) -> dt.timedelta:
    """Count an attempt at signing in as ``username`` from ``address`` as a failure until it is
    settled, unless a counter refuses it; returns how long it must wait (zero: go ahead).

    One transaction holds the counters' row locks from the check to the count, so of many
    concurrent attempts no more than the limit go ahead. ``actor`` is who is counting (the
    sign-in page), not the account: no one is signed in yet.
    """
    now = timezone.now()
    keys = _keys(username, address)
    with in_transaction():
        SignInCounter.objects.bulk_create(
            [SignInCounter(key=k, failures=0, first_at=now, last_at=now) for k in keys],
            ignore_conflicts=True)
        rows = list(SignInCounter.objects.select_for_update().filter(key__in=keys)
                    .order_by("key"))
        now = timezone.now()  # once the rows are ours: no attempt is dated before another
        counts = {row.key: throttle.Count(row.failures, row.first_at, row.last_at)
                  for row in rows}
        longest = max((throttle.wait(throttle.kind_of(k), c, now) for k, c in counts.items()),
                      default=dt.timedelta(0))
        if longest > dt.timedelta(0):
            return longest
        for row in rows:
            after = throttle.taken(throttle.kind_of(row.key), counts[row.key], now)
            row.failures, row.first_at, row.last_at = after.failures, after.first_at, after.last_at
            row.save(update_fields=["failures", "first_at", "last_at"])
    return dt.timedelta(0)


def settle_attempt(username: str, address: str, *, succeeded: bool, actor: str) -> None:
    """Settle an attempt taken by ``take_attempt``: a success clears the pair's failures and
    gives the address its place back; a failure stays counted and is recorded."""
    if not succeeded:
        record_sign_in_failure(username, address, actor=actor)
        return
    with in_transaction():
        SignInCounter.objects.filter(key=throttle.pair_key(username, address)).delete()
        row = (SignInCounter.objects.select_for_update()
               .filter(key=throttle.address_key(address)).first())
        if row is not None and row.failures > 0:
            row.failures -= 1
            row.save(update_fields=["failures"])
