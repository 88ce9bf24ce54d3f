"""What matching a tracing request reads from the store, kept in the process's memory.

The blocking index of every current person-record (:func:`_record_index`), the records to
score with their custody windows and places (:func:`_person_records`), and the store's
families, places and separations around a candidate (:func:`_store_context`): each built once
per store state and reused by later inquiries (docs/tracing.md, "Speed"). Reads only, so
private to the tracing actions (none takes an actor; none is an action).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Max

from reunify.linkage import inquiry as tracing
from reunify.models import EventRecord, FamilyMember, FamilyRun, Identity, LinkRun, PersonRecord
from reunify.rules.names import fold

#: Inquirers who, once reunify holds them as a person, are the parent a case seeks.
CARER_RELATIONS = frozenset({"parent", "guardian"})
_RECORD_FIELDS = ("id", "source", "record_id", "family_name", "given_name", "birth_date", "sex",
                  "country", "a_number", "group_id", "group_role", "phone", "address")

_cache: dict[str, object] = {}


def _record_index(run: LinkRun) -> tracing.RecordIndex:
    """The store's linked person-records under their blocking keys, built once per process and
    store state (link run, newest record): later inquiries are answered from memory."""
    newest = PersonRecord.objects.aggregate(n=Max("pk"))["n"]
    # The run's finishing moment too: ids alone can repeat in another store (a test's).
    state = (run.pk, run.finished_at, newest)
    if _cache.get("state") != state:
        person_of = dict(((s, r), p) for s, r, p in Identity.objects.values_list(
            "source", "record_id", "person_id").iterator(chunk_size=20_000))
        rows = (
            (pk, person_of[(source, record_id)], family, given, birth)
            for pk, source, record_id, family, given, birth in PersonRecord.objects.filter(
                is_current=True).values_list("pk", "source", "record_id", "family_name",
                                             "given_name", "birth_date")
            .iterator(chunk_size=20_000)
            if (source, record_id) in person_of
        )
        _cache["index"] = tracing.RecordIndex.build(rows)
        _cache["state"] = state
    return _cache["index"]  # type: ignore[return-value]


def _person_records(pks: Iterable[int]) -> dict[int, dict]:
    """Person-records by id, as the linker takes them (with their custody windows, and
    ``places``: the folded facilities their events name)."""
    pks = list(pks)
    found: dict[int, dict] = {}
    for start in range(0, len(pks), 2000):
        for row in PersonRecord.objects.filter(pk__in=pks[start:start + 2000]).values(
                *_RECORD_FIELDS):
            found[row.pop("id")] = row
    by_key = {(r["source"], r["record_id"]): r for r in found.values()}
    for r in by_key.values():
        r["seen_from"] = r["seen_to"] = None
        r["places"] = set()
    by_source: dict[str, list[str]] = {}
    for source, record_id in sorted(by_key):
        by_source.setdefault(source, []).append(record_id)
    # By source and record id: the events' (source, record_id) index serves the look-up.
    chunks = [(source, ids[start:start + 2000]) for source, ids in by_source.items()
              for start in range(0, len(ids), 2000)]
    for source, ids in chunks:
        events = (EventRecord.objects.filter(source=source, record_id__in=ids, is_current=True)
                  .values_list("source", "record_id", "at", "facility"))
        for source, record_id, at, facility in events:
            record = by_key.get((source, record_id))
            if record is None:
                continue
            if record["seen_from"] is None or at < record["seen_from"]:
                record["seen_from"] = at
            if record["seen_to"] is None or at > record["seen_to"]:
                record["seen_to"] = at
            if facility:
                record["places"].add(fold(facility))
    return found


@dataclass
class _Context:
    """What the store says around a candidate: families (latest family run) and places."""

    #: person → the child members of every family they belong to (themselves left out).
    children_of_family: dict[int, set[int]]
    children: int
    #: folded facility → share of all records with an event there.
    place_share: dict[str, float]
    #: Persons some record shows separated, and their share of all persons.
    separated: set[int]
    separated_share: float
    #: Each child's parents and guardians in their families (latest family run).
    carers_of: dict[int, set[int]]


def _store_context(index: tracing.RecordIndex) -> _Context:
    run = FamilyRun.objects.exclude(finished_at=None).order_by("-pk").first()
    state = (run.pk if run else None, run.finished_at if run else None, len(index.records),
             _cache.get("state"))
    if _cache.get("context_state") != state:
        members: dict[int, list[tuple[int, str]]] = {}
        if run is not None:
            for family, person, role in FamilyMember.objects.filter(family__run=run)\
                    .values_list("family_id", "person_id", "role").iterator(chunk_size=20_000):
                members.setdefault(family, []).append((person, role))
        kin: dict[int, set[int]] = {}
        carers_of: dict[int, set[int]] = {}
        for people in members.values():
            kids = {p for p, role in people if role == "child"}
            carers = {p for p, role in people if role in CARER_RELATIONS}
            for kid in kids if carers else ():
                carers_of.setdefault(kid, set()).update(carers - {kid})
            for person, _role in people:
                kin.setdefault(person, set()).update(kids - {person})
        counts: dict[str, int] = {}
        for facility, n in (EventRecord.objects.filter(is_current=True).exclude(facility="")
                            .values("facility").annotate(n=Count("record_id", distinct=True))
                            .values_list("facility", "n")):
            counts[fold(facility)] = counts.get(fold(facility), 0) + n
        total = max(len(index.records), 1)
        children = sum(1 for people in members.values() for _p, r in people if r == "child")
        separated_keys = set(EventRecord.objects.filter(is_current=True, type="separated")
                             .values_list("source", "record_id"))
        separated = {p for s, r, p in Identity.objects.values_list(
            "source", "record_id", "person_id").iterator(chunk_size=20_000)
            if (s, r) in separated_keys}
        _cache["context"] = _Context(kin, max(children, 1),
                                     {f: n / total for f, n in counts.items()}, separated,
                                     len(separated) / max(len(index.positions_of), 1),
                                     carers_of)
        _cache["context_state"] = state
    return _cache["context"]  # type: ignore[return-value]
