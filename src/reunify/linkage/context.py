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
from collections.abc import Iterable, Iterator, Mapping, Sequence

import numpy as np

from reunify.linkage.edges import Edges

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


class Shown(Mapping[tuple[int, int], dict]):
    """Per adjusted pair, the ``family_context`` comparison to show for it: computed when asked
    from the pairs' columns (at a million records most pairs are adjusted, and a dict per pair
    would cost gigabytes)."""

    def __init__(self, i: np.ndarray, j: np.ndarray, shared: np.ndarray,
                 weights: dict[bool, float], levels: dict[bool, str]) -> None:
        self._n = int(max(i.max(initial=0), j.max(initial=0))) + 1
        keys = i.astype(np.int64) * self._n + j.astype(np.int64)
        order = np.argsort(keys, kind="stable")
        self._keys, self._shared = keys[order], shared[order]
        self._weights, self._levels = weights, levels

    def _find(self, pair: object) -> int | None:
        if not (isinstance(pair, tuple) and len(pair) == 2):
            return None
        i, j = pair
        if not (0 <= i < self._n and 0 <= j < self._n):
            return None
        key = int(i) * self._n + int(j)
        at = int(np.searchsorted(self._keys, key))
        return at if at < len(self._keys) and self._keys[at] == key else None

    def __getitem__(self, pair: tuple[int, int]) -> dict:
        at = self._find(pair)
        if at is None:
            raise KeyError(pair)
        shared = bool(self._shared[at])
        return {"name": "family_context", "level": self._levels[shared],
                "weight": round(self._weights[shared], 3)}

    def __contains__(self, pair: object) -> bool:
        return self._find(pair) is not None

    def __iter__(self) -> Iterator[tuple[int, int]]:
        for key in self._keys.tolist():
            yield divmod(key, self._n)

    def __len__(self) -> int:
        return len(self._keys)

    def shared(self) -> set[tuple[int, int]]:
        """The pairs whose records each have a companion of one person."""
        return {divmod(key, self._n) for key in self._keys[self._shared].tolist()}


def shared_pairs(shown: Mapping[tuple[int, int], dict]) -> set[tuple[int, int]]:
    """The pairs of :func:`adjust`'s ``shown`` at the level :data:`SHARED`."""
    if isinstance(shown, Shown):
        return shown.shared()
    return {pair for pair, comparison in shown.items() if comparison["level"] == SHARED}


def adjust(edges: Sequence[tuple[float, int, int]], mates: dict[int, set[int]],
           cluster_of: dict[int, int], accept: float
           ) -> tuple[Edges, dict | None, Mapping[tuple[int, int], dict]]:
    """Add the family-context weight to every pair whose records both have companions.

    Returns the adjusted edges, the estimated level weights (None when the data cannot
    estimate them) and, per adjusted pair, the comparison to show for it.
    """
    edges = Edges.of(edges)
    n = int(max(edges.i.max(initial=-1), edges.j.max(initial=-1), max(mates, default=-1))) + 1
    accompanied = np.zeros(n, dtype=bool)
    accompanied[[k for k, v in mates.items() if v]] = True
    # Only pairs whose records both have companions are looked at one by one.
    looked = np.flatnonzero(accompanied[edges.i] & accompanied[edges.j])
    at, shared_at = [], []
    for n_pair, i, j in zip(looked.tolist(), edges.i[looked].tolist(), edges.j[looked].tolist(),
                            strict=True):
        if j not in mates[i]:
            at.append(n_pair)
            shared_at.append(_shared(i, j, mates, cluster_of))
    index = np.array(at, dtype=np.int64)
    shared = np.array(shared_at, dtype=bool)
    w = edges.w[index]
    seen = {flag: [int(np.count_nonzero((w >= accept) & (shared == flag))),
                   int(np.count_nonzero((w <= NON_MATCH_WEIGHT) & (shared == flag)))]
            for flag in (True, False)}  # shared -> [matches, non-matches]
    matches, non_matches = seen[True][0] + seen[False][0], seen[True][1] + seen[False][1]
    if matches < 10 or non_matches < 10:
        return edges, None, {}
    m = min(max(seen[True][0] / matches, _FLOOR), _CEIL)
    u = min(max(seen[True][1] / non_matches, _FLOOR), _CEIL)
    weights = {True: math.log2(m / u), False: math.log2((1 - m) / (1 - u))}
    levels = {True: SHARED, False: "companions not the same"}
    adjusted = edges.w.copy()
    adjusted[index] = w + np.where(shared, weights[True], weights[False])
    shown = Shown(edges.i[index], edges.j[index], shared, weights, levels)
    return edges.with_weights(adjusted), \
        {"m": m, "u": u, "weights": {levels[k]: v for k, v in weights.items()}}, shown
