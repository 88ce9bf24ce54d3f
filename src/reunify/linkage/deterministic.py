"""The deterministic linker: exact keys only, for a first answer and as a baseline.

Two records are one person when their normalised A-numbers are equal, or when their full names
(phonetic keys of every name word) and birth dates are equal. No training, no review pairs.
"""

from __future__ import annotations

import json
from collections import defaultdict
from itertools import combinations

#: The weight a rule's pair gets (any weight above the clustering threshold would do).
A_NUMBER_WEIGHT, NAME_AND_BIRTH_WEIGHT = 20.0, 15.0
#: Keys shared by more records than this are not evidence (a placeholder A-number, say).
MAX_SHARED = 50


def _rules(f: dict) -> list[tuple[str, object]]:
    out: list[tuple[str, object]] = []
    if f["a_number"]:
        out.append(("a_number", f["a_number"]))
    if f["full_name"] and f["birth_date"]:
        out.append(("name_and_birth", (f["full_name"], f["birth_date"])))
    return out


def score(features: list[dict]) -> list[tuple[float, int, int, str]]:
    """Pairs that share a rule's key: ``(weight, i, j, rule)``, one per pair (strongest rule)."""
    by_key: dict[tuple[str, object], list[int]] = defaultdict(list)
    for f in features:
        for rule in _rules(f):
            by_key[rule].append(f["unique_id"])
    best: dict[tuple[int, int], tuple[float, str]] = {}
    for (rule, _value), ids in by_key.items():
        if len(ids) < 2 or len(ids) > MAX_SHARED:
            continue
        weight = A_NUMBER_WEIGHT if rule == "a_number" else NAME_AND_BIRTH_WEIGHT
        for i, j in combinations(sorted(ids), 2):
            if best.get((i, j), (0.0, ""))[0] < weight:
                best[(i, j)] = (weight, rule)
    return [(w, i, j, rule) for (i, j), (w, rule) in sorted(best.items())]


def comparisons(left: dict, right: dict) -> list[dict]:
    """The deterministic rules applied to one pair, as comparisons (``name``, ``level``,
    ``weight``)."""
    same_a = bool(left["a_number"]) and left["a_number"] == right["a_number"]
    same_nb = bool(left["full_name"] and left["birth_date"]) and (
        (left["full_name"], left["birth_date"]) == (right["full_name"], right["birth_date"]))
    return [
        {"name": "a_number", "level": "exact" if same_a else "not equal",
         "weight": A_NUMBER_WEIGHT if same_a else 0.0},
        {"name": "name_and_birth", "level": "exact" if same_nb else "not equal",
         "weight": NAME_AND_BIRTH_WEIGHT if same_nb else 0.0},
    ]


def model_json() -> str:
    """The deterministic model, described as JSON (it has no trained parameters)."""
    return json.dumps({"engine": "deterministic", "rules": [
        {"name": "a_number", "rule": "normalised A-numbers equal", "weight": A_NUMBER_WEIGHT},
        {"name": "name_and_birth", "rule": "phonetic keys of all name words and birth date "
         "equal", "weight": NAME_AND_BIRTH_WEIGHT},
    ], "max_shared_key": MAX_SHARED}, sort_keys=True, indent=1)
