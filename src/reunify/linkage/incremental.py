"""Incremental linking: new records join the persons a full run resolved, or become new ones.

A full run (:func:`reunify.linkage.resolution.resolve`) trains a model and may regroup every
record. Between full runs, each ingested batch's records without a person are scored against
every current record with the latest full run's model (same blocking keys, same weights, no
training), then merged greedily, strongest pair first, under the same hard constraints
(:class:`reunify.linkage.clustering.Clusters`), with one more: two existing persons are never
merged, and no existing record changes person. Persons are only ever joined here; what only a
full run does (family context, weak support between large clusters, review pairs) waits for
the next full run.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from reunify.linkage import ages, clustering, corroboration, deterministic, places
from reunify.linkage.features import features, swapped_fields
from reunify.linkage.records import Decision, Key, Profile, Relation, key_of
from reunify.linkage.resolution import ACCEPT_WEIGHT


@dataclass
class Attachment:
    """Where the new records went: ``joined`` maps a new record to the existing person it
    joined; ``fresh`` lists the groups of new records that are new persons."""

    joined: dict[Key, int] = field(default_factory=dict)
    fresh: list[list[Key]] = field(default_factory=list)
    stats: dict = field(default_factory=dict)


def attach(records: Sequence[dict], persons: Mapping[Key, int], *, engine: str | None,
           model_json: str = "", relations: Iterable[Relation] = (),
           decisions: Iterable[Decision] = (),
           profiles: Mapping[str, Profile] | None = None) -> Attachment:
    """Give every record of ``records`` (the current records, :mod:`reunify.linkage.records`)
    that ``persons`` (record key → person) does not hold a person.

    ``engine`` and ``model_json`` are the latest full run's (``splink`` or ``deterministic``);
    with ``engine=None`` (no run yet) every new record is a person of its own.
    """
    keys = [key_of(r) for r in records]
    new = {i for i, k in enumerate(keys) if k not in persons}
    result = Attachment()
    if not new:
        result.stats = {"records": len(records), "new_records": 0}
        return result
    if engine is None:
        result.fresh = [[keys[i]] for i in sorted(new)]
        result.stats = {"records": len(records), "new_records": len(new), "scored_pairs": 0,
                        "joined": 0, "new_persons": len(new), "refused_merges": {}}
        return result
    swapped = swapped_fields(list(records))
    feats = [features(i, r, swapped=i in swapped) for i, r in enumerate(records)]
    # The places as a full run learns them, from the same records (new ones among them).
    places.add_places(feats)
    ages.add_ages(feats, profiles)
    if engine == "deterministic":
        edges = [(w, i, j) for w, i, j, _rule in deterministic.score(feats)
                 if i in new or j in new]
        accept = deterministic.NAME_AND_BIRTH_WEIGHT
    else:
        from reunify.linkage import engine as splink_engine

        edges = splink_engine.score_new(feats, new, model_json)
        accept = ACCEPT_WEIGHT
    index = {k: i for i, k in enumerate(keys)}
    cannot, must = _constraints(index, relations, decisions)
    clusters = clustering.Clusters(feats, cannot, twinned=clustering.twins(feats),
                                   profiles=profiles or {})
    # Existing persons as they are: their records together, without checks (a full run and
    # people's decisions made them so).
    anchor: dict[int, int] = {}
    first: dict[int, int] = {}
    for i, key in enumerate(keys):
        person = persons.get(key)
        if person is None:
            continue
        if person in first:
            previous = clusters.find(first[person])
            anchor.pop(previous)
            root = clusters.merge(previous, i)
        else:
            first[person] = i
            root = i
        anchor[root] = person
    refused: dict[str, int] = defaultdict(int)
    weights: dict[int, dict[int, float]] = defaultdict(dict)
    for w, i, j in edges:
        weights[i][j] = w
        weights[j][i] = w
    strong = sorted((e for e in edges if e[0] >= accept), key=lambda e: (-e[0], e[1], e[2]))
    forced_pairs = [(True, (0.0, i, j)) for i, j in must if i in new or j in new]

    def may_merge(c: int, d: int) -> bool:
        # Two existing persons are never merged here: neither is the other's part.
        return c not in anchor or d not in anchor

    for forced, (w, i, j) in forced_pairs + [(False, e) for e in strong]:
        a, b = clusters.find(i), clusters.find(j)
        if a == b:
            continue
        reason = None
        if a in anchor and b in anchor:
            reason = "two_persons"
        elif not forced:
            reason = clusters.conflict(a, b) or (
                corroboration.refusal(clusters, feats, weights, w, i, j, accept,
                                      may_merge=may_merge)
                if corroboration.held_back(feats[i]) or corroboration.held_back(feats[j])
                else None)
        if reason:
            refused[reason] += 1
            continue
        person = anchor.pop(a, None) or anchor.pop(b, None)
        root = clusters.merge(a, b)
        if person is not None:
            anchor[root] = person
    groups: dict[int, list[Key]] = defaultdict(list)
    for i in sorted(new):
        groups[clusters.find(i)].append(keys[i])
    for root, members in groups.items():
        if root in anchor:
            result.joined.update({k: anchor[root] for k in members})
        else:
            result.fresh.append(members)
    result.stats = {"records": len(records), "new_records": len(new), "scored_pairs": len(edges),
                    "joined": len(result.joined), "new_persons": len(result.fresh),
                    "refused_merges": dict(refused)}
    return result


def _constraints(index: Mapping[Key, int], relations: Iterable[Relation],
                 decisions: Iterable[Decision]
                 ) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """``cannot`` pairs (stated relations, ``different`` decisions) and ``must`` pairs."""
    cannot, must = [], []
    for rel in relations:
        i, j = index.get(rel.left), index.get(rel.right)
        if i is not None and j is not None:
            cannot.append((i, j))
    for d in decisions:
        i, j = index.get(d.left), index.get(d.right)
        if i is not None and j is not None:
            (must if d.same else cannot).append((i, j))
    return cannot, must
