"""Tracing rules (pure): an inquiry's lifecycle table, match scores, references, simulator."""

from __future__ import annotations

import csv
import datetime as dt

import pytest

from reunify.linkage.inquiry import (
    MIN_PROBABILITY,
    RecordIndex,
    one_surname_of,
    query_keys,
    rank_persons,
    sought_record,
    surname_keys_of,
)
from reunify.linkage.inquiry_evidence import age_comparison, carer_comparison
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


def test_an_age_finds_records_but_is_not_a_date():
    """Aged 14 in May 2018: records born in 2003 (likelier than 2004) are looked up, but the
    person sought has no birth date for the model to compare: the age is weighed apart."""
    record = sought_record({"source": "hotline", "inquiry_id": "q", "at": "2018-05-16",
                            "sought_given_name": "Ana", "sought_age": "14"})
    assert record["birth_date"] == ""
    assert record["age_year"] == "2003"
    assert record["source"] == "inquiry:hotline"
    assert any(key.endswith(":2003") for key in query_keys(record))


def test_an_age_is_weighed_against_the_ages_the_records_allow():
    """An age as told is evidence for, a year off a little, further off against; a bare year
    allows two ages; full dates count first; the model's bounds hold; no date says nothing."""
    on = dt.date(2018, 6, 1)

    def share(age):
        return 0.02

    told = age_comparison(9, on, ["2009-03-01"], share)
    assert told["weight"] > 4
    assert age_comparison(9, on, ["2008-03-01"], share)["level"] == "a year off the age given"
    assert age_comparison(9, on, ["2006-03-01"], share)["weight"] < -3
    # Born in 2008 (no day): aged 9 or 10 in June 2018.
    assert age_comparison(9, on, ["2008"], share)["weight"] == told["weight"]
    assert age_comparison(10, on, ["2008"], share)["weight"] == told["weight"]
    # A full date that disagrees outweighs a bare year of the same person that agrees.
    assert age_comparison(9, on, ["2009", "2005-02-02"], share)["weight"] < -3
    assert age_comparison(9, on, ["2009-03-01"], share, (-8.0, 2.5))["weight"] == 2.5
    assert age_comparison(9, on, ["2001-03-01"], share, (-3.0, 2.5))["weight"] == -3.0
    assert age_comparison(9, on, [""], share)["level"] == "unknown"


def test_one_surname_of_two_is_compared_alone():
    """A request naming one surname meets a record holding it among two as that surname
    alone; a record with one surname, another surname, or a request with two are left as
    they are."""
    asking = {"family_name": "Lopez", "given_name": "Ana"}
    both = {"family_name": "Tzul López", "given_name": "Ana Lucía"}
    assert one_surname_of(asking, both)["family_name"].casefold() == "lopez"
    assert one_surname_of(asking, both)["given_name"] == "Ana Lucía"
    assert one_surname_of(asking, {"family_name": "López", "given_name": "Ana"}) is None
    assert one_surname_of(asking, {"family_name": "Tzul Ajanel", "given_name": "Ana"}) is None
    assert one_surname_of({"family_name": "Tzul López", "given_name": "Ana"}, both) is None
    # A docket's "FAMILY, GIVEN" keeps its given name.
    docket = {"family_name": "TZUL LOPEZ, ANA", "given_name": ""}
    assert one_surname_of(asking, docket)["given_name"] == "ANA"


def test_one_surname_weighs_by_the_records_holding_it():
    """The term frequency of one surname alone is the share of records holding it, with
    another surname or not; two surnames keep their own frequency."""
    index = RecordIndex.build([(1, 1, "López", "Ana", "2010"), (2, 2, "Tzul López", "Ana", ""),
                               (3, 3, "Pérez López", "Luis", ""), (4, 4, "Tzul", "Eva", "")])
    lopez = " ".join(sorted(surname_keys_of("López")))
    both = " ".join(sorted(surname_keys_of("Tzul López")))
    tf = index.term_frequencies([{"surname_set": lopez}, {"surname_set": both}])
    assert tf["surname_set"][lopez] == 3 / 4
    assert tf["surname_set"][both] == 1 / 4
    assert index.age_share(8, dt.date(2018, 6, 1)) == 0.5


def test_equal_weights_are_ordered_by_evidence_not_by_id():
    """Two persons of equal best weight: the one whose second record agrees better comes
    first, whatever their ids; their probabilities stay equal."""
    comparisons = [{"name": "prior", "level": "", "weight": -10.0}]
    scored = [(1, 5.0, 0.9, comparisons, 10), (2, 5.0, 0.9, comparisons, 20),
              (2, 4.0, 0.8, comparisons, 21), (1, -3.0, 0.1, comparisons, 11)]
    ranked = rank_persons(scored)
    assert [c.person for c in ranked] == [2, 1]
    assert ranked[0].probability == ranked[1].probability


def test_an_unrecorded_parent_counts_a_little_against_a_child_with_recorded_parents():
    """A parent found among no persons, for a child whose recorded family has a parent: a
    little against (the asking parent may be the other one), never as much as the family
    found is for."""
    weight = carer_comparison()["weight"]
    assert -2 < weight < 0
    assert carer_comparison()["name"] == "inquirer_family"


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
    from reunify.linkage.inquiry_evidence import custody_timing_comparison

    assert custody_timing_comparison(False, 0.7)["weight"] < -1
    assert custody_timing_comparison(True, 0.7)["weight"] == 0
    assert custody_timing_comparison(None, 0.7)["level"] == "unknown"


def test_a_surname_said_may_be_a_recorded_parents():
    """A surname said that none of the child's records holds but a recorded parent's does is
    evidence for; one the child's records hold, or no parent holds, says nothing here."""
    from reunify.linkage.inquiry_evidence import carer_surname_comparison

    said = surname_keys_of("Díaz")
    garcia, diaz = set(surname_keys_of("García")), set(surname_keys_of("Díaz"))
    assert carer_surname_comparison(said, garcia, garcia | diaz, 0.05)["weight"] > 3
    assert carer_surname_comparison(said, diaz, diaz, 0.05)["weight"] == 0
    assert carer_surname_comparison(said, garcia, garcia, 0.05)["level"] == "unknown"
