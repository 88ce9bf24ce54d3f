"""Tracing rules (pure): an inquiry's lifecycle table, match scores, references, simulator."""

from __future__ import annotations

import csv

import pytest

from reunify.linkage.inquiry import (
    MIN_PROBABILITY,
    rank_persons,
    sought_record,
)
from reunify.rules.tracing import match_scores, next_status, normal_reference
from reunify.simulator import simulate


def _rows(path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_lifecycle_table():
    """Confirming finds; rejecting the person found reopens; rejecting another changes nothing;
    a closed inquiry takes no decision."""
    assert next_status("open", "confirmed", about_found=False) == "found"
    assert next_status("found", "rejected", about_found=True) == "open"
    assert next_status("found", "rejected", about_found=False) == "found"
    with pytest.raises(ValueError, match="closed"):
        next_status("closed", "confirmed", about_found=False)


def test_match_scores():
    """Top-1 and top-5 over requests about someone recorded; false-confident over the others:
    a candidate at 0.5 or more for someone never recorded."""
    sought = {("h", "1"): frozenset({7}), ("h", "2"): frozenset({8}), ("h", "3"): None,
              ("h", "4"): None}
    ranked = {("h", "1"): [(7, 0.9)], ("h", "2"): [(1, 0.4), (8, 0.3)], ("h", "3"): [(2, 0.5)],
              ("h", "4"): [(3, 0.49)]}
    scores = match_scores(ranked, sought)
    assert (scores["top1"], scores["top5"], scores["false_confident"]) == (0.5, 1.0, 0.5)


def test_reference_as_spoken():
    """A reference said or typed loosely reads as its written form; a short one as nothing."""
    assert normal_reference("t 4k7m 9x2p") == "T-4K7M-9X2P"
    assert normal_reference("T-4K7M-9X2") == ""


def test_an_age_becomes_the_likelier_birth_year():
    """Aged 14 in May 2018: born in 2003 (more likely than 2004), an estimated bare year."""
    record = sought_record({"source": "hotline", "inquiry_id": "q", "at": "2018-05-16",
                            "sought_given_name": "Ana", "sought_age": "14"})
    assert record["birth_date"] == "2003"
    assert record["source"] == "inquiry:hotline"


def test_persons_compete_for_the_probability():
    """Two equally good candidates are each at most even odds, and nobody under the floor is
    kept; a person counts with their best record."""
    comparisons = [{"name": "prior", "level": "", "weight": -10.0}]
    scored = [(1, 12.0, 0.99, comparisons, 10), (1, 3.0, 0.9, comparisons, 11),
              (2, 12.0, 0.99, comparisons, 20), (3, -9.0, 0.0, comparisons, 30)]
    ranked = rank_persons(scored)
    assert [c.person for c in ranked] == [1, 2]
    assert all(c.probability < 0.5 for c in ranked)
    assert all(c.probability >= MIN_PROBABILITY for c in ranked)
    assert ranked[0].record == 10


def test_simulator_writes_inquiries_and_their_truth(tmp_path):
    """Inquiries come in by several channels with the spec's columns; the truth names the person
    sought (empty for a child never recorded), and every recorded one has records."""
    simulate(tmp_path, families=300, seed=3)
    truth = _rows(tmp_path / "truth.inquiries.csv")
    recorded = {r["person_id"] for r in _rows(tmp_path / "truth.identities.csv")}
    assert {r["source"] for r in truth} == {"hotline", "consulate", "ngo"}
    assert any(not r["person_id"] for r in truth)
    assert all(r["person_id"] in recorded for r in truth if r["person_id"])
    rows = _rows(tmp_path / "hotline.inquiries.csv")
    assert {r["relation"] for r in rows} >= {"parent"}
    assert any(r["sought_age"] for r in rows)
    assert any(len(r["sought_birth_date"]) == 4 for r in rows)


def test_a_child_first_held_after_the_call_is_less_likely():
    """A candidate first in custody after the inquiry was made counts against; one held
    before it proves nothing by itself; unknown custody says nothing."""
    from reunify.linkage.inquiry import custody_timing_comparison

    assert custody_timing_comparison(False, 0.7)["weight"] < -1
    assert custody_timing_comparison(True, 0.7)["weight"] == 0
    assert custody_timing_comparison(None, 0.7)["level"] == "unknown"
