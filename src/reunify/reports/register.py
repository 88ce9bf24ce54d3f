"""The separation register as every view reads it: the stored status intervals of the current
data version, computed once per data change (eagerly after a link run or a families build,
else on the first request after the change) and then read for any day by one range query.

``reunify.queries.register`` says *what* the register is; ``reunify.queries.register_intervals``
turns it into intervals that give it for every day; this module says *when* they are computed:
at most once per (data version, policy). Intervals of an older data version are never served —
the lookup is keyed by the version read at the start of the request. Two requests that need
the same missing intervals compute them once: the second waits on a lock (per process, and a
file lock across the processes of one host) and then reads what the first stored; across
hosts the unique key still lets only one of them store it.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings

from reunify.actions.register import ROW_FIELDS, store_intervals
from reunify.models import Family, FamilyMember, RegisterIntervals
from reunify.models.heap import collection_paused
from reunify.models.register import data_version
from reunify.models.streaming import streaming_reads
from reunify.queries import register_store
from reunify.queries.families import FamilyView, current_families, current_run, family_views
from reunify.queries.register import Entry, summarise
from reunify.queries.register_intervals import register_intervals
from reunify.queries.register_store import RegisterDay
from reunify.queries.timeline import latest_event_day
from reunify.rules.as_of import check_as_of
from reunify.rules.deadlines import DEFAULT_POLICY

#: How many times this process computed the register's intervals, per policy: tests read it
#: to check that stored intervals are read, not recomputed.
COMPUTATIONS: Counter = Counter()
#: How many of those updated older intervals, computing only the families whose persons'
#: records changed (tests read it too).
PARTIAL: Counter = Counter()
#: Up to this many changed persons, their families are looked up one by one.
_FEW = 200
#: Attempts at computing the intervals while the data keeps changing under the computation.
ATTEMPTS = 3

_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


class RegisterUnsettled(RuntimeError):
    """The data changed during every attempt at computing the register: try again."""


@contextmanager
def _one_computation(policy: str) -> Iterator[None]:
    """Hold the lock of one policy's computation: threads of this process, then processes."""
    with _LOCKS_GUARD:
        lock = _LOCKS.setdefault(policy, threading.Lock())
    with lock:
        folder = settings.DATA_DIR / "locks"
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / f"register-{policy}.lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def current_intervals(*, actor: str, policy: str = DEFAULT_POLICY) -> RegisterIntervals:
    """The stored intervals of the current data version, computed and stored first if nobody
    has yet (only the families an upload touched, when that is all that changed)."""
    stored = register_store.find_intervals(data_version(), policy)
    if stored is not None:
        return stored
    # The computation holds every family's events in memory (``models.heap``).
    with _one_computation(policy), collection_paused():
        for _attempt in range(ATTEMPTS):
            version = data_version()
            stored = register_store.find_intervals(version, policy)
            if stored is not None:
                return stored
            COMPUTATIONS[policy] += 1
            base, families = _base(version, policy)
            if base is not None:
                PARTIAL[policy] += 1
            # Kept as tuples until stored: a third of the memory of the dicts. The reads
            # stream (``models.streaming``).
            with streaming_reads():
                lines = [tuple(row[f] for f in ROW_FIELDS)
                         for row in register_intervals(policy=policy, families=families)]
            # Every change of an input commits with a ledger entry that advances the version:
            # the same version before and after means the computation saw one state.
            if data_version() != version:
                continue
            rows = (dict(zip(ROW_FIELDS, line, strict=True)) for line in lines)
            stored = store_intervals(actor=actor, version=version, policy=policy, rows=rows,
                                     base=base, recomputed=[f.pk for f in families or ()])
            if stored is not None:
                return stored
    raise RegisterUnsettled(f"the data changed during {ATTEMPTS} computations of the "
                            f"register; try again")


def register_snapshot(as_of: dt.date, *, actor: str,
                      policy: str = DEFAULT_POLICY) -> RegisterDay:
    """The stored register as of ``as_of`` at the current data version: the stored intervals
    read on that day (computed and stored first if nobody has yet)."""
    check_as_of(as_of)
    return RegisterDay(current_intervals(actor=actor, policy=policy), as_of)


def _base(version: int,
          policy: str) -> tuple[RegisterIntervals | None, list[FamilyView] | None]:
    """Older intervals to update, and the families to compute again; (None, None) when the
    whole register must be computed (see ``changed_persons``)."""
    base = register_store.latest_before(version, policy)
    if base is None:
        return None, None
    changed = register_store.changed_persons(base.version, version)
    if changed is None:
        return None, None
    run = current_run()
    total = Family.objects.filter(run=run).count() if run else 0
    if len(changed) > total // 2:  # most of it: as cheap to compute it all
        return None, None
    if len(changed) > _FEW:
        return base, [f for f in current_families() if not changed.isdisjoint(f.members)]
    # A few changed persons: their families only, in a few queries.
    return base, family_views(Family.objects.filter(
        run=run, pk__in=FamilyMember.objects.filter(person_id__in=changed).values("family_id")))


def refresh_register(*, actor: str) -> list[RegisterDay]:
    """Compute the register's intervals once the data changed (after a link run or a families
    build), and return the register of the days views open on — the latest day of the data,
    and today."""
    stored = current_intervals(actor=actor)
    days = {d for d in (latest_event_day(), dt.date.today()) if d is not None}
    return [RegisterDay(stored, day) for day in sorted(days)]


def stored_entries(as_of: dt.date, *, actor: str) -> Iterator[Entry]:
    """The register's entries as of a day, read from the stored intervals."""
    return register_store.entries(register_store.lines(register_snapshot(as_of, actor=actor)))


def stored_rows(as_of: dt.date, *, actor: str) -> Iterator[dict]:
    """The spec's register rows as of a day, read from the stored intervals."""
    return register_store.spec_rows(register_store.lines(register_snapshot(as_of,
                                                                           actor=actor)))


def stored_headline(as_of: dt.date, *, actor: str) -> dict[str, int]:
    """The register's headline counts as of a day, from the stored intervals."""
    return summarise(stored_entries(as_of, actor=actor))
