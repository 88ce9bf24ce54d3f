"""The current families (those of the latest family run) and what the records say of members."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db.models import QuerySet

from reunify.models import (
    Family,
    FamilyClaim,
    FamilyLineage,
    FamilyLink,
    FamilyMember,
    FamilyRun,
    Identity,
    PersonRecord,
)
from reunify.models.keys import with_keys
from reunify.rules.family import best_birth_date


def current_run() -> FamilyRun | None:
    """The latest finished family run, or None before families were first built."""
    return FamilyRun.objects.filter(finished_at__isnull=False).order_by("-pk").first()


def person_public_id(pk: int) -> str:
    """How persons are named outside the store (``P0000042``)."""
    return f"P{pk:07d}"


def family_public_id(number: int) -> str:
    """How families are named outside the store (``F0000042``), by their lasting number."""
    return f"F{number:07d}"


@dataclass
class FamilyView:
    """One current family: its members and roles, its flags, and members in conflicts."""

    pk: int
    flags: list[str]
    members: dict[int, str]  # person → role
    in_conflict: set[int]
    #: The number that outlives rebuilds (``Family.number``).
    number: int = 0

    @property
    def public_id(self) -> str:
        return family_public_id(self.number)


def current_family_pk(number: int) -> int | None:
    """The store key of the current family with this number, or None."""
    run = current_run()
    if run is None:
        return None
    return Family.objects.filter(run=run, number=number).values_list("pk", flat=True).first()


def numbers_of(family_pks: Iterable[int]) -> dict[int, int]:
    """Family store key → lasting number."""
    return dict(Family.objects.filter(pk__in=list(family_pks)).values_list("pk", "number"))


def moved_to(number: int) -> list[int]:
    """Where the members of a family that no longer has this number went: the current
    numbers, following merges and divisions run after run; empty when the number is current
    or was never given (or its members are in no family now)."""
    run = current_run()
    if run is None or Family.objects.filter(run=run, number=number).exists():
        return []
    current = set(Family.objects.filter(run=run).values_list("number", flat=True))
    found: set[int] = set()
    seen: set[int] = set()
    todo = [number]
    while todo:
        old = todo.pop()
        if old in seen:
            continue
        seen.add(old)
        # The latest run in which this number gave members away, after which it is gone.
        last = FamilyLineage.objects.filter(number=old).order_by("-run_id").values_list(
            "run_id", flat=True).first()
        if last is None:
            continue
        for new in FamilyLineage.objects.filter(number=old, run_id=last).values_list(
                "moved_to", flat=True):
            if new in current:
                found.add(new)
            else:
                todo.append(new)
    return sorted(found)


def family_views(families: QuerySet) -> list[FamilyView]:
    """Views of the given families (a ``Family`` query): members in person order, members in
    conflicting links; sorted by number."""
    views: dict[int, FamilyView] = {
        pk: FamilyView(pk, list(flags or []), {}, set(), number)
        for pk, flags, number in families.values_list("pk", "flags", "number")
    }
    if not views:
        return []
    # A few families (a page's): by their keys; many: by the query itself (no huge IN list).
    chosen = list(views) if len(views) <= 500 else families.values("pk")
    members = FamilyMember.objects.filter(family__in=chosen).order_by("family_id", "person_id")
    for family, person, role in members.values_list("family_id", "person_id", "role").iterator(
        chunk_size=20000
    ):
        views[family].members[person] = role
    conflicts = FamilyLink.objects.filter(family__in=chosen).exclude(conflict="")
    for family, a, b in conflicts.values_list("family_id", "from_person_id", "to_person_id"):
        views[family].in_conflict.update((a, b))
    return sorted(views.values(), key=lambda v: v.number)


def current_families() -> list[FamilyView]:
    """Every family of the latest run, members in person order."""
    run = current_run()
    return [] if run is None else family_views(Family.objects.filter(run=run))


def families_of(person: int) -> list[FamilyView]:
    """The current families a person is a member of (one, as a rule), with all members."""
    run = current_run()
    if run is None:
        return []
    # The person's memberships first (by the person's index), then those of the current run.
    mine = FamilyMember.objects.filter(person_id=person).values_list("family_id", flat=True)
    return family_views(Family.objects.filter(run=run, pk__in=list(mine)))


def family_rows() -> Iterator[dict]:
    """The spec's ``families`` export: family_id, person_id, role — one row per member."""
    for family in current_families():
        for person, role in family.members.items():
            yield {"family_id": family.public_id, "person_id": person_public_id(person),
                   "role": role}


@dataclass
class PersonFacts:
    """A person's name and birth date as most of their current records give them."""

    name: str
    birth_date: str


#: Up to this many persons, their records are chosen by key; above, one pass over all records
#: is cheaper. Either way the facts are the same (majorities do not depend on order).
FEW_PERSONS = 2000


def person_facts(person_ids: Iterable[int]) -> dict[int, PersonFacts]:
    """Name ("given family") and birth date per person, by majority over current records."""
    wanted = set(person_ids)
    identities = Identity.objects.all()
    if len(wanted) <= FEW_PERSONS:  # one family's page: not a pass over the whole store
        identities = identities.filter(person_id__in=sorted(wanted))
    person_of = {}
    for source, record_id, person in identities.values_list(
        "source", "record_id", "person_id"
    ).iterator(chunk_size=20000):
        if person in wanted:
            person_of[(source, record_id)] = person
    names: dict[int, Counter] = defaultdict(Counter)
    births: dict[int, list[str]] = defaultdict(list)
    current = PersonRecord.objects.filter(is_current=True)
    chosen = with_keys(current, person_of) if len(wanted) <= FEW_PERSONS else [current]
    rows = (row for records in chosen for row in records.values_list(
        "source", "record_id", "given_name", "family_name", "birth_date").iterator(
        chunk_size=20000))
    for source, record_id, given, family, birth in rows:
        person = person_of.get((source, record_id))
        if person is None:
            continue
        names[person][" ".join(part for part in (given, family) if part)] += 1
        if birth:
            births[person].append(birth)
    return {
        person: PersonFacts(
            name=max(names[person], key=lambda n: (names[person][n], len(n), n))
            if names[person] else "",
            birth_date=best_birth_date(births[person]),
        )
        for person in wanted
    }


@dataclass
class ClaimView:
    """A name-only claim of the current run waiting for a person's decision."""

    pk: int
    source: str
    record_id: str
    claimant: int
    relation: str
    other_name: str
    #: (person, corroborating facts) per candidate.
    candidates: list[tuple[int, list[str]]]


def open_claims() -> list[ClaimView]:
    """Claims of the current family run, in the order they were found."""
    run = current_run()
    if run is None:
        return []
    return [
        ClaimView(c.pk, c.source, c.record_id, c.claimant_id, c.relation, c.other_name,
                  [(int(x["person"]), list(x.get("facts", []))) for x in c.candidates])
        for c in FamilyClaim.objects.filter(run=run).order_by("pk")
    ]
