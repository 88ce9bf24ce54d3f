"""The union-find of clustering (reunify.linkage.clustering.Clusters) keeps each cluster's
facts as the union of its records' own, whatever the order of the merges, and refuses the
same merges for clusters built in any order."""

from __future__ import annotations

import random

import pytest

from reunify.linkage import clustering
from reunify.linkage.batch_files import read_batch
from reunify.linkage.facts import Facts
from reunify.linkage.features import features
from reunify.linkage.records import Profile
from reunify.simulator import simulate

PROFILES = {"border": Profile(family_units=True, custody=True),
            "shelter": Profile("minors", custody=True)}


@pytest.fixture(scope="module")
def season(tmp_path_factory):
    """A simulated season's feature dicts and their facts."""
    folder = tmp_path_factory.mktemp("season")
    simulate(folder, families=120, seed=5)
    records, _relations = read_batch(folder)
    feats = [features(i, r) for i, r in enumerate(records)]
    return feats, Facts(feats, PROFILES)


def _joined(parts: list[dict]) -> dict:
    out: dict = {}
    for part in parts:
        for key, values in part.items():
            have = out.get(key)
            out[key] = values if have is None else (
                have + values if isinstance(have, tuple) else have | values)
    return out


def _expected(facts: Facts, members: list[int]) -> dict:
    """A cluster's facts worked out from its records' own, from scratch."""
    years = [facts.years[i] for i in members if facts.years[i]]
    units: dict = {}
    for i in members:
        units.update(facts.units[i])
    return {
        "years": (min(y[0] for y in years), max(y[1] for y in years)) if years else None,
        "a_numbers": frozenset().union(*(facts.a_numbers[i] for i in members)),
        "ages": frozenset().union(*(facts.ages[i] for i in members)),
        "roles": _joined([facts.roles[i] for i in members]),
        "born": _joined([facts.born[i] for i in members]),
        "held": {k: sorted(v) for k, v in _joined([facts.held[i] for i in members]).items()},
        "units": units,
    }


def _held(clusters: clustering.Clusters, root: int) -> dict:
    return {k: sorted(v) for k, v in clusters.held[root].items()}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_clusters_facts_are_its_records_whatever_the_order_of_merges(season, seed):
    """After random merges (those the rules allow, as clustering makes them), every
    cluster's years, A-numbers, ages, roles, birth dates, custody windows and family units
    are those of its records taken together, its members are its records, and a cluster
    holds each record once; merging each cluster's records again in another order gives
    the same facts and clusters that refuse exactly the same merges (the same rule each
    time)."""
    feats, facts = season
    rng = random.Random(seed)
    n = len(feats)
    # Pairs of namesakes, most of which the rules allow (strangers' pairs they mostly refuse).
    by_name: dict[str | None, list[int]] = {}
    for i, f in enumerate(feats):
        by_name.setdefault(f["surname_set"], []).append(i)
    pairs = [tuple(rng.sample(by_name[feats[i]["surname_set"]], 2)) for i in
             (rng.randrange(n) for _ in range(2 * n)) if len(by_name[feats[i]["surname_set"]]) > 1]
    forward = clustering.Clusters(feats, profiles=PROFILES, facts=facts)
    for i, j in pairs:
        a, b = forward.find(i), forward.find(j)
        if a != b and forward.conflict(a, b) is None:
            forward.merge(a, b)
    groups = forward.groups()
    assert sorted(i for g in groups for i in g) == list(range(n))
    assert any(len(g) > 3 for g in groups)
    for group in groups:
        root = forward.find(group[0])
        assert sorted(forward.members[root]) == group
        expected = _expected(facts, group)
        held = expected.pop("held")
        assert {name: getattr(forward, name)[root] for name in expected} == expected
        assert _held(forward, root) == held
    backward = clustering.Clusters(feats, profiles=PROFILES, facts=facts)
    for group in groups:
        shuffled = rng.sample(group, len(group))
        for i in shuffled[1:]:
            backward.merge(backward.find(shuffled[0]), backward.find(i))
    assert backward.groups() == groups
    for group in groups:
        root = backward.find(group[0])
        expected = _expected(facts, group)
        held = expected.pop("held")
        assert {name: getattr(backward, name)[root] for name in expected} == expected
        assert _held(backward, root) == held
    roots = [forward.find(g[0]) for g in groups]
    refused = 0
    for _ in range(3000):
        x, y = rng.sample(groups, 2)
        why = forward.conflict(forward.find(x[0]), forward.find(y[0]))
        assert backward.conflict(backward.find(x[0]), backward.find(y[0])) == why
        refused += why is not None
    assert len(roots) == len(set(roots))
    assert 0 < refused < 3000
