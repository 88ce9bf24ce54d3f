"""`reunify explain`: the weights of every comparison of two records, and a waterfall chart."""

from __future__ import annotations

import pytest

from link_batches import ingest_records, person
from reunify.actions.link import link
from reunify.cli.main import main

pytestmark = pytest.mark.django_db

RECORDS = [
    person("border", "b1", "Baltazar", "Tzoc Caal", "1984-02-11", a_number="A201000001",
           sex="M"),
    person("detention", "d1", "BALTAZAR", "TZOK", "1984-11-02", a_number="201-000-001",
           sex="M"),
    person("docket", "k1", "José", "Hernández", "1990-05-05", sex="M"),
] + [person("shelter", f"s{i}", g, f, b, sex=s) for i, (g, f, b, s) in enumerate([
    ("Ana", "López", "2010-01-03", "F"), ("Luis", "Pérez", "2009", "M"),
    ("Carlos", "Xol", "2008-02-03", "M"), ("María", "García", "2011-07-08", "F"),
    ("José", "Hernández", "2012-05-05", "M"), ("Rosa", "Caal", "2013", "F"),
])]


def test_explain_prints_weights_and_draws_charts(tmp_path, capsys):
    """Every comparison's level and weight, the prior first, adding up to the match weight;
    --chart writes a PNG and an SVG."""
    ingest_records(tmp_path / "batch", RECORDS)
    link(actor="tester", engine="splink")
    png, svg = tmp_path / "w.png", tmp_path / "w.svg"
    assert main(["explain", "border:b1", "detention:ICE-none"]) == 2
    capsys.readouterr()
    assert main(["explain", "border:b1", "detention:d1", "--chart", str(png)]) == 0
    out = capsys.readouterr().out
    for word in ("prior", "given_name", "family_name", "birth_date", "day and month swapped",
                 "a_number", "match weight"):
        assert word in out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert main(["explain", "border:b1", "docket:k1", "--chart", str(svg)]) == 0
    assert "<svg" in svg.read_text()
    assert main(["explain", "border:b1", "docket:k1", "--chart", str(tmp_path / "w.gif")]) == 2


def test_explain_before_any_run_fails(tmp_path, capsys):
    """Nothing to explain with before the first link run."""
    ingest_records(tmp_path, RECORDS[:2])
    assert main(["explain", "border:b1", "detention:d1"]) == 1


def test_a_model_stored_in_sparks_sql_is_read_in_duckdbs(tmp_path):
    """A model a Spark run stored before training moved to DuckDB is written in Spark's SQL;
    `explain` and tracing score with DuckDB, so they read it in DuckDB's SQL for the same
    levels: the same weights as the model written in DuckDB's."""
    import json

    from reunify.linkage import comparisons, engine
    from reunify.linkage.features import features
    from reunify.models.linkage import linkage_records

    ingest_records(tmp_path / "batch", RECORDS)
    run = link(actor="tester", engine="splink")
    feats = [features(i, r) for i, r in enumerate(linkage_records())]
    at = {f["record_id"]: f["unique_id"] for f in feats}
    left, right = feats[at["b1"]], feats[at["d1"]]
    spark = json.dumps(comparisons.in_dialect(json.loads(run.model_json), "spark"))
    assert "reunify_jaro_winkler" in spark
    assert engine.score_pair(spark, left, right) == engine.score_pair(run.model_json, left,
                                                                      right)
    pair = [(left["unique_id"], right["unique_id"])]
    weights = engine.score_listed(run.model_json, feats, pair).weights
    assert weights[pair[0]][0] > 0
    assert engine.score_listed(spark, feats, pair).weights == weights


def test_a_model_stored_before_the_place_comparison_still_reads_in_either_dialect(tmp_path):
    """A run's model stored before the ``place`` comparison existed (one comparison fewer)
    is still read in Spark's dialect and back: comparisons are matched by name, and it scores
    a pair as it did (the records' places are there, the old model does not read them)."""
    import json

    from reunify.linkage import comparisons, engine
    from reunify.linkage.features import features
    from reunify.models.linkage import linkage_records

    ingest_records(tmp_path / "batch", RECORDS)
    run = link(actor="tester", engine="splink")
    model = json.loads(run.model_json)
    model["comparisons"] = [c for c in model["comparisons"]
                            if c["output_column_name"] != "place"]
    old = json.dumps(model)
    feats = [features(i, r) for i, r in enumerate(linkage_records())]
    at = {f["record_id"]: f for f in feats}
    spark = comparisons.in_dialect(json.loads(old), "spark")
    assert [c["output_column_name"] for c in spark["comparisons"]] == [
        c["output_column_name"] for c in model["comparisons"]]
    back = json.dumps(comparisons.in_dialect(spark, "duckdb"))
    assert engine.score_pair(back, at["b1"], at["d1"]) == engine.score_pair(old, at["b1"],
                                                                          at["d1"])
