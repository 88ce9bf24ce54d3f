"""Family numbers that outlive rebuilds.

Families are reassembled from scratch at every build; what a court filing or a bookmark cites
is the family's number. A new family takes the number of the previous family it shares the
most members with (each number goes to one family only; ties go to the older number), so a
family keeps its number for as long as it keeps a member. Members that end up elsewhere are
recorded as the lineage: old number → the numbers that received them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence


def carry_numbers(
    previous: Mapping[int, set[int]], drafts: Sequence[set[int]], next_number: int
) -> tuple[list[int], dict[int, set[int]]]:
    """Numbers for ``drafts`` (their members) given the previous families (number → members),
    and the lineage (old number → the other numbers its members went to).

    Numbers not carried over are taken from ``next_number`` on, in draft order.
    """
    number_of: dict[int, int] = {}
    for number, members in previous.items():
        for person in members:
            number_of.setdefault(person, number)
    overlaps: dict[tuple[int, int], int] = defaultdict(int)
    for i, members in enumerate(drafts):
        for person in members:
            if person in number_of:
                overlaps[(i, number_of[person])] += 1
    numbers: list[int | None] = [None] * len(drafts)
    taken: set[int] = set()
    for (i, number), _shared in sorted(overlaps.items(),
                                       key=lambda item: (-item[1], item[0][1], item[0][0])):
        if numbers[i] is None and number not in taken:
            numbers[i] = number
            taken.add(number)
    fresh = next_number
    out: list[int] = []
    for number in numbers:
        if number is None:
            number, fresh = fresh, fresh + 1
        out.append(number)
    lineage: dict[int, set[int]] = defaultdict(set)
    for i, members in enumerate(drafts):
        for person in members:
            old = number_of.get(person)
            if old is not None and old != out[i]:
                lineage[old].add(out[i])
    return out, dict(lineage)
