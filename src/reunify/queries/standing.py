"""A member's standing as of a day: one computation for the register, the family page, the
person page, the API and the reports.

Each member's merged custody events are read with the rest of their family through
``reunify.rules.status.settle_family``; flags follow from ``reunify.rules.flags``. Nothing
else in reunify folds events into a status, so no two views of one person can disagree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from reunify.models.profile import minors_only_sources
from reunify.queries.contacts import first_contacts
from reunify.queries.families import FamilyView, PersonFacts, families_of, person_facts
from reunify.queries.timeline import TimelineEvent, events_by_person
from reunify.rules.deadlines import DEFAULT_POLICY, POLICIES
from reunify.rules.family import age_years
from reunify.rules.flags import POSSIBLE_DUPLICATE, member_flags
from reunify.rules.kinship import UNLINKED_CHILD, possibly_one_person
from reunify.rules.status import UNKNOWN, MemberState, fold_events, settle_family


@dataclass
class Standing:
    """Where one member stands on a day: status, who holds them, since when, and flags."""

    person: int
    role: str
    status: str
    custodian: str
    facility: str
    since: dt.date | None
    separated_since: dt.date | None
    separation_ended: dt.date | None
    days_separated: int | None
    flags: list[str] = field(default_factory=list)
    #: The folded state behind it (path, last seen…), for pages that show more.
    state: MemberState = field(default_factory=MemberState)


def history(events: Iterable[TimelineEvent]) -> list[tuple]:
    """A member's merged events as ``settle_family`` reads them."""
    return [(e.day, e.type, e.custodian, e.facility, e.authority) for e in events]


def _standing(person: int, role: str, state: MemberState, flags: list[str],
              as_of: dt.date) -> Standing:
    days = None
    if state.separated_since is not None:
        days = max(0, ((state.separation_ended or as_of) - state.separated_since).days)
    # Nobody is known to hold an ``unknown`` member: never show the last custodian as current.
    custodian, facility = ("", "") if state.status == UNKNOWN else (state.custodian,
                                                                    state.facility)
    return Standing(person, role, state.status, custodian, facility, state.since,
                    state.separated_since, state.separation_ended, days, flags, state)


def look_alikes(family: FamilyView, facts: dict[int, PersonFacts]) -> set[int]:
    """Members of one role who may be one person listed twice (a missed identity): read from
    names and birth dates only, whatever the day."""
    found: set[int] = set()
    members = sorted(family.members.items())
    for i, (a, role_a) in enumerate(members):
        for b, role_b in members[i + 1:]:
            if role_a == role_b and possibly_one_person(
                facts[a].name, facts[a].birth_date, facts[b].name, facts[b].birth_date
            ):
                found.update((a, b))
    return found


def _first_held_apart(events: list[TimelineEvent], minors_only: frozenset[str]) -> dt.date | None:
    return next((e.day for e in events if any(s in minors_only for s, _ in e.sources)), None)


@dataclass
class Inputs:
    """What standings are computed from, fetched once for many families."""

    events: dict[int, list[TimelineEvent]]
    facts: dict[int, PersonFacts]
    contacts: dict[int, dt.date | None] | None
    #: Sources whose profile says they hold minors only (a children's shelter).
    minors_only: frozenset[str] = frozenset()

    @classmethod
    def fetch(cls, persons: set[int], as_of: dt.date) -> Inputs:
        """Events on or before ``as_of``, names and births, recorded contacts, profiles."""
        if not persons:
            return cls({}, {}, None)
        return cls(events_by_person(persons, as_of=as_of), person_facts(persons),
                   first_contacts(persons), minors_only_sources())


def family_standing(family: FamilyView, as_of: dt.date, inputs: Inputs, *,
                    policy: str = DEFAULT_POLICY) -> dict[int, Standing]:
    """Every member's standing in one family (person → standing), in person order."""
    return standings_on(family, as_of, inputs, settle(family, inputs), policy=policy)


@dataclass
class Settled:
    """What a family's events settle, whatever the day it is read on: each member's state,
    and the members who may be one person listed twice."""

    states: dict[int, MemberState]
    duplicates: set[int]


def settle(family: FamilyView, inputs: Inputs) -> Settled:
    """The members' states from the events in ``inputs`` (those on or before the day asked),
    read with the rest of the family."""
    histories = {p: history(inputs.events.get(p, [])) for p in family.members}
    return Settled(settle_family(histories, family.members, apart_from=held_apart(family, inputs)),
                   look_alikes(family, inputs.facts))


def held_apart(family: FamilyView, inputs: Inputs) -> dict[int, dt.date] | None:
    """For a family whose child came with an adult nobody found: each child's first day in the
    hands of a custodian of minors only (a source whose profile says so), the day they are
    apart from; None for any other family.

    A function of the events' order only: read from a family's events up to a day, it gives
    the days of this one that fall on or before that day."""
    if UNLINKED_CHILD not in family.flags or not inputs.minors_only:
        return None
    return {p: day for p, role in family.members.items() if role == "child"
            and (day := _first_held_apart(inputs.events.get(p, []), inputs.minors_only))}


def standings_on(family: FamilyView, as_of: dt.date, inputs: Inputs, settled: Settled, *,
                 policy: str = DEFAULT_POLICY) -> dict[int, Standing]:
    """Every member's standing on ``as_of`` from the family's settled states: the day adds
    days separated, deadlines run out, and ages."""
    deadline_policy = POLICIES[policy]
    out = {}
    for person, role in family.members.items():
        state = settled.states[person]
        fact = inputs.facts.get(person)
        birth = fact.birth_date if fact else ""
        age = age_years(birth, state.separated_since or as_of)
        flags = member_flags(person, family.members, settled.states, age, family.flags,
                             family.in_conflict, deadline_policy, as_of,
                             contacts=inputs.contacts)
        if person in settled.duplicates:
            flags.append(POSSIBLE_DUPLICATE)
        out[person] = _standing(person, role, state, flags, as_of)
    return out


def person_standing(person: int, as_of: dt.date,
                    families: list[FamilyView] | None = None) -> Standing:
    """A person's standing: read with their family when they have one, else from their own
    events alone. ``families``: the person's current families when the caller has them."""
    for family in families_of(person) if families is None else families:
        return family_standing(family, as_of, Inputs.fetch(set(family.members), as_of))[person]
    events = events_by_person([person], as_of=as_of).get(person, [])
    return _standing(person, "", fold_events(history(events)), [], as_of)
