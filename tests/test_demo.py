"""``reunify demo`` — what ``make run`` does — works end to end and can be run again."""

from __future__ import annotations

import pytest


@pytest.mark.slow
def test_demo_runs_end_to_end_and_again(run_cli, tmp_path):
    """Simulate, ingest, link, build families, print the register and a verified ledger; twice."""
    out = tmp_path / "season"
    first = run_cli("demo", "--families", "40", "--seed", "7", "--out", str(out))
    assert first.returncode == 0, first.stderr
    assert "Records per source" in first.stdout
    assert "Separation register as of 2018-09-30" in first.stdout
    assert "children still separated" in first.stdout
    assert "verified" in first.stdout
    assert "batch 1 committed" in first.stdout

    again = run_cli("demo", "--families", "40", "--seed", "7", "--out", str(out))
    assert again.returncode == 0, again.stderr
    assert "batch 2 committed" not in again.stdout  # the same files change nothing
    assert "already ingested" in again.stdout
    assert "verified" in again.stdout


def test_evaluate_scores_the_demo_against_truth(run_cli, tmp_path):
    """``reunify evaluate`` reads the truth files and reports pairwise identity scores."""
    import json

    out = tmp_path / "season"
    assert run_cli("demo", "--families", "25", "--seed", "3", "--out", str(out)).returncode == 0
    result = run_cli("evaluate", str(out), "--json")
    assert result.returncode == 0, result.stderr
    scores = json.loads(result.stdout)
    assert scores["identities"]["records_without_identity"] == 0
    assert scores["identities"]["precision"] >= 0.99
    assert scores["identities"]["recall"] >= 0.95
    assert 0.0 <= scores["families"]["families_whole"] <= 1.0


def test_evaluate_refuses_a_folder_without_truth(run_cli, tmp_path):
    """A folder without truth files is bad input: exit 2 and a message naming the file."""
    result = run_cli("evaluate", str(tmp_path))
    assert result.returncode == 2
    assert "truth.identities.csv" in result.stderr


def test_export_identities_writes_the_spec_columns(run_cli, tmp_path):
    """``reunify export identities`` writes source, record_id, person_id for every record."""
    import csv

    out = tmp_path / "season"
    assert run_cli("demo", "--families", "15", "--seed", "5", "--out", str(out)).returncode == 0
    target = tmp_path / "identities.csv"
    result = run_cli("export", "identities", "--out", str(target))
    assert result.returncode == 0, result.stderr
    with target.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    with (out / "truth.identities.csv").open(encoding="utf-8", newline="") as handle:
        truth = {(r["source"], r["record_id"]) for r in csv.DictReader(handle)}
    assert list(rows[0]) == ["source", "record_id", "person_id"]
    assert {(r["source"], r["record_id"]) for r in rows} == truth
    assert all(r["person_id"].startswith("P") for r in rows)


def test_export_identities_right_after_ingest_lists_every_record(run_cli, tmp_path):
    """Records ingested before any link run: ``ingest`` gave each a person (incremental
    linking), so ``export identities`` lists every record of the batch at once."""
    import csv

    from reunify.simulator import simulate

    season = tmp_path / "season"
    simulate(season, families=3, seed=11)
    ingested = run_cli("ingest", str(season))
    assert ingested.returncode == 0, ingested.stderr
    assert "new persons" in ingested.stdout + ingested.stderr
    result = run_cli("export", "identities", "--out", str(tmp_path / "ids.csv"))
    assert result.returncode == 0, result.stderr
    with (tmp_path / "ids.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    with (season / "truth.identities.csv").open(encoding="utf-8", newline="") as handle:
        truth = {(r["source"], r["record_id"]) for r in csv.DictReader(handle)}
    assert {(r["source"], r["record_id"]) for r in rows} == truth
    assert all(r["person_id"].startswith("P") for r in rows)
