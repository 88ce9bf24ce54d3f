"""Pairwise precision and recall of a clustering against the truth.

Two records are a *pair* when they belong to one person. Precision is the share of predicted
pairs that are true pairs, recall the share of true pairs that were predicted. Pairs are counted
from cluster sizes (n·(n-1)/2 per cluster and per intersection of a predicted and a true
cluster), so no list of pairs is ever made: a million records score in seconds.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def pairwise_scores(predicted: Mapping[Hashable, Hashable],
                    truth: Mapping[Hashable, Hashable]) -> dict:
    """Score ``predicted`` (record key → cluster) against ``truth`` (record key → cluster).

    Only records present in both are scored; how many were in one only is reported.
    Returns ``precision``, ``recall``, ``f1``, the pair counts (``true_positive_pairs``,
    ``predicted_pairs``, ``true_pairs``), ``records`` scored, ``predicted_clusters``,
    ``true_clusters``, ``only_predicted`` and ``only_truth``. With no pairs on a side its
    measure is 1.0 (nothing claimed, nothing wrong; nothing to find, nothing missed).
    """
    keys = [k for k in predicted if k in truth]
    predicted_sizes = Counter(predicted[k] for k in keys)
    true_sizes = Counter(truth[k] for k in keys)
    both = Counter((predicted[k], truth[k]) for k in keys)
    true_positive = sum(_pairs(n) for n in both.values())
    predicted_pairs = sum(_pairs(n) for n in predicted_sizes.values())
    true_pairs = sum(_pairs(n) for n in true_sizes.values())
    precision = true_positive / predicted_pairs if predicted_pairs else 1.0
    recall = true_positive / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "true_positive_pairs": true_positive,
        "predicted_pairs": predicted_pairs,
        "true_pairs": true_pairs,
        "records": len(keys),
        "predicted_clusters": len(predicted_sizes),
        "true_clusters": len(true_sizes),
        "only_predicted": len(predicted) - len(keys),
        "only_truth": sum(1 for k in truth if k not in predicted),
    }
