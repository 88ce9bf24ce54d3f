"""How often sign-in failed lately, for one typed account name or one address."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from reunify.models import SignInFailure


def recent_failures(account_hash: str, address: str, *, window: dt.timedelta) -> tuple[int, int]:
    """Failures within ``window`` for this account name (hashed) and for this address."""
    since = timezone.now() - window
    recent = SignInFailure.objects.filter(at__gte=since)
    return (recent.filter(account_hash=account_hash).count(),
            recent.filter(address=address).count())
