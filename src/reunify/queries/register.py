"""The separation register as of a day: every member of every family ever in custody.

Each member's status is folded from their own merged custody events through the tables of
``reunify.rules.status`` and then settled against the rest of the family; flags follow from the
status, ages and the court-order policy of ``reunify.rules.deadlines``. The definitions are in
docs/families.md. Everything is computed in a handful of queries and then in memory.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from reunify.queries.families import (
    FamilyView,
    current_families,
    person_public_id,
)
from reunify.queries.standing import Inputs, Standing, family_standing
from reunify.rules.as_of import check_as_of
from reunify.rules.deadlines import DEFAULT_POLICY
from reunify.rules.flags import FLAGS
from reunify.rules.status import (
    REMOVED,
    REUNIFIED,
    SEPARATED,
    MemberState,
)


@dataclass
class Entry:
    """One member's line of the register, before it is written out."""

    family: FamilyView
    person: int
    role: str
    name: str
    birth_date: str
    standing: Standing

    @property
    def state(self) -> MemberState:
        """The folded state behind the standing."""
        return self.standing.state

    @property
    def flags(self) -> list[str]:
        """The member's register flags."""
        return self.standing.flags

    @property
    def days_separated(self) -> int | None:
        """Days from the start of the latest separation to its end (or the day asked)."""
        return self.standing.days_separated

    def row(self) -> dict:
        """The spec's register columns (then ``role``, an extra column)."""
        s = self.standing
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
            "days_separated": "" if s.days_separated is None else s.days_separated,
            "flags": ";".join(s.flags),
            "role": self.role,
        }


def register_entries(as_of: dt.date, *, policy: str = DEFAULT_POLICY,
                     families: list[FamilyView] | None = None) -> Iterator[Entry]:
    """Register entries of every current family (or of ``families``, some of them) with a
    member in custody on or before ``as_of``, family by family, members in person order."""
    check_as_of(as_of)
    families = current_families() if families is None else families
    inputs = Inputs.fetch({p for f in families for p in f.members}, as_of)
    for family in families:
        if not any(inputs.events.get(p) for p in family.members):
            continue
        standings = family_standing(family, as_of, inputs, policy=policy)
        for person, role in family.members.items():
            fact = inputs.facts[person]
            yield Entry(family, person, role, fact.name, fact.birth_date, standings[person])


def register_rows(as_of: dt.date, *, policy: str = DEFAULT_POLICY) -> Iterator[dict]:
    """The spec's ``register`` export as of a day: one dict per row, spec columns first."""
    for entry in register_entries(as_of, policy=policy):
        yield entry.row()


def headline(as_of: dt.date) -> dict[str, int]:
    """The register at a glance: families, separated children and parents, and flag counts
    among the members who are still separated."""
    return summarise(register_entries(as_of))


def summarise(entries: Iterable[Entry]) -> dict[str, int]:
    """The headline counts of register entries (see ``headline``)."""
    counts: Counter = Counter()
    families: set[int] = set()
    for entry in entries:
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
