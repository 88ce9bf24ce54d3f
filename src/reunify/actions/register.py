"""Storing the separation register computed at one data version: its status intervals.

The intervals are derived data, not a decision: they can be recomputed from the store at the
data version they name, and they change nothing that the register is computed from. So
storing them appends **no ledger entry** — an entry would advance the data version and
invalidate the very intervals it records. Who computed them and when are on the set itself
(``computed_by``, ``computed_at``).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from reunify.actions.ledger import in_transaction
from reunify.actions.table_writing import write_table_rows
from reunify.models import RegisterInterval, RegisterIntervals
from reunify.models.register import data_version

#: The stored columns of an interval, in the order ``RegisterInterval`` takes them.
ROW_FIELDS = ("start", "until", "family_pk", "family_number", "person", "role", "name",
              "birth_date", "status", "custodian", "facility", "since", "separated_since",
              "separation_ended", "days_fixed", "open_from", "flags", "flag_bits")

#: Sets of intervals kept at most (the newest serves, the one before it is the base of the
#: next incremental update); older ones go.
KEEP = 2


def store_intervals(*, actor: str, version: int, policy: str, rows: Iterable[dict],
                    base: RegisterIntervals | None = None,
                    recomputed: Iterable[int] = ()) -> RegisterIntervals | None:
    """Store the register's intervals computed at data version ``version`` (rows with
    ``ROW_FIELDS``).

    With ``base`` (an older set of the same policy), ``rows`` are those of the families
    ``recomputed`` (family keys) only, and every other family's intervals are copied from
    ``base`` in the database. Get-or-create: when another request stored this set first,
    return theirs and write nothing. Return None, storing nothing, when the data changed since
    ``version``. Sets beyond the newest ``KEEP`` go."""
    if not actor or not actor.strip():
        raise ValueError("storing the register needs an actor")
    with in_transaction():
        if data_version() != version:
            return None
        try:
            with transaction.atomic():  # a savepoint: a lost race leaves the rest usable
                stored = RegisterIntervals.objects.create(
                    version=version, policy=policy, computed_at=timezone.now(),
                    computed_by=actor[:200])
        except IntegrityError:
            return RegisterIntervals.objects.get(version=version, policy=policy)
        if base is not None:
            _copy(base, stored, sorted(set(recomputed)))
        _insert(stored.pk, rows)
        stored.rows = RegisterInterval.objects.filter(intervals=stored).count()
        stored.save(update_fields=["rows"])
        surplus = RegisterIntervals.objects.filter(policy=policy).order_by("-version")[KEEP:]
        _delete(set(surplus.values_list("pk", flat=True)))
    return stored


#: Stored columns that hold days.
_DAYS = frozenset({"start", "until", "since", "separated_since", "separation_ended"})


def _insert(pk: int, rows: Iterable[dict]) -> None:
    """The rows into the table, without a model object per row."""
    adapt = connection.ops.adapt_datefield_value
    days = [i for i, f in enumerate(ROW_FIELDS) if f in _DAYS]

    def values(row: dict) -> list:
        out = [pk, *(row[f] for f in ROW_FIELDS)]
        for i in days:
            out[i + 1] = adapt(out[i + 1])
        return out

    write_table_rows(RegisterInterval._meta.db_table, ("intervals_id", *ROW_FIELDS),
                (values(row) for row in rows))


def _copy(base: RegisterIntervals, stored: RegisterIntervals, skipped: list[int]) -> None:
    """Every interval of ``base`` into ``stored`` in one statement, but those of the families
    ``skipped`` (recomputed), which are deleted from the copy by chunks of keys."""
    columns = ", ".join(f for f in ROW_FIELDS)
    table = RegisterInterval._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} (intervals_id, {columns}) "  # noqa: S608 # nosec B608 - names
                       f"SELECT %s, {columns} FROM {table} WHERE intervals_id = %s",
                       [stored.pk, base.pk])
    for start in range(0, len(skipped), 500):
        RegisterInterval.objects.filter(intervals=stored,
                                        family_pk__in=skipped[start:start + 500]).delete()


def _delete(pks: set[int]) -> None:
    if pks:
        RegisterInterval.objects.filter(intervals_id__in=pks).delete()
        RegisterIntervals.objects.filter(pk__in=pks).delete()


def forget_register(*, actor: str) -> int:
    """Delete every stored set of intervals: they hold names, so an erasure forgets them at
    once. Returns how many sets went."""
    if not actor or not actor.strip():
        raise ValueError("forgetting the register needs an actor")
    with in_transaction():
        pks = set(RegisterIntervals.objects.values_list("pk", flat=True))
        _delete(pks)
    return len(pks)
