"""Scoring families and the register against a batch's truth files (``reunify evaluate``)."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest

from family_store import StoreBuilder
from reunify.actions.family import build_families
from reunify.cli.main import main
from reunify.queries.family_evaluation import score_families

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2018, 6, 1)


def _write(path: Path, columns: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        writer.writerows(rows)


def _truth(tmp_path: Path, *, b_child_status: str = "together", status_file: bool = True,
           register_file: bool = False) -> Path:
    """Truth of two families (A separated, B together) and an unaccompanied child T5; the
    stranger T6 is a single adult with one docket record."""
    _write(tmp_path / "truth.identities.csv", ["source", "record_id", "person_id"], [
        ["border", "a-p", "T1"], ["docket", "a-p2", "T1"], ["border", "a-c0", "T2"],
        ["border", "b-p", "T3"], ["border", "b-c0", "T4"], ["shelter", "b-c0x", "T4"],
        ["shelter", "u1", "T5"], ["docket", "s1", "T6"],
    ])
    _write(tmp_path / "truth.families.csv", ["family_id", "person_id", "role"], [
        ["FA", "T1", "parent"], ["FA", "T2", "child"], ["FB", "T3", "parent"],
        ["FB", "T4", "child"],
    ])
    _write(tmp_path / "truth.persons.csv", ["person_id", "kind"], [
        ["T1", "family_member"], ["T2", "family_member"], ["T3", "family_member"],
        ["T4", "family_member"], ["T5", "unaccompanied_child"], ["T6", "single_adult"],
    ])
    statuses = [["T1", "separated"], ["T2", "separated"], ["T3", "together"],
                ["T4", b_child_status]]
    if status_file:
        _write(tmp_path / "truth.status.csv", ["person_id", "status"], statuses)
    if register_file:
        _write(tmp_path / "truth.register.csv",
               ["family_id", "person_id", "status", "separated_since"],
               [["FA" if p in ("T1", "T2") else "FB", p, s,
                 "2018-05-10" if s == "separated" else ""] for p, s in statuses])
    return tmp_path


def _store(*, split_child: bool = False, stranger: bool = False) -> None:
    """Families A and B as the linker found them: B's child whole or split in two persons;
    A's parent with or without a stranger's record merged in."""
    store = StoreBuilder()
    parents: dict[str, object] = {}
    children: dict[str, object] = {}
    for tag in ("a", "b"):
        parents[tag], (children[tag],) = store.border_family(tag)
        for record in (f"{tag}-p", f"{tag}-c0"):
            store.event("border", record, "apprehended", "2018-05-09", custodian="CBP")
    store.person("docket", "a-p2", same_as=parents["a"], given="María", family="López a")
    store.event("border", "a-p", "separated", "2018-05-10", custodian="CBP")
    store.event("border", "a-c0", "separated", "2018-05-10", custodian="CBP")
    # B's child's shelter record: the same person, or (split) a person of its own.
    store.person("shelter", "b-c0x", same_as=None if split_child else children["b"],
                 given="Niño0", family="López b", birth_date="2014-05-06")
    if stranger:
        store.person("docket", "s1", same_as=parents["a"], given="Marta", family="López")
    else:
        store.person("docket", "s1", given="Pedro", family="Ruiz", birth_date="1970")
    store.person("shelter", "u1", given="Ana", family="Ruiz", birth_date="2004")
    store.event("shelter", "u1", "placed", "2018-05-02", custodian="ORR")
    build_families(actor="tester")


def test_scores_on_a_small_season(tmp_path):
    """Both families found whole, statuses match, the lone child is not called separated."""
    _store()
    scores = score_families(_truth(tmp_path), AS_OF)
    assert scores["true_families"] == 2
    assert scores["our_families"] == 2
    assert scores["families_whole"] == 1.0
    assert scores["status_truth"] == "truth.status.csv"
    assert scores["truth_children"] == 2
    assert scores["child_status_accuracy"] == 1.0
    assert scores["separated_children"] == 1
    assert scores["separated_children_recall"] == 1.0
    assert scores["separated_children_precision"] == 1.0
    assert scores["unaccompanied_reported_separated"] == 0
    assert scores["status_errors"] == {}
    assert "not_scored" not in scores


def test_status_disagreements_are_counted(tmp_path):
    """A child whose true status differs from ours lowers the accuracy and is listed."""
    _store()
    scores = score_families(_truth(tmp_path, b_child_status="released"), AS_OF)
    assert scores["child_status_accuracy"] == 0.5
    assert scores["status_errors"] == {"released->together": 1}


def test_a_record_split_off_into_another_person_makes_a_family_not_whole(tmp_path):
    """B's child's shelter record is a person of its own: B's family lacks one of its records,
    so it is not found whole (A still is)."""
    _store(split_child=True)
    assert score_families(_truth(tmp_path), AS_OF)["families_whole"] == 0.5


def test_a_strangers_record_merged_in_makes_a_family_not_whole(tmp_path):
    """A stranger's docket record merged into A's parent: A holds one record too many, so it is
    not found whole, though that person still stands for A's parent by most records."""
    _store(stranger=True)
    assert score_families(_truth(tmp_path), AS_OF)["families_whole"] == 0.5


