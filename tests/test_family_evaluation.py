"""Scoring families and the register against a simulated batch's truth files."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from family_store import StoreBuilder
from reunify.actions.family import build_families
from reunify.queries.family_evaluation import score_families

pytestmark = pytest.mark.django_db


def _write(path: Path, columns: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        writer.writerows(rows)


def _truth(tmp_path: Path, *, b_child_status: str) -> Path:
    _write(tmp_path / "truth.identities.csv", ["source", "record_id", "person_id"], [
        ["border", "a-p", "T1"], ["border", "a-c0", "T2"], ["border", "b-p", "T3"],
        ["border", "b-c0", "T4"], ["shelter", "b-c0x", "T4"], ["shelter", "u1", "T5"],
    ])
    _write(tmp_path / "truth.families.csv", ["family_id", "person_id", "role"], [
        ["FA", "T1", "parent"], ["FA", "T2", "child"], ["FB", "T3", "parent"],
        ["FB", "T4", "child"],
    ])
    _write(tmp_path / "truth.persons.csv", ["person_id", "kind"], [
        ["T1", "family_member"], ["T2", "family_member"], ["T3", "family_member"],
        ["T4", "family_member"], ["T5", "unaccompanied_child"],
    ])
    _write(tmp_path / "truth.register.csv",
           ["family_id", "person_id", "status", "separated_since"], [
               ["FA", "T1", "separated", "2018-05-10"], ["FA", "T2", "separated", "2018-05-10"],
               ["FB", "T3", "together", ""], ["FB", "T4", b_child_status, ""],
           ])
    return tmp_path


def _store() -> None:
    store = StoreBuilder()
    for tag in ("a", "b"):
        store.border_family(tag)
        for record in (f"{tag}-p", f"{tag}-c0"):
            store.event("border", record, "apprehended", "2018-05-09", custodian="CBP")
    store.event("border", "a-p", "separated", "2018-05-10", custodian="CBP")
    store.event("border", "a-c0", "separated", "2018-05-10", custodian="CBP")
    # The linker split family B's child: the shelter record is a person of its own.
    store.person("shelter", "b-c0x", given="Niño0", family="López b", birth_date="2014-05-06")
    store.person("shelter", "u1", given="Ana", family="Ruiz", birth_date="2004")
    store.event("shelter", "u1", "placed", "2018-05-02", custodian="ORR")
    build_families(actor="tester")


def test_scores_on_a_small_season(tmp_path):
    """Both families are found whole, statuses match, the lone child is not called separated."""
    _store()
    scores = score_families(_truth(tmp_path, b_child_status="together"), dt.date(2018, 6, 1))
    assert scores["true_families"] == 2
    assert scores["our_families"] == 2
    assert scores["families_whole"] == 1.0
    assert scores["child_status_accuracy"] == 1.0
    assert scores["separated_children"] == 1
    assert scores["separated_children_recall"] == 1.0
    assert scores["separated_children_precision"] == 1.0
    assert scores["unaccompanied_reported_separated"] == 0
    assert scores["status_errors"] == {}


def test_status_disagreements_are_counted(tmp_path):
    """A child whose true status differs from ours lowers the accuracy and is listed."""
    _store()
    scores = score_families(_truth(tmp_path, b_child_status="released"), dt.date(2018, 6, 1))
    assert scores["child_status_accuracy"] == 0.5
    assert scores["status_errors"] == {"released->together": 1}
