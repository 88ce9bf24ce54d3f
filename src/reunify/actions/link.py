"""A link run: resolve every current person-record into persons, and keep the result.

Reads the current records, the relations sources stated between their own records, the
sources' current profiles and every decision people made on pairs; asks the linker
(``reunify.linkage``) for clusters; writes one Person per cluster (keeping a person's id when
their cluster persists), one Identity per record, the review pairs, the run with its model and
the model's sha256, and a ``link.run`` ledger entry, all in one transaction.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

from reunify.actions.ledger import append_entry, hold_ledger_lock, in_transaction
from reunify.actions.store_lock import rebuild_lock
from reunify.linkage.records import Decision, Key, Profile, Relation, ordered
from reunify.linkage.resolution import ENGINES, no_cycle_collection, resolve
from reunify.models import Identity, LinkDecision, LinkRun, Person, RelationRecord, ReviewPair
from reunify.models.linkage import linkage_records
from reunify.models.profile import linkage_profiles

_BATCH = 2000
_STEPS = ("loading records", "preparing records", "scoring pairs", "clustering", "writing")


class _Steps:
    """Progress by named step: a rich status line on a Console, a callback(step), or nothing."""

    def __init__(self, target: Any) -> None:
        from rich.console import Console

        self._console = target if isinstance(target, Console) else None
        self._callback = target if self._console is None and callable(target) else None
        self._status = None

    def __enter__(self) -> _Steps:
        if self._console is not None:
            self._status = self._console.status("linking")
            self._status.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._status is not None:
            self._status.stop()

    def __call__(self, step: str) -> None:
        if self._status is not None:
            self._status.update(f"linking: {step}")
            self._console.log(step)
        elif self._callback is not None:
            self._callback(step)


def _relations() -> list[Relation]:
    rows = RelationRecord.objects.filter(is_current=True).exclude(other_record_id="")\
        .values_list("source", "record_id", "relation", "other_record_id")
    return [Relation((s, r), rel, (s, o)) for s, r, rel, o in rows]


def _decisions_in_force() -> list[Decision]:
    """Every pair's latest decision (a later decision on the same pair overrides an earlier)."""
    latest: dict[tuple[Key, Key], Decision] = {}
    for row in LinkDecision.objects.order_by("decided_at", "pk"):
        left, right = ordered((row.left_source, row.left_record_id),
                              (row.right_source, row.right_record_id))
        latest[(left, right)] = Decision(left, right, row.decision == LinkDecision.SAME)
    return list(latest.values())


class DecisionsChanged(RuntimeError):
    """Review decisions were recorded while the run was scoring: nothing was written."""


def _refuse_if_decided_since(used: list[Decision]) -> None:
    """Raise DecisionsChanged if the decisions in force differ from those the run scored with
    (a reviewer decided a pair meanwhile): writing would reopen or contradict their decision."""
    now = _decisions_in_force()
    if set(now) != set(used):
        changed = len(set(now) ^ set(used))
        raise DecisionsChanged(
            f"{changed} review decision(s) were recorded while this link run was scoring; "
            "nothing was written: run `reunify link` again so that they bind"
        )


def _stable_persons(clusters: list[list[Key]], old: dict[Key, int]) -> list[int | None]:
    """For each cluster, the existing person it continues (largest overlap wins), or None."""
    candidates = []
    for n, members in enumerate(clusters):
        for person, overlap in Counter(old[k] for k in members if k in old).items():
            candidates.append((-overlap, person, n))
    candidates.sort()
    chosen: list[int | None] = [None] * len(clusters)
    taken: set[int] = set()
    for _overlap, person, n in candidates:
        if chosen[n] is None and person not in taken:
            chosen[n] = person
            taken.add(person)
    return chosen


#: Identities moved per statement (two parameters each).
_MOVES = 400


def _move_identities(run: LinkRun, moves: list[tuple[int, int]]) -> None:
    """Point each identity (by pk) at its new person, in statements of :data:`_MOVES` rows
    (``UPDATE … FROM (VALUES …)``, in SQLite and PostgreSQL alike): Django's ``bulk_update``
    writes a CASE per row and took most of a 100,000-record run."""
    with connection.cursor() as cursor:
        for start in range(0, len(moves), _MOVES):
            chunk = moves[start:start + _MOVES]
            rows = ", ".join(["(%s, %s)"] * len(chunk))
            cursor.execute(
                f"UPDATE reunify_identity SET person_id = v.column2, run_id = %s FROM (VALUES {rows}) AS v WHERE reunify_identity.id = v.column1",  # noqa: E501, S608 # nosec B608
                [run.pk, *(value for move in chunk for value in move)])


