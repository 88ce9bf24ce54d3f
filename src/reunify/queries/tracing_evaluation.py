"""Scoring the stored matches against a simulated season's ``truth.inquiries.csv``, beside a
plain name search in the records (what operators did in 2018: exact given and family name)."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

from reunify.models import Identity, InquiryCandidate, InquiryRecord, PersonRecord
from reunify.rules.names import fold
from reunify.rules.tracing import match_scores


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _sought(truth_dir: Path) -> dict[tuple[str, str], frozenset | None]:
    """Inquiry → our persons holding the sought person's records (None: never recorded)."""
    ours = dict(((s, r), p) for s, r, p in Identity.objects.values_list(
        "source", "record_id", "person_id").iterator(chunk_size=20_000))
    persons_of: dict[str, set[int]] = defaultdict(set)
    for row in _read(truth_dir / "truth.identities.csv"):
        person = ours.get((row["source"], row["record_id"]))
        if person is not None:
            persons_of[row["person_id"]].add(person)
    return {(r["source"], r["inquiry_id"]): (frozenset(persons_of.get(r["person_id"], ()))
                                             if r["person_id"] else None)
            for r in _read(truth_dir / "truth.inquiries.csv")}


def tracing_scores(truth_dir: Path) -> dict[str, dict]:
    """The tracing sections of ``reunify evaluate``, when the batch has inquiry truth."""
    if not (truth_dir / "truth.inquiries.csv").is_file():
        return {}
    from reunify.models import Inquiry

    if Inquiry.objects.filter(matched_at=None).exists() or not Inquiry.objects.exists():
        return {"tracing": {"note": "inquiries not matched yet (run `reunify tracing match`)"}}
    return score_matches(truth_dir)


def score_matches(truth_dir: Path) -> dict[str, dict]:
    """``tracing`` (the stored matches) and ``name_search`` (the 2018 practice) scores."""
    sought = _sought(truth_dir)
    ranked: dict[tuple[str, str], list[tuple[int, float]]] = defaultdict(list)
    for source, inquiry_id, person, probability in (
            InquiryCandidate.objects.order_by("inquiry__source", "inquiry__inquiry_id", "rank")
            .values_list("inquiry__source", "inquiry__inquiry_id", "person_id",
                         "probability")):
        ranked[(source, inquiry_id)].append((person, probability))
    asked_by = dict(((s, i), r) for s, i, r in InquiryRecord.objects.filter(
        is_current=True).values_list("source", "inquiry_id", "relation"))
    parents = {k: v for k, v in sought.items() if asked_by.get(k) in ("parent", "guardian")}
    others = {k: v for k, v in sought.items() if k not in parents}
    return {"tracing": match_scores(ranked, sought),
            "name_search": match_scores(name_search(), sought),
            "tracing_asked_by_parents": match_scores(ranked, parents),
            "tracing_asked_by_others": match_scores(ranked, others)}


def name_search() -> dict[tuple[str, str], list[tuple[int, float]]]:
    """For each inquiry, the persons of records whose given and family names equal the
    inquiry's (case and accents folded), in record order; every hit counts as sure (1.0)."""
    ours = dict(((s, r), p) for s, r, p in Identity.objects.values_list(
        "source", "record_id", "person_id").iterator(chunk_size=20_000))
    by_name: dict[tuple[str, str], list[int]] = defaultdict(list)
    for source, record_id, family, given in PersonRecord.objects.filter(
            is_current=True).order_by("pk").values_list(
            "source", "record_id", "family_name", "given_name").iterator(chunk_size=20_000):
        person = ours.get((source, record_id))
        if person is not None:
            by_name[(fold(given), fold(family))].append(person)
    found = {}
    for source, inquiry_id, family, given in InquiryRecord.objects.filter(
            is_current=True).values_list("source", "inquiry_id", "sought_family_name",
                                         "sought_given_name"):
        persons = list(dict.fromkeys(by_name.get((fold(given), fold(family)), [])))
        found[(source, inquiry_id)] = [(p, 1.0) for p in persons]
    return found
