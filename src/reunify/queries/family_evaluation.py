"""Scoring the current families and register against a batch's truth files.

Everything is scored from the spec's exports (``identities``, ``families``, ``register``) against
the spec's truth files (``truth.identities.csv``, ``truth.families.csv``, ``truth.status.csv``;
the simulator's older ``truth.register.csv`` stands in for ``truth.status.csv`` when that is
missing), so a batch written by anyone can be scored. Our persons are mapped to the true ones by
their records: each of our persons stands for the true person most of its records belong to, and
each true person is represented by the one of our persons holding most of their records.

A measure whose truth file is missing, or that has nothing to count, is not scored: it is left
out and a note says why (never a ratio of zero to zero).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter, defaultdict
from pathlib import Path

from reunify.queries.families import family_rows
from reunify.queries.identities import identity_rows
from reunify.queries.register import register_rows

SEPARATED = "separated"
Key = tuple[str, str]


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _ratio(hit: int, total: int) -> float | None:
    return hit / total if total else None


class _People:
    """Records of every true person and of every one of ours, and the majority maps."""

    def __init__(self, truth_dir: Path) -> None:
        truth = {(r["source"], r["record_id"]): r["person_id"]
                 for r in _read(truth_dir / "truth.identities.csv")}
        self.true_records: dict[str, set[Key]] = defaultdict(set)
        for key, true in truth.items():
            self.true_records[true].add(key)
        self.our_records: dict[str, set[Key]] = defaultdict(set)
        ours_to_true: dict[str, Counter] = defaultdict(Counter)
        true_to_ours: dict[str, Counter] = defaultdict(Counter)
        for source, record_id, person in identity_rows():
            self.our_records[person].add((source, record_id))
            true = truth.get((source, record_id))
            if true is not None:
                ours_to_true[person][true] += 1
                true_to_ours[true][person] += 1
        self.ours_to_true = {p: c.most_common(1)[0][0] for p, c in ours_to_true.items()}
        self.true_to_ours = {t: c.most_common(1)[0][0] for t, c in true_to_ours.items()}


def _families_whole(people: _People, true_families: dict[str, set[str]],
                    our_families: dict[str, set[str]]) -> int:
    """True families one of our families holds exactly: the same records, no more and no
    fewer, grouped into persons exactly as truth groups them (no one split, no one merged)."""
    def shape(records_of: dict[str, set[Key]], members: set[str]) -> frozenset:
        return frozenset(frozenset(records_of.get(m, ())) for m in members) - {frozenset()}

    found = {shape(people.our_records, members) for members in our_families.values()}
    return sum(1 for members in true_families.values()
               if shape(people.true_records, members) in found)


def _true_statuses(truth_dir: Path) -> tuple[dict[str, str] | None, str | None]:
    """True person → status as of the batch's as-of day, and which file said so."""
    for name in ("truth.status.csv", "truth.register.csv"):
        if (truth_dir / name).is_file():
            return {r["person_id"]: r["status"] for r in _read(truth_dir / name)}, name
    return None, None


