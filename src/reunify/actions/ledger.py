"""Appending to the decision ledger, inside the caller's transaction.

Appends are serialised: on PostgreSQL by a transaction-scoped advisory lock, on SQLite by the
write lock every transaction takes at BEGIN (``transaction_mode=IMMEDIATE``), so ``seq`` never
forks and never skips.
"""

from __future__ import annotations

import hashlib
from typing import Any

import rfc8785
from django.db import connection, transaction
from django.utils import timezone

from reunify.models import LedgerEntry

#: Arbitrary but fixed: the advisory lock that serialises ledger appends on PostgreSQL.
_LEDGER_LOCK_ID = 0x7265756E  # "reun"


def leaf_hash(body: bytes) -> str:
    """RFC 9162 leaf hash of a canonical entry body: SHA-256(0x00 || body), hex."""
    return hashlib.sha256(b"\x00" + body).hexdigest()


def append_entry(
    *,
    actor: str,
    type: str,
    subjects: list[str] | None = None,
    payload: dict[str, Any] | None = None,
) -> LedgerEntry:
    """Append one entry; must run inside the transaction of the change it records."""
    if not actor or not actor.strip():
        raise ValueError("a ledger entry needs an actor")
    if not connection.in_atomic_block:
        raise RuntimeError("append_entry must run inside the transaction of the change it records")
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [_LEDGER_LOCK_ID])
    last = LedgerEntry.objects.order_by("-seq").values_list("seq", flat=True).first()
    seq = 0 if last is None else last + 1
    now = timezone.now()
    body = rfc8785.dumps(
        {
            "seq": seq,
            "at": now.isoformat().replace("+00:00", "Z"),
            "actor": actor,
            "type": type,
            "subjects": sorted(subjects or []),
            "payload": payload or {},
        }
    )
    return LedgerEntry.objects.create(
        seq=seq, recorded_at=now, actor=actor, type=type, body=body.decode("utf-8"),
        leaf_hash=leaf_hash(body),
    )


def in_transaction() -> transaction.Atomic:
    """The transaction an action runs in (one per action)."""
    return transaction.atomic()


#: Event columns that make an event a reported decision worth its own ledger entry.
_DECISION_FIELDS = ("actor", "authority", "reason")


def append_reported_decisions(*, actor: str, file_id: int) -> int:
    """Append one entry per decision a source reported in one ingested file; return how many.

    An event is a decision when it names who decided, under what authority or why. The entry
    holds ids, the event type and time, the decider and the authority; the free-text reason is
    kept only as a salted hash (it may mention the person), so erasing a person's data leaves
    every proof verifying.
    """
    from reunify.models import EventRecord

    count = 0
    rows = (
        EventRecord.objects.filter(file_id=file_id)
        .exclude(actor="", authority="", reason="")
        .order_by("line")
        .values_list(
            "source", "event_id", "record_id", "type", "at", "actor", "authority", "reason"
        )
    )
    for source, event_id, record_id, etype, at, decider, authority, reason in rows.iterator():
        append_entry(
            actor=actor,
            type=f"reported.{etype}",
            subjects=[f"{source}:{record_id}", f"{source}:event:{event_id}"],
            payload={
                "at": at.isoformat().replace("+00:00", "Z"),
                "decided_by": decider,
                "authority": authority,
                "reason_sha256": (
                    hashlib.sha256(reason.encode("utf-8")).hexdigest() if reason else ""
                ),
            },
        )
        count += 1
    return count
