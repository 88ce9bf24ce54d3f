"""The Spark backend (REUNIFY_LINKAGE_BACKEND=spark) links a small batch end to end."""

from __future__ import annotations

import json
import os

import pytest

from reunify.linkage import comparisons, engine
from reunify.linkage.batch_files import read_batch, read_profiles, read_truth
from reunify.linkage.features import features
from reunify.linkage.resolution import resolve
from reunify.rules.scoring import pairwise_scores
from reunify.simulator import simulate

if not os.environ.get("CI"):
    # Outside CI the Spark extra is optional (`make test EXTRAS=dev,spark`); in CI it must run.
    pytest.importorskip("pyspark", reason="pyspark is an optional install (docs/linkage.md)")


@pytest.mark.slow
def test_spark_backend_matches_duckdb_on_a_small_batch(tmp_path):
    """Same records, same model, on Spark in local mode: the same persons as on DuckDB."""
    simulate(tmp_path, families=12, seed=4)
    records, relations = read_batch(tmp_path)
    profiles = read_profiles(tmp_path)
    on_spark = resolve(records, relations=relations, engine="splink", backend="spark",
                       profiles=profiles)
    on_duckdb = resolve(records, relations=relations, engine="splink", profiles=profiles)
    assert sorted(map(sorted, on_spark.clusters)) == sorted(map(sorted, on_duckdb.clusters))
    predicted = {key: n for n, cluster in enumerate(on_spark.clusters) for key in cluster}
    assert pairwise_scores(predicted, read_truth(tmp_path))["f1"] >= 0.95


@pytest.mark.slow
def test_spark_scores_with_the_model_trained_once_in_duckdb(tmp_path):
    """Training runs once, in DuckDB on the driver, whatever the backend: a run on Spark
    stores the same model as a run on DuckDB, byte for byte (every m and u probability, the
    prior), and scores the same candidate pairs with the same weights (the same functions and
    term frequencies on both). Trained on each backend, as before, the u sample and so the
    model differed."""
    simulate(tmp_path, families=12, seed=4)
    records, _relations = read_batch(tmp_path)
    feats = [features(i, r) for i, r in enumerate(records)]
    on_spark = engine.score(feats, backend="spark")
    on_duckdb = engine.score(feats)
    try:
        spark_model, duckdb_model = map(json.loads, (on_spark.model_json,
                                                     on_duckdb.model_json))
        assert comparisons.prior(spark_model) == comparisons.prior(duckdb_model)
        assert comparisons.labels(spark_model) == comparisons.labels(duckdb_model)
        assert on_spark.model_json == on_duckdb.model_json
        spark_weights = {(i, j): w for w, i, j in on_spark.edges}
        duckdb_weights = {(i, j): w for w, i, j in on_duckdb.edges}
        assert len(duckdb_weights) > len(feats) // 2
        assert spark_weights.keys() == duckdb_weights.keys()
        assert all(spark_weights[p] == pytest.approx(w, abs=1e-9)
                   for p, w in duckdb_weights.items())
    finally:
        on_spark.close()
        on_duckdb.close()


@pytest.mark.slow
def test_spark_scores_are_explained_from_its_own_predictions(tmp_path):
    """A pair scored on Spark is explained comparison by comparison from Spark's predictions
    (read back on demand, after the scored pairs came to the driver as three columns): the
    prior first, the weights adding up to the pair's match weight."""
    simulate(tmp_path, families=12, seed=4)
    records, _relations = read_batch(tmp_path)
    feats = [features(i, r) for i, r in enumerate(records)]
    model = engine.score(feats, backend="spark")
    try:
        assert model.edges
        assert all(i < j for _w, i, j in model.edges)
        strongest = sorted(model.edges, reverse=True)[:3]
        weakest = sorted(model.edges)[:2]
        explained = model.comparisons([(i, j) for _w, i, j in strongest + weakest])
        for weight, i, j in strongest + weakest:
            probability, comps = explained[(i, j)]
            assert comps[0]["name"] == "prior"
            assert {c["name"] for c in comps[1:]} >= {"given_name", "a_number", "birth_date"}
            assert sum(c["weight"] for c in comps) == pytest.approx(weight, abs=0.01)
            assert probability == pytest.approx(1 / (1 + 2 ** -weight), abs=1e-6)
    finally:
        model.close()
