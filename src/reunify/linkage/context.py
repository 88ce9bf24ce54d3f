"""Family context: two records whose companions are one person are more likely one person.

A record's *companions* are the other records its source put in the same group (a family unit
at the border, a family at a detention centre) or stated a relation with (a sibling in the same
shelter). When a companion of one record and a companion of the other were resolved to one
person in a first pass (a parent recorded by both sources, say), the pair gains a comparison,
``family_context``, whose weight is estimated from the data like any other: m from pairs the
first pass accepted, u from pairs it clearly rejected (docs/linkage.md).

A source may also *name* a relative it holds no record of (a shelter writes the parent a child
names at interview: ``other_name``, perhaps an A-number or phone). When a relative one record
names is, by name (a given name and another word of the name as a surname), A-number or phone,
a person the first pass made of a companion of the other record — the child's named father is
the father in the border's family unit — the pair hits a level of its own. Such facts are rare
per *person*: ten times the records bring ten times the namesakes of a child, but not ten times
the namesakes whose recorded parent is also the one the child named.
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
#: The level of a pair where a relative one record names is the other's companion's person,
#: by a given name and a surname (or A-number, phone); by a given name alone (a child often
#: names a parent so).
NAMED = "a relative one names is a companion of the other"
NAMED_GIVEN = "a relative one names by a given name alone is a companion of the other"
NOT_SHARED = "companions not the same"
NOT_NAMED = "a named relative not among the other's companions"


#: Every level, in the order of their codes in :class:`Shown`.
LEVELS = (SHARED, NAMED, NAMED_GIVEN, NOT_SHARED, NOT_NAMED)


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


class _Persons:
    """What the first pass's persons are known as: per cluster, its given-name keys,
    surname keys, A-numbers and phones (every record's), each worked out when first asked
    (only the persons of companions of records that name a relative are: a few of all)."""

    def __init__(self, features: Sequence[dict], cluster_of: dict[int, int]) -> None:
        self._records: dict[int, list[dict]] = defaultdict(list)
        for f in features:
            self._records[cluster_of[f["unique_id"]]].append(f)
        self._known: dict[int, tuple[set[str], set[str], set[str]]] = {}

    def _of(self, c: int) -> tuple[set[str], set[str], set[str]]:
        known = self._known.get(c)
        if known is None:
            given, surnames, numbers = set(), set(), set()
            for f in self._records.get(c, ()):
                given.update(f.get("given_keys") or ())
                surnames.update(f.get("surnames") or ())
                numbers.update(v for v in (f.get("a_number"), f.get("phone")) if v)
            known = self._known[c] = (given, surnames, numbers)
        return known

    def is_named(self, named: tuple, c: int) -> str | None:
        """Whether the named relative (:func:`reunify.linkage.features.named_relatives`) is
        person ``c``: :data:`NAMED` for the same A-number or phone, or a word of the name
        among its given names and another among its surnames; :data:`NAMED_GIVEN` for a name
        of one word among its given names; else None."""
        words, number, phone = named
        given, surnames, numbers = self._of(c)
        if (number and number in numbers) or (phone and phone in numbers):
            return NAMED
        if len(words) == 1:
            return NAMED_GIVEN if words[0][0] & given else None
        return NAMED if any(g & given and any(k != n and key in surnames
                                              for k, (_g, key) in enumerate(words))
                            for n, (g, _key) in enumerate(words)) else None


def _named(i: int, j: int, features: Sequence[dict], mates: dict[int, set[int]],
           cluster_of: dict[int, int], persons: _Persons) -> str | None:
    """The level of a relative one record names who is the person of a companion of the
    other (:data:`NAMED`, :data:`NAMED_GIVEN`), :data:`NOT_NAMED` when none is, None when
    neither names a relative the other could show (it names none, or the other has no
    companion)."""
    found = None
    for x, y in ((i, j), (j, i)):
        named, others = features[x].get("named"), mates.get(y)
        if not named or not others:
            continue
        people = {cluster_of[m] for m in others if m != x}
        hits = {persons.is_named(n, c) for n in named for c in people}
        if NAMED in hits:
            return NAMED
        found = NAMED_GIVEN if NAMED_GIVEN in hits or found == NAMED_GIVEN else NOT_NAMED
    return found


def _level(i: int, j: int, features: Sequence[dict], mates: dict[int, set[int]],
           cluster_of: dict[int, int], persons: _Persons) -> str | None:
    both = bool(mates.get(i) and mates.get(j) and j not in mates[i])
    if both and _shared(i, j, mates, cluster_of):
        return SHARED
    named = _named(i, j, features, mates, cluster_of, persons)
    if named in (NAMED, NAMED_GIVEN):
        return named
    return NOT_SHARED if both else named


class Shown(Mapping[tuple[int, int], dict]):
    """Per adjusted pair, the ``family_context`` comparison to show for it: computed when asked
    from the pairs' columns (at a million records most pairs are adjusted, and a dict per pair
    would cost gigabytes)."""

    def __init__(self, i: np.ndarray, j: np.ndarray, level: np.ndarray,
                 weights: dict[str, float]) -> None:
        self._n = int(max(i.max(initial=0), j.max(initial=0))) + 1
        keys = i.astype(np.int64) * self._n + j.astype(np.int64)
        order = np.argsort(keys, kind="stable")
        self._keys, self._level = keys[order], level[order]
        self._weights = weights

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
        level = LEVELS[int(self._level[at])]
        return {"name": "family_context", "level": level,
                "weight": round(self._weights[level], 3)}

    def __contains__(self, pair: object) -> bool:
        return self._find(pair) is not None

    def __iter__(self) -> Iterator[tuple[int, int]]:
        for key in self._keys.tolist():
            yield divmod(key, self._n)

    def __len__(self) -> int:
        return len(self._keys)

    def shared(self) -> set[tuple[int, int]]:
        """The pairs whose records each have a companion of one person."""
        shared = self._keys[self._level == LEVELS.index(SHARED)]
        return {divmod(key, self._n) for key in shared.tolist()}


def shared_pairs(shown: Mapping[tuple[int, int], dict]) -> set[tuple[int, int]]:
    """The pairs of :func:`adjust`'s ``shown`` at the level :data:`SHARED`."""
    if isinstance(shown, Shown):
        return shown.shared()
    return {pair for pair, comparison in shown.items() if comparison["level"] == SHARED}


