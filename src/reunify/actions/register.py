"""Storing the separation register computed at one data version (a derived snapshot).

A snapshot is derived data, not a decision: it can be recomputed from the store at the data
version it names, and it changes nothing that the register is computed from. So storing one
appends **no ledger entry** — an entry would advance the data version and invalidate the very
snapshot it records (and lazily computed past days would fill the ledger). Who computed it and
when are on the snapshot itself (``computed_by``, ``computed_at``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone

from reunify.actions.ledger import in_transaction
from reunify.models import RegisterRow, RegisterSnapshot
from reunify.models.register import data_version

_BATCH = 5000

#: The stored columns, in the order ``RegisterRow`` takes them.
ROW_FIELDS = ("family_pk", "family_number", "person", "role", "name", "birth_date", "status",
              "custodian", "facility", "since", "separated_since", "separation_ended",
              "days_separated", "flags")


def store_register(*, actor: str, version: int, as_of: dt.date, policy: str,
                   rows: Iterable[dict]) -> RegisterSnapshot | None:
    """Store the register computed at data version ``version`` (rows with ``ROW_FIELDS``, in
    register order) and delete the snapshots of older versions, which can never be read
    again. Get-or-create: when another request stored this snapshot first, return theirs and
    write nothing. Return None, storing nothing, when the data changed since ``version``."""
    if not actor or not actor.strip():
        raise ValueError("storing the register needs an actor")
    with in_transaction():
        if data_version() != version:
            return None
        try:
            with transaction.atomic():  # a savepoint: a lost race leaves the rest usable
                snapshot = RegisterSnapshot.objects.create(
                    version=version, as_of=as_of, policy=policy, computed_at=timezone.now(),
                    computed_by=actor[:200])
        except IntegrityError:
            return RegisterSnapshot.objects.get(version=version, as_of=as_of, policy=policy)
        count = 0
        batch: list[RegisterRow] = []
        for row in rows:
            batch.append(RegisterRow(snapshot=snapshot, position=count,
                                     **{f: row[f] for f in ROW_FIELDS}))
            count += 1
            if len(batch) >= _BATCH:
                RegisterRow.objects.bulk_create(batch)
                batch.clear()
        RegisterRow.objects.bulk_create(batch)
        snapshot.rows = count
        snapshot.save(update_fields=["rows"])
        forget_register(actor=actor, before=version)
    return snapshot


def forget_register(*, actor: str, before: int | None = None) -> int:
    """Delete stored snapshots (those of versions older than ``before``, or all): they hold
    names, so an erasure forgets them at once. Returns how many snapshots went."""
    if not actor or not actor.strip():
        raise ValueError("forgetting the register needs an actor")
    with in_transaction():
        old = RegisterSnapshot.objects.all()
        if before is not None:
            old = old.filter(version__lt=before)
        pks = list(old.values_list("pk", flat=True))
        if pks:
            RegisterRow.objects.filter(snapshot_id__in=pks).delete()
            RegisterSnapshot.objects.filter(pk__in=pks).delete()
    return len(pks)
