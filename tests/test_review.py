"""The review queue: decisions are stored for good, ledgered, and bind every later run."""

from __future__ import annotations

import json

import pytest

from reunify.actions.ingest import ingest_paths
from reunify.actions.link import link
from reunify.actions.review import StaleReview, decide_pair, decide_records
from reunify.cli.main import main
from reunify.models import Identity, LedgerEntry, LinkDecision, ReviewPair
from reunify.queries.review_queue import pair_version
from reunify.simulator import simulate

pytestmark = pytest.mark.django_db


def _person(source: str, record_id: str) -> int:
    return Identity.objects.get(source=source, record_id=record_id).person_id


def _ends(pair: ReviewPair) -> tuple[tuple[str, str], tuple[str, str]]:
    return (pair.left_source, pair.left_record_id), (pair.right_source, pair.right_record_id)


@pytest.mark.slow
def test_review_decisions_bind_the_next_run(tmp_path):
    """Uncertain pairs wait in the queue with their weights; an accepted pair is one person
    and a rejected pair two people in the next run, and neither comes back for review."""
    simulate(tmp_path, families=150, seed=5)
    ingest_paths([tmp_path], actor="tester")
    link(actor="tester", engine="splink")
    open_pairs = list(ReviewPair.objects.filter(status=ReviewPair.OPEN).order_by("pk"))
    assert len(open_pairs) >= 3
    for pair in open_pairs:
        names = [c["name"] for c in pair.comparisons]
        assert names[0] == "prior"
        assert "given_name" in names
        assert "birth_date" in names
        assert sum(c["weight"] for c in pair.comparisons) == pytest.approx(pair.match_weight,
                                                                           abs=0.05)
        assert _person(*_ends(pair)[0]) != _person(*_ends(pair)[1])
    accepted, rejected = open_pairs[0], open_pairs[1]
    decide_pair(accepted.pk, "same", reason="same mother named in both interviews",
                actor="caseworker", expected_version=pair_version(accepted.pk, "open"))
    decide_pair(rejected.pk, "different", reason="different fathers", actor="caseworker")
    with pytest.raises(StaleReview):
        decide_pair(accepted.pk, "different", reason="second thoughts", actor="other")
    accepted.refresh_from_db()
    assert accepted.status == ReviewPair.ACCEPTED
    assert LinkDecision.objects.count() == 2
    entries = [json.loads(e.body) for e in LedgerEntry.objects.filter(type="link.decision")]
    assert {e["payload"]["review_pair"] for e in entries} == {accepted.pk, rejected.pk}

    run = link(actor="tester", engine="splink")
    assert _person(*_ends(accepted)[0]) == _person(*_ends(accepted)[1])
    assert _person(*_ends(rejected)[0]) != _person(*_ends(rejected)[1])
    assert run.stats["must_link"] == 1
    assert run.stats["cannot_link"] >= 1
    reopened = {(p.left_record_id, p.right_record_id) for p in
                ReviewPair.objects.filter(status=ReviewPair.OPEN)}
    assert (accepted.left_record_id, accepted.right_record_id) not in reopened
    assert (rejected.left_record_id, rejected.right_record_id) not in reopened
    assert ReviewPair.objects.filter(status=ReviewPair.SUPERSEDED).exists()


def test_decisions_need_a_reason_and_known_records(tmp_path):
    """A decision without a reason, of an unknown kind, or about an unknown record is refused;
    none is stored."""
    from link_batches import ingest_records, person

    ingest_records(tmp_path, [person("border", "a", "Ana", "Ruiz", "1990"),
                              person("docket", "b", "Ana", "Ruiz", "1990")])
    with pytest.raises(ValueError, match="reason"):
        decide_records(("border", "a"), ("docket", "b"), "same", reason=" ", actor="x")
    with pytest.raises(ValueError, match="decision"):
        decide_records(("border", "a"), ("docket", "b"), "maybe", reason="r", actor="x")
    with pytest.raises(ValueError, match="no person-record"):
        decide_records(("border", "a"), ("docket", "zz"), "same", reason="r", actor="x")
    assert not LinkDecision.objects.exists()
    decide_records(("border", "a"), ("docket", "b"), "different", reason="two women",
                   actor="x")
    link(actor="tester", engine="deterministic")
    assert _person("border", "a") != _person("docket", "b")


def test_review_cli_lists_shows_and_decides(tmp_path, capsys):
    """`reunify review list|show|accept` on a pair: side by side (where each source first
    held the person among the fields), weights, then decided."""
    from link_batches import ingest_records, person

    ingest_records(tmp_path, [person("border", "a", "Ana", "Ruiz", "1990-01-02"),
                              person("docket", "b", "ANA", "RUIZ", "1990")],
                   events=[{"source": "border", "event_id": "e1", "record_id": "a",
                            "type": "apprehended", "at": "2018-06-01",
                            "facility": "Clint Station"}])
    run = link(actor="tester", engine="deterministic")
    pair = ReviewPair.objects.create(
        run=run, left_source="border", left_record_id="a", right_source="docket",
        right_record_id="b", match_weight=0.5, match_probability=0.59,
        comparisons=[{"name": "given_name", "level": "same", "weight": 3.0}])
    assert main(["review", "list"]) == 0
    assert "border:a" in capsys.readouterr().out
    assert main(["review", "show", str(pair.pk)]) == 0
    shown = capsys.readouterr().out
    assert "1990-01-02" in shown
    assert "facility" in shown
    assert "Clint Station" in shown
    assert "given_name" in shown
    assert "+3.00" in shown
    assert main(["review", "accept", str(pair.pk), "--reason", "same A-file",
                 "--as", "caseworker"]) == 0
    assert LinkDecision.objects.get().actor == "caseworker"
    assert main(["review", "reject", str(pair.pk), "--reason", "x", "--as", "c"]) == 1
    assert main(["review", "show", "999999"]) == 2
