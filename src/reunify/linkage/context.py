"""Family context: two records whose companions are one person are more likely one person.

A record's *companions* are the other records its source put in the same group (a family unit
at the border, a family at a detention centre) or stated a relation with (a sibling in the same
shelter). When a companion of one record and a companion of the other were resolved to one
person in a first pass (a parent recorded by both sources, say), the pair gains a comparison,
``family_context``, whose weight is estimated from the data like any other: m from pairs the
first pass accepted, u from pairs it clearly rejected (docs/linkage.md).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence

#: Pairs at or below this weight in the first pass serve as clear non-matches for u.
NON_MATCH_WEIGHT = -6.0
#: Bounds on the estimated probabilities: the evidence is never absolute.
_FLOOR, _CEIL = 0.001, 0.999
#: The level of a pair whose records each have a companion of one person.
SHARED = "a companion of each is one person"


def companions(features: Sequence[dict], relations: Iterable[tuple[int, int]]
               ) -> dict[int, set[int]]:
    """Index → indexes of the records grouped or related with it by its own source."""
    by_group: dict[str, list[int]] = defaultdict(list)
    for f in features:
        if f.get("group"):
            by_group[f["group"]].append(f["unique_id"])
    out: dict[int, set[int]] = defaultdict(set)
    for members in by_group.values():
        for i in members:
            out[i].update(m for m in members if m != i)
    for i, j in relations:
        if i != j:
            out[i].add(j)
            out[j].add(i)
    return out


def _shared(i: int, j: int, mates: dict[int, set[int]], cluster_of: dict[int, int]) -> bool:
    left = {cluster_of[m] for m in mates[i] if m != j}
    return any(cluster_of[m] in left for m in mates[j] if m != i)


def adjust(edges: list[tuple[float, int, int]], mates: dict[int, set[int]],
           cluster_of: dict[int, int], accept: float
           ) -> tuple[list[tuple[float, int, int]], dict | None, dict[tuple[int, int], dict]]:
    """Add the family-context weight to every pair whose records both have companions.

    Returns the adjusted edges, the estimated level weights (None when the data cannot
    estimate them) and, per adjusted pair, the comparison to show for it.
    """
    seen = {True: [0, 0], False: [0, 0]}  # shared -> [matches, non-matches]
    context: dict[tuple[int, int], bool] = {}
    for w, i, j in edges:
        if mates.get(i) and mates.get(j) and j not in mates[i]:
            shared = _shared(i, j, mates, cluster_of)
            context[(i, j)] = shared
            if w >= accept:
                seen[shared][0] += 1
            elif w <= NON_MATCH_WEIGHT:
                seen[shared][1] += 1
    matches, non_matches = seen[True][0] + seen[False][0], seen[True][1] + seen[False][1]
    if matches < 10 or non_matches < 10:
        return edges, None, {}
    m = min(max(seen[True][0] / matches, _FLOOR), _CEIL)
    u = min(max(seen[True][1] / non_matches, _FLOOR), _CEIL)
    weights = {True: math.log2(m / u), False: math.log2((1 - m) / (1 - u))}
    levels = {True: SHARED, False: "companions not the same"}
    adjusted, shown = [], {}
    for w, i, j in edges:
        shared = context.get((i, j))
        if shared is None:
            adjusted.append((w, i, j))
            continue
        adjusted.append((w + weights[shared], i, j))
        shown[(i, j)] = {"name": "family_context", "level": levels[shared],
                         "weight": round(weights[shared], 3)}
    return adjusted, {"m": m, "u": u, "weights": {levels[k]: v for k, v in weights.items()}}, \
        shown
