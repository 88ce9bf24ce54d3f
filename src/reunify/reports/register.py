"""The separation register as every view reads it: the stored snapshot of the current data
version, computed once (eagerly after a link run or a families build, lazily for any other
day on first request) and then read from the store.

``reunify.queries.register`` says *what* the register is; this module says *when* it is
computed: at most once per (data version, as-of day, policy). A snapshot of an older data
version is never served — the lookup is keyed by the version read at the start of the
request. Two requests that need the same missing snapshot compute it once: the second waits
on a lock (per process, and a file lock across the processes of one host) and then reads what
the first stored; across hosts the unique key still lets only one of them store it.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings

from reunify.actions.register import store_register
from reunify.models import Family, FamilyMember, RegisterSnapshot
from reunify.models.register import data_version
from reunify.queries import register_store
from reunify.queries.families import FamilyView, current_families, current_run, family_views
from reunify.queries.register import Entry, register_entries, summarise
from reunify.queries.timeline import latest_event_day
from reunify.rules.as_of import check_as_of
from reunify.rules.deadlines import DEFAULT_POLICY

#: How many times this process computed the register, per (as_of, policy): tests read it to
#: check that a stored snapshot is read, not recomputed.
COMPUTATIONS: Counter = Counter()
#: How many of those updated an older snapshot, computing only the families whose persons'
#: records changed (tests read it too).
PARTIAL: Counter = Counter()
#: Up to this many changed persons, their families are looked up one by one.
_FEW = 200
#: Attempts at computing a snapshot while the data keeps changing under the computation.
ATTEMPTS = 3

_LOCKS: dict[tuple[dt.date, str], threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


class RegisterUnsettled(RuntimeError):
    """The data changed during every attempt at computing the register: try again."""


@contextmanager
def _one_computation(as_of: dt.date, policy: str) -> Iterator[None]:
    """Hold the lock of one (day, policy): threads of this process, then processes."""
    with _LOCKS_GUARD:
        lock = _LOCKS.setdefault((as_of, policy), threading.Lock())
    with lock:
        folder = settings.DATA_DIR / "locks"
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / f"register-{as_of.isoformat()}-{policy}.lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def register_snapshot(as_of: dt.date, *, actor: str,
                      policy: str = DEFAULT_POLICY) -> RegisterSnapshot:
    """The stored register as of ``as_of`` at the current data version, computed and stored
    first if nobody has yet."""
    check_as_of(as_of)
    snapshot = register_store.find_snapshot(data_version(), as_of, policy)
    if snapshot is not None:
        return snapshot
    with _one_computation(as_of, policy):
        for _attempt in range(ATTEMPTS):
            version = data_version()
            snapshot = register_store.find_snapshot(version, as_of, policy)
            if snapshot is not None:
                return snapshot
            COMPUTATIONS[(as_of, policy)] += 1
            base, families = _base(version, as_of, policy)
            if base is not None:
                PARTIAL[(as_of, policy)] += 1
            rows = [register_store.stored_row(e)
                    for e in register_entries(as_of, policy=policy, families=families)]
            # Every change of an input commits with a ledger entry that advances the version:
            # the same version before and after means the computation saw one state.
            if data_version() != version:
                continue
            snapshot = store_register(actor=actor, version=version, as_of=as_of,
                                      policy=policy, rows=rows, base=base,
                                      recomputed=[f.pk for f in families or ()])
            if snapshot is not None:
                return snapshot
    raise RegisterUnsettled(f"the data changed during {ATTEMPTS} computations of the "
                            f"register as of {as_of.isoformat()}; try again")


def _base(version: int, as_of: dt.date,
          policy: str) -> tuple[RegisterSnapshot | None, list[FamilyView] | None]:
    """An older snapshot of the day to update, and the families to compute again; (None,
    None) when the whole register must be computed (see ``changed_persons``)."""
    base = register_store.latest_before(version, as_of, policy)
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


def refresh_register(*, actor: str) -> list[RegisterSnapshot]:
    """Compute the register for the days views open on — the latest day of the data, and
    today — once the data changed (after a link run or a families build)."""
    days = {d for d in (latest_event_day(), dt.date.today()) if d is not None}
    return [register_snapshot(day, actor=actor) for day in sorted(days)]


def stored_entries(as_of: dt.date, *, actor: str) -> Iterator[Entry]:
    """The register's entries as of a day, read from the stored snapshot."""
    return register_store.entries(register_store.lines(register_snapshot(as_of, actor=actor)))


def stored_rows(as_of: dt.date, *, actor: str) -> Iterator[dict]:
    """The spec's register rows as of a day, read from the stored snapshot."""
    return register_store.spec_rows(register_store.lines(register_snapshot(as_of,
                                                                           actor=actor)))


def stored_headline(as_of: dt.date, *, actor: str) -> dict[str, int]:
    """The register's headline counts as of a day, from the stored snapshot."""
    return summarise(stored_entries(as_of, actor=actor))
