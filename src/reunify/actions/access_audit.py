"""Anchoring the access log in the ledger, and pruning it by the retention policy.

``digest_access_log`` appends one ``access.digest`` entry per past day (UTC) not yet digested:
the day's row count and sha256 (``reunify.models.access_digest``), so a row deleted or
changed afterwards is detected by ``reunify access verify``. ``prune`` deletes raw rows older
than the retention period — only of days already digested; the digests stay in the ledger —
and sign-in failures and expired sessions, in one transaction with an ``access.pruned`` entry.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.sessions.models import Session
from django.utils import timezone

from reunify.actions.ledger import append_entry, in_transaction
from reunify.models import AccessLog, AccessPrune, SignInFailure
from reunify.models.access_digest import (
    DIGEST_TYPE,
    PRUNE_TYPE,
    day_digest,
    digested_days,
    logged_days,
)

#: The documented retention policy (docs/operations.md), in days.
ACCESS_LOG_DAYS = 730
SIGN_IN_FAILURE_DAYS = 30


def digest_access_log(*, actor: str, today: dt.date | None = None) -> list[dt.date]:
    """Anchor every past day's access-log digest not yet in the ledger; return those days."""
    today = today or timezone.now().astimezone(dt.UTC).date()
    with in_transaction():
        done = digested_days()
        days = [d for d in logged_days(today) if d not in done]
        for day in days:
            rows, sha = day_digest(day)
            append_entry(actor=actor, type=DIGEST_TYPE, subjects=[f"access-day:{day}"],
                         payload={"day": day.isoformat(), "rows": rows, "sha256": sha})
    return days


def prune(*, actor: str, access_days: int = ACCESS_LOG_DAYS,
          sign_in_days: int = SIGN_IN_FAILURE_DAYS, now: dt.datetime | None = None
          ) -> dict[str, int | str]:
    """Delete what the retention policy no longer keeps; return counts (ledgered)."""
    if access_days < 1 or sign_in_days < 1:
        raise ValueError("retention periods are at least one day")
    now = now or timezone.now()
    today = now.astimezone(dt.UTC).date()
    digest_access_log(actor=actor, today=today)
    before = dt.datetime.combine(today - dt.timedelta(days=access_days), dt.time(),
                                 tzinfo=dt.UTC)
    with in_transaction():
        AccessPrune.objects.create(before=before, at=now, actor=actor)
        access, _ = AccessLog.objects.filter(logged_at__lt=before).delete()
        failures, _ = SignInFailure.objects.filter(
            at__lt=now - dt.timedelta(days=sign_in_days)).delete()
        sessions, _ = Session.objects.filter(expire_date__lt=now).delete()
        counts: dict[str, int | str] = {
            "before": before.isoformat(), "access_rows": access, "sign_in_failures": failures,
            "expired_sessions": sessions,
        }
        append_entry(actor=actor, type=PRUNE_TYPE, subjects=["access-log"], payload=counts)
    return counts