def adjust(edges: Sequence[tuple[float, int, int]], mates: dict[int, set[int]],
           cluster_of: dict[int, int], accept: float, features: Sequence[dict] = ()
           ) -> tuple[Edges, dict | None, Mapping[tuple[int, int], dict]]:
    """Add the family-context weight to every pair whose records both have companions, or
    one of which names a relative (``features``' ``named``) and the other has companions.

    Returns the adjusted edges, the estimated level weights (None when the data cannot
    estimate them) and, per adjusted pair, the comparison to show for it.
    """
    edges = Edges.of(edges)
    persons = _Persons(features, cluster_of) if features else None
    n = int(max(edges.i.max(initial=-1), edges.j.max(initial=-1), max(mates, default=-1),
                len(features) - 1)) + 1
    accompanied = np.zeros(n, dtype=bool)
    accompanied[[k for k, v in mates.items() if v]] = True
    naming = np.zeros(n, dtype=bool)
    if persons is not None:
        naming[[f["unique_id"] for f in features if f.get("named")]] = True
    # Only the pairs that can have a level are looked at one by one: both records with
    # companions, or one naming a relative and the other with companions.
    ai, aj = accompanied[edges.i], accompanied[edges.j]
    looked = np.flatnonzero((ai & aj) | (naming[edges.i] & aj) | (naming[edges.j] & ai))
    at, level_at = [], []
    for n_pair, i, j in zip(looked.tolist(), edges.i[looked].tolist(), edges.j[looked].tolist(),
                            strict=True):
        if persons is None:
            level = None if j in mates[i] else (
                SHARED if _shared(i, j, mates, cluster_of) else NOT_SHARED)
        else:
            level = _level(i, j, features, mates, cluster_of, persons)
        if level is not None:
            at.append(n_pair)
            level_at.append(LEVELS.index(level))
    index = np.array(at, dtype=np.int64)
    level = np.array(level_at, dtype=np.int8)
    w = edges.w[index]
    # level -> [matches, non-matches]
    seen = {code: [int(np.count_nonzero((w >= accept) & (level == code))),
                   int(np.count_nonzero((w <= NON_MATCH_WEIGHT) & (level == code)))]
            for code in range(len(LEVELS))}
    matches = sum(s[0] for s in seen.values())
    non_matches = sum(s[1] for s in seen.values())
    if matches < 10 or non_matches < 10:
        return edges, None, {}
    weights, estimates = {}, {}
    for code, name in enumerate(LEVELS):
        m = min(max(seen[code][0] / matches, _FLOOR), _CEIL)
        u = min(max(seen[code][1] / non_matches, _FLOOR), _CEIL)
        weights[name] = math.log2(m / u)
        estimates[name] = {"m": m, "u": u}
    by_code = np.array([weights[name] for name in LEVELS], dtype=np.float64)
    adjusted = edges.w.copy()
    adjusted[index] = w + by_code[level]
    shown = Shown(edges.i[index], edges.j[index], level, weights)
    return edges.with_weights(adjusted), {"m": estimates[SHARED]["m"],
                                          "u": estimates[SHARED]["u"],
                                          "levels": estimates, "weights": weights}, shown
