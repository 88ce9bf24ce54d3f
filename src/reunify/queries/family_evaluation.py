"""Scoring the current families and register against a simulated batch's truth files.

Our persons are mapped to the simulator's by their records (``truth.identities.csv``): each of
our persons stands for the true person most of its records belong to, and each true person is
represented by the one of our persons holding most of their records.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter, defaultdict
from pathlib import Path

from reunify.models import Identity
from reunify.queries.families import current_families
from reunify.queries.register import register_entries
from reunify.rules.status import SEPARATED


def _read(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        return []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _person_maps(truth_dir: Path) -> tuple[dict[int, str], dict[str, int]]:
    """Our person → true person (majority), true person → our person (majority)."""
    truth = {(r["source"], r["record_id"]): r["person_id"]
             for r in _read(truth_dir / "truth.identities.csv")}
    ours_to_true: dict[int, Counter] = defaultdict(Counter)
    true_to_ours: dict[str, Counter] = defaultdict(Counter)
    for source, record_id, person in Identity.objects.values_list(
        "source", "record_id", "person_id"
    ).iterator(chunk_size=20000):
        true = truth.get((source, record_id))
        if true is None:
            continue
        ours_to_true[person][true] += 1
        true_to_ours[true][person] += 1
    return (
        {p: c.most_common(1)[0][0] for p, c in ours_to_true.items()},
        {t: c.most_common(1)[0][0] for t, c in true_to_ours.items()},
    )


def _ratio(hit: int, total: int) -> float:
    return hit / total if total else 1.0


def score_families(truth_dir: Path, as_of: dt.date) -> dict:
    """Family and register quality against ``truth.families.csv`` and ``truth.register.csv``.

    - ``families_whole``: share of true families for which one of our families holds exactly
      their members (no one missing, no one extra, no one twice);
    - ``child_status_accuracy``: share of the truth register's children whose status we give;
    - ``separated_children_recall``: share of children truly ever separated by ``as_of`` that
      our register shows as separated at some point (``separated_since`` set);
    - ``separated_children_precision``: share of the children our register shows as ever
      separated who stand for a child truly ever separated;
    - ``unaccompanied_reported_separated``: truly unaccompanied children our register shows as
      separated from a parent (should be 0).
    """
    ours_to_true, true_to_ours = _person_maps(truth_dir)
    true_families: dict[str, set[str]] = defaultdict(set)
    true_roles: dict[str, str] = {}
    for row in _read(truth_dir / "truth.families.csv"):
        true_families[row["family_id"]].add(row["person_id"])
        true_roles[row["person_id"]] = row["role"]
    found: dict[frozenset[str], int] = Counter()
    our_families = current_families()
    for family in our_families:
        mapped = [ours_to_true.get(p) for p in family.members]
        if None not in mapped and len(set(mapped)) == len(mapped):
            found[frozenset(mapped)] += 1
    whole = sum(1 for members in true_families.values() if found.get(frozenset(members)))

    entries = {e.person: e for e in register_entries(as_of)}
    truth_register = [r for r in _read(truth_dir / "truth.register.csv")
                      if true_roles.get(r["person_id"], "child") == "child"]
    right = separated_total = separated_found = 0
    truly_separated = {true_to_ours.get(r["person_id"]) for r in truth_register
                       if r.get("separated_since")}
    reported = [p for p, e in entries.items()
                if e.role == "child" and e.state.separated_since is not None]
    reported_right = sum(1 for p in reported if p in truly_separated)
    confusion: Counter = Counter()
    for row in truth_register:
        entry = entries.get(true_to_ours.get(row["person_id"], -1))
        status = entry.state.status if entry else "missing"
        confusion[f"{row['status']}->{status}"] += 1
        right += status == row["status"]
        if row.get("separated_since"):
            separated_total += 1
            separated_found += bool(entry and entry.state.separated_since)
    kinds = {r["person_id"]: r["kind"] for r in _read(truth_dir / "truth.persons.csv")}
    unaccompanied_separated = 0
    for true, kind in kinds.items():
        if kind != "unaccompanied_child":
            continue
        entry = entries.get(true_to_ours.get(true, -1))
        if entry and (entry.state.separated_since or entry.state.status == SEPARATED):
            unaccompanied_separated += 1
    return {
        "true_families": len(true_families),
        "our_families": len(our_families),
        "families_whole": _ratio(whole, len(true_families)),
        "children_in_truth_register": len(truth_register),
        "child_status_accuracy": _ratio(right, len(truth_register)),
        "separated_children": separated_total,
        "separated_children_recall": _ratio(separated_found, separated_total),
        "separated_children_reported": len(reported),
        "separated_children_precision": _ratio(reported_right, len(reported)),
        "unaccompanied_reported_separated": unaccompanied_separated,
        "status_errors": {k: v for k, v in sorted(confusion.items())
                          if k.split("->")[0] != k.split("->")[1]},
    }
