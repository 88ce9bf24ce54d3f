"""A day's digest of the access log, as the ledger anchors it.

The digest of a day is the sha256 of the rows that reached the table that day (UTC, by
``logged_at``), each as a canonical JSON line, in ``key`` order. ``access.digest`` ledger entries
hold it; ``access.pruned`` entries hold the prune horizon before which rows may be gone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from reunify.models.access import AccessLog
from reunify.models.ledger import LedgerEntry

DIGEST_TYPE, PRUNE_TYPE = "access.digest", "access.pruned"
_COLUMNS = ("key", "at", "user", "role", "what", "object_id", "route", "outcome")


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The first moment of ``day`` (UTC) and of the next."""
    start = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
    return start, start + dt.timedelta(days=1)


def day_digest(day: dt.date) -> tuple[int, str]:
    """(rows, sha256) of the rows logged on ``day`` (UTC)."""
    start, end = day_bounds(day)
    digest = hashlib.sha256()
    count = 0
    rows = (AccessLog.objects.filter(logged_at__gte=start, logged_at__lt=end).order_by("key")
            .values_list(*_COLUMNS))
    for row in rows.iterator(chunk_size=5000):
        values = [v.isoformat() if isinstance(v, dt.datetime) else v for v in row]
        digest.update(json.dumps(values, ensure_ascii=False).encode("utf-8") + b"\n")
        count += 1
    return count, digest.hexdigest()


def logged_days(before: dt.date) -> list[dt.date]:
    """Days (UTC) before ``before`` on which rows reached the log."""
    start, _ = day_bounds(before)
    moments = (AccessLog.objects.filter(logged_at__lt=start, logged_at__isnull=False)
               .values_list("logged_at", flat=True).order_by("logged_at"))
    days: list[dt.date] = []
    for moment in moments.iterator(chunk_size=10_000):
        day = moment.astimezone(dt.UTC).date()
        if not days or days[-1] != day:
            days.append(day)
    return days


def _payloads(type: str) -> list[dict]:
    return [json.loads(body)["payload"] for body in
            LedgerEntry.objects.filter(type=type).order_by("seq").values_list("body", flat=True)]


def digested_days() -> dict[dt.date, dict]:
    """Every day whose digest is in the ledger, with that digest's payload."""
    return {dt.date.fromisoformat(p["day"]): p for p in _payloads(DIGEST_TYPE)}


def ledgered_horizon() -> dt.datetime | None:
    """The latest prune horizon recorded in the ledger (rows logged before it may be gone)."""
    befores = [dt.datetime.fromisoformat(p["before"]) for p in _payloads(PRUNE_TYPE)]
    return max(befores) if befores else None


