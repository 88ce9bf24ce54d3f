"""The access log: every read of a person's record, and every read an auditor makes.

Reads are logged in their own table, not the ledger: a read changes no state of the record, and
the log must keep up with every page view. Rows hold ids, never names.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone

from reunify.actions.ledger import in_transaction
from reunify.models import AccessLog


def record_reads(
    what: str, object_ids: Iterable[str], *, actor: str, role: str, route: str
) -> int:
    """Log that ``actor`` (holding ``role``) read each of ``object_ids`` (of kind ``what``)
    through ``route``; returns how many rows were written."""
    now = timezone.now()
    rows = [
        AccessLog(at=now, user=actor[:200], role=role[:32], what=what[:64],
                  object_id=str(object_id)[:64], route=route[:200])
        for object_id in dict.fromkeys(object_ids)
    ]
    if not rows:
        return 0
    with in_transaction():
        AccessLog.objects.bulk_create(rows)
    return len(rows)
