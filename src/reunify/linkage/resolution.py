"""The linker's one entry point: records, relations and decisions in, persons out.

Both engines (``deterministic`` and ``splink``) only *score* pairs; turning scores into persons
is done here, the same way for both, under the constraints of :mod:`reunify.linkage.clustering`.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager

import numpy as np

from reunify.linkage import ages, clustering, context, deterministic, places
from reunify.linkage.edges import Edges
from reunify.linkage.facts import Facts
from reunify.linkage.features import (
    TF_COLUMNS,
    add_kin,
    features,
    swapped_fields,
    term_frequencies,
)
from reunify.linkage.records import (
    Decision,
    Key,
    Profile,
    Relation,
    Resolution,
    ScoredPair,
    key_of,
)

ENGINES = ("deterministic", "splink")
#: Match weight (log2 of the Bayes factor, prior included) at and above which a pair is
#: accepted, and below which it is never shown for review (docs/linkage.md).
ACCEPT_WEIGHT = 0.0
REVIEW_WEIGHT = -2.0
#: Rounds of family context: each clusters again with what the previous round resolved.
CONTEXT_ROUNDS = 1

Progress = Callable[[str], None]


def _constraint_pairs(index: dict[Key, int], relations: Iterable[Relation],
                      decisions: Iterable[Decision]):
    related, cannot, must = [], [], []
    for rel in relations:
        i, j = index.get(rel.left), index.get(rel.right)
        if i is not None and j is not None:
            related.append((i, j))
            cannot.append((i, j))
    for d in decisions:
        i, j = index.get(d.left), index.get(d.right)
        if i is not None and j is not None:
            (must if d.same else cannot).append((i, j))
    return related, cannot, must


@contextmanager
def no_cycle_collection() -> Iterator[None]:
    """Python's cycle collector off within (back as it was after). Linking builds hundreds
    of thousands of small objects that live to the end (features, scored pairs, clusters)
    and makes almost no reference cycles; the collector would rescan them over and over for
    nothing, a third of the run time. (A cycle made within would hold what it reaches until
    the next collection after: ``reunify.rules.phones`` makes none.)"""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def resolve(records: Sequence[dict], *, relations: Iterable[Relation] = (),
            decisions: Iterable[Decision] = (), engine: str = "splink",
            backend: str = "duckdb", progress: Progress | None = None,
            person_rules: bool = True,
            profiles: Mapping[str, Profile] | None = None) -> Resolution:
    """Resolve ``records`` (plain dicts, see :mod:`reunify.linkage.records`) into persons.

    ``relations`` between records of one source and ``different`` decisions forbid merges;
    ``same`` decisions force them. Every record ends in exactly one cluster.
    ``person_rules=False`` drops the domain's constraints on birth years, A-numbers and
    siblings' given names (see :func:`reunify.linkage.clustering.cluster`): for benchmarks on
    other data only. ``profiles`` maps a source to what its profile says it records
    (:class:`~reunify.linkage.records.Profile`); rules that depend on a profile apply only to
    sources that have one.
    """
    with no_cycle_collection():
        return _resolve(records, relations, decisions, engine, backend, progress, person_rules,
                        dict(profiles or {}))


def _resolve(records: Sequence[dict], relations: Iterable[Relation],
             decisions: Iterable[Decision], engine: str, backend: str,
             progress: Progress | None, person_rules: bool,
             profiles: dict[str, Profile]) -> Resolution:
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}: expected one of {', '.join(ENGINES)}")
    say = progress or (lambda _step: None)
    started, cpu = time.perf_counter(), time.process_time()
    say("preparing records")
    swapped = swapped_fields(list(records))
    feats = [features(i, r, swapped=i in swapped) for i, r in enumerate(records)]
    keys = [key_of(r) for r in records]
    index = {k: i for i, k in enumerate(keys)}
    decisions = list(decisions)
    related, cannot, must = _constraint_pairs(index, relations, decisions)
    mates = context.companions(feats, related)
    add_kin(feats, mates)
    places.add_places(feats)
    ages.add_ages(feats, profiles)
    timings: dict[str, float] = {"prepare": time.perf_counter() - started}
    cpu_timings: dict[str, float] = {"prepare": time.process_time() - cpu}

    say("scoring pairs")
    t, cpu = time.perf_counter(), time.process_time()
    model = None
    if engine == "deterministic":
        scored = [(w, i, j) for w, i, j, _rule in deterministic.score(feats)]
        model_json = deterministic.model_json()
        accept = deterministic.NAME_AND_BIRTH_WEIGHT
    else:
        from reunify.linkage import engine as splink_engine

        model = splink_engine.score(feats, backend=backend, progress=say)
        scored, model_json, accept = model.edges, model.model_json, ACCEPT_WEIGHT
    timings["score"] = time.perf_counter() - t
    cpu_timings["score"] = time.process_time() - cpu
    try:
        say("clustering")
        t, cpu = time.perf_counter(), time.process_time()
        twinned = clustering.twins(feats) if person_rules else None
        # What each record says, worked out once for both passes.
        facts = Facts(feats, profiles)
        groups, refused = clustering.cluster(feats, scored, accept=accept, cannot=cannot,
                                             must=must, person_rules=person_rules,
                                             twinned=twinned, profiles=profiles, facts=facts)
        context_model, context_shown = None, {}
        if model is not None:
            say("family context")
            first = scored
            for _round in range(CONTEXT_ROUNDS):
                cluster_of = {i: n for n, members in enumerate(groups) for i in members}
                scored, context_model, context_shown = context.adjust(first, mates, cluster_of,
                                                                      accept, feats)
                if context_model is None:
                    break
                shared = context.shared_pairs(context_shown)
                groups, refused = clustering.cluster(feats, scored, accept=accept,
                                                     cannot=cannot, must=must,
                                                     person_rules=person_rules,
                                                     twinned=twinned, profiles=profiles,
                                                     shared=shared, facts=facts)
        timings["cluster"] = time.perf_counter() - t
        cpu_timings["cluster"] = time.process_time() - cpu
        review = [] if model is None else _review(
            scored, groups, keys, decisions, model, context_shown, held_back=facts.held_back)
    finally:
        if model is not None:
            model.close()
    stats = {
        "records": len(records),
        "persons": len(groups),
        "scored_pairs": len(scored),
        "accepted_pairs": int(np.count_nonzero(Edges.of(scored).w >= accept)),
        "review_pairs": len(review),
        "refused_merges": refused,
        "fields_swapped": len(swapped),
        # Sources whose profile-dependent rules did not apply (no profile given).
        "sources_without_profile": sorted({k[0] for k in keys} - set(profiles)),
        "must_link": len(must),
        "family_context": context_model,
        "cannot_link": len(cannot),
        "blocking": model.blocking if model is not None else {},
        "seconds": {k: round(v, 3) for k, v in timings.items()},
        # CPU seconds of this process (every thread), by step; scoring's by its parts.
        "cpu_seconds": {**{k: round(v, 3) for k, v in cpu_timings.items()},
                        **(model.cpu_seconds if model is not None else {})},
    }
    return Resolution([[keys[i] for i in members] for members in groups], review, model_json,
                      stats)


def _review(scored: Sequence[tuple[float, int, int]], groups: list[list[int]], keys: list[Key],
            decisions: list[Decision], model, context_shown: dict,
            held_back: Collection[int] = ()) -> list[ScoredPair]:
    """Pairs that ended in two persons and that nobody decided yet, with each comparison's
    weight: those between the review and acceptance weights, and accepted pairs of a record
    with nothing but names, or weakly recorded, that was kept apart
    (``linkage.corroboration``: a person decides). ``held_back`` are those records, by index
    (:attr:`~reunify.linkage.facts.Facts.held_back`)."""
    cluster_of = np.zeros(len(keys), dtype=np.int64)
    for n, members in enumerate(groups):
        cluster_of[members] = n
    decided = {frozenset((d.left, d.right)) for d in decisions}
    held = np.zeros(len(keys), dtype=bool)
    held[list(held_back)] = True
    edges = Edges.of(scored)
    # Tens of millions of pairs at a million records: the band is found on the columns.
    ws, left, right = edges.w, edges.i, edges.j
    inside = (((ws >= REVIEW_WEIGHT) & (ws < ACCEPT_WEIGHT))
              | ((ws >= ACCEPT_WEIGHT) & (held[left] | held[right]))) \
        & (cluster_of[left] != cluster_of[right])
    picked = np.flatnonzero(inside)
    band = [(w, i, j) for w, i, j in zip(ws[picked].tolist(), left[picked].tolist(),
                                         right[picked].tolist(), strict=True)
            if frozenset((keys[i], keys[j])) not in decided]
    details = model.comparisons([(i, j) for _w, i, j in band]) if band else {}
    review = []
    for w, i, j in band:
        _prob, comps = details.get((i, j), (None, []))
        if (i, j) in context_shown:
            comps = [*comps, context_shown[(i, j)]]
        review.append(ScoredPair(keys[i], keys[j], w, 1 / (1 + 2 ** -w), comps))
    return review


def explain(left: dict, right: dict, *, engine: str, model_json: str,
            population: Sequence[dict] = (),
            profiles: Mapping[str, Profile] | None = None) -> ScoredPair:
    """Score one pair of records with a run's model, comparison by comparison.

    ``population`` (the current records) gives the term frequencies of names: agreeing on a
    common name weighs less. Without it, the two records are the whole population.
    ``profiles`` (source → what it records) give an undated record's age group as a run
    does (:mod:`reunify.linkage.ages`).
    """
    a, b = features(0, left), features(1, right)
    if engine == "deterministic":
        comps = deterministic.comparisons(a, b)
        weight = max((c["weight"] for c in comps), default=0.0)
        return ScoredPair(key_of(left), key_of(right), weight, 1.0 if weight else 0.0, comps)
    from reunify.linkage import engine as splink_engine

    wanted = {c: {a[c], b[c]} - {None} for c in TF_COLUMNS}
    everyone = [features(i, r) for i, r in enumerate(population)] or [a, b]
    tf = term_frequencies(everyone, wanted)
    # The places the run learnt from the same records (linkage/places.py).
    places.add_places((a, b), everyone)
    ages.add_ages((a, b), profiles)
    weight, prob, comps = splink_engine.score_pair(model_json, a, b, tf)
    return ScoredPair(key_of(left), key_of(right), weight, prob, comps)
