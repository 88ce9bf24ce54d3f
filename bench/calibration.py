"""Where identity recall is lost at a size, and what a different prior would do to it.

    nice -n 10 .venv/bin/python bench/calibration.py /tmp/scalelink_g100k [--shift 1.0 1.93]

Reads a folder kept by ``bench/scale.py --keep`` (its store and its batch's truth files), runs
the linker on the store's records exactly as ``reunify link`` does (nothing is written), and
prints, against the truth:

- the identity precision and recall of the persons (pairs of records);
- the prior: the model's λ (two random records are one person), the candidate pairs, and the
  prior *among candidate pairs* (λ times all pairs / candidate pairs), with the weight every
  candidate pair would gain if the match weights started from it;
- per match-weight band, how many candidate pairs are one person and how many are two (the
  share of the first is the posterior the weights claim: about one half at weight 0 if the
  model is calibrated at this size);
- the true pairs that end in two persons, by the weight of their pair (never scored,
  accepted but kept apart by a rule, or below the acceptance weight);
- for each ``--shift``, precision and recall if every scored pair weighed that much more
  (clustering and family context run again, the rules unchanged): a shift of the prior.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path

HERE = Path(__file__).resolve().parent


def open_kept_store(folder: Path, src: Path = HERE.parent / "src") -> None:
    """Point Django at the store of a folder kept by ``bench/scale.py --keep`` and set it up,
    with the code of checkout ``src`` (the scripts that compare codes on one store use it)."""
    os.environ["REUNIFY_DATABASE_URL"] = f"sqlite:///{folder}/store.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reunify.settings")
    sys.path.insert(0, str(src.resolve()))
    import django

    django.setup()


def _truth(folder: Path) -> dict[tuple[str, str], str]:
    with (folder / "batch" / "truth.identities.csv").open(encoding="utf-8") as handle:
        return {(r["source"], r["record_id"]): r["person_id"] for r in csv.DictReader(handle)}


def _pairs_per_person(groups: Iterable[Iterable[tuple[str, str]]],
                      truth: dict[tuple[str, str], str]) -> tuple[int, int]:
    """(pairs of one person in one group, pairs of two persons in one group)."""
    same = other = 0
    for group in groups:
        counts = Counter(truth[k] for k in group if k in truth)
        n = sum(counts.values())
        alike = sum(c * (c - 1) // 2 for c in counts.values())
        same += alike
        other += n * (n - 1) // 2 - alike
    return same, other


def _quality(groups, truth) -> tuple[float, float]:
    same, other = _pairs_per_person(groups, truth)
    every, _ = _pairs_per_person([list(truth)], truth)
    return same / max(same + other, 1), same / max(every, 1)


def _families_resolved(folder: Path, clusters, truth) -> tuple[int, int]:
    """True families (``truth.families.csv``) each of whose members' records are exactly one
    of the persons found (no record missing, none of another person's), and all families."""
    path = folder / "batch" / "truth.families.csv"
    if not path.is_file():
        return 0, 0
    members: dict[str, set[str]] = defaultdict(set)
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            members[row["family_id"]].add(row["person_id"])
    records: dict[str, set] = defaultdict(set)
    for key, person in truth.items():
        records[person].add(key)
    exact = {frozenset(c) for c in clusters}
    whole = sum(1 for people in members.values()
                if all(frozenset(records[p]) in exact for p in people if records[p]))
    return whole, len(members)


def _band(weight: float | None, accept: float) -> str:
    if weight is None:
        return "never scored"
    if weight >= accept:
        return "accepted, kept apart by a rule"
    return f"below acceptance: {math.floor(weight / 2) * 2} to {math.floor(weight / 2) * 2 + 2}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--shift", type=float, nargs="*", default=[])
    parser.add_argument("--missed", type=Path, default=None,
                        help="write the true pairs that end in two persons to this CSV, "
                             "with their cause (the rule that refused an accepted pair)")
    args = parser.parse_args()
    folder = args.folder.resolve()
    open_kept_store(folder)
    from reunify.actions.link import _decisions_in_force, _relations
    from reunify.linkage import clustering, context, resolution
    from reunify.linkage import engine as splink_engine
    from reunify.linkage.records import Profile, key_of
    from reunify.models.linkage import linkage_records
    from reunify.models.profile import linkage_profiles

    seen: dict = {}
    score = splink_engine.score

    def keeping(features, **kwargs):
        model = score(features, **kwargs)
        seen.update(features=features, edges=list(model.edges), model=model.model_json,
                    blocking=model.blocking)
        return model

    splink_engine.score = keeping
    adjust = context.adjust

    def showing(*args, **kwargs):
        out = adjust(*args, **kwargs)
        seen.update(context={(i, j): (w, out[2].get((i, j), {}).get("level", ""))
                             for w, i, j in out[0]})
        return out

    context.adjust = showing
    records, relations, decisions = linkage_records(), _relations(), _decisions_in_force()
    profiles = {source: Profile.of(p) for source, p in linkage_profiles().items()}
    found = resolution.resolve(records, relations=relations, decisions=decisions,
                               profiles=profiles)
    truth = _truth(folder)
    keys = [key_of(r) for r in records]
    precision, recall = _quality(found.clusters, truth)
    print(f"records {len(records)}: identity precision {precision:.4f}, recall {recall:.4f}")
    print(f"family context: {json.dumps(found.stats.get('family_context'))}")
    print(f"refused merges: {json.dumps(found.stats.get('refused_merges'))}")

    whole, families = _families_resolved(folder, found.clusters, truth)
    print(f"true families whose every member is exactly one person: {whole} of {families} "
          f"({whole / max(families, 1):.4f}; families build can make no more of them whole)")

    lam = float(json.loads(seen["model"])["probability_two_random_records_match"])
    n, candidates = len(records), seen["blocking"]["candidate_pairs"]
    among = lam * n * (n - 1) / 2 / candidates
    odds = math.log2(lam / (1 - lam))
    odds_among = math.log2(among / (1 - among))
    print(f"prior: lambda {lam:.3g} (log2 odds {odds:.2f}); {candidates} candidate pairs; "
          f"among them {among:.4f} (log2 odds {odds_among:.2f}): "
          f"a shift of {odds_among - odds:+.2f}")

    accept = resolution.ACCEPT_WEIGHT
    weights = {(i, j): w for w, i, j in seen["edges"]}
    bands: dict[int, Counter] = defaultdict(Counter)
    for (i, j), w in weights.items():
        if keys[i] in truth and keys[j] in truth:
            one = truth[keys[i]] == truth[keys[j]]
            bands[max(-8, min(math.floor(w), 12))]["one person" if one else "two"] += 1
    print("weight band | one person | two persons | share one person")
    for band in sorted(bands):
        one, two = bands[band]["one person"], bands[band]["two"]
        print(f"{band:>4} .. {band + 1:<4}| {one:>6} | {two:>6} | {one / (one + two):.2f}")

    cluster_of = {k: c for c, members in enumerate(found.clusters) for k in members}
    index = {k: i for i, k in enumerate(keys)}
    by_person: dict[str, list[int]] = defaultdict(list)
    for key, person in truth.items():
        if key in index:
            by_person[person].append(index[key])
    missed: Counter = Counter()
    for members in by_person.values():
        members.sort()
        for a, i in enumerate(members):
            for j in members[a + 1:]:
                if cluster_of[keys[i]] != cluster_of[keys[j]]:
                    missed[_band(weights.get((i, j)), accept)] += 1
    print(f"true pairs in two persons: {sum(missed.values())}")
    for band, count in missed.most_common():
        print(f"  {band}: {count}")

    feats = seen["features"]
    related, cannot, must = resolution._constraint_pairs(index, relations, decisions)
    twinned = clustering.twins(feats)
    context.adjust = adjust
    if args.missed is not None:
        _write_missed(args.missed, by_person, cluster_of, keys, weights, feats, found,
                      cannot, twinned, profiles, accept, seen.get("context", {}))
    mates = context.companions(feats, related)
    for shift in args.shift:
        edges = [(w + shift, i, j) for w, i, j in seen["edges"]]
        rules = {"accept": accept, "cannot": cannot, "must": must, "person_rules": True,
                 "twinned": twinned, "profiles": profiles}
        groups, _refused = clustering.cluster(feats, edges, **rules)
        member_of = {i: c for c, members in enumerate(groups) for i in members}
        scored, context_model, shown = context.adjust(edges, mates, member_of, accept,
                                                      feats)
        if context_model is not None:
            shared = {p for p, s in shown.items() if s["level"] == context.SHARED}
            groups, _refused = clustering.cluster(feats, scored, shared=shared, **rules)
        precision, recall = _quality([[keys[i] for i in g] for g in groups], truth)
        print(f"every pair {shift:+.2f}: identity precision {precision:.4f}, recall {recall:.4f}")