def test_missing_status_truth_is_said_not_scored(tmp_path):
    """Without truth.status.csv (nor truth.register.csv) no child status is scored — no 1.0
    from zero children — and a note says why."""
    _store()
    scores = score_families(_truth(tmp_path, status_file=False), AS_OF)
    for measure in ("child_status_accuracy", "separated_children_recall",
                    "separated_children_precision", "status_errors"):
        assert measure not in scores
    assert any("no truth.status.csv" in note for note in scores["not_scored"])
    assert scores["families_whole"] == 1.0


def test_status_file_is_preferred_to_the_register_file(tmp_path):
    """With both truth files, statuses come from truth.status.csv; the simulator's
    truth.register.csv alone stands in for it and adds the ever-separated measures."""
    _store()
    truth = _truth(tmp_path, register_file=True)
    (truth / "truth.register.csv").write_text(
        "family_id,person_id,status,separated_since\nFB,T4,removed,\n", encoding="utf-8")
    scores = score_families(truth, AS_OF)
    assert scores["status_truth"] == "truth.status.csv"
    assert scores["child_status_accuracy"] == 1.0
    (truth / "truth.status.csv").unlink()
    _truth(tmp_path, status_file=False, register_file=True)
    scores = score_families(truth, AS_OF)
    assert scores["status_truth"] == "truth.register.csv"
    assert scores["child_status_accuracy"] == 1.0
    assert scores["ever_separated_children_recall"] == 1.0


def test_evaluate_command_prints_no_score_for_a_missing_truth_file(tmp_path, capsys):
    """``reunify evaluate`` on a truth folder without status truth prints the scores it can
    and says plainly that child statuses were not scored; the JSON has no such measure."""
    _store()
    truth = _truth(tmp_path, status_file=False)
    (truth / "truth.persons.csv").unlink()
    assert main(["evaluate", str(truth), "--as-of", AS_OF.isoformat()]) == 0
    out = capsys.readouterr().out
    assert "families_whole" in out
    assert "child_status_accuracy" not in out
    assert "not scored: no truth.status.csv" in out
    assert "not scored: no truth.persons.csv" in out
    assert main(["evaluate", str(truth), "--as-of", AS_OF.isoformat(), "--json"]) == 0
    scores = json.loads(capsys.readouterr().out)
    assert "child_status_accuracy" not in scores["families"]
    assert scores["identities"]["records"] == 8


def test_evaluate_command_without_identity_truth_exits_2(tmp_path, capsys):
    """Without truth.identities.csv nothing can be scored: the command says so and exits 2."""
    _store()
    assert main(["evaluate", str(tmp_path)]) == 2
    assert "no truth.identities.csv" in capsys.readouterr().err
