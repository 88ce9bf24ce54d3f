"""The separation register as of a day: every member of every family ever in custody.

Each member's status is folded from their own merged custody events through the tables of
``reunify.rules.status`` and then settled against the rest of the family; flags follow from the
status, ages and the court-order policy of ``reunify.rules.deadlines``. The definitions are in
docs/families.md. Everything is computed in a handful of queries and then in memory.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from reunify.queries.contacts import first_contacts
from reunify.queries.families import (
    FamilyView,
    current_families,
    person_facts,
    person_public_id,
)
from reunify.queries.timeline import TimelineEvent, events_by_person
from reunify.rules.deadlines import DEFAULT_POLICY, POLICIES, DeadlinePolicy
from reunify.rules.family import age_years
from reunify.rules.flags import (
    FLAGS,
    POSSIBLE_DUPLICATE,
    member_flags,
)
from reunify.rules.kinship import possibly_one_person
from reunify.rules.status import (
    REMOVED,
    REUNIFIED,
    SEPARATED,
    MemberState,
    fold_events,
    settle_family,
)


@dataclass
class Entry:
    """One member's line of the register, before it is written out."""

    family: FamilyView
    person: int
    role: str
    name: str
    birth_date: str
    state: MemberState
    flags: list[str]
    days_separated: int | None

    def row(self) -> dict:
        """The spec's register columns (then ``role``, an extra column)."""
        s = self.state
        return {
            "family_id": self.family.public_id,
            "person_id": person_public_id(self.person),
            "name": self.name,
            "birth_date": self.birth_date,
            "status": s.status,
            "custodian": s.custodian,
            "facility": s.facility,
            "since": s.since.isoformat() if s.since else "",
            "separated_since": s.separated_since.isoformat() if s.separated_since else "",
            "days_separated": "" if self.days_separated is None else self.days_separated,
            "flags": ";".join(self.flags),
            "role": self.role,
        }


def _fold(events: list[TimelineEvent]) -> MemberState:
    return fold_events((e.day, e.type, e.custodian, e.facility, e.authority) for e in events)


def _flags(family: FamilyView, person: int, state: MemberState, age: float | None,
           settled: dict[int, MemberState], policy: DeadlinePolicy, as_of: dt.date,
           contacts: dict[int, dt.date] | None) -> list[str]:
    return member_flags(person, family.members, settled, age, family.flags, family.in_conflict,
                        policy, as_of, contacts=contacts)


def _look_alikes(family: FamilyView, facts: dict) -> set[int]:
    """Members of one role who may be one person listed twice (a missed identity)."""
    found: set[int] = set()
    members = sorted(family.members.items())
    for i, (a, role_a) in enumerate(members):
        for b, role_b in members[i + 1:]:
            if role_a == role_b and possibly_one_person(
                facts[a].name, facts[a].birth_date, facts[b].name, facts[b].birth_date
            ):
                found.update((a, b))
    return found


def register_entries(as_of: dt.date, *, policy: str = DEFAULT_POLICY) -> Iterator[Entry]:
    """Register entries of every current family with a member in custody on or before
    ``as_of``, family by family, members in person order."""
    deadline_policy = POLICIES[policy]
    families = current_families()
    persons = {p for f in families for p in f.members}
    events = events_by_person(persons, as_of=as_of) if persons else {}
    facts = person_facts(persons) if persons else {}
    contacts = first_contacts(persons) if persons else None
    for family in families:
        if not any(events.get(p) for p in family.members):
            continue
        own = {p: _fold(events.get(p, [])) for p in family.members}
        settled = settle_family(own, family.members)
        duplicates = _look_alikes(family, facts)
        for person, role in family.members.items():
            state = settled[person]
            fact = facts[person]
            when = state.separated_since or as_of
            age = age_years(fact.birth_date, when)
            days = None
            if state.separated_since is not None:
                end = state.separation_ended or as_of
                days = max(0, (end - state.separated_since).days)
            flags = _flags(family, person, state, age, settled, deadline_policy, as_of,
                           contacts)
            if person in duplicates:
                flags.append(POSSIBLE_DUPLICATE)
            yield Entry(family, person, role, fact.name, fact.birth_date, state, flags, days)


def register_rows(as_of: dt.date, *, policy: str = DEFAULT_POLICY) -> Iterator[dict]:
    """The spec's ``register`` export as of a day: one dict per row, spec columns first."""
    for entry in register_entries(as_of, policy=policy):
        yield entry.row()


def headline(as_of: dt.date) -> dict[str, int]:
    """The register at a glance: families, separated children and parents, and flag counts
    among the members who are still separated."""
    counts: Counter = Counter()
    families: set[int] = set()
    for entry in register_entries(as_of):
        families.add(entry.family.pk)
        kind = "children" if entry.role == "child" else "parents"
        counts[f"{kind} {entry.state.status}"] += 1
        if entry.state.separated_since is not None:
            counts[f"{kind} ever separated"] += 1
        if entry.state.status == SEPARATED:
            for flag in entry.flags:
                counts[f"separated {kind}: {flag}"] += 1
        for flag in entry.flags:
            counts[f"rows flagged {flag}"] += 1
    result = {"families in the register": len(families)}
    for kind in ("children", "parents"):
        result[f"{kind} still separated"] = counts[f"{kind} {SEPARATED}"]
        result[f"{kind} ever separated"] = counts[f"{kind} ever separated"]
        result[f"{kind} reunified"] = counts[f"{kind} {REUNIFIED}"]
    result["children released to a sponsor"] = counts["children released"]
    result["parents removed"] = counts[f"parents {REMOVED}"]
    for flag in FLAGS:
        result[f"flag {flag}"] = counts[f"rows flagged {flag}"]
    return result
