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

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from reunify.actions.ledger import in_transaction
from reunify.models import RegisterRow, RegisterSnapshot
from reunify.models.register import data_version

_BATCH = 5000

#: The stored columns, in the order ``RegisterRow`` takes them.
ROW_FIELDS = ("family_pk", "family_number", "person", "role", "name", "birth_date", "status",
              "custodian", "facility", "since", "separated_since", "separation_ended",
              "days_separated", "flags")


#: Snapshots kept at most (the newest of each day serves as the base of the next one's
#: incremental update); older ones go, whatever their day.
KEEP = 8

_COPIED = ("family_pk", "family_number", "person", "role", "name", "birth_date", "status",
           "custodian", "facility", "since", "separated_since", "separation_ended",
           "days_separated", "flags")


def store_register(*, actor: str, version: int, as_of: dt.date, policy: str,
                   rows: Iterable[dict], base: RegisterSnapshot | None = None,
                   recomputed: Iterable[int] = ()) -> RegisterSnapshot | None:
    """Store the register computed at data version ``version`` (rows with ``ROW_FIELDS``).

    With ``base`` (an older snapshot of the same day and policy), ``rows`` are those of the
    families ``recomputed`` (family keys) only, and every other family's rows are copied from
    ``base`` in the database. Get-or-create: when another request stored this snapshot first,
    return theirs and write nothing. Return None, storing nothing, when the data changed since
    ``version``. Older snapshots of the day go; so does any snapshot beyond the newest
    ``KEEP``."""
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
        if base is not None:
            _copy(base, snapshot, sorted(set(recomputed)))
        batch: list[RegisterRow] = []
        for row in rows:
            batch.append(RegisterRow(snapshot=snapshot, **{f: row[f] for f in ROW_FIELDS}))
            if len(batch) >= _BATCH:
                RegisterRow.objects.bulk_create(batch)
                batch.clear()
        RegisterRow.objects.bulk_create(batch)
        snapshot.rows = RegisterRow.objects.filter(snapshot=snapshot).count()
        snapshot.save(update_fields=["rows"])
        old = RegisterSnapshot.objects.filter(as_of=as_of, policy=policy,
                                              version__lt=version)
        surplus = RegisterSnapshot.objects.order_by("-computed_at", "-pk")[KEEP:]
        _delete({*old.values_list("pk", flat=True), *surplus.values_list("pk", flat=True)})
    return snapshot


def _copy(base: RegisterSnapshot, snapshot: RegisterSnapshot, skipped: list[int]) -> None:
    """Every row of ``base`` into ``snapshot`` in one statement, but the families
    ``skipped`` (recomputed), which are deleted from the copy by chunks of keys."""
    columns = ", ".join(_COPIED)
    table = RegisterRow._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} (snapshot_id, {columns}) "  # noqa: S608 # nosec B608 - names
                       f"SELECT %s, {columns} FROM {table} WHERE snapshot_id = %s",
                       [snapshot.pk, base.pk])
    for start in range(0, len(skipped), 500):
        RegisterRow.objects.filter(snapshot=snapshot,
                                   family_pk__in=skipped[start:start + 500]).delete()


def _delete(pks: set[int]) -> None:
    if pks:
        RegisterRow.objects.filter(snapshot_id__in=pks).delete()
        RegisterSnapshot.objects.filter(pk__in=pks).delete()


def forget_register(*, actor: str) -> int:
    """Delete every stored snapshot: they hold names, so an erasure forgets them at once.
    Returns how many snapshots went."""
    if not actor or not actor.strip():
        raise ValueError("forgetting the register needs an actor")
    with in_transaction():
        pks = set(RegisterSnapshot.objects.values_list("pk", flat=True))
        _delete(pks)
    return len(pks)
