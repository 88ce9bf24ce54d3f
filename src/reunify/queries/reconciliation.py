"""Reconciling the register's separated children source by source.

Each source sees part of the story: the border records the separation, the shelters hold the
children, the detention roster holds the parents. For every source this counts how many of the
register's separated children it holds a record of, how many separations it reported itself,
and how many separations it reported that the register does not carry, so a monitor can see
why the sources' own counts differ from the register's.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from reunify.models import EventRecord, Identity, PersonRecord
from reunify.queries.timeline import end_of_day


@dataclass
class SourceCount:
    source: str
    #: Register children ever separated that this source holds a record of.
    children_held: int
    #: …of which this source itself reported the separation.
    separations_reported: int
    #: Separation events of this source on the separated parents and other adults of the
    #: register (the border records the separation on every member).
    separations_on_adults: int
    #: Separation events of this source on records that are on nobody of the register (record
    #: not linked to a person, or the person is in no family).
    separations_not_in_register: int
    #: Register children ever separated that this source holds no record of.
    children_not_held: int
    why: str


def _explain(count: SourceCount, total: int) -> str:
    reasons = []
    if count.children_held == 0:
        reasons.append("holds no separated child (it held none, or only adults)")
    elif count.children_not_held:
        reasons.append(f"never held {count.children_not_held} of the {total} children")
    known_elsewhere = count.children_held - count.separations_reported
    if count.separations_reported and known_elsewhere:
        reasons.append(f"{known_elsewhere} of the children it holds were separated according "
                       "to other sources only")
    elif count.children_held and not count.separations_reported:
        reasons.append("reports no separations itself; it learns of them from other sources")
    if count.separations_on_adults:
        reasons.append(f"{count.separations_on_adults} separations it reported are on the "
                       "parents and other adults, not the children")
    if count.separations_not_in_register:
        reasons.append(f"{count.separations_not_in_register} separations it reported are on "
                       "records not linked to anyone in the register")
    return "; ".join(reasons) or "accounts for every separated child"


def reconcile_sources(
    separated_children: Iterable[int], register_members: Iterable[int], as_of: dt.date
) -> list[SourceCount]:
    """Counts per source for the register's children ever separated, given every member of
    the register (to tell separations recorded on adults from those on nobody we know)."""
    children = set(separated_children)
    members = set(register_members)
    person_of = {(s, r): p for s, r, p in Identity.objects.values_list(
        "source", "record_id", "person_id").iterator(chunk_size=20000)}
    held: dict[str, set[int]] = defaultdict(set)
    sources = set()
    for source, record_id in PersonRecord.objects.filter(is_current=True).values_list(
        "source", "record_id"
    ).iterator(chunk_size=20000):
        sources.add(source)
        person = person_of.get((source, record_id))
        if person in children:
            held[source].add(person)
    reported: dict[str, set[int]] = defaultdict(set)
    outside: dict[str, int] = defaultdict(int)
    adults: dict[str, int] = defaultdict(int)
    events = EventRecord.objects.filter(is_current=True, type="separated",
                                        at__lt=end_of_day(as_of))
    for source, record_id in events.values_list("source", "record_id").iterator(
        chunk_size=20000
    ):
        sources.add(source)
        person = person_of.get((source, record_id))
        if person in children:
            reported[source].add(person)
        elif person in members:
            adults[source] += 1
        else:
            outside[source] += 1
    counts = []
    for source in sorted(sources):
        count = SourceCount(
            source=source, children_held=len(held[source]),
            separations_reported=len(reported[source]),
            separations_on_adults=adults[source],
            separations_not_in_register=outside[source],
            children_not_held=len(children - held[source]), why="",
        )
        count.why = _explain(count, len(children))
        counts.append(count)
    return counts
