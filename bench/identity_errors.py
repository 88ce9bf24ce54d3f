"""What decided a link run's identity errors: false pairs and missed pairs, by class.

    nice -n 19 .venv/bin/python bench/identity_errors.py /tmp/scale_100k [--src SRC]
        [--json OUT.json] [--top 25] [--pairs OUT.csv]

Runs the linker on a folder kept by ``bench/scale.py --keep`` as ``bench/link_steps.py`` does
(nothing is written) and holds on to what it decided with: the final pairs' weights (family
context in), the model, the family-context level of each pair. Then, against the batch's
truth (``truth.identities.csv``):

- a **false join** is two true people inside one person found. The pair of records of the two
  that weighs most (the link that joined them; none when they were joined only through a third
  person) is classed by its comparison levels (given name, family name, birth date, A-number,
  custody time), its weight band and its family-context level;
- a **missed join** is one true person split over two persons found. The pair of the two parts
  that weighs most is classed the same way, and by why it did not join them: not scored (never
  a candidate, or under the floor weight), weighed under the acceptance weight, or accepted and
  still not merged (a clustering constraint, the support between clusters, or a record with
  nothing but names kept apart).

Counts are of joins and of record pairs (a join of a 3-record and a 2-record part is 6 pairs,
the unit of identity precision and recall). Counts at 10k / 100k / 1M show which classes grow
with the records. ``--json`` writes every count for comparison between runs; ``--pairs`` each
join's pair of records (its strongest pair, else a record of each part), to study what else
the two hold (their events, their places).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
COMPARED = ("given_name", "family_name", "birth_date", "a_number", "custody_time")


#: Clustering rules ``--relax`` can switch off.
RELAXABLE = ("weak_support", "weak_ambiguous", "names_ambiguous", "given_names_differ",
             "held_twice", "age_gap", "adult_and_minor", "two_family_units", "group_role",
             "group_birth_dates", "a_number_conflict")


def _relax(rules: list[str]) -> None:
    """Switch clustering rules off for this run (a measure of what each one prevents). The
    rules of ``Clusters.conflict`` that have no constant of their own are dropped from its
    answer; the rules after the dropped one are then not asked (rare: the first is counted)."""
    from reunify.linkage import clustering, corroboration

    if "weak_support" in rules:
        clustering.SUPPORT_MARGIN = float("inf")
    if "weak_ambiguous" in rules:
        corroboration._outweighed = lambda *a, **k: False
    if "names_ambiguous" in rules:
        corroboration._rival = lambda *a, **k: False
    if "held_twice" in rules:
        clustering.HELD_OVERLAP = 10**9
    if "age_gap" in rules:
        clustering.AGE_GAP = 10**9
    if "given_names_differ" in rules:
        clustering.Clusters.bridged = lambda *a, **k: True
    dropped = set(rules) - {"weak_support", "weak_ambiguous", "names_ambiguous", "held_twice",
                            "age_gap", "given_names_differ"}
    if dropped:
        real = clustering.Clusters.conflict

        def conflict(self, a, b):
            reason = real(self, a, b)
            return None if reason in dropped else reason

        clustering.Clusters.conflict = conflict


def _watch_rivals(person: np.ndarray, kept: dict) -> dict[tuple[int, int], str]:
    """Watch the ambiguity rules of held-back records (``linkage.corroboration``): for each
    pair they refuse in the last pass, whether the rival persons at that moment held a record
    of the held-back record's own true person (a person not yet whole, counted as its own
    rival: ``pending`` when the rival holds only held-back records, waiting their turn) or
    only other people, and whether the pair would pass without the same person's parts."""
    import math

    from reunify.linkage import corroboration

    seen: dict[tuple[int, int], str] = {}
    detail = kept.setdefault("rival_detail", {})
    real_out, real_rival = corroboration._outweighed, corroboration._rival

    def rivals_of(clusters, weights, w, x, y, reach):
        own, other = clusters.find(x), clusters.find(y)
        best: dict[int, float] = {}
        for k, v in weights.get(x, {}).items():
            if v >= w - reach:
                c = clusters.find(k)
                if c not in (own, other) and v > best.get(c, -math.inf):
                    best[c] = v
        return {c: v for c, v in best.items() if clusters.conflict(own, c) is None}

    def classify(clusters, rivals, x, passes_without_self):
        self_parts = [c for c in rivals
                      if any(person[k] == person[x] for k in clusters.members[c])]
        if not self_parts:
            feats = kept["feats"]
            met = any(corroboration.met(feats[x], feats[k]) for c in rivals
                      for k in clusters.members[c])
            return "namesakes only, " + ("one met the record" if met else "none met it")
        held = clusters_held[0]
        pending = all(k in held for c in self_parts for k in clusters.members[c])
        kind = "pending" if pending else "split"
        return f"own person's parts ({kind}), " + (
            "passes without them" if passes_without_self(self_parts) else "still refused")

    clusters_held: list = [frozenset()]

    def outweighed(clusters, weights, w, x, y, accept):
        refused = real_out(clusters, weights, w, x, y, accept)
        if refused:
            rivals = rivals_of(clusters, weights, w, x, y, 2 * corroboration.AMBIGUITY_MARGIN)

            def passes(self_parts):
                rest = sum(2.0 ** v for c, v in rivals.items() if c not in self_parts)
                return w - math.log2(1.0 + rest) >= accept

            seen[(min(x, y), max(x, y))] = classify(clusters, rivals, x, passes)
            detail[(min(x, y), max(x, y))] = (x, y, w, [
                (list(clusters.members[c]), v) for c, v in rivals.items()])
        return refused

    def rival(clusters, weights, w, x, y, *rest):
        refused = real_rival(clusters, weights, w, x, y, *rest)
        if refused:
            rivals = rivals_of(clusters, weights, w, x, y, corroboration.AMBIGUITY_MARGIN)
            seen[(min(x, y), max(x, y))] = classify(
                clusters, rivals, x, lambda parts: not set(rivals) - set(parts))
            detail[(min(x, y), max(x, y))] = (x, y, w, [
                (list(clusters.members[c]), v) for c, v in rivals.items()])
        return refused

    corroboration._outweighed, corroboration._rival = outweighed, rival
    from reunify.linkage import facts as facts_module

    real_facts_init = facts_module.Facts.__init__

    def facts_init(self, *a, **k):
        real_facts_init(self, *a, **k)
        clusters_held[0] = self.held_back

    facts_module.Facts.__init__ = facts_init
    return seen


