"""What else, beside a name, says that a claimed carer is the person a child named.

A child who names a parent by name only ("mi mamá, María López") is not linked to an adult of
that name on the name alone: common names are shared by strangers. The claim is acted on when
other facts recorded by anyone agree (``STRONG``); each fact found is kept with the link as its
evidence. A claim nothing corroborates is a review item for a person to decide.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

#: The child, booked in a group, and the adult were apprehended on one day at one place. A
#: child booked alone came alone: an adult at the same station that day is a coincidence.
SAME_ENCOUNTER = "same_encounter"
#: The two were reunified, released or discharged within ``EXIT_DAYS`` from one place.
SAME_EXIT = "same_exit"
#: A phone of the adult's is written on one of the child's records (or the claim).
SHARED_PHONE = "shared_phone"
#: An A-number of the adult's is written on one of the child's records (or the claim).
SHARED_A_NUMBER = "shared_a_number"
#: The adult's first surname is one of the child's surnames.
SURNAME_IN_CHILDS = "surname_in_childs"
#: Both were recorded as separated from someone.
BOTH_SEPARATED = "both_separated"
#: Facts that are enough on their own to act on a name-only claim.
STRONG = frozenset({SAME_ENCOUNTER, SAME_EXIT, SHARED_PHONE, SHARED_A_NUMBER})
#: Days apart that two sources' records of one exit may be.
EXIT_DAYS = 3


@dataclass(frozen=True)
class Traces:
    """What a person's records leave that another's can agree with."""

    encounters: frozenset[tuple[dt.date, str]] = frozenset()  # (day, place) apprehended
    #: Of those, the ones where the person was booked in a group (came with someone).
    grouped: frozenset[tuple[dt.date, str]] = frozenset()
    exits: frozenset[tuple[dt.date, str]] = frozenset()  # (day, place) left custody from
    phones: frozenset[str] = frozenset()  # phone keys
    a_numbers: frozenset[str] = frozenset()  # A-number keys
    surnames: frozenset[str] = frozenset()  # folded surname tokens
    first_surnames: frozenset[str] = frozenset()  # the first folded surname of each record
    separated: bool = False


def corroborating(child: Traces, adult: Traces) -> list[str]:
    """The facts that agree between a child and the adult they named, in a fixed order."""
    facts = []
    if child.grouped & adult.encounters:
        facts.append(SAME_ENCOUNTER)
    if any(place == other_place and abs((day - other_day).days) <= EXIT_DAYS
           for day, place in child.exits for other_day, other_place in adult.exits):
        facts.append(SAME_EXIT)
    if child.phones & adult.phones:
        facts.append(SHARED_PHONE)
    if child.a_numbers & adult.a_numbers:
        facts.append(SHARED_A_NUMBER)
    if adult.first_surnames & child.surnames:
        facts.append(SURNAME_IN_CHILDS)
    if child.separated and adult.separated:
        facts.append(BOTH_SEPARATED)
    return facts


def enough(facts: list[str]) -> bool:
    """Whether the facts are enough to act on a name-only claim: one strong fact, or both
    recorded as separated (a name shared by two people who were each separated from a family
    is rarely a coincidence; the surname alone often is)."""
    return bool(STRONG.intersection(facts)) or BOTH_SEPARATED in facts


def backed(facts: dict[int, list[str]]) -> list[int]:
    """The candidates the facts back, the most specific backing first: those with a fact about
    the pair itself (``STRONG``: one encounter, one exit, a phone or an A-number in common)
    if any has one; otherwise those both recorded as separated. Being separated is a fact of
    thousands of adults in a season, so it is not set against a fact that ties this adult to
    this child; two candidates backed alike are left for a person to decide."""
    specific = [person for person, found in facts.items() if STRONG.intersection(found)]
    return specific or [person for person, found in facts.items() if enough(found)]


@dataclass(frozen=True)
class TraceIndex:
    """Who left each trace that ties a pair: built once for all persons, so the persons a
    claimant shares an encounter, an exit, a phone or an A-number with are looked up instead
    of compared one by one. Each trace is shared by the few people of one encounter, one exit
    or one household, however large the store grows; a common name is shared by a number of
    people that grows with the store."""

    encounters: dict[tuple[dt.date, str], set[int]]
    grouped: dict[tuple[dt.date, str], set[int]]
    exits: dict[tuple[dt.date, str], set[int]]
    phones: dict[str, set[int]]
    a_numbers: dict[str, set[int]]

    @classmethod
    def of(cls, traces: dict[int, Traces]) -> TraceIndex:
        """The index of every person's traces."""
        index = cls({}, {}, {}, {}, {})
        for person, trace in traces.items():
            for table, keys in ((index.encounters, trace.encounters),
                                (index.grouped, trace.grouped), (index.exits, trace.exits),
                                (index.phones, trace.phones),
                                (index.a_numbers, trace.a_numbers)):
                for key in keys:
                    table.setdefault(key, set()).add(person)
        return index

    def sharing(self, table: dict, keys) -> set[int]:
        """The persons who left any of ``keys`` in one of this index's tables."""
        found: set[int] = set()
        for key in keys:
            found |= table.get(key, set())
        return found

    def exits_near(self, exits) -> set[int]:
        """The persons who left custody from one of these places within ``EXIT_DAYS``."""
        days = [(day + dt.timedelta(days=shift), place) for day, place in exits
                for shift in range(-EXIT_DAYS, EXIT_DAYS + 1)]
        return self.sharing(self.exits, days)


def corroborating_each(claimant: Traces, *, claimant_is_child: bool, pool: list[int],
                       traces: dict[int, Traces], index: TraceIndex) -> dict[int, list[str]]:
    """``corroborating`` of a claimant and each person of a pool (the claimant the child, or
    the adult), in the pool's order: the same facts, the pair's own found through ``index``
    (each trace's few sharers) rather than by comparing the claimant with every namesake."""
    empty = Traces()
    facts: dict[int, list[str]] = {person: [] for person in pool}
    if claimant_is_child:
        met = index.sharing(index.encounters, claimant.grouped)
    else:
        met = index.sharing(index.grouped, claimant.encounters)
    pair_facts = ((SAME_ENCOUNTER, met), (SAME_EXIT, index.exits_near(claimant.exits)),
                  (SHARED_PHONE, index.sharing(index.phones, claimant.phones)),
                  (SHARED_A_NUMBER, index.sharing(index.a_numbers, claimant.a_numbers)))
    for fact, sharers in pair_facts:
        # Facts are taken in their fixed order, so each person's list keeps it.
        for person in sharers:
            found = facts.get(person)
            if found is not None:
                found.append(fact)
    for person, found in facts.items():
        other = traces.get(person, empty)
        if claimant_is_child:
            surname = bool(other.first_surnames & claimant.surnames)
        else:
            surname = bool(claimant.first_surnames & other.surnames)
        if surname:
            found.append(SURNAME_IN_CHILDS)
        if claimant.separated and other.separated:
            found.append(BOTH_SEPARATED)
    return facts