def _write_missed(path: Path, by_person, cluster_of, keys, weights, feats, found, cannot,
                  twinned, profiles, accept, in_context) -> None:
    """One row per true pair in two persons: its band, and for an accepted pair the rule
    that keeps the two persons apart (checked between the final clusters)."""
    from reunify.linkage import clustering

    built = clustering.Clusters(feats, cannot, twinned=twinned, profiles=profiles)
    index = {k: i for i, k in enumerate(keys)}
    for members in found.clusters:
        root = built.find(index[members[0]])
        for k in members[1:]:
            other = built.find(index[k])
            if other != root:
                root = built.merge(root, other)
    columns = ("given_first", "surname_set", "birth_date", "a_number", "sex", "group",
               "group_role", "phone", "seen_from", "seen_to")
    cause_count: Counter = Counter()
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["band", "cause", "weight", "with context", "context", "sources",
                         *[f"{c}_{side}" for side in "lr" for c in ("record", *columns)]])
        for members in by_person.values():
            for a, i in enumerate(members):
                for j in members[a + 1:]:
                    if cluster_of[keys[i]] == cluster_of[keys[j]]:
                        continue
                    w = weights.get((i, j))
                    band = _band(w, accept)
                    cause = ""
                    if w is not None and w >= accept:
                        cause = built.conflict(built.find(i), built.find(j)) or "weak_or_names"
                    cause_count[(band, cause)] += 1
                    after, level = in_context.get((i, j), (None, ""))
                    writer.writerow([band, cause, "" if w is None else round(w, 2),
                                     "" if after is None else round(after, 2), level,
                                     f"{keys[i][0]}|{keys[j][0]}",
                                     *[v for x in (i, j) for v in
                                       (keys[x][1], *[feats[x].get(c) for c in columns])]])
    for (band, cause), count in cause_count.most_common():
        print(f"  {band} {cause}: {count}")


if __name__ == "__main__":
    main()