def _band(w: float | None, accept: float) -> str:
    if w is None:
        return "not scored"
    for low in (-6, -2, 0, 2, 4, 6, 10):
        if w < accept + low:
            return f"< {low:+d}"
    return ">= +10"


def _strongest(edges, key_l: np.ndarray, key_r: np.ndarray, keep: np.ndarray):
    """Per (key_l, key_r) of the kept edges: the index of the edge that weighs most."""
    picked = np.flatnonzero(keep)
    if not len(picked):
        return {}
    order = picked[np.argsort(-edges.w[picked], kind="stable")]
    out: dict[tuple[int, int], int] = {}
    for n, a, b in zip(order.tolist(), key_l[order].tolist(), key_r[order].tolist(),
                       strict=True):
        out.setdefault((a, b), n)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--src", type=Path, default=HERE.parent / "src")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--examples", type=int, default=0,
                        help="print the records of this many joins of each kind")
    parser.add_argument("--relax", action="append", default=[], choices=RELAXABLE,
                        help="run with this clustering rule switched off (repeatable), to see "
                             "the false joins it prevents")
    parser.add_argument("--pairs", type=Path,
                        help="write each join's pair (its strongest, else a record of each "
                             "part) as CSV: kind, why, weight, the two records' keys, "
                             "their levels")
    parser.add_argument("--clusters", type=Path,
                        help="write each record's person found as CSV: source, record_id, "
                             "person (a number), to see which relatives were joined")
    args = parser.parse_args()
    folder = args.folder.resolve()
    sys.path.insert(0, str(HERE))
    from calibration import _quality, _truth, open_kept_store

    open_kept_store(folder, args.src)
    from reunify.actions.link import _decisions_in_force, _relations
    from reunify.linkage import clustering, context, resolution
    from reunify.linkage import engine as splink_engine
    from reunify.linkage.edges import Edges
    from reunify.linkage.records import Profile, key_of
    from reunify.models.linkage import linkage_records
    from reunify.models.profile import linkage_profiles

    kept: dict = {}
    real_score, real_adjust, real_cluster = (splink_engine.score, context.adjust,
                                             clustering.cluster)

    def score(*a, **k):
        model = real_score(*a, **k)
        # resolve() closes the model when done: its rows are read after, then released.
        kept["release"], kept["rows"], model.release = model.release, model.rows, None
        kept["model"] = model
        return model

    def adjust(*a, **k):
        out = real_adjust(*a, **k)
        kept["shown"] = out[2]
        return out

    def cluster(feats, scored, **k):
        # The last call is the pass whose persons are the run's: its refusals are kept.
        kept["scored"], kept["feats"], kept["refusals"] = scored, feats, {}
        return real_cluster(feats, scored, refusals=kept["refusals"], **k)

    _relax(args.relax)
    records = linkage_records()
    truth = _truth(folder)
    keys = [key_of(r) for r in records]
    people: dict[str, int] = {}
    person = np.array([people.setdefault(truth.get(k, f"?{n}"), len(people))
                       for n, k in enumerate(keys)], dtype=np.int64)
    kept["rivals"] = _watch_rivals(person, kept)

    splink_engine.score, context.adjust, clustering.cluster = score, adjust, cluster
    profiles = {source: Profile.of(p) for source, p in linkage_profiles().items()}
    found = resolution.resolve(records, relations=_relations(), decisions=_decisions_in_force(),
                               profiles=profiles)
    precision, recall = _quality(found.clusters, truth)
    index = {k: n for n, k in enumerate(keys)}
    found_of = np.zeros(len(keys), dtype=np.int64)
    for c, members in enumerate(found.clusters):
        found_of[[index[k] for k in members]] = c
    edges = Edges.of(kept["scored"])
    model, shown = kept["model"], kept.get("shown", {})
    model.rows = kept["rows"]
    accept = resolution.ACCEPT_WEIGHT

    # Parts: (found person, true person) → records.
    part_size = Counter(zip(found_of.tolist(), person.tolist(), strict=True))
    by_found: dict[int, list[int]] = defaultdict(list)
    by_true: dict[int, list[int]] = defaultdict(list)
    for c, p in part_size:
        by_found[c].append(p)
        by_true[p].append(c)

    members_of: dict[int, list[int]] = defaultdict(list)
    for n, c in enumerate(found_of.tolist()):
        members_of[c].append(n)
    fi, fj, pi, pj = found_of[edges.i], found_of[edges.j], person[edges.i], person[edges.j]
    false_edge = _strongest(edges, np.minimum(pi, pj), np.maximum(pi, pj),
                            (fi == fj) & (pi != pj))
    missed_edge = _strongest(edges, np.minimum(fi, fj), np.maximum(fi, fj),
                             (pi == pj) & (fi != fj))

    falses, misses = [], []
    for c, ps in by_found.items():
        for a in range(len(ps)):
            for b in range(a + 1, len(ps)):
                p, q = sorted((ps[a], ps[b]))
                falses.append((part_size[(c, p)] * part_size[(c, q)],
                               false_edge.get((p, q)), ((c, p), (c, q))))
    for p, cs in by_true.items():
        for a in range(len(cs)):
            for b in range(a + 1, len(cs)):
                c, d = sorted((cs[a], cs[b]))
                misses.append((part_size[(c, p)] * part_size[(d, p)],
                               missed_edge.get((c, d)), ((c, p), (d, p))))
    wanted = sorted({(int(edges.i[n]), int(edges.j[n])) for _s, n, _parts in falses + misses
                     if n is not None})
    details = model.comparisons(wanted) if wanted else {}
    kept["release"]()

    feats = kept["feats"]
    surname_n, given_n = Counter(), Counter()
    for f in feats:
        surname_n.update(set(f.get("surnames") or ()))
        given_n[f.get("given_first")] += 1

    def share(count: int) -> str:
        # The share of the records holding a name, in powers of ten.
        for exp in range(6, 0, -1):
            if count < len(feats) / 10 ** (exp - 1):
                return f"< 1e-{exp - 1}" if exp > 1 else "< 1"
        return "all"

    def classify(n: int | None, missed: bool) -> dict:
        if n is None:
            return {"why": "not scored" if missed else "joined through a third person"}
        i, j, w = int(edges.i[n]), int(edges.j[n]), float(edges.w[n])
        levels = {c["name"]: c["level"] for c in details.get((i, j), (None, []))[1]}
        out = {name: levels.get(name, "?") for name in COMPARED}
        out["family_context"] = shown.get((i, j), {}).get("level", "-")
        common = set(feats[i].get("surnames") or ()) & set(feats[j].get("surnames") or ())
        out["rarest surname in common, share"] = share(
            min(surname_n[k] for k in common)) if common else "none"
        out["first given name, share"] = share(given_n[feats[i].get("given_first")]) if (
            feats[i].get("given_first") == feats[j].get("given_first")
            and feats[i].get("given_first")) else "not the same"
        out["precise birth dates"] = sum(bool(feats[x].get("birth_precise")) for x in (i, j))
        out["band"] = _band(w, accept)
        out["why"] = ("accepted, not merged" if w >= accept else "under the acceptance weight"
                      ) if missed else "accepted link"
        if missed and w >= accept:
            rule = kept["refusals"].get((i, j), "?")
            out["rule"] = rule
            if rule in ("weak_ambiguous", "names_ambiguous"):
                out["rivals"] = kept["rivals"].get((min(i, j), max(i, j)), "?")
        return out

    from reunify.linkage import comparisons as levels

    trained = json.loads(found.model_json)
    report: dict = {"folder": str(folder), "records": len(records),
                    "precision": round(precision, 4), "recall": round(recall, 4),
                    "prior": levels.prior(trained)["weight"],
                    "family_context": found.stats.get("family_context"),
                    "weights": {name: {label: round(w, 2) for label, w in by.values()}
                                for name, by in levels.labels(trained).items()}}
    for name, rows, missed in (("false", falses, False), ("missed", misses, True)):
        classes = [(size, classify(n, missed)) for size, n, _parts in rows]
        section = {"joins": len(classes), "pairs": sum(s for s, _ in classes)}
        for field in ("why", "rule", "rivals", "band", *COMPARED, "family_context",
                      "precise birth dates", "rarest surname in common, share",
                      "first given name, share"):
            joins, pairs = Counter(), Counter()
            for size, cls in classes:
                joins[cls.get(field, "-")] += 1
                pairs[cls.get(field, "-")] += size
            section[field] = {k: [joins[k], pairs[k]] for k, _ in joins.most_common()}
        combos_j, combos_p = Counter(), Counter()
        for size, cls in classes:
            combo = " | ".join(str(cls.get(f, "-")) for f in
                               ("why", "family_name", "rarest surname in common, share",
                                "birth_date"))
            combos_j[combo] += 1
            combos_p[combo] += size
        section["why | family | surname share | birth"] = {k: [v, combos_p[k]]
                                             for k, v in combos_j.most_common(args.top)}
        report[name] = section
    print(json.dumps({k: report[k] for k in ("records", "precision", "recall")}))
    shown_fields = ("source", "record_id", "given_name", "family_name", "birth_date", "sex",
                    "a_number", "group_id", "seen_from", "seen_to")
    for name, rows in (("false", falses), ("missed", misses)):
        picked = [n for _s, n, _parts in rows if n is not None][:args.examples]
        for n in picked:
            i, j = int(edges.i[n]), int(edges.j[n])
            print(f"-- {name}: weight {edges.w[n]:.2f}",
                  {k: v for k, v in classify(n, name == "missed").items()
                   if k in ("family_name", "birth_date", "custody_time", "family_context")})
            for x in (i, j):
                print("   ", {k: str(records[x].get(k)) for k in shown_fields})
    by_rule: dict[str, list] = defaultdict(list)
    for _s, n, parts in misses:
        if n is not None and float(edges.w[n]) >= accept:
            rule = kept["refusals"].get((int(edges.i[n]), int(edges.j[n])), "?")
            if len(by_rule[rule]) < args.examples:
                by_rule[rule].append((n, parts))
    for rule, picked in by_rule.items():
        for n, parts in picked:
            print(f"-- accepted, not merged ({rule}): weight {edges.w[n]:.2f}, pair",
                  int(edges.i[n]), int(edges.j[n]))
            for c, _p in parts:
                print("   person found", c)
                for k in members_of[c][:5]:
                    print("     ", k, truth.get(keys[k], "?"),
                          {f: str(records[k].get(f)) for f in shown_fields})
    ambiguous = [(i, j) for _s, n, _p in misses if n is not None
                 for i, j in [(int(edges.i[n]), int(edges.j[n]))]
                 if (min(i, j), max(i, j)) in kept["rival_detail"]][:args.examples]
    for pair in ambiguous:
        x, y, w, rivals = kept["rival_detail"][(min(pair), max(pair))]
        print(f"-- refused as ambiguous: weight {w:.2f}, {kept['rivals'][(min(x, y), max(x, y))]}")
        for k in (x, y):
            print("   ", {f: str(records[k].get(f)) for f in shown_fields})
        for members, v in rivals:
            print(f"    rival {v:.2f}", [{f: str(records[k].get(f)) for f in shown_fields}
                                        for k in members[:3]])
    for name in ("false", "missed"):
        section = report[name]
        print(f"\n== {name} joins: {section['joins']} ({section['pairs']} record pairs)")
        for field, counts in section.items():
            if not isinstance(counts, dict):
                continue
            print(f"  -- {field} (joins, pairs)")
            for k, (j, p) in list(counts.items())[:args.top]:
                print(f"    {j:7d} {p:8d}  {k}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))
    if args.pairs:
        _write_pairs(args.pairs, falses, misses, edges, classify, keys, found_of, person)
    if args.clusters:
        import csv

        with args.clusters.open("w", newline="", encoding="utf-8") as handle:
            out = csv.writer(handle)
            out.writerow(("source", "record_id", "person"))
            out.writerows((*k, c) for k, c in zip(keys, found_of.tolist(), strict=True))


def _write_pairs(path: Path, falses, misses, edges, classify, keys, found_of, person) -> None:
    """Each join's pair of records, to study what else the two hold (their events, places)."""
    import csv

    first: dict[tuple[int, int], int] = {}
    for n, (c, p) in enumerate(zip(found_of.tolist(), person.tolist(), strict=True)):
        first.setdefault((c, p), n)
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(("kind", "size", "why", "weight", "source_l", "record_l", "source_r",
                      "record_r", *COMPARED, "family_context"))
        for kind, rows in (("false", falses), ("missed", misses)):
            for size, n, parts in rows:
                if n is not None:
                    i, j, w = int(edges.i[n]), int(edges.j[n]), f"{edges.w[n]:.3f}"
                elif parts is not None:
                    i, j, w = first[parts[0]], first[parts[1]], ""
                else:
                    continue
                cls = classify(n, kind == "missed")
                out.writerow((kind, size, cls["why"], w, *keys[i], *keys[j],
                              *(cls.get(c, "") for c in (*COMPARED, "family_context"))))


if __name__ == "__main__":
    main()
