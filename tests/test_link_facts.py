"""Each record's facts for clustering are worked out once per link run and shared by its two
passes (reunify.linkage.facts): merging clusters never changes them."""

from __future__ import annotations

import copy

from reunify.linkage import clustering
from reunify.linkage.facts import Facts
from reunify.linkage.features import features
from reunify.linkage.records import Profile

PROFILES = {"border": Profile(family_units=True, custody=True),
            "shelter": Profile("minors", custody=True)}


def _record(source: str, record_id: str, given: str, family: str, birth: str,
            **extra) -> dict:
    return {"source": source, "record_id": record_id, "given_name": given,
            "family_name": family, "birth_date": birth, **extra}


def _features() -> list[dict]:
    records = [
        _record("border", "p", "Rosa", "Caal Xol", "1988-03-01", group_id="G1",
                group_role="parent", a_number="A200300400", seen_from="2018-06-01",
                seen_to="2018-06-03"),
        _record("border", "c", "Ana", "Caal Xol", "2012-06-01", group_id="G1",
                group_role="child", seen_from="2018-06-01", seen_to="2018-06-03"),
        _record("shelter", "c2", "Ana", "Caal Xol", "2012-06-01", group_id="S9",
                group_role="child", seen_from="2018-06-04", seen_to="2018-07-20"),
        _record("shelter", "c3", "Ana", "Caal", "2012-06-01", seen_from="2018-06-04",
                seen_to="2018-07-01"),
        _record("border", "p2", "Rosa", "Caal", "1988-03-01", a_number="200300400",
                group_id="G2", group_role="parent", seen_from="2018-06-10"),
    ]
    return [features(i, r) for i, r in enumerate(records)]


def test_merging_clusters_leaves_the_shared_facts_as_they_were():
    """Merges (of roles, birth dates, units, custody windows, A-numbers, ages) make new
    containers: the facts two clusterings share are the same after the first one's merges,
    so the second starts from the records as they are."""
    feats = _features()
    facts = Facts(feats, PROFILES)
    before = copy.deepcopy(vars(facts))
    clusters = clustering.Clusters(feats, profiles=PROFILES, facts=facts)
    for i, j in ((1, 2), (2, 3), (0, 4)):
        clusters.merge(clusters.find(i), clusters.find(j))
    assert vars(facts) == before
    fresh = clustering.Clusters(feats, profiles=PROFILES, facts=facts)
    assert [fresh.a_numbers[i] for i in range(5)] == [facts.a_numbers[i] for i in range(5)]
    assert fresh.roles[1] == {feats[1]["group"]: frozenset({"child"})}
    assert fresh.members[1] == [1]


def test_clustering_with_shared_facts_gives_what_it_gives_without():
    """Two passes sharing one Facts find the same clusters and refuse the same merges as
    passes that each work the facts out anew."""
    feats = _features()
    edges = [(12.0, 1, 2), (10.0, 2, 3), (9.0, 0, 4), (8.0, 0, 1), (7.0, 1, 3), (6.0, 3, 4)]
    alone = clustering.cluster(feats, edges, accept=2.0, profiles=PROFILES)
    facts = Facts(feats, PROFILES)
    first = clustering.cluster(feats, edges, accept=2.0, profiles=PROFILES, facts=facts)
    second = clustering.cluster(feats, edges, accept=2.0, profiles=PROFILES, facts=facts)
    assert first == second == alone
    assert alone[1]  # some merge was refused: the facts were read