def _write_identities(run: LinkRun, clusters: list[list[Key]]) -> dict[str, int]:
    existing = {(s, r): (pk, p) for pk, s, r, p in
                Identity.objects.values_list("pk", "source", "record_id", "person_id")}
    owners = _stable_persons(clusters, {k: p for k, (_pk, p) in existing.items()})
    fresh = [n for n, owner in enumerate(owners) if owner is None]
    created = Person.objects.bulk_create([Person(created_run=run) for _ in fresh],
                                         batch_size=_BATCH)
    for n, person in zip(fresh, created, strict=True):
        owners[n] = person.pk
    changed, new, current = [], [], set()
    for n, members in enumerate(clusters):
        for key in members:
            current.add(key)
            pk, person = existing.get(key, (None, None))
            if pk is None:
                new.append(Identity(source=key[0], record_id=key[1], person_id=owners[n], run=run))
            elif person != owners[n]:
                changed.append((pk, owners[n]))
    _move_identities(run, changed)
    Identity.objects.bulk_create(new, batch_size=_BATCH)
    gone = [pk for key, (pk, _p) in existing.items() if key not in current]
    for start in range(0, len(gone), _BATCH):
        Identity.objects.filter(pk__in=gone[start:start + _BATCH]).delete()
    return {"persons_created": len(created), "identities_created": len(new),
            "identities_moved": len(changed), "identities_removed": len(gone)}


def link(*, actor: str, engine: str = "splink", progress: Any = None) -> LinkRun:
    """Run the linker over every current person-record and store who is who.

    ``engine`` is ``splink`` (trained per run, the default) or ``deterministic``. ``progress``
    is a rich Console, a callable taking the name of each step, or None. Decisions people made
    on pairs bind: ``same`` pairs always end in one person, ``different`` pairs never do.
    """
    if not actor or not actor.strip():
        raise ValueError("a link run needs an actor")
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}: expected one of {', '.join(ENGINES)}")
    # The collector off for the whole run, not only while resolving: reading a hundred
    # thousand records and writing their identities make no cycles either, and it would
    # rescan the run's live objects for nothing (0.6 CPU s at 100,000 records). Back on once
    # the run's records and persons are freed (``_link`` returned), or its first collection
    # would scan them all.
    with no_cycle_collection():
        return _link(actor, engine, progress)


def _link(actor: str, engine: str, progress: Any) -> LinkRun:
    """:func:`link`, checked; its caller turns the cycle collector off."""
    with rebuild_lock(), _Steps(progress) as say:
        started = timezone.now()
        say(_STEPS[0])
        cpu = time.process_time()
        records, relations, decisions = linkage_records(), _relations(), _decisions_in_force()
        loaded = time.process_time() - cpu
        backend = getattr(settings, "LINKAGE_BACKEND", "duckdb")
        # What each source records, from its current profile: the linker never reads names.
        profiles = {source: Profile.of(p) for source, p in linkage_profiles().items()}
        resolution = resolve(records, relations=relations, decisions=decisions, engine=engine,
                             backend=backend, progress=say, profiles=profiles)
        say(_STEPS[-1])
        cpu = time.process_time()
        model_sha = hashlib.sha256(resolution.model_json.encode("utf-8")).hexdigest()
        with in_transaction():
            # Close every open pair first (waiting for a decision being made on one), then
            # hold the ledger's lock, which every decision takes to be recorded: the decisions
            # read now are all there will be until this run commits.
            superseded = ReviewPair.objects.filter(status=ReviewPair.OPEN)\
                .update(status=ReviewPair.SUPERSEDED)
            hold_ledger_lock()
            _refuse_if_decided_since(decisions)
            run = LinkRun.objects.create(
                actor=actor, started_at=started, engine=engine, model_json=resolution.model_json,
                model_sha256=model_sha, params={"backend": backend if engine == "splink" else ""},
            )
            written = _write_identities(run, resolution.clusters)
            ReviewPair.objects.bulk_create([
                ReviewPair(run=run, left_source=p.left[0], left_record_id=p.left[1],
                           right_source=p.right[0], right_record_id=p.right[1],
                           match_weight=p.match_weight, match_probability=p.match_probability,
                           comparisons=p.comparisons)
                for p in resolution.review
            ], batch_size=_BATCH)
            run.stats = {**resolution.stats, **written, "review_pairs_superseded": superseded}
            run.stats["cpu_seconds"] = {"load": round(loaded, 3),
                                        **resolution.stats.get("cpu_seconds", {}),
                                        "write": round(time.process_time() - cpu, 3)}
            run.finished_at = timezone.now()
            run.save(update_fields=["stats", "finished_at"])
            append_entry(actor=actor, type="link.run", subjects=[f"link_run:{run.pk}"], payload={
                "link_run": run.pk, "engine": engine, "model_sha256": model_sha,
                "records": resolution.stats["records"], "persons": resolution.stats["persons"],
                "review_pairs": len(resolution.review), **written,
            })
    return run