def score_families(truth_dir: Path, as_of: dt.date) -> dict:
    """Family and register quality against the truth files in ``truth_dir``.

    - ``families_whole``: share of true families (``truth.families.csv``) that one of our
      families holds exactly — exactly their records, grouped into persons as truth groups them;
    - ``child_status_accuracy``: share of true children present in the batch (a child of
      ``truth.families.csv`` with a record) whose register status is their true one
      (``truth.status.csv``); a child missing from our register counts as wrong;
    - ``separated_children_recall``: share of those children truly ``separated`` whom our
      register shows ``separated``;
    - ``separated_children_precision``: share of the children (our families' role) our register
      shows ``separated`` who represent a child truly ``separated`` (a child split into two
      persons counts once right, once wrong);
    - ``ever_separated_children_recall``/``_precision``: the same for "ever separated"
      (``separated_since``), when ``truth.register.csv`` gives it;
    - ``unaccompanied_reported_separated``: truly unaccompanied children (``truth.persons.csv``)
      our register shows separated (should be 0).

    A measure that cannot be scored is left out; ``not_scored`` says why.
    """
    people = _People(truth_dir)
    notes: list[str] = []
    scores: dict = {}
    our_families: dict[str, set[str]] = defaultdict(set)
    our_roles: dict[str, str] = {}
    for row in family_rows():
        our_families[row["family_id"]].add(row["person_id"])
        our_roles[row["person_id"]] = row["role"]
    true_families: dict[str, set[str]] = defaultdict(set)
    true_roles: dict[str, str] = {}
    if (truth_dir / "truth.families.csv").is_file():
        for row in _read(truth_dir / "truth.families.csv"):
            true_families[row["family_id"]].add(row["person_id"])
            true_roles[row["person_id"]] = row["role"]
        scores.update(true_families=len(true_families), our_families=len(our_families),
                      families_whole=_ratio(_families_whole(people, true_families,
                                                            our_families),
                                            len(true_families)))
    else:
        notes.append("no truth.families.csv: families and child statuses not scored")

    register = {}
    for row in register_rows(as_of):
        register.setdefault(row["person_id"], row)
    statuses, status_file = _true_statuses(truth_dir)
    if statuses is None and true_roles:
        notes.append("no truth.status.csv (nor truth.register.csv): child statuses not scored")
    if statuses is not None and true_roles:
        scores["status_truth"] = status_file
        scores.update(_status_scores(people, true_roles, statuses, register, our_roles, notes))
        if (truth_dir / "truth.register.csv").is_file():
            scores.update(_ever_separated(people, truth_dir, true_roles, register, our_roles))
    if (truth_dir / "truth.persons.csv").is_file():
        unaccompanied = 0
        for row in _read(truth_dir / "truth.persons.csv"):
            if row.get("kind") != "unaccompanied_child":
                continue
            ours = register.get(people.true_to_ours.get(row["person_id"], ""))
            if ours and (ours["status"] == SEPARATED or ours["separated_since"]):
                unaccompanied += 1
        scores["unaccompanied_reported_separated"] = unaccompanied
    else:
        notes.append("no truth.persons.csv: unaccompanied children not scored")
    if notes:
        scores["not_scored"] = notes
    return {k: v for k, v in scores.items() if v is not None}


def _status_scores(people: _People, true_roles: dict[str, str], statuses: dict[str, str],
                   register: dict[str, dict], our_roles: dict[str, str],
                   notes: list[str]) -> dict:
    children = [t for t, role in true_roles.items()
                if role == "child" and people.true_records.get(t)]
    scored = [t for t in children if t in statuses]
    if len(scored) < len(children):
        notes.append(f"{len(children) - len(scored)} true children have no true status: "
                     "left out")
    if not scored:
        notes.append("no true child with a record and a status: child statuses not scored")
    confusion: Counter = Counter()
    right = truly_separated = found = 0
    for t in scored:
        ours = register.get(people.true_to_ours.get(t, ""))
        status = ours["status"] if ours else "missing"
        confusion[f"{statuses[t]}->{status}"] += 1
        right += status == statuses[t]
        if statuses[t] == SEPARATED:
            truly_separated += 1
            found += status == SEPARATED
    reported = [p for p, row in register.items()
                if our_roles.get(p) == "child" and row["status"] == SEPARATED]
    reported_right = sum(1 for p in reported if _represents(people, p, true_roles, statuses))
    return {
        "truth_children": len(scored),
        "child_status_accuracy": _ratio(right, len(scored)),
        "separated_children": truly_separated,
        "separated_children_recall": _ratio(found, truly_separated),
        "separated_children_reported": len(reported),
        "separated_children_precision": _ratio(reported_right, len(reported)),
        "status_errors": {k: v for k, v in sorted(confusion.items())
                          if k.split("->")[0] != k.split("->")[1]} if scored else None,
    }


def _represents(people: _People, person: str, true_roles: dict[str, str],
                statuses: dict[str, str]) -> bool:
    """Whether our ``person`` is the representative of a true child truly separated."""
    true = people.ours_to_true.get(person)
    return (true is not None and people.true_to_ours.get(true) == person
            and true_roles.get(true) == "child" and statuses.get(true) == SEPARATED)


def _ever_separated(people: _People, truth_dir: Path, true_roles: dict[str, str],
                    register: dict[str, dict], our_roles: dict[str, str]) -> dict:
    ever = {r["person_id"] for r in _read(truth_dir / "truth.register.csv")
            if r.get("separated_since") and true_roles.get(r["person_id"]) == "child"}
    found = sum(1 for t in ever
                if (register.get(people.true_to_ours.get(t, "")) or {}).get("separated_since"))
    reported = [p for p, row in register.items()
                if our_roles.get(p) == "child" and row["separated_since"]]
    right = sum(1 for p in reported if people.ours_to_true.get(p) in ever
                and people.true_to_ours.get(people.ours_to_true[p]) == p)
    return {"ever_separated_children_recall": _ratio(found, len(ever)),
            "ever_separated_children_precision": _ratio(right, len(reported))}
