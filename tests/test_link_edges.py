"""Scored pairs held as columns read exactly as the tuples and dicts they replace
(reunify.linkage.edges, reunify.linkage.context)."""

from __future__ import annotations

import random
from collections import defaultdict

import numpy as np

from reunify.linkage import context
from reunify.linkage.edges import Edges, Neighbours


def _random_edges(seed: int, records: int = 60, pairs: int = 400) -> list[tuple[float, int, int]]:
    rng = random.Random(seed)
    seen: set[tuple[int, int]] = set()
    while len(seen) < pairs:
        i, j = sorted(rng.sample(range(records), 2))
        seen.add((i, j))
    listed = sorted(seen)
    rng.shuffle(listed)
    # Ties on purpose: the order among equal weights must be by i, then j.
    return [(float(rng.choice([-9.5, -3.0, 0.0, 1.25, 4.0, rng.uniform(-10, 10)])), i, j)
            for i, j in listed]


def test_edges_iterate_as_the_tuples_they_hold() -> None:
    """Edges iterate, index and count as the list of ``(weight, i, j)`` they were made of, in
    its order, across the chunks they are read in."""
    listed = _random_edges(1, records=3000, pairs=70_000)
    edges = Edges.of(listed)
    assert len(edges) == len(listed)
    assert list(edges) == listed
    assert edges[5] == listed[5]
    assert edges[10:13] == listed[10:13]
    assert Edges.of(edges) is edges
    assert list(Edges.of([])) == []


def test_strongest_first_sorts_as_clustering_did() -> None:
    """The accepted pairs come heaviest first, ties by i then j: the order of
    ``sorted(key=(-w, i, j))`` over the pairs at or above the acceptance weight."""
    listed = _random_edges(2)
    expected = sorted((e for e in listed if e[0] >= 0.0), key=lambda e: (-e[0], e[1], e[2]))
    assert Edges.of(listed).strongest_first(0.0) == expected


def test_neighbours_hold_what_a_dict_of_dicts_held_in_its_order() -> None:
    """A record's neighbours are its pairs' other records with their weights, in the order the
    pairs came (as ``weights[i][j] = w; weights[j][i] = w`` pair by pair filled them); a record
    with no pair has none."""
    listed = _random_edges(3)
    expected: dict[int, dict[int, float]] = defaultdict(dict)
    for w, i, j in listed:
        expected[i][j] = w
        expected[j][i] = w
    found = Neighbours(Edges.of(listed))
    assert set(found) == set(expected)
    assert len(found) == len(expected)
    for i, others in expected.items():
        assert list(found[i].items()) == list(others.items())
    assert found.get(1000, {}) == {}
    assert 1000 not in found


def _adjust_by_tuples(edges, mates, cluster_of, accept):
    """The tuple-by-tuple family context this module replaced, as the reference."""
    import math

    seen = {True: [0, 0], False: [0, 0]}
    ctx = {}
    for w, i, j in edges:
        if mates.get(i) and mates.get(j) and j not in mates[i]:
            shared = context._shared(i, j, mates, cluster_of)
            ctx[(i, j)] = shared
            if w >= accept:
                seen[shared][0] += 1
            elif w <= context.NON_MATCH_WEIGHT:
                seen[shared][1] += 1
    matches, non = seen[True][0] + seen[False][0], seen[True][1] + seen[False][1]
    if matches < 10 or non < 10:
        return edges, None
    # Each level's m and u estimated on its own (docs/linkage.md, family context).
    weights = {flag: math.log2(min(max(seen[flag][0] / matches, 0.001), 0.999)
                               / min(max(seen[flag][1] / non, 0.001), 0.999))
               for flag in (True, False)}
    return [(w + weights[ctx[(i, j)]], i, j) if (i, j) in ctx else (w, i, j)
            for w, i, j in edges], ctx


def test_family_context_on_columns_equals_the_tuple_by_tuple_weights() -> None:
    """Family context over columns gives every pair the weight the pair-by-pair loop gave, and
    shows the comparison for exactly the pairs it adjusted, at their level."""
    listed = _random_edges(4, records=80, pairs=1500)
    rng = random.Random(5)
    mates: dict[int, set[int]] = defaultdict(set)
    for _ in range(120):
        i, j = rng.sample(range(80), 2)
        mates[i].add(j)
        mates[j].add(i)
    cluster_of = {i: rng.randrange(30) for i in range(80)}
    expected, ctx = _adjust_by_tuples(listed, mates, cluster_of, 0.0)
    assert ctx is not None
    adjusted, model, shown = context.adjust(listed, mates, cluster_of, 0.0)
    assert model is not None
    assert list(adjusted) == expected
    assert set(shown) == set(ctx)
    assert len(shown) == len(ctx)
    for pair, shared in ctx.items():
        assert shown[pair]["level"] == (context.SHARED if shared else "companions not the same")
    assert context.shared_pairs(shown) == {p for p, shared in ctx.items() if shared}
    assert (10_000, 10_001) not in shown
    assert np.array_equal(adjusted.i, Edges.of(listed).i)
